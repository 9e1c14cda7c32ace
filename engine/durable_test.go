package engine_test

import (
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestBadCronIsADefinitionError(t *testing.T) {
	for _, spec := range []string{"99 * * * *", "* * * * MON-XYZ"} {
		var diags engine.Diagnostics
		engine.ParseDefinition("t.json", []byte(`{"kind": "task", "name": "t", "schedule": {"cron": "`+spec+`"}, "stack": []}`), &diags)
		if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "t: schedule.cron: cron") {
			t.Errorf("cron %q: %v", spec, err)
		}
	}
	for _, spec := range []string{"*/5 * * * *", "0 30 9 * * MON-FRI", "@hourly"} {
		var diags engine.Diagnostics
		engine.ParseDefinition("t.json", []byte(`{"kind": "task", "name": "t", "schedule": {"cron": "`+spec+`"}, "stack": []}`), &diags)
		if diags.HasErrors() {
			t.Errorf("cron %q: %v", spec, diags.Err())
		}
	}
}
