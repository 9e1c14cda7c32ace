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
		`"bounds":"length","values":true,"ordered":true,"searchable":true,"example":"Ada","schema":{"type":"string"},"sql":{"postgres":"TEXT","sqlite":"TEXT"}}`
	if string(b) != want {
		t.Errorf("text entry:\n got %s\nwant %s", b, want)
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
