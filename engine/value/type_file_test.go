package value_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/value"
)

const helloSum = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

func TestFile(t *testing.T) {
	checkCoerce(t, value.File, []coerceCase{
		{map[string]any{"name": "a.txt", "size": 5, "content_type": "text/plain", "sha256": helloSum, "path": "/etc/passwd"},
			`map[string]interface {}{"content_type":"text/plain", "name":"a.txt", "sha256":"` + helloSum + `", "size":5}`},
		{map[string]any{"name": "a.txt", "size": 5, "content_type": "text/plain", "sha256": "../../etc/passwd"},
			"error: expected file {name, size, content_type, sha256}, got object"},
		{"hello", "error: expected file, got text; send the file as a multipart/form-data part"},
		{3, "error: expected file, got int"},
	})
	checkColumn(t, value.File, "", "")
}

func TestSaveAndReadFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	f, err := value.SaveFile(dir, "a.txt", "text/plain", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "a.txt", "size": 5, "content_type": "text/plain", "sha256": helloSum}
	if len(f) != 4 || f["name"] != want["name"] || f["size"] != want["size"] || f["sha256"] != want["sha256"] || f["content_type"] != want["content_type"] {
		t.Fatalf("SaveFile = %v, want %v", f, want)
	}
	if _, err := value.SaveFile(dir, "b.txt", "text/plain", []byte("hello")); err != nil { // same bytes: one copy
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 || ents[0].Name() != helloSum {
		t.Errorf("the folder holds %v, want one file %s", ents, helloSum)
	}
	data, err := value.ReadFile(dir, f, 100, "max_text_bytes")
	if err != nil || string(data) != "hello" {
		t.Errorf("ReadFile = %q, %v", data, err)
	}
	for _, c := range []struct {
		dir  string
		f    any
		max  int64
		want string
	}{
		{dir, f, 4, `file "a.txt" is 5 bytes, more than max_text_bytes (4 bytes)`},
		{dir, value.FileValue("gone.txt", "text/plain", "00"+helloSum[2:], 5), 100, `file "gone.txt" (sha256 00` + helloSum[2:] + `) is not stored on this server; upload it again (an upload not kept with file.keep is deleted after the upload retention)`},
		{"", f, 100, "this server keeps no files: give it a data folder (funcstack serve --data, engine.Config.FilesDir)"},
		{dir, "x", 100, "expected file, got text; send the file as a multipart/form-data part"},
	} {
		if _, err := value.ReadFile(c.dir, c.f, c.max, "max_text_bytes"); err == nil || err.Error() != c.want {
			t.Errorf("ReadFile(%v): %v, want %s", c.f, err, c.want)
		}
	}
}

// TestUploadLifecycle: an upload lives in the uploads folder until it is
// kept or swept; a kept file stays; a sweep takes old uploads and crash
// leftovers only; a new upload of old bytes restarts their retention.
func TestUploadLifecycle(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	up := func(name, content string) map[string]any {
		t.Helper()
		f, err := value.SaveUpload(dir, name, "text/plain", []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	age := func(path string) {
		t.Helper()
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
	uploads := filepath.Join(dir, value.UploadsFolder)
	swept, kept, fresh, renewed := up("swept.txt", "swept"), up("kept.txt", "kept"), up("fresh.txt", "fresh"), up("renewed.txt", "renewed")
	sum := func(f map[string]any) string { return f["sha256"].(string) }
	for _, f := range []map[string]any{swept, kept, renewed} {
		age(filepath.Join(uploads, sum(f)))
	}
	up("renewed again.txt", "renewed") // the same bytes uploaded again
	if _, err := value.KeepFile(dir, kept); err != nil {
		t.Fatal(err)
	}
	age(filepath.Join(dir, sum(kept)))
	partial := filepath.Join(dir, ".upload-123")
	if err := os.WriteFile(partial, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	age(partial)
	n, err := value.SweepUploads(dir, time.Now().Add(-24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("sweep deleted %d (%v), want 2: the old upload and the partial write", n, err)
	}
	for _, c := range []struct {
		f    map[string]any
		want string
	}{
		{swept, `file "swept.txt" (sha256 ` + sum(swept) + `) is not stored on this server; upload it again (an upload not kept with file.keep is deleted after the upload retention)`},
		{kept, "kept"}, {fresh, "fresh"}, {renewed, "renewed"},
	} {
		b, err := value.ReadFile(dir, c.f, 100, "max")
		got := string(b)
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s after the sweep: %s, want %s", c.f["name"], got, c.want)
		}
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("the partial write is still there: %v", err)
	}
	// Deleting a kept file, then uploading its bytes again: they are an upload once more.
	if ok, err := value.DeleteFile(dir, kept); !ok || err != nil {
		t.Fatalf("delete kept: %v %v", ok, err)
	}
	up("kept.txt", "kept")
	if _, err := os.Stat(filepath.Join(uploads, sum(kept))); err != nil {
		t.Errorf("the re-upload of a deleted file: %v", err)
	}
}
