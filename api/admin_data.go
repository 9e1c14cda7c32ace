package api

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/value"
)

// executionView is an execution record as the admin API shows it.
type executionView struct {
	*engine.ExecutionRecord
	ParentID   string   `json:"parent_id,omitempty"`
	DurationMs *float64 `json:"duration_ms,omitempty"`
}

func viewOf(rec *engine.ExecutionRecord, withTrace bool) executionView {
	v := executionView{ExecutionRecord: rec, ParentID: rec.Parent}
	if !rec.FinishedAt.IsZero() && !rec.StartedAt.IsZero() {
		ms := float64(rec.FinishedAt.Sub(rec.StartedAt)) / float64(time.Millisecond)
		v.DurationMs = &ms
	}
	if !withTrace {
		cp := *rec
		cp.Trace = nil
		v.ExecutionRecord = &cp
	}
	return v
}

var executionStatuses = []string{engine.StatusQueued, engine.StatusRunning, engine.StatusSucceeded, engine.StatusFailed, engine.StatusCancelled, engine.StatusTimedOut}

func (s *Server) listExecutions(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	o := store.ListOptions{Function: c.Query("function"), Status: c.Query("status"), Before: c.Query("before"), Parent: c.Query("parent")}
	var ferr *engine.Error
	if o.Filter, ferr = listFilter(c); ferr != nil {
		writeError(c, ferr)
		return
	}
	if o.Status != "" && !contains(executionStatuses, o.Status) {
		writeError(c, badRequest("status=%q is not an execution status; use one of %s", o.Status, strings.Join(executionStatuses, ", ")))
		return
	}
	for _, p := range []struct{ name, v string }{{"before", o.Before}, {"parent", o.Parent}} {
		if _, err := uuid.Parse(p.v); p.v != "" && err != nil {
			writeError(c, badRequest("%s=%q is not an execution ID", p.name, p.v))
			return
		}
	}
	limit, qerr := queryInt(c, "limit", 50, 1, 1000)
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	o.Limit = limit
	recs, err := st.ExecutionRecords().List(c.Request.Context(), o)
	if err != nil {
		s.internal(c, "listing executions", err)
		return
	}
	items := make([]executionView, len(recs))
	for i, r := range recs {
		items[i] = viewOf(r, false)
	}
	var next any
	if len(recs) == limit {
		next = recs[len(recs)-1].ID
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items, "next": next})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// lookup reads an execution for a route, answering 404 when unknown.
func (s *Server) lookup(c *gin.Context) *engine.ExecutionRecord {
	id := c.Param("id")
	notFound := &engine.Error{Code: engine.CodeNotFound, Message: fmt.Sprintf("no execution %q; it may be older than the retention (7 days) or from another database", id)}
	if _, err := uuid.Parse(id); err != nil {
		writeError(c, notFound)
		return nil
	}
	rec, err := s.cfg.Engine.Get(c.Request.Context(), id)
	if errors.Is(err, engine.ErrNoExecution) {
		writeError(c, notFound)
		return nil
	}
	if err != nil {
		s.internal(c, "reading execution "+id, err)
		return nil
	}
	return rec
}

