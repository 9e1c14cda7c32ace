// Command funcstack validates, runs and serves funcstack workspaces.
//
//	funcstack serve --workspace DIR [--addr ADDR]
//	funcstack validate --workspace DIR
//	funcstack run --workspace DIR NAME --input JSON [--trace]
//	funcstack import --workspace DIR
//	funcstack export DIR
//	funcstack migrate
//	funcstack versions NAME | show NAME | publish NAME | restore NAME --version N
//	funcstack steps [--markdown]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

const usage = `funcstack — function stacks as APIs, tasks and async functions

Usage:
  funcstack serve --workspace DIR [--addr ADDR]
  funcstack validate --workspace DIR
  funcstack run --workspace DIR NAME [--input JSON] [--trace]
  funcstack import --workspace DIR [--draft] [--force]
  funcstack export DIR [--published]
  funcstack migrate
  funcstack versions NAME | show NAME [--version N] | publish NAME [--version N] [--force] | restore NAME --version N
  funcstack steps [--markdown]
  funcstack functions [NAME | CATEGORY] [--json | --markdown]
  funcstack schema
  funcstack keys create NAME --scope SCOPE [--expires 90d] | list | revoke ID

Storage flags (serve, run, import, export, migrate, versions, show, publish, restore):
  --data DIR            SQLite database folder (env FUNCSTACK_DATA; default ./funcstack_data)
  --database-url URL    postgres://… to use PostgreSQL (env FUNCSTACK_DATABASE_URL)

Commands:
  serve      validate and import DIR, then serve its endpoints and functions over HTTP (env FUNCSTACK_ADDR,
             default 127.0.0.1:8080; admin token from FUNCSTACK_ADMIN_TOKEN, else made and printed;
             JWT secret from FUNCSTACK_JWT_SECRET, else made and kept in the data folder; the key sealing
             sensitive durable inputs from FUNCSTACK_SECRET_KEY, else made once and kept in the database)
  validate   load every *.json under DIR, check them together, print every error
  run        validate and import DIR, then run the function, endpoint or task NAME; print its response as JSON;
             as under serve, the http step refuses private addresses unless --outbound-allow lets them
             through, and auth.token signs with the same JWT secret (--jwt-secret, FUNCSTACK_JWT_SECRET, else
             the data folder's)
  import     save every definition of DIR as a new version when it changed, publish it, create or update tables
  export     write the stored definitions to DIR as NAME.json files
  migrate    create or update funcstack's own tables in the database
  versions   list the versions of definition NAME, newest first, marking the published one; show prints one
             (default the newest) as stored JSON; publish checks it as the admin API does (refusing one that breaks
             the published workspace; tables synced, destructive changes only with --force); restore makes the
             content of an old version the newest draft
  steps      print the step catalogue (types, fields, examples) as JSON; --markdown prints docs/steps.md
  functions  list the functions expressions can call (signature, description); one in full with its example;
             --json as GET /_/api/functions serves them, --markdown prints docs/functions.md
  schema     print the JSON Schema of the definition format (workflows/funcstack.schema.json)
  keys       API keys for clients (X-Api-Key: fsk_…): create prints a new key once (scopes call:NAME, call:*,
             executions:read, admin); list shows them without secrets; revoke ends one
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in, for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return cmdServe(args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "run":
		return cmdRun(args[1:], stdin, stdout, stderr)
	case "import":
		return cmdImport(args[1:], stdout, stderr)
	case "export":
		return cmdExport(args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(args[1:], stdout, stderr)
	case "versions", "show", "publish", "restore":
		return versionCommands[args[0]](args[1:], stdout, stderr)
	case "steps":
		return cmdSteps(args[1:], stdout, stderr)
	case "functions":
		return cmdFunctions(args[1:], stdout, stderr)
	case "schema":
		return printJSON(stdout, engine.JSONSchema())
	case "keys":
		return cmdKeys(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "funcstack: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// parseInterspersed parses flags that may stand before or after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseArgs parses args and checks that exactly want positional arguments
// were given; when not, it prints hint (after the unexpected argument, when
// there was one too many) and ok is false.
func parseArgs(fs *flag.FlagSet, args []string, want int, stderr io.Writer, hint string) (pos []string, ok bool) {
	pos, err := parseInterspersed(fs, args)
	switch {
	case err != nil:
		return nil, false
	case len(pos) == want:
		return pos, true
	case len(pos) > want:
		fmt.Fprintf(stderr, "%s: unexpected argument %q; %s\n", fs.Name(), pos[want], hint)
	default:
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), hint)
	}
	return nil, false
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("funcstack "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// workspaceFlag adds --workspace, defaulting to $FUNCSTACK_WORKSPACE.
func workspaceFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("FUNCSTACK_WORKSPACE")
	if def == "" {
		def = "workflows"
	}
	return fs.String("workspace", def, "folder of JSON definitions (env FUNCSTACK_WORKSPACE)")
}

func printDiagnostics(w io.Writer, ds engine.Diagnostics) {
	for _, d := range ds {
		prefix := "error: "
		if d.Severity == engine.SeverityWarning {
			prefix = "warning: "
		}
		if d.File != "" && d.Line > 0 && isFile(d.File) { // where editors jump to
			prefix += fmt.Sprintf("%s:%d:%d: ", d.File, d.Line, d.Col)
		}
		fmt.Fprintln(w, prefix+d.String())
	}
}

// isFile reports whether name is a file on disk (definitions from the
// database carry names such as "orders (version 3)").
func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	ws := workspaceFlag(fs)
	if _, ok := parseArgs(fs, args, 0, stderr, "give the folder with --workspace DIR"); !ok {
		return 2
	}
	defs, p, diags := engine.LoadAndCompile(*ws)
	printDiagnostics(stderr, diags)
	errs, warns := len(diags.Errors()), len(diags.Warnings())
	if errs > 0 {
		fmt.Fprintf(stderr, "%s: %d error(s), %d warning(s)\n", *ws, errs, warns)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d definitions valid (%d runnable), %d warning(s)\n", *ws, len(defs), len(p.Functions), warns)
	return 0
}

func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("run", stderr)
	ws := workspaceFlag(fs)
	input := fs.String("input", "", "input as a JSON object, or @file, or - for standard input")
	trace := fs.Bool("trace", false, "print the per-step trace on standard error")
	ef := addEngineFlags(fs)
	sf := addStoreFlags(fs)
	// As serve: the same outbound guard and JWT secret.
	outbound := addOutboundFlag(fs)
	jwtFlag := addJWTFlag(fs)
	force := addOverwriteFlag(fs)
	pos, ok := parseArgs(fs, args, 1, stderr, "give exactly one function name, e.g. funcstack run --workspace workflows sum_squares --input '{\"n\": 20}'")
	if !ok {
		return 2
	}
	name := pos[0]
	defs, p, ok := loadValid(*ws, stderr)
	if !ok {
		return 1
	}
	in, ierr := readInput(*input, stdin)
	if ierr != nil {
		writeErr(stderr, ierr)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := sf.open(ctx)
	if err != nil {
		writeErr(stderr, &engine.Error{Code: engine.CodeInternal, Message: err.Error()})
		return 1
	}
	defer st.Close()
	if _, err := importWorkspace(ctx, st, defs, false, *force, false); err != nil {
		writeErr(stderr, &engine.Error{Code: engine.CodeInvalidDef, Message: "importing the workspace " + *ws + ": " + err.Error()})
		return 1
	}
	cfg := ef.config()
	cfg.DB, cfg.Store = st, st.Executions()
	secret, _, err := jwtSecret(st, *sf.data, *jwtFlag)
	if err == nil {
		_, err = outbound.guard(&cfg)
	}
	if err != nil {
		writeErr(stderr, &engine.Error{Code: engine.CodeInternal, Message: err.Error()})
		return 1
	}
	cfg.Secrets = map[string][]byte{engine.SecretJWT: secret}
	eng := engine.New(cfg)
	defer eng.Close()
	eng.Load(p)
	res, err := eng.Run(ctx, name, in, engine.RunOptions{Trace: *trace})
	if res != nil {
		for _, l := range res.Logs {
			b, _ := json.Marshal(l.Value)
			fmt.Fprintf(stderr, "log %s: %s\n", l.Path, b)
		}
		if *trace {
			printTrace(stderr, res)
		}
	}
	if err != nil {
		writeErr(stderr, engine.AsError(err))
		return 1
	}
	out, merr := json.Marshal(res.Output)
	if merr != nil {
		writeErr(stderr, &engine.Error{Code: engine.CodeOutputEncoding, Definition: name, Path: "response", ExecutionID: res.ExecutionID,
			Message: "the response cannot be written as JSON: " + merr.Error() + "; make sure it holds no NaN or infinite numbers"})
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

func readInput(arg string, stdin io.Reader) (any, *engine.Error) {
	var data []byte
	switch {
	case arg == "":
		return map[string]any{}, nil
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if err != nil {
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "reading standard input: " + err.Error()}
		}
		data = b
	case strings.HasPrefix(arg, "@"):
		b, err := os.ReadFile(arg[1:])
		if err != nil {
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "reading input file: " + err.Error()}
		}
		data = b
	default:
		data = []byte(arg)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "--input is not valid JSON: " + err.Error() + `; write an object such as '{"n": 20}'`}
	}
	if dec.More() {
		return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "--input holds more than one JSON value"}
	}
	return v, nil
}

func writeErr(w io.Writer, e *engine.Error) {
	fmt.Fprintf(w, "%s\n", e.Envelope())
}

func printTrace(w io.Writer, res *engine.Result) {
	fmt.Fprintf(w, "trace of execution %s (%s):\n", res.ExecutionID, res.Duration)
	for _, t := range res.Trace {
		b, err := json.Marshal(t.Result)
		if err != nil {
			b = []byte(fmt.Sprintf("%v", t.Result))
		}
		if len(b) > 200 {
			b = append(b[:197], "..."...)
		}
		status := "ok"
		if t.Error != "" {
			status = "error: " + t.Error
		}
		fmt.Fprintf(w, "  %-12s %-30s %10.3fms  %s  %s\n", t.Type, t.Definition+":"+t.Path, float64(t.DurationNs)/1e6, b, status)
	}
	if res.TraceTruncated {
		fmt.Fprintln(w, "  (trace truncated at the trace entry limit)")
	}
}

// envValues gives expressions FUNCSTACK_ENV_* variables as env.name
// (lower-cased, without the prefix).
func envValues() map[string]any {
	out := map[string]any{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, "FUNCSTACK_ENV_"); ok && name != "" {
			out[strings.ToLower(name)] = v
		}
	}
	return out
}

// engineFlags are the engine's limits and pool size, shared by run and
// serve.
type engineFlags struct {
	lim     engine.Limits
	workers int
}

func addEngineFlags(fs *flag.FlagSet) *engineFlags {
	ef := &engineFlags{lim: engine.DefaultLimits()}
	l := &ef.lim
	fs.DurationVar(&l.SyncTimeout, "timeout", envDuration("FUNCSTACK_SYNC_TIMEOUT", l.SyncTimeout), "limit sync_timeout: how long a sync run may take (env FUNCSTACK_SYNC_TIMEOUT)")
	fs.DurationVar(&l.AsyncTimeout, "async-timeout", envDuration("FUNCSTACK_ASYNC_TIMEOUT", l.AsyncTimeout), "limit async_timeout for async calls (env FUNCSTACK_ASYNC_TIMEOUT)")
	fs.IntVar(&l.MaxLoopIterations, "max-loop-iterations", envInt("FUNCSTACK_MAX_LOOP_ITERATIONS", l.MaxLoopIterations), "limit max_loop_iterations per loop (env FUNCSTACK_MAX_LOOP_ITERATIONS)")
	fs.IntVar(&l.MaxCallDepth, "max-call-depth", envInt("FUNCSTACK_MAX_CALL_DEPTH", l.MaxCallDepth), "limit max_call_depth (env FUNCSTACK_MAX_CALL_DEPTH)")
	fs.IntVar(&l.MaxTextBytes, "max-text-bytes", envInt("FUNCSTACK_MAX_TEXT_BYTES", l.MaxTextBytes), "limit max_text_bytes: the longest text a variable may hold (env FUNCSTACK_MAX_TEXT_BYTES)")
	fs.IntVar(&l.MaxItems, "max-items", envInt("FUNCSTACK_MAX_ITEMS", l.MaxItems), "limit max_items: the most items a list or object in a variable may hold (env FUNCSTACK_MAX_ITEMS)")
	fs.IntVar(&l.MaxExprSteps, "max-expr-steps", envInt("FUNCSTACK_MAX_EXPR_STEPS", l.MaxExprSteps), "limit max_expr_steps: the most steps one expression's map, filter, count… bodies may take together (env FUNCSTACK_MAX_EXPR_STEPS)")
	fs.UintVar(&l.MaxExprMemory, "max-expr-memory", uint(envInt("FUNCSTACK_MAX_EXPR_MEMORY", int(l.MaxExprMemory))), "limit max_expr_memory: the most list items, object entries and text bytes one evaluation of an expression may build (env FUNCSTACK_MAX_EXPR_MEMORY)")
	fs.IntVar(&l.MaxDurableDescendants, "max-durable-descendants", envInt("FUNCSTACK_MAX_DURABLE_DESCENDANTS", l.MaxDurableDescendants), "limit max_durable_descendants: how many durable runs one run and the runs it starts may queue in all (env FUNCSTACK_MAX_DURABLE_DESCENDANTS)")
	fs.IntVar(&l.MaxDepth, "max-depth", envInt("FUNCSTACK_MAX_DEPTH", l.MaxDepth), "limit max_depth: how deep lists and objects in a variable may nest (env FUNCSTACK_MAX_DEPTH)")
	fs.Int64Var(&l.MaxBodyBytes, "max-body-bytes", envInt64("FUNCSTACK_MAX_BODY_BYTES", l.MaxBodyBytes), "limit max_body_bytes: largest request body; larger ones get 413 (env FUNCSTACK_MAX_BODY_BYTES)")
	fs.IntVar(&ef.workers, "workers", envInt("FUNCSTACK_WORKERS", 0), "async worker pool size (env FUNCSTACK_WORKERS; default 4×CPUs, at least 16)")
	return ef
}

// config is the engine configuration the flags give, with FUNCSTACK_ENV_*
// as env.
func (ef *engineFlags) config() engine.Config {
	return engine.Config{Env: envValues(), Limits: ef.lim, Workers: ef.workers}
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func printJSON(stdout io.Writer, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return 0
}
