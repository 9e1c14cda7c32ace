package steps

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.sql",
		Title:    "Run SQL",
		Summary:  "db.sql {sql}[ → {as}]",
		Category: "database",
		Description: "Run one raw SQL statement with ? placeholders (on both databases) bound to params; the SQL text is fixed in the definition, never built from values. " +
			"A query (SELECT, WITH, VALUES, … or a statement with RETURNING) gives a list of row objects; any other statement gives {rows_affected}. " +
			"Values come back as the database gives them: on SQLite bool columns are 0/1 and timestamps text. On PostgreSQL write the jsonb operators ?, ?| and ?& as jsonb_exists, jsonb_exists_any and jsonb_exists_all.",
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
	text := tables.PerDialect{sc.text, sc.rebind()}
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		args := make([]any, len(params))
		for i, p := range params {
			v, err := s.Eval(p)
			if err != nil {
				return nil, err
			}
			if args[i], err = tables.EncodeAny(v, conn.d); err != nil {
				return nil, tables.ValueError(p.Path, err)
			}
		}
		var out any
		if sc.rows {
			rows, err := conn.q.QueryContext(s.Context(), text[conn.d], args...)
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
			res, err := conn.q.ExecContext(s.Context(), text[conn.d], args...)
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
}

// rebind numbers the placeholders $1, $2, … for PostgreSQL.
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