func (s *Server) cancelExecution(c *gin.Context) {
	rec := s.lookup(c)
	if rec == nil {
		return
	}
	if engine.Final(rec.Status) {
		writeError(c, conflict("execution %s already ended (%s); only queued or running executions can be cancelled", rec.ID, rec.Status))
		return
	}
	if !s.cfg.Engine.Cancel(rec.ID) {
		writeError(c, conflict("execution %s is %s on another node; cancel it through that node's admin API", rec.ID, rec.Status))
		return
	}
	// The run stops at its next step; wait a little for its record.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r, err := s.cfg.Engine.Get(c.Request.Context(), rec.ID)
		if err == nil {
			rec = r
			if engine.Final(r.Status) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	writeJSON(c, http.StatusOK, viewOf(rec, true))
}

// tableItem describes one user table.
type tableItem struct {
	Name    string              `json:"name"`
	IDType  string              `json:"id_type"`
	Columns []store.TableColumn `json:"columns"`
	Indexes []engine.TableIndex `json:"indexes"`
	Rows    *int64              `json:"rows"`
	Error   string              `json:"error,omitempty"`
}

func (s *Server) listTables(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ctx := c.Request.Context()
	p := s.cfg.Engine.Program()
	items := []tableItem{}
	for _, name := range sortedNames(p.Definitions) {
		if p.Definitions[name].Kind != engine.KindTable {
			continue
		}
		it := tableItem{Name: name, Columns: []store.TableColumn{}, Indexes: []engine.TableIndex{}}
		idType, cols, err := st.Table(ctx, name)
		if err == nil {
			it.IDType, it.Columns = idType, withValues(p.Definitions[name], cols)
			var ix []engine.TableIndex
			if ix, err = st.TableIndexes(ctx, name); err == nil && ix != nil {
				it.Indexes = ix
			}
		}
		if err == nil {
			var n int64
			if n, err = st.RowCount(ctx, name); err == nil {
				it.Rows = &n
			}
		}
		if err != nil {
			it.Error = err.Error()
		}
		items = append(items, it)
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items})
}

// withValues gives the columns of cols that the definition d lists values
// for those values, so that the records browser offers them.
func withValues(d *engine.Definition, cols []store.TableColumn) []store.TableColumn {
	for _, f := range d.Fields {
		if len(f.Values) == 0 {
			continue
		}
		for i := range cols {
			if cols[i].Name == f.Name {
				cols[i].Values = f.Values
			}
		}
	}
	return cols
}

// userTable is the table a records route names, with its columns; it
// answers 404 when the loaded program has no such table.
func (s *Server) userTable(c *gin.Context) (name, idType string, cols []store.TableColumn, ok bool) {
	st := s.storeOf(c)
	if st == nil {
		return "", "", nil, false
	}
	name = c.Param("name")
	p := s.cfg.Engine.Program()
	if d := p.Definitions[name]; d == nil || d.Kind != engine.KindTable {
		var tables []string
		for n, d := range p.Definitions {
			if d.Kind == engine.KindTable {
				tables = append(tables, n)
			}
		}
		msg := fmt.Sprintf("no published table named %q", name)
		if cl := engine.Closest(name, tables); cl != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", cl)
		} else {
			msg += "; see GET /_/api/tables"
		}
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Message: msg})
		return "", "", nil, false
	}
	idType, cols, err := st.Table(c.Request.Context(), name)
	if err != nil {
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Message: err.Error()})
		return "", "", nil, false
	}
	return name, idType, cols, true
}

// allFields is, for a table with hidden columns, every column of its
// definition (nil when none is hidden): the records browser is the
// operator's, and shows the columns db steps leave out by default.
func (s *Server) allFields(table string) []string {
	d := s.cfg.Engine.Program().Definitions[table]
	if d == nil || !slices.ContainsFunc(d.Fields, func(f engine.TableField) bool { return f.Hidden }) {
		return nil
	}
	out := []string{"id"}
	for _, f := range d.Fields {
		if t := value.Usable(f.Type); t != nil && t.Info().Relation == "many" {
			continue // a refs field has no column
		}
		out = append(out, f.Name)
	}
	return append(out, "created_at", "updated_at")
}

// withAllFields ends stack, whose last step gives the record "record",
// with a read of the whole record when the table has hidden columns.
func (s *Server) withAllFields(table string, stack []map[string]any) []map[string]any {
	all := s.allFields(table)
	if all == nil {
		return stack
	}
	return append(stack, map[string]any{"type": "if", "cond": "record != nil", "then": []map[string]any{
		{"type": "db.get", "table": table, "id": "record.id", "fields": all, "as": "whole"},
		{"type": "set", "name": "record", "value": "whole"}}})
}

