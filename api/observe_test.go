package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// scrape reads /metrics and returns every sample as "name{labels}" → value
// (labels sorted, as Prometheus prints them).
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not the Prometheus text format: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(ls)
			key := name + "{" + strings.Join(ls, ",") + "}"
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key+"_count"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// sortLabels sorts the labels of a "name{a=1,b=2}_suffix" key.
func sortLabels(k string) string {
	name, rest, _ := strings.Cut(k, "{")
	labels, suffix, _ := strings.Cut(rest, "}")
	ls := strings.Split(labels, ",")
	sort.Strings(ls)
	return name + "{" + strings.Join(ls, ",") + "}" + suffix
}

// TestMetricsToken: /metrics answers only to the metrics token (when one
// is set) or the admin token, unless MetricsPublic opens it.
func TestMetricsToken(t *testing.T) {
	st := backends[0].open(t)
	ts := newServer(t, st, api.Config{MetricsToken: "scrape-me"}, "../workflows")
	for _, c := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer nope", http.StatusUnauthorized},
		{"Basic scrape-me", http.StatusUnauthorized},
		{"Bearer scrape-me", http.StatusOK},
		{"Bearer " + token, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/metrics", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("Authorization %q: %d %s, want %d", c.auth, resp.StatusCode, body, c.want)
		}
		if c.want == http.StatusUnauthorized && !strings.Contains(string(body), "FUNCSTACK_METRICS_TOKEN") {
			t.Errorf("Authorization %q: the 401 does not say which token: %s", c.auth, body)
		}
	}
	for cfg, want := range map[*api.Config]int{{}: http.StatusUnauthorized, {MetricsPublic: true}: http.StatusOK} {
		ts := newServer(t, st, *cfg, "../workflows")
		resp, err := http.Get(ts.URL + "/metrics") // no token
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("/metrics without a token, MetricsPublic %v: %d, want %d", cfg.MetricsPublic, resp.StatusCode, want)
		}
	}
}

// TestMetrics: requests move the request and execution counters.
func TestMetrics(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, b.open(t), api.Config{}, "../workflows", "testdata/ws")
			before := scrape(t, ts.URL)
			for _, u := range []string{"/api/sum-squares/3", "/api/sum-squares/4", "/api/sum-squares/x", "/nowhere/1", "/api/products/low-stock"} {
				resp, err := http.Get(ts.URL + u)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			call(t, "POST", ts.URL+"/function/quote_order", `{"lines": [{"sku": "apple", "qty": 2}, {"sku": "banana", "qty": 1}]}`, true)
			after := scrape(t, ts.URL)
			moved := map[string]float64{
				`funcstack_http_requests_total{method=GET,route=/api/sum-squares/:n,endpoint=api_sum_squares,status=200}`:                 2,
				`funcstack_http_requests_total{method=GET,route=/api/sum-squares/:n,endpoint=api_sum_squares,status=400}`:                 1,
				`funcstack_http_requests_total{method=GET,route=unmatched,endpoint=,status=404}`:                                          1,
				`funcstack_http_requests_total{method=GET,route=/api/products/low-stock,endpoint=api_low_stock,status=200}`:               1,
				`funcstack_http_requests_total{method=POST,route=/function/:name,endpoint=,status=200}`:                                   1,
				`funcstack_http_request_duration_seconds{method=GET,route=/api/sum-squares/:n,endpoint=api_sum_squares,status=200}_count`: 2,
				`funcstack_executions_total{function=api_sum_squares,status=succeeded}`:                                                   2,
				`funcstack_executions_total{function=api_sum_squares,status=failed}`:                                                      1,
				`funcstack_executions_total{function=low_stock,status=succeeded}`:                                                         0, // called, not run as an execution
				`funcstack_executions_total{function=quote_order,status=succeeded}`:                                                       1,
				`funcstack_executions_total{function=price_check,status=succeeded}`:                                                       2, // async children
				`funcstack_execution_duration_seconds{function=api_sum_squares}_count`:                                                    3,
			}
			for k, want := range moved {
				k = sortLabels(k)
				if got := after[k] - before[k]; got != want {
					t.Errorf("%s moved by %v, want %v", k, got, want)
				}
			}
			if _, ok := after["funcstack_async_queue_depth{}"]; !ok {
				t.Error("no funcstack_async_queue_depth")
			}
			if _, ok := after["go_goroutines{}"]; !ok {
				t.Error("no Go runtime metrics")
			}
		})
	}
}

