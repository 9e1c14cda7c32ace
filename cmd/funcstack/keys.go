package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/store"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, splitList(s)...); return nil }

// cmdKeys manages API keys: keys create NAME --scope S [--expires 90d],
// keys list, keys revoke ID.
func cmdKeys(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "funcstack keys: say create NAME --scope SCOPE [--expires 90d], list, or revoke ID")
		return 2
	}
	sub := args[0]
	fs := newFlags("keys "+sub, stderr)
	sf := addStoreFlags(fs)
	var scopes stringList
	var expires *string
	want, hint := 0, "it takes no argument"
	switch sub {
	case "create":
		fs.Var(&scopes, "scope", "what the key may do, repeatable or comma-separated: call:NAME (a function or endpoint), call:*, executions:read (the async runs it started), admin")
		expires = fs.String("expires", "", "how long the key works, e.g. 90d or 12h (default: until revoked)")
		want, hint = 1, "give the key's name: funcstack keys create NAME --scope call:NAME"
	case "list":
	case "revoke":
		want, hint = 1, "give the key's ID, as keys list shows it"
	default:
		fmt.Fprintf(stderr, "funcstack keys: unknown subcommand %q; use create, list or revoke\n", sub)
		return 2
	}
	pos, ok := parseArgs(fs, args[1:], want, stderr, hint)
	if !ok {
		return 2
	}
	ctx := context.Background()
	st, err := sf.open(ctx)
	if err != nil {
		return fail(stderr, "keys", err)
	}
	defer st.Close()
	switch sub {
	case "create":
		exp, err := api.CheckKeyRequest(pos[0], scopes, *expires, nil)
		if err != nil {
			return fail(stderr, "keys create", errors.New(strings.NewReplacer("scopes:", "--scope:", "scopes[", "--scope[", "expires_in", "--expires").Replace(err.Error())))
		}
		k, text, err := st.CreateAPIKey(ctx, pos[0], scopes, exp)
		if err != nil {
			return fail(stderr, "keys create", err)
		}
		fmt.Fprintln(stdout, text)
		fmt.Fprintf(stderr, "funcstack: API key %s (%s) made with scopes %s%s; it is shown only now: keep it\n", k.Name, k.ID, strings.Join(k.Scopes, ", "), until(k.ExpiresAt))
	case "list":
		ks, err := st.APIKeys(ctx)
		if err != nil {
			return fail(stderr, "keys list", err)
		}
		for _, k := range ks {
			state := "active"
			switch {
			case k.RevokedAt != nil:
				state = "revoked " + k.RevokedAt.Format(time.RFC3339)
			case k.ExpiresAt != nil && !time.Now().Before(*k.ExpiresAt):
				state = "expired " + k.ExpiresAt.Format(time.RFC3339)
			}
			used := "never used"
			if k.LastUsedAt != nil {
				used = "last used " + k.LastUsedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s  %-20s %-28s %s, %s%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","), state, used, until(k.ExpiresAt))
		}
	case "revoke":
		k, err := st.RevokeAPIKey(ctx, pos[0])
		if errors.Is(err, store.ErrNoAPIKey) {
			return fail(stderr, "keys revoke", fmt.Errorf("no API key %q; funcstack keys list shows them", pos[0]))
		}
		if err != nil {
			return fail(stderr, "keys revoke", err)
		}
		fmt.Fprintf(stdout, "revoked %s (%s) at %s; servers refuse it at once, other nodes within seconds\n", k.Name, k.ID, k.RevokedAt.Format(time.RFC3339))
	}
	return 0
}

func until(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ", expires " + t.Format(time.RFC3339)
}
