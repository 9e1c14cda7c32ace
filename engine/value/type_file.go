package value

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/expr-lang/expr/types"
)

// FileType is an uploaded or saved file. A stack holds it as an object
// {name, size, content_type, sha256}; its bytes are in the engine's file
// folder (engine.Config.FilesDir, <data>/files under funcstack serve),
// under the hex SHA-256 of their content, and are read by the file.read
// step. A multipart/form-data request gives a file input its part; the
// file.save step makes one from text or base64.
//
// The SHA-256 is the file's address: whoever knows it may read the file
// through a file input, so a stack shows it only to those who may.
type FileType struct{}

// File is the file type.
var File Type = FileType{}

var _ Type = FileType{}

func init() { Register(File) }

func (FileType) Info() Info {
	return Info{Name: "file", Description: "A file sent as a multipart/form-data part, or made by file.save: {name, size, content_type, sha256}; file.read reads its bytes.",
		Editor: "json", Input: true, ListOK: true, Bounds: "size",
		Example: json.RawMessage(`{"name": "notes.txt", "size": 5, "content_type": "text/plain", "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}`)}
}

// Coerce accepts a file value: an object with a name (text), a size (a
// whole number), a content_type (text) and a sha256 (64 hex digits). It
// keeps only those four fields.
func (FileType) Coerce(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		if s, isText := v.(string); isText && s != "" {
			return nil, fmt.Errorf("expected file, got text; send the file as a multipart/form-data part")
		}
		return nil, expected("file", v)
	}
	name, ok1 := m["name"].(string)
	ct, ok2 := m["content_type"].(string)
	sum, ok3 := m["sha256"].(string)
	size, ok4 := ToInt(m["size"])
	if !ok1 || !ok2 || !ok3 || !ok4 || size < 0 || !validSum(sum) {
		return nil, fmt.Errorf("expected file {name, size, content_type, sha256}, got %s", TypeName(v))
	}
	return FileValue(name, ct, sum, int64(size)), nil
}

// FileValue is the stack value of a file.
func FileValue(name, contentType, sum string, size int64) map[string]any {
	return map[string]any{"name": name, "size": int(size), "content_type": contentType, "sha256": sum}
}

func validSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

var errFileNotColumn = errors.New("file is not a column type; keep a file's object in a json column")

func (FileType) Column(Dialect) string { return "" }

func (FileType) Encode(any, Dialect) (any, error) { return nil, errFileNotColumn }

func (FileType) Decode(any) (any, error) { return nil, errFileNotColumn }

func (FileType) Literal(json.RawMessage, Dialect) (string, error) { return "", errFileNotColumn }

func (FileType) Schema() map[string]any {
	return map[string]any{"type": "object", "required": []string{"name", "size", "content_type", "sha256"},
		"properties": map[string]any{
			"name":         map[string]any{"type": "string"},
			"size":         map[string]any{"type": "integer", "minimum": 0},
			"content_type": map[string]any{"type": "string"},
			"sha256":       map[string]any{"type": "string", "pattern": "^[0-9a-f]{64}$"},
		}}
}

func (FileType) ExprType() types.Type { return types.Any }

// ErrNoFileStore is the error of file operations on an engine without a
// file folder.
var ErrNoFileStore = errors.New("this server keeps no files: give it a data folder (funcstack serve --data, engine.Config.FilesDir)")

// SaveFile stores data in dir under its SHA-256 and returns the file
// value. Storing the same bytes twice keeps one copy.
func SaveFile(dir, name, contentType string, data []byte) (map[string]any, error) {
	if dir == "" {
		return nil, ErrNoFileStore
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	path := filepath.Join(dir, sum)
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("saving file %q: %v", name, err)
		}
		tmp, err := os.CreateTemp(dir, ".upload-*")
		if err != nil {
			return nil, fmt.Errorf("saving file %q: %v", name, err)
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), path) // atomic: a reader sees all of it or nothing
		}
		if werr != nil {
			_ = os.Remove(tmp.Name())
			return nil, fmt.Errorf("saving file %q: %v", name, werr)
		}
	}
	return FileValue(name, contentType, sum, int64(len(data))), nil
}

// ReadFile reads the bytes of the file value f from dir, refusing files
// larger than max bytes (limit names the limit in the error).
func ReadFile(dir string, f any, max int64, limit string) ([]byte, error) {
	if dir == "" {
		return nil, ErrNoFileStore
	}
	v, err := File.Coerce(f)
	if err != nil {
		return nil, err
	}
	m := v.(map[string]any)
	name, sum := m["name"].(string), m["sha256"].(string)
	path := filepath.Join(dir, sum) // sum is 64 hex digits: no path of another folder
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file %q (sha256 %s) is not stored on this server; upload it again", name, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("reading file %q: %v", name, err)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("file %q is %d bytes, more than %s (%d bytes)", name, st.Size(), limit, max)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading file %q: %v", name, err)
	}
	return data, nil
}
