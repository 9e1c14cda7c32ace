package steps

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/funcstack/funcstack/engine"
)

// bcryptCost is the work factor of auth.hash_password.
const bcryptCost = 10

// maxPasswordBytes is bcrypt's limit: it reads no more than 72 bytes.
const maxPasswordBytes = 72

// codePasswordTooLong is the code of the error auth.hash_password raises
// for a password bcrypt cannot hash whole.
const codePasswordTooLong = "password_too_long"

// codeBadHash is the code of the error auth.check_password raises when the
// stored hash is not a bcrypt hash.
const codeBadHash = "invalid_password_hash"

// passwordText evaluates e to text.
func passwordText(s *engine.State, e *engine.Expr, what string) (string, error) {
	v, err := s.Eval(e)
	if err != nil {
		return "", err
	}
	p, ok := v.(string)
	if !ok {
		return "", &engine.Error{Code: engine.CodeExpression, Path: e.Path, Message: fmt.Sprintf(
			"%s gave %s, expected the %s as text", quote(e.Source), kindOf(v), what)}
	}
	return p, nil
}

func init() {
	engine.Register(&engine.StepType{
		Name:     "auth.hash_password",
		Title:    "Hash password",
		Summary:  "auth.hash_password {password} → {as}",
		Category: "auth",
		Description: "Hash a password with bcrypt (cost 10) for storing, e.g. in a password_hash column; check it later with auth.check_password. " +
			"A password longer than 72 bytes is an error (status 400, code password_too_long): bcrypt would ignore the rest.",
		Fields: []engine.FieldSpec{
			{Name: "password", Kind: engine.FieldExpr, Expects: engine.ExpectText, Required: true, Description: "the password (text)"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the hash (text)"},
		},
		Example: []byte(`{"type": "auth.hash_password", "password": "input.password", "as": "password_hash"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			password := c.Expr("password")
			as := c.NewName("as")
			c.Declare(as)
			if password == nil {
				return nil
			}
			return func(s *engine.State) (any, error) {
				p, err := passwordText(s, password, "password")
				if err != nil {
					return nil, err
				}
				if len(p) > maxPasswordBytes {
					return nil, &engine.Error{Code: codePasswordTooLong, Status: 400, Path: password.Path, Message: fmt.Sprintf(
						"the password is %d bytes long; at most %d bytes can be hashed", len(p), maxPasswordBytes)}
				}
				h, err := bcrypt.GenerateFromPassword([]byte(p), bcryptCost)
				if err != nil {
					return nil, &engine.Error{Code: engine.CodeInternal, Path: password.Path, Message: "hashing the password: " + err.Error(), Cause: err}
				}
				hash := string(h)
				s.Set(as, hash)
				return hash, nil
			}
		},
	})
	engine.Register(&engine.StepType{
		Name:     "auth.check_password",
		Title:    "Check password",
		Summary:  "auth.check_password {password} against {hash} → {as}",
		Category: "auth",
		Description: "Check a password against a bcrypt hash made by auth.hash_password. The result is true or false; a wrong password is false, not an error. " +
			"A hash that is not a bcrypt hash is an error (code invalid_password_hash).",
		Fields: []engine.FieldSpec{
			{Name: "password", Kind: engine.FieldExpr, Expects: engine.ExpectText, Required: true, Description: "the password given (text)"},
			{Name: "hash", Kind: engine.FieldExpr, Expects: engine.ExpectText, Required: true, Description: "the stored bcrypt hash (text)"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving true or false"},
		},
		Example: []byte(`{"type": "auth.check_password", "password": "input.password", "hash": "user.password_hash", "as": "ok"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			password := c.Expr("password")
			hash := c.Expr("hash")
			as := c.NewName("as")
			c.Declare(as)
			if password == nil || hash == nil {
				return nil
			}
			return func(s *engine.State) (any, error) {
				p, err := passwordText(s, password, "password")
				if err != nil {
					return nil, err
				}
				h, err := passwordText(s, hash, "bcrypt hash")
				if err != nil {
					return nil, err
				}
				if _, err := bcrypt.Cost([]byte(h)); err != nil {
					return nil, &engine.Error{Code: codeBadHash, Path: hash.Path, Message: fmt.Sprintf(
						"%s is not a bcrypt hash (%v); store the result of auth.hash_password", quote(hash.Source), err), Cause: err}
				}
				// No stored hash can come from a password over the limit
				// (auth.hash_password refuses it), and bcrypt would compare
				// only its first 72 bytes.
				ok := len(p) <= maxPasswordBytes
				if ok {
					err := bcrypt.CompareHashAndPassword([]byte(h), []byte(p))
					switch {
					case err == nil:
					case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
						ok = false
					default:
						return nil, &engine.Error{Code: codeBadHash, Path: hash.Path, Message: fmt.Sprintf(
							"%s is not a usable bcrypt hash: %v", quote(hash.Source), err), Cause: err}
					}
				}
				s.Set(as, ok)
				return ok, nil
			}
		},
	})
}
