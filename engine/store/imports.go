package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/funcstack/funcstack/engine"
)

// Import is what the last workspace import of a definition brought: the
// hash of its file's canonical JSON and the version that import saved or
// found. A workspace import compares a file with it to tell a file that
// changed from one that did not (docs/design.md §21).
type Import struct {
	Name       string    `json:"name"`
	Hash       string    `json:"hash"`
	Version    int       `json:"version"`
	ImportedAt time.Time `json:"imported_at"`
}

// importRow stores one Import.
type importRow struct {
	Name       string `gorm:"primaryKey;size:200"`
	Hash       string `gorm:"size:64;not null"`
	Version    int    `gorm:"not null"`
	ImportedAt time.Time
}

func (importRow) TableName() string { return "funcstack_workspace_imports" }

// DefinitionHash is the hash a saved version of d would have: the SHA-256
// of its canonical JSON, the same for the same content however it is
// formatted.
func DefinitionHash(d *engine.Definition) (string, error) {
	_, h, err := canonical(d)
	return h, err
}

// Imports returns the last workspace import of every definition ever
// imported from files, by name. Renaming or deleting a definition keeps
// its record, so an unchanged file does not bring it back.
func (s *Store) Imports(ctx context.Context) (map[string]Import, error) {
	var rows []importRow
	if err := s.gdb.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the workspace imports in %s: %v", s.where, err)
	}
	out := make(map[string]Import, len(rows))
	for _, r := range rows {
		out[r.Name] = Import{Name: r.Name, Hash: r.Hash, Version: r.Version, ImportedAt: r.ImportedAt.UTC()}
	}
	return out, nil
}

// RecordImports stores imports as the last workspace import of their
// names, replacing earlier ones.
func (s *Store) RecordImports(ctx context.Context, imports []Import) error {
	if len(imports) == 0 {
		return nil
	}
	rows := make([]importRow, len(imports))
	for i, im := range imports {
		rows[i] = importRow{Name: im.Name, Hash: im.Hash, Version: im.Version, ImportedAt: im.ImportedAt.UTC()}
	}
	err := s.gdb.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"hash", "version", "imported_at"}),
	}).Create(&rows).Error
	if err != nil {
		return fmt.Errorf("recording the workspace import in %s: %v", s.where, err)
	}
	return nil
}

// NewestVersions returns the newest version of every definition, without
// its content, by name.
func (s *Store) NewestVersions(ctx context.Context) (map[string]Version, error) {
	var rows []versionRow
	err := s.gdb.WithContext(ctx).Model(&versionRow{}).Select("funcstack_definition_versions.name, version, funcstack_definition_versions.kind, hash, note, funcstack_definition_versions.created_at, published_at").
		Joins("JOIN funcstack_definitions d ON d.name = funcstack_definition_versions.name AND d.latest = funcstack_definition_versions.version").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("listing definitions in %s: %v", s.where, err)
	}
	out := make(map[string]Version, len(rows))
	for i := range rows {
		out[rows[i].Name] = s.toVersion(&rows[i], 0)
	}
	return out, nil
}
