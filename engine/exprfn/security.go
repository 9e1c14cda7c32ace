package exprfn

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math/big"
	"unicode/utf8"

	"github.com/google/uuid"
)

func init() {
	register(
		&Function{Name: "md5", Category: Security, Signature: "md5(text) → text",
			Description: "The MD5 digest of the text, in hex (for checksums, not for passwords or signatures).",
			Example:     "md5('hello')", Result: `"5d41402abc4b2a76b9719d911017c592"`,
			Func: digestFunc("md5", md5.New), Types: textToText},
		&Function{Name: "sha1", Category: Security, Signature: "sha1(text) → text",
			Description: "The SHA-1 digest of the text, in hex.",
			Example:     "sha1('hello')", Result: `"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"`,
			Func: digestFunc("sha1", sha1.New), Types: textToText},
		&Function{Name: "sha256", Category: Security, Signature: "sha256(text) → text",
			Description: "The SHA-256 digest of the text, in hex.",
			Example:     "sha256('hello')", Result: `"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"`,
			Func: digestFunc("sha256", sha256.New), Types: textToText},
		&Function{Name: "sha512", Category: Security, Signature: "sha512(text) → text",
			Description: "The SHA-512 digest of the text, in hex.",
			Example:     "sha512('hello')",
			Result:      `"9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"`,
			Func:        digestFunc("sha512", sha512.New), Types: textToText},
		&Function{Name: "hmacSha256", Category: Security, Signature: "hmacSha256(text, key, encoding?) → text",
			Description: "The HMAC-SHA256 signature of the text with the key, in hex, or in 'base64' or 'base64url' (to check a webhook's signature, compare with secureCompare).",
			Example:     "hmacSha256('{\"id\":1}', 'secret', 'base64')", Result: `"A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc="`,
			Func: hmacSha256Func, Types: []any{new(func(string, string) string), new(func(string, string, string) string)}},
		&Function{Name: "hmacSha1", Category: Security, Signature: "hmacSha1(text, key, encoding?) → text",
			Description: "The HMAC-SHA1 signature of the text with the key, in hex, or in 'base64' or 'base64url' (for services that still sign with SHA-1, such as Twilio; prefer hmacSha256).",
			Example:     "hmacSha1('{\"id\":1}', 'secret', 'base64')", Result: `"pkq9ASkZdrNd69hwrROjDJQ0ODE="`,
			Func: hmacFunc("hmacSha1", sha1.New), Types: []any{new(func(string, string) string), new(func(string, string, string) string)}},
		&Function{Name: "secureCompare", Category: Security, Signature: "secureCompare(a, b) → bool",
			Description: "Whether two texts are equal, in a time that tells nothing of where they differ or of their lengths (for signatures and tokens).",
			Example:     "secureCompare(hmacSha256('body', 'key'), 'a1b2')", Result: "false",
			Func: secureCompareFunc, Types: []any{new(func(string, string) bool)}},
		&Function{Name: "uuid", Category: Security, Signature: "uuid() → text",
			Description: "A new random UUID (version 4: 122 random bits, nothing else in it).",
			Example:     "uuid()", Result: `"3f0c8a59-7f4e-4a7c-9d51-2b8e0c6f1a93"`,
			Varies: `^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$`,
			Func:   uuidFunc, Types: []any{new(func() string)}},
		&Function{Name: "randomInt", Category: Security, Signature: "randomInt(min, max) → int",
			Description: "A random whole number from min to max, both included, from the system's secure random source.",
			Example:     "randomInt(1, 6)", Result: "4", Varies: `^[1-6]$`,
			Func: randomIntFunc, Types: []any{new(func(any, any) int)}},
		&Function{Name: "randomText", Category: Security, Signature: "randomText(n, alphabet?) → text",
			Description: "n random characters from the alphabet (by default A-Z, a-z and 0-9), from the system's secure random source.",
			Example:     "randomText(6, '0123456789')", Result: `"402917"`, Varies: `^"[0-9]{6}"$`,
			Func: randomTextFunc, Types: []any{new(func(any) string), new(func(any, string) string)}},
		&Function{Name: "toBase64Url", Category: Security, Signature: "toBase64Url(text) → text",
			Description: "The text in URL-safe Base64 (- and _ for + and /), without padding, as JWTs write it.",
			Example:     "toBase64Url('hi?')", Result: `"aGk_"`,
			Func: toBase64URLFunc, Types: textToText},
		&Function{Name: "fromBase64Url", Category: Security, Signature: "fromBase64Url(text) → text",
			Description: "The text a URL-safe Base64 text holds, with or without padding.",
			Example:     "fromBase64Url('aGk_')", Result: `"hi?"`,
			Func: fromBase64URLFunc, Types: textToText},
	)
}

var textToText = []any{new(func(string) string)}

// digestFunc is md5, sha1, sha256 or sha512 of a text, in hex.
func digestFunc(fn string, h func() hash.Hash) func(args ...any) (any, error) {
	example := fn + "('hello'), or " + fn + "(string(x)) for a number"
	return func(args ...any) (any, error) {
		s, err := oneText(fn, args, example)
		if err != nil {
			return nil, err
		}
		d := h()
		d.Write([]byte(s))
		return hex.EncodeToString(d.Sum(nil)), nil
	}
}

var hmacSha256Func = hmacFunc("hmacSha256", sha256.New)

