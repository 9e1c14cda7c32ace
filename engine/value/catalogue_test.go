package value_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestCatalogue(t *testing.T) {
	cat := value.Catalogue()
	var names []string
	for _, e := range cat {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "text int decimal bool timestamp json uuid email object ref refs file" {
		t.Errorf("catalogue names: %s", got)
	}
	if got := strings.Join(value.ColumnTypes(), " "); got != "text int decimal bool timestamp json uuid email ref refs" {
		t.Errorf("column types: %s", got)
	}
	if got := strings.Join(value.InputTypes(), " "); got != "text int decimal bool timestamp json uuid email object file" {
		t.Errorf("input types: %s", got)
	}
	b, err := json.Marshal(cat[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"text","description":"Text of any length (UTF-8).","editor":"text","input":true,"column":true,"list_ok":true,` +
		`"bounds":"length","values":true,"equality":true,"ordered":true,"searchable":true,"example":"Ada","schema":{"type":"string"},"sql":{"postgres":"TEXT","sqlite":"TEXT"}}`
	if string(b) != want {
		t.Errorf("text entry:\n got %s\nwant %s", b, want)
	}
}

// TestCatalogueForTheBuilder: the catalogue, as JSON, carries what the
// builder reads instead of lists of type names (ui/src/valueTypes.ts):
// the editor (values.ts keys its editors by it), input and column (the
// type selects), bounds and values (the input constraints' help), and
// equality, ordered, searchable and sql, from which the record browser's
// filters and search follow, as api/records_filter.go derives them.
func TestCatalogueForTheBuilder(t *testing.T) {
	b, err := json.Marshal(value.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Name, Editor, Bounds, Relation string
		Input, Column, Values          bool
		Equality, Ordered, Searchable  bool
		SQL                            map[string]string
	}
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	// the filter operators of a column of the type, by the rule of
	// filterOps (api) and filterOps (ui/src/valueTypes.ts)
	filters := func(e int) string {
		x := entries[e]
		var ops []string
		if x.Equality {
			ops = append(ops, "eq ne")
		}
		if x.Ordered {
			ops = append(ops, "lt le gt ge")
		}
		if x.Searchable {
			ops = append(ops, "contains startsWith endsWith")
		}
		if x.SQL != nil {
			ops = append(ops, "empty set")
		}
		return strings.Join(ops, " ")
	}
	var got []string
	for i, x := range entries {
		var where []string
		if x.Input {
			where = append(where, "input")
		}
		if x.Column {
			where = append(where, "column")
		}
		if x.Bounds != "" {
			where = append(where, "bounds="+x.Bounds)
		}
		if x.Values {
			where = append(where, "values")
		}
		if x.Relation != "" {
			where = append(where, "relation="+x.Relation)
		}
		got = append(got, x.Name+" ("+x.Editor+") "+strings.Join(where, " ")+": "+filters(i))
	}
	want := []string{
		"text (text) input column bounds=length values: eq ne lt le gt ge contains startsWith endsWith empty set",
		"int (number) input column bounds=value: eq ne lt le gt ge empty set",
		"decimal (decimal) input column bounds=value: eq ne lt le gt ge empty set",
		"bool (toggle) input column: eq ne empty set",
		"timestamp (datetime) input column: eq ne lt le gt ge empty set",
		"json (json) input column: empty set",
		"uuid (uuid) input column: eq ne lt le gt ge empty set",
		"email (email) input column: eq ne lt le gt ge contains startsWith endsWith empty set",
		"object (object) input: ",
		"ref (ref) column relation=one: eq ne lt le gt ge empty set",
		"refs (refs) column relation=many: ",
		"file (json) input bounds=size: ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the catalogue as the builder reads it:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("no panic")
		}
	}()
	value.Register(value.Text)
}
