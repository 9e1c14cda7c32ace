package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// The version commands read and change the stored definitions without a
// server: versions (history), show, publish and restore.

// openFor parses a version command's arguments (one NAME), opens the
// store and returns it with the name; ok is false when it already told
// the user why not (code is then the exit code).
func openFor(cmd string, fs *flag.FlagSet, sf storeFlags, args []string, stderr io.Writer, hint string) (ctx context.Context, cancel func(), st *store.Store, name string, code int) {
	pos, ok := parseArgs(fs, args, 1, stderr, hint)
	if !ok {
		return nil, nil, nil, "", 2
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute)
	st, err := sf.open(ctx)
	if err != nil {
		cancel()
		return nil, nil, nil, "", fail(stderr, cmd, err)
	}
	return ctx, cancel, st, pos[0], 0
}

// versionFlag adds --version N (0: default).
func versionFlag(fs *flag.FlagSet, what string) *int {
	return fs.Int("version", 0, what)
}

// checkVersion refuses a negative --version.
func checkVersion(cmd string, v int, stderr io.Writer) bool {
	if v < 0 {
		fmt.Fprintf(stderr, "funcstack %s: --version %d: versions are numbered from 1; see funcstack versions NAME\n", cmd, v)
		return false
	}
	return true
}

// storeFail prints an error of the store about name; an unknown name
// gets the closest stored one.
func storeFail(ctx context.Context, st *store.Store, cmd, name string, err error, stderr io.Writer) int {
	if errors.Is(err, store.ErrNotFound) {
		if vs, verr := st.Versions(ctx); verr == nil {
			if _, ok := vs[name]; !ok {
				names := make([]string, 0, len(vs))
				for n := range vs {
					names = append(names, n)
				}
				msg := fmt.Sprintf("no definition named %q in %s", name, st.Where())
				if c := engine.Closest(name, names); c != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", c)
				} else {
					msg += "; import a workspace first (funcstack import --workspace DIR)"
				}
				return fail(stderr, cmd, errors.New(msg))
			}
		}
	}
	return fail(stderr, cmd, err)
}

func cmdVersions(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("versions", stderr)
	sf := addStoreFlags(fs)
	ctx, cancel, st, name, code := openFor("versions", fs, sf, args, stderr, "give the definition's name, e.g. funcstack versions get_user")
	if st == nil {
		return code
	}
	defer cancel()
	defer st.Close()
	h, err := st.History(ctx, name)
	if err != nil {
		return storeFail(ctx, st, "versions", name, err, stderr)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCREATED\tPUBLISHED\tHASH\tNOTE")
	for _, v := range h {
		pub := ""
		if v.Published {
			pub = "published"
			if v.PublishedAt != nil {
				pub += " " + v.PublishedAt.UTC().Format(time.RFC3339)
			}
		}
		hash := v.Hash
		if len(hash) > 12 {
			hash = hash[:12]
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.Version, v.CreatedAt.UTC().Format(time.RFC3339), pub, hash, v.Note)
	}
	tw.Flush()
	return 0
}

func cmdShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("show", stderr)
	sf := addStoreFlags(fs)
	version := versionFlag(fs, "the version to print (default: the newest)")
	ctx, cancel, st, name, code := openFor("show", fs, sf, args, stderr, "give the definition's name, e.g. funcstack show get_user --version 2")
	if st == nil {
		return code
	}
	defer cancel()
	defer st.Close()
	if !checkVersion("show", *version, stderr) {
		return 2
	}
	_, v, err := st.GetVersion(ctx, name, *version)
	if v == nil {
		return storeFail(ctx, st, "show", name, err, stderr)
	}
	// A stored version that no longer parses is still shown as stored.
	b, err := marshalIndent(v.Content)
	if err != nil {
		return fail(stderr, "show", fmt.Errorf("definition %s version %d: %v", name, v.Version, err))
	}
	stdout.Write(b)
	return 0
}

func cmdPublish(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("publish", stderr)
	sf := addStoreFlags(fs)
	version := versionFlag(fs, "the version to publish (default: the newest)")
	force := fs.Bool("force", false, "apply destructive table changes (dropped or re-typed columns lose their values)")
	withDeps := fs.Bool("with-dependencies", false, "also publish the drafts it uses (functions it calls, tables, middleware), all or nothing")
	ctx, cancel, st, name, code := openFor("publish", fs, sf, args, stderr, "give the definition's name, e.g. funcstack publish get_user --version 2")
	if st == nil {
		return code
	}
	defer cancel()
	defer st.Close()
	if !checkVersion("publish", *version, stderr) {
		return 2
	}
	// The admin API's rules: nothing published may stop compiling or
	// serving because of this version.
	w := workspace.New(st, workspace.Options{Routes: api.CheckRoutes})
	pub, err := w.PublishWith(ctx, name, *version, *force, *withDeps)
	if n, ok := errors.AsType[*workspace.NeedsDependencies](err); ok {
		return fail(stderr, "publish", errors.New(n.Error()+" (funcstack publish "+name+" --with-dependencies)"))
	}
	if r, ok := errors.AsType[*workspace.Refused](err); ok {
		errs := r.Diagnostics.Errors()
		printDiagnostics(stderr, errs)
		writeErr(stderr, &engine.Error{Code: engine.CodeInvalidDef, Definition: name, Message: fmt.Sprintf(
			"publishing %s version %d would break the published workspace (%d error(s) above); nothing was published: fix them in a new version, or publish another one",
			name, pub.Version, len(errs))})
		return 1
	}
	if d, ok := errors.AsType[*store.DestructiveError](err); ok {
		return fail(stderr, "publish", errors.New(d.Error()+"; nothing was published"))
	}
	if err != nil {
		return storeFail(ctx, st, "publish", name, err, stderr)
	}
	printDiagnostics(stderr, pub.Warnings.Warnings())
	for _, d := range pub.Dependencies {
		fmt.Fprintf(stdout, "published %s version %d with it: %s\n", d.Name, d.Version, d.Reason)
	}
	fmt.Fprintf(stdout, "published %s version %d in %s; running servers pick it up at their next reload\n", name, pub.Version, st.Where())
	return 0
}

func cmdRestore(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("restore", stderr)
	sf := addStoreFlags(fs)
	version := versionFlag(fs, "the version whose content becomes the newest version (required)")
	ctx, cancel, st, name, code := openFor("restore", fs, sf, args, stderr, "give the definition's name, e.g. funcstack restore get_user --version 2")
	if st == nil {
		return code
	}
	defer cancel()
	defer st.Close()
	if *version <= 0 {
		fmt.Fprintf(stderr, "funcstack restore: say which version to restore with --version N (see funcstack versions %s)\n", name)
		return 2
	}
	n, err := st.Restore(ctx, name, *version)
	if err != nil {
		return storeFail(ctx, st, "restore", name, err, stderr)
	}
	fmt.Fprintf(stdout, "%s version %d now has the content of version %d (a draft); publish it with funcstack publish %s --version %d\n",
		name, n, *version, name, n)
	return 0
}

// versionCommands are the commands of this file, by name.
var versionCommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"versions": cmdVersions, "show": cmdShow, "publish": cmdPublish, "restore": cmdRestore,
}
