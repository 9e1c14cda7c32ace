package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// keysLockID is the PostgreSQL advisory lock under which nodes make the
// keys table and its keys.
const keysLockID = 0x6b657973 // "keys"

// Key returns the server key called name, 32 random bytes made by the
// first node that asks and kept in the funcstack_keys table: every node
// sharing the database gets the same one. Nodes asking at once agree.
func (s *Store) Key(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("making key %s: %v", name, err)
	}
	ddl := `CREATE TABLE IF NOT EXISTS funcstack_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)`
	ins := `INSERT INTO funcstack_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`
	sel := `SELECT value FROM funcstack_keys WHERE name = ?`
	var value string
	err := func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if s.dialect == DialectPostgres {
			// CREATE TABLE IF NOT EXISTS run at once by two nodes can
			// fail in one of them: the lock orders them.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, keysLockID); err != nil {
				return err
			}
			ins = `INSERT INTO funcstack_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
			sel = `SELECT value FROM funcstack_keys WHERE name = $1`
		}
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ins, name, hex.EncodeToString(fresh)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, sel, name).Scan(&value); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		return nil, fmt.Errorf("reading key %s from funcstack_keys in %s: %v", name, s.where, err)
	}
	k, err := hex.DecodeString(value)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("key %s in funcstack_keys of %s is damaged (want 64 hex digits); delete its row to make a new one (jobs queued under the old key will then fail)", name, s.where)
	}
	return k, nil
}
