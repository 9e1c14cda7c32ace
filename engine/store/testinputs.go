package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Test inputs are named inputs kept per definition for trying it in the
// builder (Run & Debug, Copy as curl): shared by everyone using the
// server, beside the definition rather than in it, so that saving one
// makes no new version. They follow a rename and go with a delete.

// TestInput is one named test input of a definition.
type TestInput struct {
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// MaxTestInputBytes is the largest test input kept.
const MaxTestInputBytes = 64 << 10

// TestInputs returns the test inputs of definition, by name.
func (s *Store) TestInputs(ctx context.Context, definition string) ([]TestInput, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT name, input, updated_at FROM funcstack_test_inputs WHERE definition = ? ORDER BY name`), definition)
	if err != nil {
		return nil, fmt.Errorf("reading the test inputs of %s in %s: %v", definition, s.where, err)
	}
	defer rows.Close()
	out := []TestInput{}
	for rows.Next() {
		var t TestInput
		var in string
		var at any
		if err := rows.Scan(&t.Name, &in, &at); err != nil {
			return nil, fmt.Errorf("reading the test inputs of %s in %s: %v", definition, s.where, err)
		}
		t.Input = json.RawMessage(in)
		if t.UpdatedAt, err = ScanTime(at); err != nil {
			return nil, err
		}
		t.UpdatedAt = t.UpdatedAt.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetTestInput keeps input (JSON) as the test input name of definition,
// replacing one of that name.
func (s *Store) SetTestInput(ctx context.Context, definition, name string, input json.RawMessage) (TestInput, error) {
	c, err := canonicalJSON(input)
	if err != nil {
		return TestInput{}, fmt.Errorf("test input %s of %s is not JSON: %v", name, definition, err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	q := `INSERT INTO funcstack_test_inputs (definition, name, input, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (definition, name) DO UPDATE SET input = excluded.input, updated_at = excluded.updated_at`
	if _, err := s.db.ExecContext(ctx, s.rebind(q), definition, name, string(c), s.timeArg(now)); err != nil {
		return TestInput{}, fmt.Errorf("saving test input %s of %s in %s: %v", name, definition, s.where, err)
	}
	return TestInput{Name: name, Input: c, UpdatedAt: now}, nil
}

// DeleteTestInput forgets the test input name of definition
// (ErrNotFound when there is none).
func (s *Store) DeleteTestInput(ctx context.Context, definition, name string) error {
	res, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM funcstack_test_inputs WHERE definition = ? AND name = ?`), definition, name)
	if err != nil {
		return fmt.Errorf("deleting test input %s of %s in %s: %v", name, definition, s.where, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("definition %s has no test input %q: %w", definition, name, ErrNotFound)
	}
	return nil
}

// AllTestInputs returns the test inputs of every definition that has
// some, by definition (for export).
func (s *Store) AllTestInputs(ctx context.Context) (map[string][]TestInput, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT definition, name, input, updated_at FROM funcstack_test_inputs ORDER BY definition, name`)
	if err != nil {
		return nil, fmt.Errorf("reading the test inputs in %s: %v", s.where, err)
	}
	defer rows.Close()
	out := map[string][]TestInput{}
	for rows.Next() {
		var def, in string
		var t TestInput
		var at any
		if err := rows.Scan(&def, &t.Name, &in, &at); err != nil {
			return nil, fmt.Errorf("reading the test inputs in %s: %v", s.where, err)
		}
		t.Input = json.RawMessage(in)
		if t.UpdatedAt, err = ScanTime(at); err != nil {
			return nil, err
		}
		t.UpdatedAt = t.UpdatedAt.UTC()
		out[def] = append(out[def], t)
	}
	return out, rows.Err()
}