func colNames(cols []store.TableColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func (s *Server) listRecords(c *gin.Context) {
	table, _, cols, ok := s.userTable(c)
	if !ok {
		return
	}
	page, qerr := queryInt(c, "page", 1, 1, 1<<30)
	if qerr == nil {
		var per int
		per, qerr = queryInt(c, "per_page", 50, 1, 1000)
		if qerr == nil {
			s.listPage(c, table, cols, page, per)
			return
		}
	}
	writeError(c, qerr)
}

func (s *Server) listPage(c *gin.Context, table string, cols []store.TableColumn, page, per int) {
	sortBy := c.DefaultQuery("sort", "id")
	col := strings.TrimPrefix(sortBy, "-")
	if !contains(colNames(cols), col) {
		msg := fmt.Sprintf("sort=%q: table %s has no column %q; columns: %s", sortBy, table, col, strings.Join(colNames(cols), ", "))
		if cl := engine.Closest(col, colNames(cols)); cl != "" {
			msg = fmt.Sprintf("sort=%q: table %s has no column %q (did you mean %q?)", sortBy, table, col, cl)
		}
		writeError(c, badRequest("%s", msg))
		return
	}
	f, ferr := recordsWhere(c, table, cols)
	if ferr != nil {
		writeError(c, ferr)
		return
	}
	query := map[string]any{"type": "db.query", "table": table, "sort": []string{sortBy}, "limit": "input.limit",
		"offset": "input.offset", "count": true, "as": "result"}
	if f.where != "" {
		query["where"] = f.where
	}
	if all := s.allFields(table); all != nil {
		query["fields"] = all
	}
	input := f.inputs
	input["limit"], input["offset"] = per, (page-1)*per
	out, err := s.runStack(c.Request.Context(), "records", slices.Sorted(maps.Keys(input)), []map[string]any{query}, "result", input)
	if err != nil {
		s.recordError(c, table, f.explain(err))
		return
	}
	m, _ := out.(map[string]any)
	items := m["items"]
	if items == nil {
		items = []any{}
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items, "total": m["total"], "page": page, "per_page": per})
}

// recordData reads a record body and checks its columns: only columns
// defined in the table, never id, created_at or updated_at.
func (s *Server) recordData(c *gin.Context, table string, cols []store.TableColumn) (map[string]any, bool) {
	data, e := s.readRaw(c, `the record as {"column": value}`)
	if e != nil {
		writeError(c, e)
		return nil, false
	}
	m, e := decodeObject(data)
	if e != nil {
		writeError(c, e)
		return nil, false
	}
	var writable []string
	for _, col := range cols {
		switch col.Name {
		case "id", "created_at", "updated_at":
		default:
			writable = append(writable, col.Name)
		}
	}
	var unknown []string
	for k := range m {
		if !contains(writable, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		fields := make([]engine.FieldError, len(unknown))
		for i, k := range unknown {
			msg := fmt.Sprintf("table %s has no writable column %q", table, k)
			if k == "id" || k == "created_at" || k == "updated_at" {
				msg = fmt.Sprintf("%s is kept by funcstack and cannot be set", k)
			} else if cl := engine.Closest(k, writable); cl != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", cl)
			}
			fields[i] = engine.FieldError{Field: k, Code: "unknown_column", Message: msg}
		}
		writeError(c, &engine.Error{Code: engine.CodeInvalidInput, Status: http.StatusBadRequest, Fields: fields, Message: fmt.Sprintf(
			"unknown column(s) %s for table %s; its columns are %s", strings.Join(unknown, ", "), table, strings.Join(writable, ", "))})
		return nil, false
	}
	return m, true
}

// dataMap is the data field of a db step setting the columns of m from
// input.data.
func dataMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k := range m {
		out[k] = "input.data['" + k + "']" // k is a column name of the table: [a-z][a-z0-9_]*
	}
	return out
}

