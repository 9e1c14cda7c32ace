package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CodeIdempotencyKeyReused is the error code of an idempotency key sent
// again, within its window, with a different input than the first time
// (HTTP 422, as Stripe and the IETF Idempotency-Key draft answer).
const CodeIdempotencyKeyReused = "idempotency_key_reused"

// InputFingerprint identifies one call of function with input for an
// idempotency key: the SHA-256, in hex, of the function name and the
// canonical JSON of input (object keys sorted, no spaces, numbers by exact
// value, so that {"n": 1.0} and {"n":1} are the same call). Pass the input
// as given, before validation and redaction. An input that cannot be JSON
// is an error with the function named.
func InputFingerprint(function string, input any) (string, error) {
	raw, ok := input.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(input)
		if err != nil {
			return "", &Error{Code: CodeInvalidInput, Message: fmt.Sprintf("the input of %s cannot be JSON, so its idempotency key cannot be checked: %v", function, err)}
		}
		raw = b
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", &Error{Code: CodeInvalidInput, Message: fmt.Sprintf("the input of %s is not JSON, so its idempotency key cannot be checked: %v", function, err)}
	}
	h := sha256.New()
	b := append([]byte(function), 0)
	b = appendCanonical(b, v)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// appendCanonical appends v (decoded JSON, numbers as json.Number) as
// canonical JSON: keys sorted, no white space, each number as its exact
// value (an integer, or a fraction p/q in lowest terms).
func appendCanonical(b []byte, v any) []byte {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = appendCanonical(b, x[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			return append(b, r.RatString()...)
		}
		return append(b, x...)
	case string:
		return strconv.AppendQuote(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case nil:
		return append(b, "null"...)
	}
	return fmt.Append(b, v)
}

// IdempotencyKeyReused is the error for key, claimed by execution first of
// function with another input, being sent again within window with a
// different input. It names the first execution (also as its
// ExecutionID) and what to do.
func IdempotencyKeyReused(function, key, first string, window time.Duration) *Error {
	return &Error{Code: CodeIdempotencyKeyReused, Status: http.StatusUnprocessableEntity, ExecutionID: first, Message: fmt.Sprintf(
		"the idempotency key %q was first used for function %s with a different input, by execution %s; "+
			"a key stays bound to its first input for %s. Send a new key for a new run, or send the first input again to get execution %s",
		key, function, first, shortDuration(window), first)}
}

// shortDuration is d without trailing zero units: 24h, 1h30m, 90s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
