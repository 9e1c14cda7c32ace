package tables

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// A where may read the columns of the record a ref points to:
// order.customer.email == input.email, and further along refs
// (order_line.order.customer.email). Each condition on such a column
// becomes a sub-select on the ref column:
//
//	"customer" IN (SELECT "id" FROM "customer" WHERE "email" = ?)
//
// so that the statement still returns each record once. A record whose
// ref is null matches no condition through it (not even a negated one:
// NOT (NULL IN …) is not true). One condition reads the columns of one
// table: order.customer.email == order.note is refused.

// Related returns the model of the table named name, or nil: how a where
// or an include follows a ref to its table.
type Related func(name string) *Table

// refState is what the where compiler keeps to follow refs.
type refState struct {
	rel Related // the tables refs point to
	// via are the refs the columns of the condition being compiled are
	// reached through; viaSet says a column was read.
	via      []viaStep
	viaSet   bool
	leafNode ast.Node // the condition being compiled
}

// viaStep is one ref a condition's column is reached through.
type viaStep struct {
	ref *Column // the ref column, in the table before
	to  *Table  // the table it points to
}

// refPath reads n as <table>.<ref>.….<column>: the column and the refs on
// the way. ok is false when n has no such shape (one member deep is the
// table's own column, read by column).
func (wc *whereCompiler) refPath(n ast.Node) (col *Column, via []viaStep, ok bool, err error) {
	var props []string
	cur := n
	for {
		m, isMember := cur.(*ast.MemberNode)
		if !isMember {
			break
		}
		p, isStr := m.Property.(*ast.StringNode)
		if !isStr {
			return nil, nil, false, nil
		}
		props = append(props, p.Value)
		cur = m.Node
	}
	id, isIdent := cur.(*ast.IdentifierNode)
	if !isIdent || id.Value != wc.t.Name || len(props) < 2 {
		return nil, nil, false, nil
	}
	for i, j := 0, len(props)-1; i < j; i, j = i+1, j-1 {
		props[i], props[j] = props[j], props[i]
	}
	t := wc.t
	for i, p := range props[:len(props)-1] {
		at := wc.t.Name + "." + strings.Join(props[:i+1], ".")
		l := t.Links[p]
		switch {
		case l != nil && l.Many():
			return nil, nil, true, &whereError{fmt.Sprintf("%s is a refs field (a list of %s records); a where reads the columns of one record: query %s instead, with a where on its ref %s",
				at, l.Table, l.Table, l.By)}
		case l == nil && t.ByName[p] != nil:
			return nil, nil, true, wc.fail(n, "reads inside a column value (%s is no ref); only whole columns can be compared", at)
		case l == nil:
			return nil, nil, true, &whereError{t.UnknownColumn(p)}
		}
		var to *Table
		if wc.rel != nil {
			to = wc.rel(l.Table)
		}
		if to == nil {
			return nil, nil, true, &whereError{fmt.Sprintf("%s is a ref to table %s, which is not defined", at, l.Table)}
		}
		via = append(via, viaStep{ref: l.Col, to: to})
		t = to
	}
	last := props[len(props)-1]
	col = t.ByName[last]
	if col == nil {
		if l := t.Links[last]; l != nil && l.Many() {
			return nil, nil, true, &whereError{fmt.Sprintf("%s.%s is a refs field, not a column; a where compares columns", t.Name, last)}
		}
		return nil, nil, true, &whereError{t.UnknownColumn(last)}
	}
	return col, via, true, nil
}

// viaKey names a path of refs, to tell two apart.
func viaKey(via []viaStep) string {
	var b strings.Builder
	for _, s := range via {
		b.WriteString(s.ref.Label())
		b.WriteByte('>')
	}
	return b.String()
}

// leaf compiles one condition with f and, when its columns are reached
// through refs, wraps it in the sub-selects of those refs.
func (wc *whereCompiler) leaf(n ast.Node, f func() (wnode, error)) (wnode, error) {
	wc.via, wc.viaSet, wc.leafNode = nil, false, n
	x, err := f()
	if err != nil || len(wc.via) == 0 {
		return x, err
	}
	for i := len(wc.via) - 1; i >= 0; i-- {
		x = &wSub{step: wc.via[i], inner: x}
	}
	return x, nil
}

// noteVia records the refs a column of the current condition is reached
// through; the columns of one condition must come through the same.
func (wc *whereCompiler) noteVia(n ast.Node, via []viaStep) error {
	if wc.viaSet && viaKey(wc.via) != viaKey(via) {
		if wc.leafNode != nil {
			n = wc.leafNode
		}
		return wc.fail(n, "compares columns of two tables; a condition reads the columns of one table (compare each with a value)")
	}
	wc.via, wc.viaSet = via, true
	return nil
}

// wSub is a condition on the table a ref points to.
type wSub struct {
	step  viaStep
	inner wnode
}

func (n *wSub) write(w *wctx) error {
	w.b.W(n.step.ref.Q + " IN (SELECT " + n.step.to.ID.Q + " FROM " + n.step.to.Q + " WHERE ")
	if err := n.inner.write(w); err != nil {
		return err
	}
	w.b.W(")")
	return nil
}
