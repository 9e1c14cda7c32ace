package main

import (
	"bufio"
	"context"
	"encoding/json"
	"github.com/funcstack/funcstack/engine/enginetest"
	"strings"
	"testing"
	"time"
)

// TestServeLogs: --log-format json (or FUNCSTACK_LOG_FORMAT) writes one
// JSON line per request on stderr; --log-level warn leaves them out; bad
// values are refused with what to write instead.
func TestServeLogs(t *testing.T) {
	run := func(env string, args ...string) (base string, errOut *enginetest.SyncBuffer, stop func()) {
		t.Setenv("FUNCSTACK_LOG_FORMAT", env)
		ctx, cancel := context.WithCancel(context.Background())
		out, errOut := &enginetest.SyncBuffer{}, &enginetest.SyncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- serve(ctx, append([]string{"--workspace", ws, "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...), out, errOut)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "admin token") {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("serve did not start:\n%s%s", out, errOut)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return apiLine.FindStringSubmatch(out.String())[1], errOut, func() { cancel(); <-done }
	}

	base, errOut, stop := run("json")
	if code, body := get(t, "GET", base+"/api/sum-squares/3", "", ""); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	get(t, "GET", base+"/nowhere", "", "")
	stop()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(errOut.String()))
	for sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("stderr line is not JSON: %s", sc.Text())
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 || lines[0]["msg"] != "request" || lines[0]["route"] != "/api/sum-squares/:n" || lines[0]["status"] != 200.0 ||
		lines[0]["execution_id"] == nil || lines[1]["path"] != "/nowhere" || lines[1]["status"] != 404.0 {
		t.Errorf("log lines:\n%s", errOut)
	}

	base, errOut, stop = run("text", "--log-level", "warn")
	get(t, "GET", base+"/api/sum-squares/3", "", "")
	stop()
	if s := errOut.String(); s != "" {
		t.Errorf("--log-level warn logged:\n%s", s)
	}

	t.Setenv("FUNCSTACK_LOG_FORMAT", "")
	for _, tc := range []struct{ flag, value, want string }{
		{"--log-format", "xml", `log format "xml" is not text or json`},
		{"--log-level", "loud", `log level "loud" is not debug, info, warn or error`},
	} {
		code, _, e := cli(t, "serve", "--workspace", ws, "--data", t.TempDir(), "--addr", "127.0.0.1:0", tc.flag, tc.value)
		if code != 1 || !strings.Contains(e, tc.want) {
			t.Errorf("%s %s: exit %d %s", tc.flag, tc.value, code, e)
		}
	}
}
