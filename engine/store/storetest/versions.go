package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

func testVersions(t *testing.T, s *store.Store) {
	a1 := parse(t, `{"kind": "function", "name": "a", "stack": [{"type": "return", "value": "1"}]}`)
	v, changed, err := s.SaveDefinition(ctx(), a1)
	if err != nil || v != 1 || !changed {
		t.Fatalf("first save: v%d changed %v err %v", v, changed, err)
	}
	// Same content, other spacing and key order: no new version.
	same := parse(t, `{"stack": [{"value": "1", "type": "return"}],   "name": "a", "kind": "function"}`)
	v, changed, err = s.SaveDefinition(ctx(), same)
	if err != nil || v != 1 || changed {
		t.Fatalf("unchanged save: v%d changed %v err %v", v, changed, err)
	}
	a2 := parse(t, `{"kind": "function", "name": "a", "stack": [{"type": "return", "value": "2"}]}`)
	if v, changed, err = s.SaveDefinition(ctx(), a2); err != nil || v != 2 || !changed {
		t.Fatalf("changed save: v%d changed %v err %v", v, changed, err)
	}
	if _, err := s.GetPublished(ctx(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("published before publishing: %v", err)
	}
	if err := s.Publish(ctx(), "a", 1); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Publish(ctx(), "a", 9), "definition a has no version 9")
	wantErr(t, s.Publish(ctx(), "nope", 1), "no definition by that name")
	d, err := s.GetPublished(ctx(), "a")
	if err != nil || !strings.Contains(string(d.Raw), `"1"`) {
		t.Fatalf("published: %v %s", err, d.Raw)
	}
	d, err = s.Get(ctx(), "a")
	if err != nil || !strings.Contains(string(d.Raw), `"2"`) || d.Kind != engine.KindFunction || d.Name != "a" {
		t.Fatalf("latest: %v %+v", err, d)
	}
	n, err := s.Restore(ctx(), "a", 1)
	if err != nil || n != 3 {
		t.Fatalf("restore: v%d %v", n, err)
	}
	h, err := s.History(ctx(), "a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range h {
		got = append(got, fmt.Sprintf("%d:%v:%s", x.Version, x.Published, x.Note))
	}
	if want := "3:false:restored from version 1 2:false: 1:true:"; strings.Join(got, " ") != want {
		t.Errorf("history\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if h[0].Hash != h[2].Hash {
		t.Error("the restored version's content differs from version 1")
	}
	b1 := parse(t, `{"kind": "table", "name": "b", "fields": [{"name": "x", "type": "int"}]}`)
	if _, _, err := s.SaveDefinition(ctx(), b1); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(ctx())
	if err != nil || len(all) != 2 || all[0].Name != "a" || all[1].Name != "b" || !strings.Contains(string(all[0].Raw), `"1"`) {
		t.Fatalf("list: %v %v", all, err)
	}
	pub, err := s.ListPublished(ctx())
	if err != nil || len(pub) != 1 || pub[0].Name != "a" {
		t.Fatalf("list published: %v %v", pub, err)
	}
	if err := s.Delete(ctx(), "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := s.Delete(ctx(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, _, err := s.SaveDefinition(ctx(), &engine.Definition{Name: "Bad Name"}); err == nil {
		t.Error("a bad name was saved")
	}
}