// recordID reads the id of a record route, by the table's id type.
func recordID(c *gin.Context, table, idType string) (any, bool) {
	raw := c.Param("id")
	if idType == "uuid" {
		if _, err := uuid.Parse(raw); err != nil {
			writeError(c, badRequest("%q is not a record id of table %s: its ids are UUIDs", raw, table))
			return nil, false
		}
		return raw, true
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 1 {
		writeError(c, badRequest("%q is not a record id of table %s: its ids are whole numbers from 1", raw, table))
		return nil, false
	}
	return n, true
}

func (s *Server) addRecord(c *gin.Context) {
	table, _, cols, ok := s.userTable(c)
	if !ok {
		return
	}
	m, ok := s.recordData(c, table, cols)
	if !ok {
		return
	}
	// Every column is given (null when left out: it takes its default, or
	// is refused when required without one), so that the step checks
	// required columns when it runs rather than when it compiles.
	all := map[string]any{}
	for _, col := range cols {
		if col.Name != "id" && col.Name != "created_at" && col.Name != "updated_at" {
			all[col.Name] = nil
		}
	}
	stack := s.withAllFields(table, []map[string]any{{"type": "db.add", "table": table, "data": dataMap(all), "as": "record"}})
	out, err := s.runStack(c.Request.Context(), "records_add", []string{"data"}, stack, "record", map[string]any{"data": m})
	if err != nil {
		s.recordError(c, table, err)
		return
	}
	writeJSON(c, http.StatusCreated, out)
}

func (s *Server) patchRecord(c *gin.Context) {
	table, idType, cols, ok := s.userTable(c)
	if !ok {
		return
	}
	id, ok := recordID(c, table, idType)
	if !ok {
		return
	}
	m, ok := s.recordData(c, table, cols)
	if !ok {
		return
	}
	var stack []map[string]any
	if len(m) == 0 {
		stack = []map[string]any{{"type": "db.get", "table": table, "id": "input.id", "as": "record"}}
	} else {
		stack = []map[string]any{{"type": "db.patch", "table": table, "id": "input.id", "data": dataMap(m), "as": "record"}}
	}
	stack = s.withAllFields(table, stack)
	out, err := s.runStack(c.Request.Context(), "records_patch", []string{"id", "data"}, stack, "record", map[string]any{"id": id, "data": m})
	if err == nil && out == nil {
		err = &engine.Error{Code: engine.CodeNotFound}
	}
	if err != nil {
		s.recordError(c, table, err)
		return
	}
	writeJSON(c, http.StatusOK, out)
}

func (s *Server) deleteRecord(c *gin.Context) {
	table, idType, _, ok := s.userTable(c)
	if !ok {
		return
	}
	id, ok := recordID(c, table, idType)
	if !ok {
		return
	}
	stack := []map[string]any{
		{"type": "db.get", "table": table, "id": "input.id", "as": "record"},
		{"type": "if", "cond": "record != nil", "then": []map[string]any{{"type": "db.delete", "table": table, "id": "input.id"}}},
	}
	out, err := s.runStack(c.Request.Context(), "records_delete", []string{"id"}, stack, "record", map[string]any{"id": id})
	if err == nil && out == nil {
		err = &engine.Error{Code: engine.CodeNotFound}
	}
	if err != nil {
		s.recordError(c, table, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// recordError answers for an error of a record edit, naming the table
// rather than the admin API's own stack.
func (s *Server) recordError(c *gin.Context, table string, e *engine.Error) {
	out := *e
	out.Definition, out.Path, out.ExecutionID = table, "", ""
	if out.Code == engine.CodeNotFound {
		out.Message = fmt.Sprintf("table %s has no record with id %s", table, c.Param("id"))
	}
	if status(&out) >= 500 && out.Code != engine.CodeTimeout {
		s.logf("funcstack api: %s %s: %v", c.Request.Method, c.Request.URL.Path, e)
	}
	writeError(c, &out)
}
