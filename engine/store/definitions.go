package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/funcstack/funcstack/engine"
)

// ErrNotFound is returned for an unknown definition or version.
var ErrNotFound = errors.New("not found")

// Version describes one saved version of a definition.
type Version struct {
	Name        string          `json:"name"`
	Version     int             `json:"version"`
	Kind        string          `json:"kind"`
	Hash        string          `json:"hash"`
	Note        string          `json:"note,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	Published   bool            `json:"published"`
	PublishedAt *time.Time      `json:"published_at,omitempty"`
	Content     json.RawMessage `json:"content"`
}

// canonical returns the canonical JSON of d (sorted keys, compact) and its
// SHA-256.
func canonical(d *engine.Definition) ([]byte, string, error) {
	raw := []byte(d.Raw)
	if len(raw) == 0 {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, "", fmt.Errorf("definition %s cannot be written as JSON: %v", d.Name, err)
		}
		raw = b
	}
	c, err := canonicalJSON(raw)
	if err != nil {
		return nil, "", fmt.Errorf("definition %s is not valid JSON: %v", d.Name, err)
	}
	sum := sha256.Sum256(c)
	return c, hex.EncodeToString(sum[:]), nil
}

func checkName(name string) error {
	if !engine.NamePattern.MatchString(name) {
		return fmt.Errorf("definition name %q must match [a-z][a-z0-9_]*", name)
	}
	return nil
}

// SaveDefinition stores d as the newest version of the definition d.Name,
// unless its canonical JSON equals the newest version's: then nothing
// changes and it returns that version with changed=false. New versions are
// drafts until published.
func (s *Store) SaveDefinition(ctx context.Context, d *engine.Definition) (version int, changed bool, err error) {
	if d == nil {
		return 0, false, errors.New("saving a definition: nil definition")
	}
	if err := checkName(d.Name); err != nil {
		return 0, false, err
	}
	content, hash, err := canonical(d)
	if err != nil {
		return 0, false, err
	}
	return s.saveContent(ctx, d.Name, d.Kind, content, hash, "")
}

func (s *Store) saveContent(ctx context.Context, name, kind string, content []byte, hash, note string) (version int, changed bool, err error) {
	err = s.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		version, changed, err = s.saveContentTx(tx, name, kind, content, hash, note)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("saving definition %s in %s: %v", name, s.where, err)
	}
	return version, changed, nil
}

// saveContentTx is saveContent's work within tx.
func (s *Store) saveContentTx(tx *gorm.DB, name, kind string, content []byte, hash, note string) (version int, changed bool, err error) {
	now := time.Now().UTC()
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&definitionRow{Name: name, Kind: kind, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
		return 0, false, err
	}
	var row definitionRow
	q := tx
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("name = ?", name).Take(&row).Error; err != nil {
		return 0, false, err
	}
	if row.Latest > 0 {
		var last versionRow
		if err := tx.Select("hash").Where("name = ? AND version = ?", name, row.Latest).Take(&last).Error; err != nil {
			return 0, false, err
		}
		if last.Hash == hash {
			return row.Latest, false, nil
		}
	}
	version = row.Latest + 1
	if err := tx.Create(&versionRow{Name: name, Version: version, Kind: kind, Content: string(content), Hash: hash, Note: note, CreatedAt: now}).Error; err != nil {
		return 0, false, err
	}
	return version, true, tx.Model(&definitionRow{}).Where("name = ?", name).Updates(map[string]any{"latest": version, "kind": kind, "updated_at": now}).Error
}

// Publish makes version (0: the newest) the published version of name.
func (s *Store) Publish(ctx context.Context, name string, version int) error {
	err := s.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return publishTx(tx, name, version) })
	return s.defErr("publishing", name, err)
}

// publishTx is Publish's work within tx.
func publishTx(tx *gorm.DB, name string, version int) error {
	var row definitionRow
	if err := tx.Where("name = ?", name).Take(&row).Error; err != nil {
		return err
	}
	if version <= 0 {
		version = row.Latest
	}
	now := time.Now().UTC()
	res := tx.Model(&versionRow{}).Where("name = ? AND version = ?", name, version).Update("published_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("definition %s has no version %d (newest: %d): %w", name, version, row.Latest, ErrNotFound)
	}
	return tx.Model(&definitionRow{}).Where("name = ?", name).Updates(map[string]any{"published": version, "updated_at": now}).Error
}

func (s *Store) defErr(what, name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s definition %s: no definition by that name in %s: %w", what, name, s.where, ErrNotFound)
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%s %w", what, err)
	}
	return fmt.Errorf("%s definition %s in %s: %v", what, name, s.where, err)
}

func (s *Store) toVersion(v *versionRow, published int) Version {
	return Version{Name: v.Name, Version: v.Version, Kind: v.Kind, Hash: v.Hash, Note: v.Note, CreatedAt: v.CreatedAt.UTC(),
		Published: v.Version == published, PublishedAt: v.PublishedAt, Content: json.RawMessage(v.Content)}
}

// History returns every version of name, newest first.
func (s *Store) History(ctx context.Context, name string) ([]Version, error) {
	var row definitionRow
	db := s.gdb.WithContext(ctx)
	if err := db.Where("name = ?", name).Take(&row).Error; err != nil {
		return nil, s.defErr("reading the history of", name, err)
	}
	var rows []versionRow
	if err := db.Where("name = ?", name).Order("version DESC").Find(&rows).Error; err != nil {
		return nil, s.defErr("reading the history of", name, err)
	}
	out := make([]Version, len(rows))
	for i := range rows {
		out[i] = s.toVersion(&rows[i], row.Published)
	}
	return out, nil
}

// parse turns stored content back into a definition.
func parse(name string, version int, content string) (*engine.Definition, error) {
	var diags engine.Diagnostics
	d := engine.ParseDefinition(fmt.Sprintf("%s (version %d)", name, version), []byte(content), &diags)
	if d == nil || diags.HasErrors() {
		return d, fmt.Errorf("stored definition %s version %d does not parse: %v", name, version, diags.Err())
	}
	d.Version = version
	return d, nil
}

// GetVersion returns version (0: the newest) of name, parsed, and its
// description.
func (s *Store) GetVersion(ctx context.Context, name string, version int) (*engine.Definition, *Version, error) {
	db := s.gdb.WithContext(ctx)
	var row definitionRow
	if err := db.Where("name = ?", name).Take(&row).Error; err != nil {
		return nil, nil, s.defErr("reading", name, err)
	}
	if version <= 0 {
		version = row.Latest
	}
	var v versionRow
	if err := db.Where("name = ? AND version = ?", name, version).Take(&v).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, fmt.Errorf("definition %s has no version %d (newest: %d): %w", name, version, row.Latest, ErrNotFound)
		}
		return nil, nil, s.defErr("reading", name, err)
	}
	ver := s.toVersion(&v, row.Published)
	d, err := parse(name, version, v.Content)
	return d, &ver, err
}

// Get returns the newest version of name, parsed.
func (s *Store) Get(ctx context.Context, name string) (*engine.Definition, error) {
	d, _, err := s.GetVersion(ctx, name, 0)
	return d, err
}

// GetPublished returns the published version of name, parsed, or
// ErrNotFound when none was published.
func (s *Store) GetPublished(ctx context.Context, name string) (*engine.Definition, error) {
	var row definitionRow
	if err := s.gdb.WithContext(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return nil, s.defErr("reading", name, err)
	}
	if row.Published == 0 {
		return nil, fmt.Errorf("definition %s has no published version (newest draft: %d); publish one: %w", name, row.Latest, ErrNotFound)
	}
	d, _, err := s.GetVersion(ctx, name, row.Published)
	return d, err
}

// Restore makes a new version of name with the content of version, and
// returns its number. When the newest version already has that content,
// it returns the newest version's number.
func (s *Store) Restore(ctx context.Context, name string, version int) (int, error) {
	var v versionRow
	if err := s.gdb.WithContext(ctx).Where("name = ? AND version = ?", name, version).Take(&v).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, fmt.Errorf("restoring definition %s: it has no version %d; see its history: %w", name, version, ErrNotFound)
		}
		return 0, s.defErr("restoring", name, err)
	}
	n, _, err := s.saveContent(ctx, name, v.Kind, []byte(v.Content), v.Hash, fmt.Sprintf("restored from version %d", version))
	return n, err
}

// Delete removes name and all its versions. A table's data is kept.
func (s *Store) Delete(ctx context.Context, name string) error {
	err := s.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("name = ?", name).Delete(&definitionRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		if err := tx.Where("name = ?", name).Delete(&versionRow{}).Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM funcstack_test_inputs WHERE definition = ?", name).Error
	})
	return s.defErr("deleting", name, err)
}

// List returns the newest version of every definition, by name.
func (s *Store) List(ctx context.Context) ([]*engine.Definition, error) {
	return s.list(ctx, false)
}

// ListPublished returns the published version of every definition that
// has one, by name.
func (s *Store) ListPublished(ctx context.Context) ([]*engine.Definition, error) {
	return s.list(ctx, true)
}

func (s *Store) list(ctx context.Context, published bool) ([]*engine.Definition, error) {
	col := "latest"
	if published {
		col = "published"
	}
	var rows []versionRow
	err := s.gdb.WithContext(ctx).Model(&versionRow{}).
		Joins("JOIN funcstack_definitions d ON d.name = funcstack_definition_versions.name AND d." + col + " = funcstack_definition_versions.version").
		Order("funcstack_definition_versions.name").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("listing definitions in %s: %v", s.where, err)
	}
	out := make([]*engine.Definition, 0, len(rows))
	var errs []error
	for _, v := range rows {
		d, err := parse(v.Name, v.Version, v.Content)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}

// Versions returns, for every definition, its newest and published version
// numbers (0: none published).
func (s *Store) Versions(ctx context.Context) (map[string][2]int, error) {
	var rows []definitionRow
	if err := s.gdb.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing definitions in %s: %v", s.where, err)
	}
	out := make(map[string][2]int, len(rows))
	for _, r := range rows {
		out[r.Name] = [2]int{r.Latest, r.Published}
	}
	return out, nil
}
