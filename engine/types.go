package engine

import (
	"reflect"

	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/types"
)

// natureType is a type the checker worked out (the nature of a checked
// node), to declare a name with.
type natureType struct{ n nature.Nature }

func (t natureType) Nature() nature.Nature { return t.n }

func (t natureType) Equal(o types.Type) bool {
	if o == types.Any {
		return true
	}
	on := o.Nature()
	return t.n.Type == on.Type && t.n.Kind == on.Kind
}

func (t natureType) String() string { return t.n.String() }

// ElemType returns the type of the items of the list e gives, as the
// checker knows it (a typed input list, a db.query's records, a range),
// or nil when it does not know it. A loop over e declares its variable
// with it.
func (e *Expr) ElemType() types.Type {
	if e == nil || e.program == nil {
		return nil
	}
	n := e.program.Node().Nature()
	if !n.IsArray() || n.Ref == nil {
		return nil
	}
	elem := *n.Ref
	if elem.Type == nil || elem.Nil || elem.Kind == reflect.Interface {
		return nil
	}
	return natureType{elem}
}
