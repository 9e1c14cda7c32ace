package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestKeysCommand: create prints the key once, list shows it without its
// secret, revoke ends it; bad scopes are named.
func TestKeysCommand(t *testing.T) {
	dir := t.TempDir()
	call := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append(args, "--data", dir), nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, _ := call("keys", "create", "billing", "--scope", "call:place_order", "--scope", "executions:read")
	key := strings.TrimSpace(out)
	if code != 0 || !regexp.MustCompile(`^fsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$`).MatchString(key) {
		t.Fatalf("create: %d %q", code, out)
	}
	id := key[4:16]
	code, out, _ = call("keys", "list")
	if want := id + "  billing              call:place_order,executions:read active, never used\n"; code != 0 || out != want {
		t.Errorf("list: %d\n got %q\nwant %q", code, out, want)
	}
	if strings.Contains(out, key[17:]) {
		t.Errorf("list shows the secret")
	}
	if code, out, _ = call("keys", "revoke", id); code != 0 || !strings.HasPrefix(out, "revoked billing ("+id+") at ") {
		t.Errorf("revoke: %d %q", code, out)
	}
	if code, _, errs := call("keys", "create", "x", "--scope", "call:Bad Name"); code != 1 ||
		errs != "funcstack keys create: --scope[0]: \"call:Bad Name\" is not a scope; use call:NAME (a function or endpoint name), call:*, executions:read or admin\n" {
		t.Errorf("bad scope: %d %q", code, errs)
	}
}
