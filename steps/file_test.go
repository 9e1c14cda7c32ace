package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// upload stores content as a multipart upload in dir and returns its value.
func upload(t *testing.T, dir, name, content string) map[string]any {
	t.Helper()
	f, err := value.SaveUpload(dir, name, "text/plain", []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const hiSum = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4" // sha256("hi")

func TestFileSteps(t *testing.T) {
	dir := t.TempDir()
	cfg := engine.Config{FilesDir: dir, Limits: engine.Limits{MaxTextBytes: 16}}
	runCases(t, []stepCase{
		{name: "save text, read it back as text and base64", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'hi'", "name": "'a.txt'", "as": "f"},
			{"type": "file.read", "file": "f", "as": "text"},
			{"type": "file.read", "file": "f", "encoding": "base64", "as": "b64"}]`, "{f: f, text: text, b64: b64}")},
			want: `{"b64":"aGk=","f":{"content_type":"text/plain; charset=utf-8","name":"a.txt","sha256":"` + hiSum + `","size":2},"text":"hi"}`},
		{name: "save base64 with a type", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'/w=='", "encoding": "base64", "content_type": "'image/x-test'", "as": "f"}]`, "f")},
			want: `{"content_type":"image/x-test","name":"file","sha256":"a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89","size":1}`},
		{name: "reading bytes that are not UTF-8 as text", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'/w=='", "encoding": "base64", "name": "'x.bin'", "as": "f"},
			{"type": "file.read", "file": "f", "as": "text"}]`, "")},
			wantCode: "file_error", wantErr: `main: stack[1]: file "x.bin" is not UTF-8 text; read it with "encoding": "base64" (execution exec-1)`},
		{name: "a file larger than max_text_bytes", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'0123456789abcdefXYZ'", "name": "'big.txt'", "as": "f"},
			{"type": "file.read", "file": "f", "as": "text"}]`, "")},
			wantErr: `main: stack[1]: file "big.txt" is 19 bytes, more than max_text_bytes (16 bytes) (execution exec-1)`},
		{name: "a value that is not a file", cfg: cfg, defs: []string{mainFn(`[{"type": "file.read", "file": "{name: 'x', sha256: '../../etc/passwd'}", "as": "t"}]`, "")},
			wantErr: `main: stack[0]: expected file {name, size, content_type, sha256}, got object (execution exec-1)`},
		{name: "a file this server does not have", cfg: cfg, defs: []string{mainFn(`[{"type": "file.read", "file": "{name: 'x', size: 1, content_type: 'text/plain', sha256: '`+hiSum[:63]+`0'}", "as": "t"}]`, "")},
			wantErr: `main: stack[0]: file "x" (sha256 ` + hiSum[:63] + `0) is not stored on this server; upload it again (an upload not kept with file.keep is deleted after the upload retention) (execution exec-1)`},
		{name: "no file folder", defs: []string{mainFn(`[{"type": "file.save", "data": "'hi'", "as": "f"}]`, "")},
			wantErr: `main: stack[0]: this server keeps no files: give it a data folder (funcstack serve --data, engine.Config.FilesDir) (execution exec-1)`},
		{name: "data not a text", cfg: cfg, defs: []string{mainFn(`[{"type": "file.save", "data": "1", "as": "f"}]`, "")},
			wantErr: `main: stack[0]: data is an int (1); it must be a text (or base64 with encoding base64) (execution exec-1)`},
		{name: "an upload kept, read, deleted; then it is gone", cfg: cfg, input: map[string]any{"doc": upload(t, dir, "up.txt", "hi")},
			defs: []string{fn("main", `[{"name": "doc", "type": "file"}]`, `[
			{"type": "file.keep", "file": "input.doc", "as": "kept"},
			{"type": "file.read", "file": "kept", "as": "text"},
			{"type": "file.delete", "file": "kept", "as": "deleted"},
			{"type": "file.delete", "file": "kept", "as": "again"}]`, "{kept: kept.name, text: text, deleted: deleted, again: again}")},
			want: `{"again":false,"deleted":true,"kept":"up.txt","text":"hi"}`},
		{name: "keeping a file that is gone", cfg: cfg, defs: []string{mainFn(`[{"type": "file.keep", "file": "{name: 'x', size: 1, content_type: 'text/plain', sha256: '`+hiSum[:63]+`0'}"}]`, "")},
			wantCode: "file_error", wantErr: `main: stack[0]: file "x" (sha256 ` + hiSum[:63] + `0) is not stored on this server; upload it again (an upload not kept with file.keep is deleted after the upload retention) (execution exec-1)`},
		{name: "a file input: its size bounded by max", cfg: cfg, input: map[string]any{"doc": map[string]any{"name": "a.txt", "size": 2, "content_type": "text/plain", "sha256": hiSum}},
			defs:    []string{fn("main", `[{"name": "doc", "type": "file", "max": 1}]`, `[]`, "input.doc")},
			wantErr: `main: invalid input; doc: must be at most 1 byte (execution exec-1)`},
	})
}
