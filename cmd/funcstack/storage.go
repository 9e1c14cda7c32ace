package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// storeFlags adds --data and --database-url.
type storeFlags struct {
	data, url *string
	maxConns  *int
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	data := os.Getenv("FUNCSTACK_DATA")
	if data == "" {
		data = store.DefaultDataDir
	}
	return storeFlags{
		data: fs.String("data", data, "folder of the embedded SQLite database (env FUNCSTACK_DATA)"),
		url:  fs.String("database-url", os.Getenv("FUNCSTACK_DATABASE_URL"), "postgres://… to use PostgreSQL instead of SQLite (env FUNCSTACK_DATABASE_URL)"),
		maxConns: fs.Int("db-max-conns", envInt("FUNCSTACK_DB_MAX_CONNS", 0),
			fmt.Sprintf("most PostgreSQL connections this process opens, River's included; size max_connections for every node (env FUNCSTACK_DB_MAX_CONNS; default %d, or the URL's pool_max_conns)", store.DefaultMaxConns)),
	}
}

func (f storeFlags) open(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, store.Options{DataDir: *f.data, DatabaseURL: *f.url, MaxConns: *f.maxConns})
}

func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "funcstack %s: %v\n", cmd, err)
	return 1
}

func cmdMigrate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("migrate", stderr)
	sf := addStoreFlags(fs)
	if _, ok := parseArgs(fs, args, 0, stderr, "it takes only --data or --database-url"); !ok {
		return 2
	}
	st, err := sf.open(context.Background()) // Open migrates
	if err != nil {
		return fail(stderr, "migrate", err)
	}
	defer st.Close()
	if err := durable.Migrate(context.Background(), st); err != nil {
		return fail(stderr, "migrate", err)
	}
	fmt.Fprintf(stdout, "%s: system tables and River's tables up to date\n", st.Where())
	return 0
}

// importSummary counts what an import did.
type importSummary struct {
	New, Unchanged, Published, Tables int
}

// importWorkspace imports the definitions whose files changed since the
// last import (workspace.ImportFiles): a new version only when the content
// changed, published unless draft, tables synced. force replaces admin
// edits and applies destructive table changes.
func importWorkspace(ctx context.Context, st *store.Store, defs []*engine.Definition, draft, overwrite, destructive bool) (importSummary, error) {
	res, err := workspace.New(st, workspace.Options{}).ImportFiles(ctx, defs, workspace.FileOptions{Draft: draft, Overwrite: overwrite, Destructive: destructive})
	if se, ok := errors.AsType[*workspace.SaveError](err); ok {
		if se.Publishing {
			return importSummary{}, se.Err
		}
		return importSummary{}, fmt.Errorf("%s: %v", se.Definition.File, se.Err)
	}
	if err != nil {
		return importSummary{}, err
	}
	sum := importSummary{Unchanged: len(res.Skipped), Tables: res.Tables}
	for _, sv := range res.Saved {
		if sv.Changed {
			sum.New++
		} else {
			sum.Unchanged++
		}
		if sv.Published {
			sum.Published++
		}
	}
	return sum, nil
}

// addOverwriteFlag adds serve's and run's --force: import changed files
// over admin edits (workspace.FileOptions.Overwrite).
func addOverwriteFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("force", false, "import changed workspace files even over definitions edited in the admin API since the files were last imported (without it, the command refuses and names them)")
}

// loadValid loads and compiles a workspace, printing its problems.
func loadValid(ws string, stderr io.Writer) ([]*engine.Definition, *engine.Program, bool) {
	defs, p, diags := engine.LoadAndCompile(ws)
	if diags.HasErrors() {
		printDiagnostics(stderr, diags.Errors())
		writeErr(stderr, &engine.Error{Code: engine.CodeInvalidDef, Message: fmt.Sprintf(
			"the workspace %s has %d error(s); fix them (see funcstack validate) and run again", ws, len(diags.Errors()))})
		return nil, nil, false
	}
	return defs, p, true
}

func cmdImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("import", stderr)
	ws := workspaceFlag(fs)
	sf := addStoreFlags(fs)
	draft := fs.Bool("draft", false, "save new versions as drafts instead of publishing them")
	force := fs.Bool("force", false, "replace definitions edited in the admin API since their files were last imported, and apply destructive table changes (dropped or re-typed columns lose their values)")
	if _, ok := parseArgs(fs, args, 0, stderr, "give the folder with --workspace DIR"); !ok {
		return 2
	}
	defs, _, ok := loadValid(*ws, stderr)
	if !ok {
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := sf.open(ctx)
	if err != nil {
		return fail(stderr, "import", err)
	}
	defer st.Close()
	sum, err := importWorkspace(ctx, st, defs, *draft, *force, *force)
	if err != nil {
		return fail(stderr, "import", err)
	}
	fmt.Fprintf(stdout, "imported %d definitions from %s into %s: %d new version(s), %d unchanged, %d published, %d table(s) synced\n",
		len(defs), *ws, st.Where(), sum.New, sum.Unchanged, sum.Published, sum.Tables)
	return 0
}

func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("export", stderr)
	sf := addStoreFlags(fs)
	drafts := fs.Bool("drafts", false, "export the newest version of every definition, drafts included (default: the published versions, what is served)")
	pos, ok := parseArgs(fs, args, 1, stderr, "give the folder to write to, e.g. funcstack export ./exported")
	if !ok {
		return 2
	}
	dir := pos[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := sf.open(ctx)
	if err != nil {
		return fail(stderr, "export", err)
	}
	defer st.Close()
	var defs []*engine.Definition
	if *drafts {
		defs, err = st.List(ctx)
	} else {
		defs, err = st.ListPublished(ctx)
	}
	if err != nil {
		return fail(stderr, "export", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(stderr, "export", fmt.Errorf("cannot create folder %s: %v", dir, err))
	}
	for _, d := range defs {
		b, err := marshalIndent(d.Raw)
		if err != nil {
			return fail(stderr, "export", fmt.Errorf("definition %s: %v", d.Name, err))
		}
		file := filepath.Join(dir, d.Name+".json")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return fail(stderr, "export", fmt.Errorf("writing %s: %v", file, err))
		}
	}
	fmt.Fprintf(stdout, "exported %d definitions from %s to %s\n", len(defs), st.Where(), dir)
	return 0
}

// marshalIndent indents a JSON document, keeping its key order and numbers.
func marshalIndent(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
