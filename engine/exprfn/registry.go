package exprfn

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// Category groups functions in the catalogue, the docs and the UI.
type Category string

// The categories, in no particular order (the catalogue sorts by name).
const (
	Text     Category = "text"
	Math     Category = "math"
	Array    Category = "array"
	Object   Category = "object"
	Time     Category = "time"
	Security Category = "security"
	Type     Category = "type"
	Other    Category = "other"
)

var categories = []Category{Text, Math, Array, Object, Time, Security, Type, Other}

// Function is one entry of the catalogue: a function an expression can
// call, with what the docs and the builder's completion show of it.
type Function struct {
	Name     string   `json:"name"`
	Category Category `json:"category"`
	// Signature is how it is called and what it gives, e.g.
	// "hmacSha256(text, key, encoding?) → text".
	Signature string `json:"signature"`
	// Description is one sentence.
	Description string `json:"description"`
	// Example is an expression; Result is the JSON it evaluates to, exactly
	// (TestCatalogueExamples runs every one).
	Example string `json:"example"`
	Result  string `json:"result"`

	// Func implements a funcstack function (nil for expr's own builtins,
	// which expr implements). Types are its signatures for expr's checker
	// (see expr.Function): they let validate report a wrong argument count
	// or type, and tell it what the function returns.
	Func  func(args ...any) (any, error) `json:"-"`
	Types []any                          `json:"-"`
	// Varies is set for functions whose result changes between calls
	// (uuid, randomInt, now): a regular expression the JSON of the
	// example's result must match, Result being one such result.
	Varies string `json:"-"`
}

// Builtin reports whether expr implements the function itself.
func (f *Function) Builtin() bool { return f.Func == nil }

var registry = struct {
	sync.Mutex
	byName map[string]*Function
	sorted []*Function
}{byName: map[string]*Function{}}

// register adds functions to the catalogue. It panics on a duplicate or
// an incomplete entry: those are programming errors found at start.
func register(fns ...*Function) {
	registry.Lock()
	defer registry.Unlock()
	for _, f := range fns {
		if f.Name == "" || f.Signature == "" || f.Description == "" || f.Example == "" || f.Result == "" {
			panic(fmt.Sprintf("exprfn: function %q needs a name, signature, description, example and result", f.Name))
		}
		if !validCategory(f.Category) {
			panic(fmt.Sprintf("exprfn: function %q has unknown category %q", f.Name, f.Category))
		}
		if _, dup := registry.byName[f.Name]; dup {
			panic(fmt.Sprintf("exprfn: function %q registered twice", f.Name))
		}
		if _, ok := builtin.Index[f.Name]; f.Func == nil && !ok {
			panic(fmt.Sprintf("exprfn: %q has no Func and is not one of expr's builtins", f.Name))
		}
		registry.byName[f.Name] = f
	}
	registry.sorted = nil
}

func validCategory(c Category) bool {
	for _, k := range categories {
		if k == c {
			return true
		}
	}
	return false
}

// Catalogue returns every function, funcstack's and expr's builtins,
// sorted by category then name. The entries are shared: do not change them.
func Catalogue() []*Function {
	registry.Lock()
	defer registry.Unlock()
	if registry.sorted == nil {
		out := make([]*Function, 0, len(registry.byName))
		for _, f := range registry.byName {
			out = append(out, f)
		}
		slices.SortFunc(out, func(a, b *Function) int {
			return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Name, b.Name))
		})
		registry.sorted = out
	}
	return registry.sorted
}

// Lookup returns the named function, or nil.
func Lookup(name string) *Function {
	registry.Lock()
	defer registry.Unlock()
	return registry.byName[name]
}

// keywords are expr's operators and literals spelt as words: no variable
// may take their names either.
var keywords = []string{"true", "false", "nil", "let", "in", "not", "and", "or", "contains",
	"matches", "startsWith", "endsWith"}

// Reserved returns every name an expression gives a meaning of its own:
// the catalogue's functions, expr's builtins and expr's word operators. A
// variable may not take one of them.
func Reserved() map[string]bool {
	out := map[string]bool{}
	for _, f := range Catalogue() {
		out[f.Name] = true
	}
	for _, n := range builtin.Names {
		out[n] = true
	}
	for _, n := range keywords {
		out[n] = true
	}
	return out
}

// options is the one expr option that installs every funcstack function,
// made once (see Options).
var options = sync.OnceValue(func() []expr.Option {
	table := conf.FunctionsTable{}
	for _, f := range Catalogue() {
		if f.Func == nil {
			continue
		}
		ts := make([]reflect.Type, len(f.Types))
		for i, t := range f.Types {
			if ts[i] = reflect.TypeOf(t); ts[i].Kind() == reflect.Pointer {
				ts[i] = ts[i].Elem()
			}
		}
		table[f.Name] = &builtin.Function{Name: f.Name, Func: f.Func, Types: ts}
	}
	return []expr.Option{func(c *conf.Config) {
		if len(c.Functions) == 0 {
			c.Functions = maps.Clone(table)
			return
		}
		maps.Copy(c.Functions, table)
	}}
})

// Options returns the expr options every funcstack expression is compiled
// with: funcstack's functions, some of them standing in for expr builtins
// of the same name (keys, values, toPairs, fromPairs, split, splitAfter,
// now, string) so that what they give has a stable order and can be
// stored as JSON.
//
// The functions are installed by one option copying a table built once,
// rather than one expr.Function option each: expr applies the options on
// every compile, and sixty expr.Function options (each making its
// builtin.Function and reflecting its types) cost about as much as
// compiling a short expression. The table is copied, not shared, so that
// an option applied after it (expr.Function) cannot write into it.
func Options() []expr.Option { return options() }
