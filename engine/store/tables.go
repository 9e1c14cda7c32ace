package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

// User tables belong to engine/tables (their schema, DDL and migrations);
// the store runs the schema changes in a transaction of its own, under a
// lock that keeps nodes from changing the schema at once, and makes its
// connections forget the statements a change made stale.

// DestructiveError is SyncTables refusing changes that lose data (a
// dropped column, a changed type or id); Changes names each by table and
// column. SyncTables with force applies them.
type DestructiveError = tables.DestructiveError

// TableColumn describes one column of a synced user table, for the admin
// API.
type TableColumn = tables.ColumnInfo

// vdialect is the store's dialect in the value registry's terms.
func (s *Store) vdialect() value.Dialect { return value.DialectOf(s.dialect) }

// SyncTables makes the user tables match the table definitions in defs
// (tables.Sync; other kinds are ignored). Destructive changes are refused
// with a *DestructiveError unless force. Everything runs in one
// transaction: on error nothing changes.
func (s *Store) SyncTables(ctx context.Context, defs []*engine.Definition, force bool) error {
	return s.SyncAndPublish(ctx, defs, force, nil)
}

// NamedVersion names one version of a definition.
type NamedVersion struct {
	Name    string
	Version int
}

// SyncAndPublish is SyncTables, then makes each of versions the published
// version of its definition, all in the one transaction: either the
// tables change and every version is published, or nothing changes. A
// version that does not exist is an error wrapping ErrNotFound.
func (s *Store) SyncAndPublish(ctx context.Context, defs []*engine.Definition, force bool, versions []NamedVersion) error {
	specs, err := tables.Specs(s.vdialect(), defs)
	if err != nil || (len(specs) == 0 && len(versions) == 0) {
		return err
	}
	// On SQLite foreign keys are off while the schema changes (SQLite's
	// own recipe for altering tables): a rebuilt table is dropped and
	// copied, and with them on, dropping a table deletes its rows first,
	// which would cascade to the tables pointing to it. PRAGMA
	// foreign_keys cannot change inside a transaction, so the sync has a
	// connection of its own, and checks every key before it commits.
	var tx *sql.Tx
	if s.dialect == DialectSQLite {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("syncing tables in %s: %v", s.where, err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("syncing tables in %s: %v", s.where, err)
		}
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); err != nil {
				// Never hand back a connection without foreign keys.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return fmt.Errorf("syncing tables in %s: %v", s.where, err)
		}
	} else if tx, err = s.db.BeginTx(ctx, nil); err != nil {
		return fmt.Errorf("syncing tables in %s: %v", s.where, err)
	}
	defer tx.Rollback()
	changed := false
	if len(specs) > 0 {
		if s.dialect == DialectPostgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockID+1); err != nil {
				return fmt.Errorf("syncing tables in %s: %v", s.where, err)
			}
		}
		if changed, err = tables.Sync(ctx, tx, s.vdialect(), specs, force); err != nil {
			return err
		}
		if s.dialect == DialectSQLite && changed {
			if err := tables.CheckForeignKeys(ctx, tx); err != nil {
				return err
			}
		}
	}
	if err := s.publishIn(ctx, tx, versions); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("syncing tables in %s: commit: %v", s.where, err)
	}
	if changed {
		s.schemaGen.Add(1)
	}
	return nil
}

// publishIn publishes versions within tx (Publish's work, in SQL).
func (s *Store) publishIn(ctx context.Context, tx *sql.Tx, versions []NamedVersion) error {
	now := time.Now().UTC()
	for _, v := range versions {
		res, err := tx.ExecContext(ctx, s.rebind("UPDATE funcstack_definition_versions SET published_at = ? WHERE name = ? AND version = ?"), now, v.Name, v.Version)
		if err != nil {
			return s.defErr("publishing", v.Name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return s.defErr("publishing", v.Name, err)
			}
			return fmt.Errorf("publishing definition %s: it has no version %d: %w", v.Name, v.Version, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE funcstack_definitions SET published = ?, updated_at = ? WHERE name = ?"), v.Version, now, v.Name); err != nil {
			return s.defErr("publishing", v.Name, err)
		}
	}
	return nil
}

// Table returns the id type ("int" or "uuid") and the columns of a synced
// user table (id first, then the defined columns, then created_at and
// updated_at), or an error when the table was never synced.
func (s *Store) Table(ctx context.Context, name string) (idType string, cols []TableColumn, err error) {
	return tables.Columns(ctx, s.db, s.vdialect(), name)
}
