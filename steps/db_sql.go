package steps

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.sql",
		Title:    "Run SQL",
		Summary:  "db.sql {sql}[ → {as}]",
		Category: "database",
		Description: "Run one raw SQL statement with ? placeholders (on both databases) bound to params; the SQL text is fixed in the definition, never built from values. " +
			"Numbers, bools, texts, null and timestamps bind alike on both databases; a list bound to IN (?) becomes one placeholder per item (any other list or object binds as JSON text). " +
			"A query (SELECT, WITH, VALUES, … or a statement with RETURNING) gives a list of row objects; any other statement gives {rows_affected}. " +
			"Columns come back with the same JSON types on both: bool columns as true/false, timestamps as RFC 3339 text, decimals as exact numbers. Hidden columns are not hidden here: the rows hold what the SQL selects. On PostgreSQL write the jsonb operators ?, ?| and ?& as jsonb_exists, jsonb_exists_any and jsonb_exists_all.",
		Fields: []engine.FieldSpec{
			{Name: "sql", Kind: engine.FieldString, Required: true, Description: "one SQL statement, values written as ?"},
			{Name: "params", Kind: engine.FieldExprList, Description: "the values of the ? placeholders, in order"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the rows or {rows_affected}"},
		},
		Example: []byte(`{"type": "db.sql", "sql": "SELECT count(*) AS n FROM users WHERE age >= ?", "params": ["input.n"], "as": "stats"}`),
		Compile: compileSQL,
	})
}

func compileSQL(c *engine.StepCompiler) engine.RunFunc {
	src := c.String("sql")
	params := c.ExprList("params")
	as := c.NewName("as")
	c.Declare(as)
	if strings.TrimSpace(src) == "" {
		if c.Has("sql") {
			c.Errorf("sql", "empty", "sql is empty; write one statement, e.g. SELECT * FROM users WHERE id = ?")
		}
		return nil
	}
	sc, err := scanSQL(src)
	if err != nil {
		c.Errorf("sql", "bad_sql", "%s", err)
		return nil
	}
	if n := len(sc.marks); n != len(params) && (c.Has("params") || n > 0) {
		c.Errorf("params", "param_count", "the SQL has %d ? placeholder%s but params has %d value%s", n, plural(n), len(params), plural(len(params)))
		return nil
	}
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		vals := make([]any, len(params))
		for i, p := range params {
			if vals[i], err = s.Eval(p); err != nil {
				return nil, err
			}
		}
		text, args, err := sc.bind(vals, params, conn.d)
		if err != nil {
			return nil, err
		}
		var out any
		if sc.rows {
			rows, err := conn.q.QueryContext(s.Context(), text, args...)
			if err != nil {
				return nil, tables.DBError(nil, err)
			}
			max := s.Limits().MaxItems
			list, err := scanAny(rows, max)
			if err != nil {
				return nil, tables.DBError(nil, err)
			}
			if len(list) > max {
				return nil, &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf(
					"db.sql gave more than %d rows (limit max_items); add a LIMIT and page with OFFSET, or narrow its WHERE", max)}
			}
			out = list
		} else {
			res, err := conn.q.ExecContext(s.Context(), text, args...)
			if err != nil {
				return nil, tables.DBError(nil, err)
			}
			n, _ := res.RowsAffected()
			out = map[string]any{"rows_affected": int(n)}
		}
		if as != "" {
			s.Set(as, out)
		}
		return out, nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// scanAny reads rows of any shape into objects keyed by column name, at
// most max+1 of them.
func scanAny(rows *sql.Rows, max int) ([]any, error) {
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	typeNames := make([]string, len(names))
	if cts, err := rows.ColumnTypes(); err == nil {
		for i, c := range cts {
			typeNames[i] = c.DatabaseTypeName()
		}
	}
	out := []any{}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec := make(map[string]any, len(names))
		for i, n := range names {
			rec[n] = tables.DecodeAny(vals[i], typeNames[i])
		}
		out = append(out, rec)
		if len(out) > max { // one past the limit tells the caller
			break
		}
	}
	return out, rows.Err()
}

// sqlScan is what scanning a db.sql statement found.
type sqlScan struct {
	text  string
	marks []int // byte offsets of the ? placeholders
	rows  bool  // the statement gives rows
	// inList[i]: placeholder i is alone in IN (…), notIn[i]: in NOT IN (…).
	inList, notIn []bool
}

