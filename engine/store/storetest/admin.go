package storetest

import (
	"errors"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// testRename renames a definition with a published version and a draft:
// every version gets the new name, the published one stays published.
func testRename(t *testing.T, s *store.Store) {
	v1 := parse(t, `{"kind": "function", "name": "old", "stack": [], "response": "1"}`)
	v2 := parse(t, `{"kind": "function", "name": "old", "stack": [], "response": "2"}`)
	if _, _, err := s.SaveDefinition(ctx(), v1); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx(), "old", 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SaveDefinition(ctx(), v2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SaveDefinition(ctx(), parse(t, `{"kind": "function", "name": "taken", "stack": []}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx(), "old", "taken"); !errors.Is(err, store.ErrExists) {
		t.Errorf("rename to a taken name: %v", err)
	}
	if _, err := s.Rename(ctx(), "nope", "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rename of an unknown name: %v", err)
	}
	if _, err := s.Rename(ctx(), "old", "Bad"); err == nil {
		t.Error("rename to a bad name: no error")
	}
	latest, err := s.Rename(ctx(), "old", "new")
	if err != nil || latest != 2 {
		t.Fatalf("rename: %d %v", latest, err)
	}
	vs, err := s.Versions(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := vs["old"]; ok || vs["new"] != [2]int{2, 1} {
		t.Errorf("versions after rename: %v", vs)
	}
	pub, err := s.GetPublished(ctx(), "new")
	if err != nil || pub.Name != "new" || pub.Response != "1" {
		t.Fatalf("published after rename: %+v %v", pub, err)
	}
	h, err := s.History(ctx(), "new")
	if err != nil || len(h) != 2 || h[1].PublishedAt == nil || !h[1].Published {
		t.Fatalf("history after rename: %+v %v", h, err)
	}
	// The renamed content hashes like a definition saved under the name.
	v, changed, err := s.SaveDefinition(ctx(), parse(t, `{"kind": "function", "name": "new", "stack": [], "response": "2"}`))
	if err != nil || changed || v != 2 {
		t.Errorf("saving the newest content again: %d %v %v", v, changed, err)
	}
	infos, err := s.Definitions(ctx())
	if err != nil || len(infos) != 2 || infos[0].Name != "new" || infos[0].Latest != 2 || infos[0].Published != 1 || infos[0].Kind != "function" {
		t.Errorf("definitions: %+v %v", infos, err)
	}
}

// testTableInfo reads the row count and indexes of a synced table.
func testTableInfo(t *testing.T, s *store.Store) {
	d := parse(t, `{"kind": "table", "name": "things", "fields": [{"name": "n", "type": "int"}], "indexes": [{"fields": ["n"], "unique": true}]}`)
	if err := s.SyncTables(ctx(), []*engine.Definition{d}, false); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s, "INSERT INTO things (n) VALUES ("+ph(s, 1)+")", 1)
	if n, err := s.RowCount(ctx(), "things"); err != nil || n != 1 {
		t.Errorf("row count: %d %v", n, err)
	}
	if _, err := s.RowCount(ctx(), "nope"); err == nil {
		t.Error("row count of an unknown table: no error")
	}
	ix, err := s.TableIndexes(ctx(), "things")
	if err != nil || len(ix) != 1 || !ix[0].Unique || len(ix[0].Fields) != 1 || ix[0].Fields[0] != "n" {
		t.Errorf("indexes: %+v %v", ix, err)
	}
}