// TestAccessLog: one JSON line per request with method, route, status,
// duration and execution ID; sensitive inputs never appear, not even in
// the message of an error that quotes them.
func TestAccessLog(t *testing.T) {
	var buf enginetest.SyncBuffer
	logger, err := api.NewLogger(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, backends[0].open(t), api.Config{Logger: logger}, "../workflows", "testdata/ws")
	const pw, card = "hunter2-hunter2", "4111111111111111"
	reqs := []struct{ method, url, body string }{
		{"POST", "/api/signup", `{"email": "ada@example.com", "password": "` + pw + `"}`},
		{"POST", "/api/login", `{"email": "ada@example.com", "password": "` + pw + `x"}`},
		{"POST", "/t/leaky?password=" + pw, `{"user": "ok"}`},
		{"POST", "/t/leaky", `{"user": "boom", "password": "` + pw + `", "card": {"number": "` + card + `"}}`},
		{"GET", "/nowhere", ""},
	}
	for _, r := range reqs {
		call(t, r.method, ts.URL+r.url, r.body, false)
	}
	out := buf.String()
	if strings.Contains(out, pw) || strings.Contains(out, card) {
		t.Errorf("a sensitive input is in the log:\n%s", out)
	}
	type line struct {
		Level       string  `json:"level"`
		Msg         string  `json:"msg"`
		Method      string  `json:"method"`
		Route       string  `json:"route"`
		Path        string  `json:"path"`
		Status      int     `json:"status"`
		Duration    float64 `json:"duration"`
		ExecutionID string  `json:"execution_id"`
		Code        string  `json:"code"`
		Error       string  `json:"error"`
	}
	var lines []line
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %s", sc.Text())
		}
		lines = append(lines, l)
	}
	want := []struct {
		level, route, path string
		status             int
		id                 bool
	}{
		{"INFO", "/api/signup", "", 201, true},
		{"INFO", "/api/login", "", 401, true},
		{"INFO", "/t/leaky", "", 200, true},
		{"ERROR", "/t/leaky", "", 500, true},
		{"INFO", "", "/nowhere", 404, false},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		l := lines[i]
		if l.Msg != "request" || l.Level != w.level || l.Method != reqs[i].method || l.Route != w.route || l.Path != w.path ||
			l.Status != w.status || l.Duration <= 0 || uuidRE.MatchString(l.ExecutionID) != w.id {
			t.Errorf("line %d: %+v, want %+v", i, l, w)
		}
	}
	if l := lines[3]; l.Code != "careless" || l.Error != "t_leaky: stack[0].then[0]: careless [redacted] / [redacted] (execution "+l.ExecutionID+")" {
		t.Errorf("error line: code %q error %q", l.Code, l.Error)
	}
}

// TestDurableJobsMetric: a durable execution waiting for its retry shows
// in funcstack_durable_jobs; on both backends.
func TestDurableJobsMetric(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ts := durableServer(t, b.open(t), `{"kind": "function", "name": "flaky", "settings": {"retries": {"max_attempts": 3, "backoff": "1h"}},
				"stack": [{"type": "throw", "message": "down"}]}`)
			if resp, body := post(t, ts.URL+"/async-function/flaky", true, nil, `{}`); resp.StatusCode != 202 {
				t.Fatalf("%d %v", resp.StatusCode, body)
			}
			key := "funcstack_durable_jobs{queue=default,state=retryable}"
			deadline := time.Now().Add(10 * time.Second)
			for scrape(t, ts.URL)[key] != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("%s never 1: %v", key, scrape(t, ts.URL))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestDurableExecutionsAttemptsAndQueueMetrics: a durable run that fails
// twice counts one execution and two attempts; jobs waiting in a queue
// show as its depth, and the oldest one's wait as its age; on both
// backends.
func TestDurableExecutionsAttemptsAndQueueMetrics(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			eng, _ := durabletest.Start(t, st, durable.Options{Queues: map[string]int{"slow": 1}},
				`{"kind": "function", "name": "flaky", "settings": {"retries": {"max_attempts": 2, "backoff": "50ms"}},
					"stack": [{"type": "throw", "message": "down"}]}`,
				`{"kind": "function", "name": "nap", "settings": {"queue": "slow"}, "stack": [{"type": "sleep", "ms": "3000"}]}`)
			srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			for _, fn := range []string{"flaky", "nap", "nap", "nap"} {
				if resp, body := post(t, ts.URL+"/async-function/"+fn, true, nil, `{}`); resp.StatusCode != 202 {
					t.Fatalf("%d %v", resp.StatusCode, body)
				}
			}
			var m map[string]float64
			deadline := time.Now().Add(15 * time.Second)
			for {
				m = scrape(t, ts.URL)
				if m["funcstack_execution_attempts_total{function=flaky,status=failed}"] == 2 &&
					m["funcstack_durable_queue_depth{queue=slow}"] == 2 && m["funcstack_durable_queue_oldest_age_seconds{queue=slow}"] >= 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("metrics never showed 2 attempts of flaky and 2 jobs waiting in slow for a second: %v", m)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if got := m["funcstack_executions_total{function=flaky,status=failed}"]; got != 1 {
				t.Errorf("funcstack_executions_total of the flaky run: %v, want 1 (one execution, two attempts)", got)
			}
			if age := m["funcstack_durable_queue_oldest_age_seconds{queue=slow}"]; age > 10 {
				t.Errorf("oldest age %v s: the jobs were queued a few seconds ago", age)
			}
			if got, ok := m["funcstack_durable_queue_depth{queue=default}"]; !ok || got != 0 {
				t.Errorf("the default queue's depth: %v %v, want 0", got, ok)
			}
		})
	}
}