// maxSQLParams bounds the placeholders of one statement after lists are
// expanded (PostgreSQL takes at most 65,535).
const maxSQLParams = 30000

// bind writes the statement for d with vals: a list in IN (?) becomes one
// placeholder per item, and on PostgreSQL a number, bool, time or decimal
// placeholder says its type ($1::bigint), so that SELECT ? and ? + 1 bind
// as on SQLite instead of failing as text.
func (sc *sqlScan) bind(vals []any, params []*engine.Expr, d value.Dialect) (string, []any, error) {
	var b strings.Builder
	args := make([]any, 0, len(vals))
	prev := 0
	ph := func(v, a any) {
		args = append(args, a)
		if d != value.Postgres {
			b.WriteByte('?')
			return
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(len(args)))
		b.WriteString(pgCast(v, a))
	}
	for i, m := range sc.marks {
		b.WriteString(sc.text[prev:m])
		prev = m + 1
		if items, ok := listOf(vals[i]); ok && sc.inList[i] {
			if len(items) == 0 {
				if sc.notIn[i] {
					return "", nil, &engine.Error{Code: engine.CodeInvalidInput, Path: params[i].Path, Message: fmt.Sprintf(
						"%s gave an empty list, and NOT IN () has no form on PostgreSQL; skip the condition when the list is empty (e.g. with an if step)", quote(params[i].Source))}
				}
				b.WriteString("NULL") // IN (NULL) matches no row
				continue
			}
			if len(args)+len(items) > maxSQLParams {
				return "", nil, &engine.Error{Code: engine.CodeLimit, Path: params[i].Path, Message: fmt.Sprintf("%s gave %d values; a statement takes at most %d", quote(params[i].Source), len(items), maxSQLParams)}
			}
			for j, it := range items {
				a, err := tables.EncodeAny(it, d)
				if err != nil {
					return "", nil, tables.ValueError(fmt.Sprintf("%s[%d]", params[i].Path, j), err)
				}
				if j > 0 {
					b.WriteString(", ")
				}
				ph(it, a)
			}
			continue
		}
		a, err := tables.EncodeAny(vals[i], d)
		if err != nil {
			return "", nil, tables.ValueError(params[i].Path, err)
		}
		ph(vals[i], a)
	}
	b.WriteString(sc.text[prev:])
	return b.String(), args, nil
}

// pgCast is the cast that types a PostgreSQL parameter holding v (a as
// EncodeAny gives it): none for text, null and JSON, which take the type
// the statement gives them.
func pgCast(v, a any) string {
	if _, ok := v.(value.Decimal); ok {
		return "::numeric"
	}
	switch a.(type) {
	case int64:
		return "::bigint"
	case float64:
		return "::float8"
	case bool:
		return "::boolean"
	case time.Time:
		return "::timestamptz"
	}
	return ""
}

// listOf returns v's items when v is a list.
func listOf(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case nil, string, []byte, map[string]any:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// inListAt reports whether the placeholder at offset m of src is alone in
// the parentheses of IN (…), and whether that IN is NOT IN.
func inListAt(src string, m int) (in, not bool) {
	j := m + 1
	for j < len(src) && isSpace(src[j]) {
		j++
	}
	if j >= len(src) || src[j] != ')' {
		return false, false
	}
	i := m - 1
	for i >= 0 && isSpace(src[i]) {
		i--
	}
	if i < 0 || src[i] != '(' {
		return false, false
	}
	word := func(end int) (string, int) {
		for end >= 0 && isSpace(src[end]) {
			end--
		}
		start := end
		for start >= 0 && isWordByte(src[start]) {
			start--
		}
		return strings.ToUpper(src[start+1 : end+1]), start
	}
	w, at := word(i - 1)
	if w != "IN" {
		return false, false
	}
	w, _ = word(at)
	return true, w == "NOT"
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// rebind numbers the placeholders $1, $2, … for PostgreSQL (without
// casts or lists: the scanner's test).
func (sc *sqlScan) rebind() string {
	var b strings.Builder
	prev := 0
	for i, m := range sc.marks {
		b.WriteString(sc.text[prev:m])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i + 1))
		prev = m + 1
	}
	b.WriteString(sc.text[prev:])
	return b.String()
}

