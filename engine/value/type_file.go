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
	"strings"
	"time"

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

// UploadsFolder is the folder under the file folder that holds uploads:
// a multipart upload lands there and is deleted after the engine's
// upload retention unless a stack keeps it (KeepFile). Files saved by
// file.save or kept are in the file folder itself until deleted.
const UploadsFolder = "uploads"

// SaveFile stores data in dir under its SHA-256, kept until deleted, and
// returns the file value. Storing the same bytes twice keeps one copy.
func SaveFile(dir, name, contentType string, data []byte) (map[string]any, error) {
	if dir == "" {
		return nil, ErrNoFileStore
	}
	return storeBytes(dir, name, contentType, data)
}

// SaveUpload stores uploaded data under dir's uploads folder (unless the
// same bytes are kept already) and returns the file value. A second
// upload of the same bytes restarts their retention.
func SaveUpload(dir, name, contentType string, data []byte) (map[string]any, error) {
	if dir == "" {
		return nil, ErrNoFileStore
	}
	h := sha256.Sum256(data)
	if _, err := os.Stat(filepath.Join(dir, hex.EncodeToString(h[:]))); err == nil {
		return FileValue(name, contentType, hex.EncodeToString(h[:]), int64(len(data))), nil
	}
	return storeBytes(filepath.Join(dir, UploadsFolder), name, contentType, data)
}

func storeBytes(dir, name, contentType string, data []byte) (map[string]any, error) {
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	path := filepath.Join(dir, sum)
	if _, err := os.Stat(path); err == nil {
		now := time.Now()
		_ = os.Chtimes(path, now, now) // a new upload of it starts its retention anew
		return FileValue(name, contentType, sum, int64(len(data))), nil
	}
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
	return FileValue(name, contentType, sum, int64(len(data))), nil
}

// located finds the stored bytes of file value f in dir: kept, or an
// upload. where is "" when they are not stored.
func located(dir string, f any) (m map[string]any, where string, err error) {
	if dir == "" {
		return nil, "", ErrNoFileStore
	}
	v, err := File.Coerce(f)
	if err != nil {
		return nil, "", err
	}
	m = v.(map[string]any)
	sum := m["sha256"].(string) // 64 hex digits: no path of another folder
	for _, p := range []string{filepath.Join(dir, sum), filepath.Join(dir, UploadsFolder, sum)} {
		if _, err := os.Stat(p); err == nil {
			return m, p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("reading file %q: %v", m["name"], err)
		}
	}
	return m, "", nil
}

func notStored(m map[string]any) error {
	return &NotStoredError{Name: m["name"].(string), Sum: m["sha256"].(string)}
}

// NotStoredError is the error of a file value whose bytes are not stored
// (any more): an upload past its retention, or a deleted file.
type NotStoredError struct{ Name, Sum string }

func (e *NotStoredError) Error() string {
	return fmt.Sprintf("file %q (sha256 %s) is not stored on this server; upload it again (an upload not kept with file.keep is deleted after the upload retention)", e.Name, e.Sum)
}

// OpenFile opens the stored bytes of file value f in dir (kept or
// uploaded) for reading, with their size: a reader streams them instead
// of holding them whole. A file not stored is a *NotStoredError. The
// caller closes the file; bytes are renamed into place whole and deleted
// by unlinking, so an open file reads all of them even if it is deleted
// meanwhile.
func OpenFile(dir string, f any) (*os.File, int64, error) {
	m, where, err := located(dir, f)
	if err != nil {
		return nil, 0, err
	}
	if where == "" {
		return nil, 0, notStored(m)
	}
	fh, err := os.Open(where)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, notStored(m)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading file %q: %v", m["name"], err)
	}
	st, err := fh.Stat()
	if err != nil {
		_ = fh.Close()
		return nil, 0, fmt.Errorf("reading file %q: %v", m["name"], err)
	}
	return fh, st.Size(), nil
}

// KeepFile keeps the file of value f (an upload) until it is deleted.
func KeepFile(dir string, f any) (map[string]any, error) {
	m, where, err := located(dir, f)
	if err != nil {
		return nil, err
	}
	kept := filepath.Join(dir, m["sha256"].(string))
	switch where {
	case "":
		return nil, notStored(m)
	case kept:
		return m, nil
	}
	if err := os.Rename(where, kept); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keeping file %q: %v", m["name"], err)
	}
	return m, nil
}

// DeleteFile deletes the stored bytes of file value f, kept or uploaded;
// it reports whether there were any. Every file value with the same
// content reads the same bytes, so they are gone for all of them.
func DeleteFile(dir string, f any) (bool, error) {
	m, where, err := located(dir, f)
	if err != nil || where == "" {
		return false, err
	}
	deleted := false
	for _, p := range []string{filepath.Join(dir, m["sha256"].(string)), filepath.Join(dir, UploadsFolder, m["sha256"].(string))} {
		if err := os.Remove(p); err == nil {
			deleted = true
		} else if !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("deleting file %q: %v", m["name"], err)
		}
	}
	return deleted, nil
}

// SweepUploads deletes the uploads in dir last stored before cutoff (and
// partial writes left by a crash), and returns how many it deleted.
func SweepUploads(dir string, cutoff time.Time) (int, error) {
	n := 0
	var errs []error
	for _, d := range []string{filepath.Join(dir, UploadsFolder), dir} {
		entries, err := os.ReadDir(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, err
		}
		for _, e := range entries {
			partial := strings.HasPrefix(e.Name(), ".upload-")
			if e.IsDir() || d == dir && !partial {
				continue // kept files stay until deleted
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(cutoff) {
				continue
			}
			if err := os.Remove(filepath.Join(d, e.Name())); err == nil {
				n++
			} else if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return n, errors.Join(errs...)
}

// ReadFile reads the bytes of the file value f from dir (kept or
// uploaded), refusing files larger than max bytes (limit names the limit
// in the error).
func ReadFile(dir string, f any, max int64, limit string) ([]byte, error) {
	m, where, err := located(dir, f)
	if err != nil {
		return nil, err
	}
	if where == "" {
		return nil, notStored(m)
	}
	name := m["name"].(string)
	st, err := os.Stat(where)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notStored(m)
	}
	if err != nil {
		return nil, fmt.Errorf("reading file %q: %v", name, err)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("file %q is %d bytes, more than %s (%d bytes)", name, st.Size(), limit, max)
	}
	data, err := os.ReadFile(where)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notStored(m)
	}
	if err != nil {
		return nil, fmt.Errorf("reading file %q: %v", name, err)
	}
	return data, nil
}
