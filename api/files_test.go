package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"testing"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// pngBytes is a real PNG image of 16×16 pixels.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadBody is a multipart/form-data body with one file part of the
// given name, type and bytes (and fields), and its Content-Type.
func uploadBody(t *testing.T, name, ctype string, data []byte, fields ...[2]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="doc"; filename="`+name+`"`)
	h.Set("Content-Type", ctype)
	pw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(data)
	_ = w.Close()
	return buf.String(), w.FormDataContentType()
}

// TestServeFiles: a file uploaded through a multipart endpoint, kept with
// file.keep, is answered by a respond step with its own type, size and
// name, streamed (larger than max_text_bytes, which bounds file.read);
// content_type as a template; a file no longer stored; and what POST
// /function and a calling function see, on both backends.
func TestServeFiles(t *testing.T) {
	img := pngBytes(t)
	size := strconv.Itoa(len(img))
	pngUp, pngType := uploadBody(t, "pixel.png", "image/png", img)
	intl, intlType := uploadBody(t, "résumé €.pdf", "application/pdf", []byte("%PDF-1.4 not really"))
	page, pageType := uploadBody(t, "page.html", "text/html", []byte("<script>alert(1)</script>"))
	temp, tempType := uploadBody(t, "temp.txt", "text/plain", []byte("short-lived"), [2]string{"keep", "false"})
	pngSum := sha256Hex(string(img))
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			files := t.TempDir()
			ts := newServerWith(t, b.open(t), engine.Config{FilesDir: files, Limits: engine.Limits{MaxTextBytes: 128}}, api.Config{}, "testdata/files")
			if len(img) <= 128 {
				t.Fatalf("the PNG is %d bytes; it must be larger than max_text_bytes to show the bytes are streamed", len(img))
			}
			id := "<id>"
			runIOCases(t, ts.URL, []ioCase{
				{name: "upload a PNG", method: "POST", url: "/files", ctype: pngType, body: pngUp, status: 200, want: `{"id": 1}`},
				{name: "upload a PDF with a non-ASCII name", method: "POST", url: "/files", ctype: intlType, body: intl, status: 200, want: `{"id": 2}`},
				{name: "upload an HTML page", method: "POST", url: "/files", ctype: pageType, body: page, status: 200, want: `{"id": 3}`},
				{name: "upload a file not kept", method: "POST", url: "/files", ctype: tempType, body: temp, status: 200, want: `{"id": 4}`},
			})
			// the retention of file 4's upload passes
			if n, err := value.SweepUploads(files, time.Now().Add(time.Hour)); err != nil || n != 1 {
				t.Fatalf("sweep: %d, %v", n, err)
			}
			pdfDisposition := `inline; filename="r_sum_ _.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf`
			notStored := func(name, path string) string {
				return `{"error": {"code": "file_not_found", "message": "file \"` + name + `\" is no longer stored: an upload is deleted after the upload retention unless a stack keeps it with file.keep, and file.delete deletes a file; keep the uploads you mean to serve with file.keep",
					"definition": "f_download", "path": "` + path + `", "execution_id": "<id>"}}`
			}
			runIOCases(t, ts.URL, []ioCase{
				{name: "the PNG inline: whole bytes, its type, size and name", method: "GET", url: "/files/1/inline", status: 200, text: string(img), wantType: "image/png",
					header: map[string]string{"Content-Length": size, "Content-Disposition": `inline; filename="pixel.png"`, "Cache-Control": "private, max-age=60",
						"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "", api.HeaderExecutionID: id}},
				{name: "the PNG as a download", method: "GET", url: "/files/1/download", status: 200, text: string(img), wantType: "image/png",
					header: map[string]string{"Content-Length": size, "Content-Disposition": `attachment; filename="pixel.png"`}},
				{name: "content_type from a template", method: "GET", url: "/files/1/typed?type=application/octet-stream", status: 200, text: string(img), wantType: "application/octet-stream",
					header: map[string]string{"Content-Length": size, "Content-Disposition": `inline; filename="pixel.png"`}},
				{name: "a short name from a template", method: "GET", url: "/files/1/typed?type=binary", status: 200, text: string(img), wantType: "application/octet-stream"},
				{name: "an empty content_type: the file's own", method: "GET", url: "/files/1/typed?type=", status: 200, text: string(img), wantType: "image/png"},
				{name: "a content_type that is no media type", method: "GET", url: "/files/1/typed?type=image", admin: true, status: 500,
					want: `{"error": {"code": "invalid_response", "message": "content_type \"image\" is neither json, text, html, csv, binary nor a media type such as application/xml",
						"definition": "f_download", "path": "stack[2].cases[2].steps[0].content_type", "execution_id": "<id>"}}`},
				{name: "a non-ASCII name: filename and filename*", method: "GET", url: "/files/2/inline", status: 200, text: "%PDF-1.4 not really", wantType: "application/pdf",
					header: map[string]string{"Content-Length": "19", "Content-Disposition": pdfDisposition}},
				{name: "an uploaded HTML page runs no script as the site", method: "GET", url: "/files/3/inline", status: 200, text: "<script>alert(1)</script>", wantType: "text/html",
					header: map[string]string{"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}},
				{name: "an upload not kept, past its retention", method: "GET", url: "/files/4/inline", status: 404, want: notStored("temp.txt", "stack[2].cases[0].steps[0].file")},
				{name: "POST /function streams the file too", method: "POST", url: "/function/f_serve", admin: true, ctype: jsonType, body: `{"id": 1}`, status: 200,
					text: string(img), wantType: "image/png", header: map[string]string{"Content-Length": size, "Content-Disposition": `attachment; filename="pixel.png"`}},
				{name: "a calling function gets the file value, no bytes", method: "POST", url: "/function/f_caller", admin: true, ctype: jsonType, body: `{"id": 1}`, status: 200,
					want: `{"status": 200, "headers": {"Content-Disposition": "attachment; filename=\"pixel.png\""}, "body": null, "content_type": "image/png",
						"file": {"name": "pixel.png", "size": ` + size + `, "content_type": "image/png", "sha256": "` + pngSum + `"}}`},
				{name: "delete the PNG", method: "GET", url: "/files/1/delete", status: 204},
				{name: "a deleted file", method: "GET", url: "/files/1/inline", status: 404, want: notStored("pixel.png", "stack[2].cases[0].steps[0].file")},
				{name: "a typed text: content_type from the query", method: "GET", url: "/typed?type=text/markdown%3B+charset=utf-8&body=%23+Hi", status: 200,
					text: "# Hi", wantType: "text/markdown; charset=utf-8"},
				{name: "a typed text: a short name", method: "GET", url: "/typed?type=csv", status: 200, text: "hello", wantType: "text/csv; charset=utf-8"},
				{name: "a typed text: none is json", method: "GET", url: "/typed", status: 200, want: `"hello"`},
				{name: "a typed text: a line break is refused", method: "GET", url: "/typed?type=text/plain%0d%0aSet-Cookie:+a=1", admin: true, status: 500,
					want: `{"error": {"code": "invalid_response", "message": "content_type \"text/plain\\r\\nSet-Cookie: a=1\" is neither json, text, html, csv, binary nor a media type such as application/xml",
						"definition": "f_typed", "path": "stack[0].content_type", "execution_id": "<id>"}}`,
					header: map[string]string{"Set-Cookie": ""}},
			})
		})
	}
}