// scanSQL finds the placeholders of one statement, skipping string
// literals, quoted identifiers, comments and dollar-quoted strings, and
// rejects a second statement and numbered placeholders.
func scanSQL(src string) (*sqlScan, error) {
	sc := &sqlScan{}
	var words []string
	end := -1 // offset of a terminating ;
	i := 0
	n := len(src)
	for i < n {
		ch := src[i]
		switch {
		case ch == '\'':
			escapes := i > 0 && (src[i-1] == 'E' || src[i-1] == 'e') && (i < 2 || !isWordByte(src[i-2]))
			j := i + 1
			for ; j < n; j++ {
				if escapes && src[j] == '\\' {
					j++
					continue
				}
				if src[j] == '\'' {
					if j+1 < n && src[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= n {
				return nil, fmt.Errorf("a string literal opened at byte %d is never closed", i)
			}
			i = j + 1
			continue
		case ch == '"' || ch == '`':
			j := strings.IndexByte(src[i+1:], ch)
			for j >= 0 && i+1+j+1 < n && src[i+1+j+1] == ch {
				k := strings.IndexByte(src[i+1+j+2:], ch)
				if k < 0 {
					j = -1
					break
				}
				j += 2 + k
			}
			if j < 0 {
				return nil, fmt.Errorf("a quoted name opened at byte %d is never closed", i)
			}
			i += j + 2
			continue
		case ch == '-' && i+1 < n && src[i+1] == '-':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				i = n
			} else {
				i += j + 1
			}
			continue
		case ch == '/' && i+1 < n && src[i+1] == '*':
			depth, j := 1, i+2
			for j < n && depth > 0 {
				switch {
				case strings.HasPrefix(src[j:], "/*"):
					depth++
					j += 2
				case strings.HasPrefix(src[j:], "*/"):
					depth--
					j += 2
				default:
					j++
				}
			}
			if depth > 0 {
				return nil, fmt.Errorf("a comment opened at byte %d is never closed", i)
			}
			i = j
			continue
		case ch == '$':
			j := i + 1
			for j < n && isWordByte(src[j]) {
				j++
			}
			tag := src[i+1 : j]
			if tag != "" && tag[0] >= '0' && tag[0] <= '9' && j-i > 1 {
				if _, err := strconv.Atoi(tag); err == nil {
					return nil, fmt.Errorf("$%s: write placeholders as ? (they are numbered for PostgreSQL by funcstack)", tag)
				}
			}
			if j < n && src[j] == '$' && (i == 0 || !isWordByte(src[i-1])) {
				delim := src[i : j+1]
				k := strings.Index(src[j+1:], delim)
				if k < 0 {
					return nil, fmt.Errorf("a dollar-quoted string %s opened at byte %d is never closed", delim, i)
				}
				i = j + 1 + k + len(delim)
				continue
			}
			i = j
			continue
		case ch == '?':
			if end >= 0 {
				return nil, fmt.Errorf("only one statement is allowed; remove what follows the ; at byte %d", end)
			}
			sc.marks = append(sc.marks, i)
		case ch == ';':
			if end >= 0 {
				return nil, fmt.Errorf("only one statement is allowed; remove what follows the ; at byte %d", end)
			}
			end = i
		case isWordByte(ch):
			j := i
			for j < n && isWordByte(src[j]) {
				j++
			}
			if end >= 0 {
				return nil, fmt.Errorf("only one statement is allowed; remove what follows the ; at byte %d", end)
			}
			words = append(words, strings.ToUpper(src[i:j]))
			i = j
			continue
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '(' || ch == ')':
		default:
			if end >= 0 {
				return nil, fmt.Errorf("only one statement is allowed; remove what follows the ; at byte %d", end)
			}
		}
		i++
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("no SQL statement found")
	}
	sc.text = src
	if end >= 0 {
		sc.text = src[:end]
	}
	for _, m := range sc.marks {
		in, not := inListAt(sc.text, m)
		sc.inList = append(sc.inList, in)
		sc.notIn = append(sc.notIn, not)
	}
	switch words[0] {
	case "SELECT", "WITH", "VALUES", "PRAGMA", "EXPLAIN", "SHOW", "TABLE":
		sc.rows = true
	default:
		for _, w := range words {
			if w == "RETURNING" {
				sc.rows = true
			}
		}
	}
	return sc, nil
}

func isWordByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}
