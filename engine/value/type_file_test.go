package value_test

import (
	"os"
	"path/filepath"
	"testing"

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
		{dir, value.FileValue("gone.txt", "text/plain", "00"+helloSum[2:], 5), 100, `file "gone.txt" (sha256 00` + helloSum[2:] + `) is not stored on this server; upload it again`},
		{"", f, 100, "this server keeps no files: give it a data folder (funcstack serve --data, engine.Config.FilesDir)"},
		{dir, "x", 100, "expected file, got text; send the file as a multipart/form-data part"},
	} {
		if _, err := value.ReadFile(c.dir, c.f, c.max, "max_text_bytes"); err == nil || err.Error() != c.want {
			t.Errorf("ReadFile(%v): %v, want %s", c.f, err, c.want)
		}
	}
}
