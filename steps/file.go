package steps

import (
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// codeFile is the code of a file step that cannot save or read its file.
const codeFile = "file_error"

// The file steps keep bytes in the engine's file folder (engine.Config.
// FilesDir), under their SHA-256; a stack holds a file as the value of
// the file type, {name, size, content_type, sha256} (engine/value/
// type_file.go). A multipart/form-data upload gives a file input such a
// value (its bytes under the uploads folder, deleted after the upload
// retention unless file.keep keeps them); file.save makes a kept one;
// file.read reads the bytes; file.delete deletes them.

func init() {
	encoding := engine.FieldSpec{Name: "encoding", Kind: engine.FieldEnum, Values: []string{"text", "base64"}, Default: "text",
		Description: "text (UTF-8) or base64 (any bytes)"}
	engine.Register(&engine.StepType{
		Name:        "file.save",
		Title:       "Save a file",
		Summary:     "file.save[ {name}][ → {as}]",
		Category:    "utility",
		Description: "Store bytes as a file and give its file value {name, size, content_type, sha256}, for a file input, a response or file.read.",
		Fields: []engine.FieldSpec{
			{Name: "data", Kind: engine.FieldExpr, Required: true, Description: "the content: a text, or base64 with encoding base64"},
			encoding,
			{Name: "name", Kind: engine.FieldExpr, Expects: engine.ExpectText, Description: "the file's name (default 'file')"},
			{Name: "content_type", Kind: engine.FieldExpr, Expects: engine.ExpectText, Description: "its media type (default text/plain; charset=utf-8, or application/octet-stream for base64)"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the file value"},
		},
		Example: []byte(`{"type": "file.save", "data": "'sku,qty\\napple,3\\n'", "name": "'stock.csv'", "content_type": "'text/csv'", "as": "report"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			data := c.Expr("data")
			b64 := c.Enum("encoding") == "base64"
			name := c.Expr("name")
			ctype := c.Expr("content_type")
			as := c.NewName("as")
			c.Declare(as)
			return func(s *engine.State) (any, error) {
				dv, err := s.Eval(data)
				if err != nil {
					return nil, err
				}
				text, ok := dv.(string)
				if !ok {
					return nil, fileError("data is %s; it must be a text (or base64 with encoding base64)", value.Describe(dv))
				}
				content := []byte(text)
				ct := "text/plain; charset=utf-8"
				if b64 {
					if content, err = base64.StdEncoding.DecodeString(text); err != nil {
						return nil, fileError("data is not base64: %v", err)
					}
					ct = "application/octet-stream"
				}
				fname, err := evalText(s, name, "name", "file")
				if err != nil {
					return nil, err
				}
				if ct, err = evalText(s, ctype, "content_type", ct); err != nil {
					return nil, err
				}
				f, err := value.SaveFile(s.Engine().Config().FilesDir, fname, ct, content)
				if err != nil {
					return nil, fileError("%v", err)
				}
				s.Set(as, f)
				return f, nil
			}
		},
	})
	engine.Register(&engine.StepType{
		Name:        "file.read",
		Title:       "Read a file",
		Summary:     "file.read {file}[ → {as}]",
		Category:    "utility",
		Description: "Read the bytes of a file (an uploaded file input, or a file.save's value) as text or base64. Files larger than max_text_bytes are refused.",
		Fields: []engine.FieldSpec{
			{Name: "file", Kind: engine.FieldExpr, Required: true, Description: "the file value, e.g. input.document"},
			encoding,
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the content"},
		},
		Example: []byte(`{"type": "file.read", "file": "input.document", "as": "content"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			file := c.Expr("file")
			b64 := c.Enum("encoding") == "base64"
			as := c.NewName("as")
			c.Declare(as)
			return func(s *engine.State) (any, error) {
				fv, err := s.Eval(file)
				if err != nil {
					return nil, err
				}
				limit := int64(s.Limits().MaxTextBytes)
				if b64 {
					limit = limit / 4 * 3 // the base64 text stays within max_text_bytes
				}
				data, err := value.ReadFile(s.Engine().Config().FilesDir, fv, limit, "max_text_bytes")
				if err != nil {
					return nil, fileError("%v", err)
				}
				var out string
				switch {
				case b64:
					out = base64.StdEncoding.EncodeToString(data)
				case !utf8.Valid(data):
					return nil, fileError("file %q is not UTF-8 text; read it with \"encoding\": \"base64\"", fv.(map[string]any)["name"])
				default:
					out = string(data)
				}
				s.Set(as, out)
				return out, nil
			}
		},
	})
}

func init() {
	fileField := engine.FieldSpec{Name: "file", Kind: engine.FieldExpr, Required: true, Description: "the file value, e.g. input.document"}
	engine.Register(&engine.StepType{
		Name:        "file.keep",
		Title:       "Keep an uploaded file",
		Summary:     "file.keep {file}[ → {as}]",
		Category:    "utility",
		Description: "Keep an uploaded file until file.delete. Uploads are deleted after the server's upload retention (default 24 h) unless kept; keep the ones a record refers to.",
		Fields: []engine.FieldSpec{
			fileField,
			{Name: "as", Kind: engine.FieldName, Description: "a variable receiving the file value"},
		},
		Example: []byte(`{"type": "file.keep", "file": "input.document", "as": "document"}`),
		Compile: compileFileOp(func(dir string, f any) (any, error) { return value.KeepFile(dir, f) }),
	})
	engine.Register(&engine.StepType{
		Name:        "file.delete",
		Title:       "Delete a file",
		Summary:     "file.delete {file}[ → {as}]",
		Category:    "utility",
		Description: "Delete a file's bytes, kept or uploaded. Every file value of the same content reads the same bytes, so they are gone for all of them.",
		Fields: []engine.FieldSpec{
			fileField,
			{Name: "as", Kind: engine.FieldName, Description: "a variable receiving true when there were bytes to delete, false when there were none"},
		},
		Example: []byte(`{"type": "file.delete", "file": "record.photo"}`),
		Compile: compileFileOp(func(dir string, f any) (any, error) { return value.DeleteFile(dir, f) }),
	})
}

// compileFileOp compiles a step that does op to the file value of its
// file field, in the engine's file folder, and stores op's result in its
// optional as.
func compileFileOp(op func(dir string, f any) (any, error)) func(*engine.StepCompiler) engine.RunFunc {
	return func(c *engine.StepCompiler) engine.RunFunc {
		file := c.Expr("file")
		as := c.NewName("as")
		if as != "" {
			c.Declare(as)
		}
		return func(s *engine.State) (any, error) {
			fv, err := s.Eval(file)
			if err != nil {
				return nil, err
			}
			out, err := op(s.Engine().Config().FilesDir, fv)
			if err != nil {
				return nil, fileError("%v", err)
			}
			if as != "" {
				s.Set(as, out)
			}
			return out, nil
		}
	}
}

func fileError(format string, args ...any) error {
	return &engine.Error{Code: codeFile, Status: 500, Message: fmt.Sprintf(format, args...)}
}

// evalText evaluates an optional text field; def when it is absent.
func evalText(s *engine.State, e *engine.Expr, field, def string) (string, error) {
	if e == nil {
		return def, nil
	}
	v, err := s.Eval(e)
	if err != nil {
		return "", err
	}
	t, ok := v.(string)
	if !ok || t == "" {
		return "", fileError("%s is %s; it must be a text", field, value.Describe(v))
	}
	return t, nil
}
