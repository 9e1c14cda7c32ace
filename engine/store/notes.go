package store

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// MaxNoteLength is the most characters a version's note holds.
const MaxNoteLength = 200

// SetNote sets the note of version of name (what changed, why it was
// published), replacing the one it had ("" clears it).
func (s *Store) SetNote(ctx context.Context, name string, version int, note string) error {
	note = cleanText(note)
	if n := utf8.RuneCountInString(note); n > MaxNoteLength {
		return fmt.Errorf("the note of %s version %d has %d characters; keep it to %d", name, version, n, MaxNoteLength)
	}
	res := s.gdb.WithContext(ctx).Model(&versionRow{}).Where("name = ? AND version = ?", name, version).Update("note", note)
	if res.Error != nil {
		return s.defErr("noting a version of", name, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("noting definition %s: it has no version %d; see its history: %w", name, version, ErrNotFound)
	}
	return nil
}
