package steps_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
	_ "github.com/funcstack/funcstack/steps"
)

// execID is the fixed execution ID of every top-level run, so that error
// texts can be compared whole.
const execID = "exec-1"

// uuidRE matches the IDs of async children, which the tests cannot fix.
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// fn builds a function definition.
func fn(name, input, stack, response string) string {
	if input == "" {
		input = "[]"
	}
	resp := ""
	if response != "" {
		b, _ := json.Marshal(response)
		resp = `, "response": ` + string(b)
	}
	return fmt.Sprintf(`{"kind": "function", "name": %q, "input": %s, "stack": %s%s}`, name, input, stack, resp)
}

// mainFn builds the function "main" that the cases run.
func mainFn(stack, response string) string { return fn("main", "", stack, response) }

// compile parses and compiles defs and fails the test on any error
// diagnostic.
func compile(t testing.TB, defs ...string) *engine.Program { return enginetest.Compile(t, defs...) }

// newEngine makes an engine running defs.
func newEngine(t *testing.T, cfg engine.Config, defs ...string) *engine.Engine {
	t.Helper()
	eng := engine.New(cfg)
	eng.Load(compile(t, defs...))
	t.Cleanup(eng.Close)
	return eng
}

// jsonOf renders v as JSON; the tests compare outputs this way.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("output is not JSON: %v (%#v)", err, v)
	}
	return string(b)
}

// errText is err's text with async child IDs replaced by <id>.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return uuidRE.ReplaceAllString(err.Error(), "<id>")
}

// anyOutput as a case's want accepts any output (check inspects it).
const anyOutput = "<any>"

type stepCase struct {
	name  string
	defs  []string // the definitions; "main" is run
	input any
	cfg   engine.Config
	opt   engine.RunOptions
	// want is the JSON of the output; wantErr the whole error text.
	want    string
	wantErr string
	// wantCode, when set, is the error's code.
	wantCode string
	// wantStatus, when set, is the error's HTTP status.
	wantStatus int
	// check, when set, inspects the result further.
	check func(t *testing.T, res *engine.Result)
	skip  string
}

func runCases(t *testing.T, cases []stepCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			runCase(t, tc)
		})
	}
}

func runCase(t *testing.T, tc stepCase) *engine.Result {
	t.Helper()
	eng := newEngine(t, tc.cfg, tc.defs...)
	opt := tc.opt
	opt.ExecutionID = execID
	opt.Trace = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := eng.Run(ctx, "main", tc.input, opt)
	if got := errText(err); got != tc.wantErr {
		t.Fatalf("error:\n got  %s\n want %s", got, tc.wantErr)
	}
	if err != nil {
		e := engine.AsError(err)
		if tc.wantCode != "" && e.Code != tc.wantCode {
			t.Errorf("error code %q, want %q", e.Code, tc.wantCode)
		}
		if tc.wantStatus != 0 && e.HTTPStatus() != tc.wantStatus {
			t.Errorf("error status %d, want %d", e.HTTPStatus(), tc.wantStatus)
		}
	} else if got := uuidRE.ReplaceAllString(jsonOf(t, res.Output), "<id>"); tc.want != anyOutput && got != tc.want {
		t.Fatalf("output:\n got  %s\n want %s", got, tc.want)
	}
	if tc.check != nil {
		tc.check(t, res)
	}
	return res
}

// compileCase is a stack of main that must not compile, and a part of the
// error text saying why.
type compileCase struct{ stack, want string }

// diagnose parses and compiles defs and gives the diagnostics of both.
func diagnose(defs ...string) engine.Diagnostics {
	var diags engine.Diagnostics
	var parsed []*engine.Definition
	for _, d := range defs {
		if def := engine.ParseDefinition("d.json", []byte(d), &diags); def != nil {
			parsed = append(parsed, def)
		}
	}
	_, more := engine.Compile(parsed)
	return append(diags, more...)
}

// wantCompileErrors checks that each case's main fails to compile with an
// error about tc.want.
func wantCompileErrors(t *testing.T, cases []compileCase) {
	t.Helper()
	for _, tc := range cases {
		diags := diagnose(mainFn(tc.stack, ""))
		if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), tc.want) {
			t.Errorf("%s: %v; want an error about %q", tc.stack, diags.Err(), tc.want)
		}
	}
}