// hmacFunc is hmacSha256 or hmacSha1: the HMAC of a text with a key, in
// hex, base64 or base64url.
func hmacFunc(fn string, h func() hash.Hash) func(args ...any) (any, error) {
	example := fn + "(body, secret)"
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 3, "a text, a key and an optional encoding ('hex', 'base64' or 'base64url'), e.g. "+example); err != nil {
			return nil, err
		}
		msg, err := text(fn, "the text", args[0], example)
		if err != nil {
			return nil, err
		}
		key, err := text(fn, "the key", args[1], example)
		if err != nil {
			return nil, err
		}
		enc := "hex"
		if len(args) == 3 {
			enc, _ = args[2].(string)
		}
		m := hmac.New(h, []byte(key))
		m.Write([]byte(msg))
		sum := m.Sum(nil)
		switch enc {
		case "hex":
			return hex.EncodeToString(sum), nil
		case "base64":
			return base64.StdEncoding.EncodeToString(sum), nil
		case "base64url":
			return base64.RawURLEncoding.EncodeToString(sum), nil
		}
		return nil, argError(fn, "the encoding", "'hex', 'base64' or 'base64url'", fn+"(body, secret, 'base64')", args[2])
	}
}

// secureCompareFunc compares the SHA-256 digests of a and b in constant
// time: equal digests mean equal texts, and neither the place of a
// difference nor the texts' lengths change the time taken.
func secureCompareFunc(args ...any) (any, error) {
	const example = "secureCompare(request.headers['x-signature'], hmacSha256(body, secret))"
	if err := arity("secureCompare", args, 2, 2, "two texts, e.g. "+example); err != nil {
		return nil, err
	}
	a, err := text("secureCompare", "the first argument", args[0], example)
	if err != nil {
		return nil, err
	}
	b, err := text("secureCompare", "the second argument", args[1], example)
	if err != nil {
		return nil, err
	}
	da, db := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(da[:], db[:]) == 1, nil
}

// uuidFunc is uuid(): a version 4 UUID. Version 7 would sort by creation
// time, which helps a table's index, but it shows when it was made and
// holds 74 random bits instead of 122; a uuid() often ends up in a link
// or a token where neither is wanted, and tables get ordered IDs anyway.
func uuidFunc(args ...any) (any, error) {
	if err := arity("uuid", args, 0, 0, "no argument: uuid()"); err != nil {
		return nil, err
	}
	u, err := uuid.NewRandom()
	if err != nil {
		return nil, fmt.Errorf("uuid: the system's random source failed: %v", err)
	}
	return u.String(), nil
}

func randomIntFunc(args ...any) (any, error) {
	const example = "randomInt(1, 6)"
	if err := arity("randomInt", args, 2, 2, "a minimum and a maximum, e.g. "+example); err != nil {
		return nil, err
	}
	lo, ok := whole(args[0])
	if !ok {
		return nil, argError("randomInt", "the minimum", "a whole number", example, args[0])
	}
	hi, ok := whole(args[1])
	if !ok {
		return nil, argError("randomInt", "the maximum", "a whole number", example, args[1])
	}
	if lo > hi {
		return nil, fmt.Errorf("randomInt: the minimum %d is above the maximum %d; pass the smaller number first, e.g. %s", lo, hi, example)
	}
	span := new(big.Int).Sub(big.NewInt(int64(hi)), big.NewInt(int64(lo)))
	n, err := rand.Int(rand.Reader, span.Add(span, big.NewInt(1)))
	if err != nil {
		return nil, fmt.Errorf("randomInt: the system's random source failed: %v", err)
	}
	return int(n.Add(n, big.NewInt(int64(lo))).Int64()), nil
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomTextFunc draws each character uniformly from an alphabet of at
// most 256 characters, from random bytes: a byte is dropped when it falls
// in the last, incomplete round of the alphabet, so no character is more
// likely than another.
func randomTextFunc(args ...any) (any, error) {
	const example = "randomText(32)"
	if err := arity("randomText", args, 1, 2, "a length and an optional alphabet, e.g. "+example); err != nil {
		return nil, err
	}
	n, err := count("randomText", "the length", args[0], MaxTextBytes, example)
	if err != nil {
		return nil, err
	}
	alphabet := alphanumeric
	if len(args) == 2 {
		if alphabet, err = text("randomText", "the alphabet", args[1], "randomText(6, '0123456789')"); err != nil {
			return nil, err
		}
	}
	chars := []rune(alphabet)
	if len(chars) == 0 || len(chars) > 256 {
		return nil, fmt.Errorf("randomText: the alphabet must have from 1 to 256 characters, e.g. randomText(6, '0123456789'); got %d", len(chars))
	}
	width := 0
	for _, c := range chars {
		width = max(width, utf8.RuneLen(c))
	}
	if n*width > MaxTextBytes {
		return nil, errTextLimit("randomText", fmt.Sprintf("%d characters", n))
	}
	limit := 256 - 256%len(chars) // bytes from limit up are dropped
	out := make([]rune, 0, n)
	buf := make([]byte, min(max(n+n/4, 16), 1<<16))
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("randomText: the system's random source failed: %v", err)
		}
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, chars[int(b)%len(chars)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out), nil
}

func toBase64URLFunc(args ...any) (any, error) {
	const example = "toBase64Url('hello')"
	s, err := oneText("toBase64Url", args, example)
	if err != nil {
		return nil, err
	}
	if base64.RawURLEncoding.EncodedLen(len(s)) > MaxTextBytes {
		return nil, errTextLimit("toBase64Url", "encoding this text")
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s)), nil
}

func fromBase64URLFunc(args ...any) (any, error) {
	const example = "fromBase64Url('aGVsbG8')"
	s, err := oneText("fromBase64Url", args, example)
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	if len(s)%4 == 0 && len(s) > 0 && s[len(s)-1] == '=' {
		enc = base64.URLEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("fromBase64Url: the text is not URL-safe Base64 (%v); for standard Base64 (+ and /) use fromBase64", err)
	}
	out := string(b)
	if err := validText("fromBase64Url", out); err != nil {
		return nil, err
	}
	return out, nil
}
