package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
)

// DefinitionInfo describes one stored definition for listings.
type DefinitionInfo struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Latest    int       `json:"latest"`
	Published int       `json:"published"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Definitions describes every stored definition, by name.
func (s *Store) Definitions(ctx context.Context) ([]DefinitionInfo, error) {
	var rows []definitionRow
	if err := s.gdb.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing definitions in %s: %v", s.where, err)
	}
	out := make([]DefinitionInfo, len(rows))
	for i, r := range rows {
		out[i] = DefinitionInfo{Name: r.Name, Kind: r.Kind, Latest: r.Latest, Published: r.Published, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// ErrExists is returned when a name is already taken.
var ErrExists = errors.New("already exists")

// Rename gives the definition from the name to, in every version (the
// content's "name" too, so its history and published version stay as they
// were). Other definitions naming it are not changed. It returns the
// newest version's number.
func (s *Store) Rename(ctx context.Context, from, to string) (int, error) {
	latest, _, err := s.RenameWith(ctx, from, to, nil)
	return latest, err
}

// CallerVersion is a new version of a definition saved with a rename
// (RenameWith), published too when Publish.
type CallerVersion struct {
	Definition *engine.Definition
	Publish    bool
}

// RenameWith is Rename, and saves each of callers as a new version of its
// definition (publishing those marked), all in one transaction: on error
// nothing changed. It returns the renamed definition's newest version and
// each caller's new version, in order.
func (s *Store) RenameWith(ctx context.Context, from, to string, callers []CallerVersion) (int, []int, error) {
	if err := checkName(to); err != nil {
		return 0, nil, err
	}
	type saved struct {
		content    []byte
		hash       string
		name, kind string
	}
	contents := make([]saved, len(callers))
	for i, c := range callers {
		content, hash, err := canonical(c.Definition)
		if err != nil {
			return 0, nil, err
		}
		contents[i] = saved{content, hash, c.Definition.Name, c.Definition.Kind}
	}
	var latest int
	versions := make([]int, len(callers))
	err := s.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row definitionRow
		if err := tx.Where("name = ?", from).Take(&row).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&definitionRow{}).Where("name = ?", to).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("renaming definition %s: the name %s is taken by another definition; choose another or delete that one: %w", from, to, ErrExists)
		}
		var rows []versionRow
		if err := tx.Where("name = ?", from).Find(&rows).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		r := row
		r.Name, r.UpdatedAt = to, now
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		for _, v := range rows {
			content, hash, err := renamed(v.Content, to)
			if err != nil {
				return fmt.Errorf("renaming definition %s: version %d: %v", from, v.Version, err)
			}
			v.Name, v.Content, v.Hash = to, string(content), hash
			if err := tx.Create(&v).Error; err != nil {
				return err
			}
		}
		if err := tx.Where("name = ?", from).Delete(&versionRow{}).Error; err != nil {
			return err
		}
		latest = row.Latest
		if err := tx.Where("name = ?", from).Delete(&definitionRow{}).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE funcstack_test_inputs SET definition = ? WHERE definition = ?", to, from).Error; err != nil {
			return err
		}
		for i, c := range contents {
			v, _, err := s.saveContentTx(tx, c.name, c.kind, c.content, c.hash, fmt.Sprintf("calls %s, renamed from %s", to, from))
			if err != nil {
				return fmt.Errorf("saving definition %s: %v", c.name, err)
			}
			versions[i] = v
			if callers[i].Publish {
				if err := publishTx(tx, c.name, v); err != nil {
					return fmt.Errorf("publishing definition %s: %v", c.name, err)
				}
			}
		}
		return nil
	})
	if errors.Is(err, ErrExists) {
		return 0, nil, err
	}
	if err != nil {
		return 0, nil, s.defErr("renaming", from, err)
	}
	return latest, versions, nil
}

// renamed returns content with its "name" set to name, canonical, and its
// hash.
func renamed(content, name string) ([]byte, string, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(content)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, "", err
	}
	m["name"] = name
	c, err := marshalJSON(m)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(c)
	return c, hex.EncodeToString(sum[:]), nil
}

// RowCount returns the number of records in the user table name, which
// must be a synced table (see Table).
func (s *Store) RowCount(ctx context.Context, name string) (int64, error) {
	t, err := tables.Applied(ctx, s.db, s.vdialect(), name)
	if err != nil {
		return 0, err
	}
	if t == nil {
		return 0, fmt.Errorf("table %s does not exist; publish its definition to create it", name)
	}
	return tables.RowCount(ctx, s.db, name)
}

// TableIndexes returns the indexes of a synced user table.
func (s *Store) TableIndexes(ctx context.Context, name string) ([]engine.TableIndex, error) {
	t, err := tables.Applied(ctx, s.db, s.vdialect(), name)
	if err != nil || t == nil {
		return nil, err
	}
	out := make([]engine.TableIndex, len(t.Indexes))
	for i, ix := range t.Indexes {
		out[i] = engine.TableIndex{Fields: ix.Fields, Unique: ix.Unique}
	}
	return out, nil
}
