package workspace_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"testing"

	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/workspace"
)

// TestImportFiles walks `serve --workspace` through restarts: files that
// did not change leave the store alone (admin edits survive a restart), a
// changed file is imported, a changed file over an admin edit is refused
// naming it, and Overwrite replaces the edit.
func TestImportFiles(t *testing.T) {
	const (
		greetV1 = `{"kind": "function", "name": "greet", "stack": [], "response": "'hello'"}`
		greetV2 = `{"kind": "function", "name": "greet", "stack": [], "response": "'hi'"}`
		// the same content, formatted differently: not a change
		greetV2b = "{\"name\":\"greet\",\n \"kind\":\"function\",\"response\":\"'hi'\",\"stack\":[]}"
		admin    = `{"kind": "function", "name": "greet", "stack": [], "response": "'hello from the admin'"}`
		other    = `{"kind": "function", "name": "other", "stack": [], "response": "1"}`
		otherV2  = `{"kind": "function", "name": "other", "stack": [], "response": "2"}`
	)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, b.open(t))
			w := workspace.New(st, workspace.Options{})
			// summary is what an import did: saved name@version (published or draft), then the skipped names
			summary := func(res workspace.FileImport, err error) string {
				if err != nil {
					return "error: " + err.Error()
				}
				s := ""
				for _, sv := range res.Saved {
					state := "draft"
					if sv.Published {
						state = "published"
					}
					s += fmt.Sprintf("%s@%d %s, ", sv.Name, sv.Version, state)
				}
				return fmt.Sprintf("%sskipped %v, %d table(s)", s, res.Skipped, res.Tables)
			}
			published := func(name string) string {
				t.Helper()
				d, err := st.GetPublished(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				return d.Response
			}
			steps := []struct {
				what  string
				files []string
				opts  workspace.FileOptions
				want  string
			}{
				{"the first import", []string{greetV1, thingsV1}, workspace.FileOptions{}, "greet@1 published, things@1 published, skipped [], 1 table(s)"},
				{"a restart with the same files", []string{greetV1, thingsV1}, workspace.FileOptions{}, "skipped [greet things], 0 table(s)"},
				{"a changed file", []string{greetV2, thingsV1, other}, workspace.FileOptions{}, "greet@2 published, other@1 published, skipped [things], 0 table(s)"},
				{"the same content formatted anew", []string{greetV2b, thingsV1, other}, workspace.FileOptions{}, "skipped [greet things other], 0 table(s)"},
			}
			for _, s := range steps {
				if got := summary(w.ImportFiles(ctx, enginetest.Parse(t, s.files...), s.opts)); got != s.want {
					t.Fatalf("%s:\n got %s\nwant %s", s.what, got, s.want)
				}
			}
			// An admin edit survives a restart whose files did not change.
			if _, err := w.Save(ctx, enginetest.Parse(t, admin), true); err != nil {
				t.Fatal(err)
			}
			if got, want := summary(w.ImportFiles(ctx, enginetest.Parse(t, greetV2, thingsV1, other), workspace.FileOptions{})), "skipped [greet things other], 0 table(s)"; got != want {
				t.Fatalf("restart after an admin edit:\n got %s\nwant %s", got, want)
			}
			if got := published("greet"); got != "'hello from the admin'" {
				t.Fatalf("after the restart greet answers %s", got)
			}
			// A changed file over the admin edit is refused, all or nothing: other's change is not saved either.
			_, err := w.ImportFiles(ctx, enginetest.Parse(t, greetV1, otherV2), workspace.FileOptions{})
			var edited *workspace.EditedError
			if !errors.As(err, &edited) {
				t.Fatalf("a changed file over an admin edit: %v", err)
			}
			msg := regexp.MustCompile(`of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`).ReplaceAllString(err.Error(), "of TIME")
			if want := "1 definition(s) whose files changed were also edited in the admin API since the workspace was last imported: " +
				"greet (version 3 of TIME; the files last gave version 2); to keep the admin edits, export them into the workspace " +
				"(funcstack export --drafts DIR) and merge; to replace them with the files, run again with --force"; msg != want {
				t.Fatalf("refusal:\n got %s\nwant %s", msg, want)
			}
			if got := published("other"); got != "1" {
				t.Fatalf("after a refused import other answers %s", got)
			}
			// A definition made in the admin API and never imported is an edit too.
			if _, err := w.Save(ctx, enginetest.Parse(t, `{"kind": "function", "name": "made_in_admin", "stack": [], "response": "1"}`), true); err != nil {
				t.Fatal(err)
			}
			_, err = w.ImportFiles(ctx, enginetest.Parse(t, `{"kind": "function", "name": "made_in_admin", "stack": [], "response": "2"}`), workspace.FileOptions{})
			if !errors.As(err, &edited) || !reflect.DeepEqual(edited.Edits[0].Name, "made_in_admin") || edited.Edits[0].Imported != 0 {
				t.Fatalf("a file over a definition made in the admin API: %v", err)
			}
			// Overwrite replaces the edit with the file.
			if got, want := summary(w.ImportFiles(ctx, enginetest.Parse(t, greetV1, otherV2), workspace.FileOptions{Overwrite: true})), "greet@4 published, other@2 published, skipped [], 0 table(s)"; got != want {
				t.Fatalf("overwrite:\n got %s\nwant %s", got, want)
			}
			if got := published("greet"); got != "'hello'" {
				t.Fatalf("after the overwrite greet answers %s", got)
			}
			// Drafts stay drafts; the next import of the same files skips them.
			if got, want := summary(w.ImportFiles(ctx, enginetest.Parse(t, greetV2), workspace.FileOptions{Draft: true})), "greet@5 draft, skipped [], 0 table(s)"; got != want {
				t.Fatalf("draft import:\n got %s\nwant %s", got, want)
			}
		})
	}
}
