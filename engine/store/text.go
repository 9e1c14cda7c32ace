package store

import (
	"strings"
	"unicode/utf8"

	"github.com/funcstack/funcstack/engine"
)

// cleanText makes s storable in a text column of either backend:
// PostgreSQL refuses invalid UTF-8 and NUL characters in text, so both
// become U+FFFD, as encoding/json does to the JSON columns. Without it a
// hostile idempotency key could make a whole execution record unwritable.
func cleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// cleanRecordText applies cleanText to rec's text columns.
func cleanRecordText(rec *engine.ExecutionRecord) {
	rec.ID, rec.Function, rec.Mode = cleanText(rec.ID), cleanText(rec.Function), cleanText(rec.Mode)
	rec.Status, rec.Parent, rec.IdempotencyKey = cleanText(rec.Status), cleanText(rec.Parent), cleanText(rec.IdempotencyKey)
}
