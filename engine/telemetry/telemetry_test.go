package telemetry_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/telemetry"
)

func TestEndpointURL(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{in: "http://127.0.0.1:4318", want: "http://127.0.0.1:4318/v1/traces"},
		{in: " http://127.0.0.1:4318/ ", want: "http://127.0.0.1:4318/v1/traces"},
		{in: "https://otel.example.com/otlp/v1/traces", want: "https://otel.example.com/otlp/v1/traces"},
		{in: "127.0.0.1:4318", err: `the OTLP endpoint "127.0.0.1:4318" is not an http or https URL (e.g. http://127.0.0.1:4318)`},
		{in: "grpc://127.0.0.1:4317", err: `the OTLP endpoint "grpc://127.0.0.1:4317" is not an http or https URL (e.g. http://127.0.0.1:4318)`},
		{in: "http://", err: `the OTLP endpoint "http://" is not an http or https URL (e.g. http://127.0.0.1:4318)`},
	} {
		got, err := telemetry.EndpointURL(c.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.err {
			t.Errorf("EndpointURL(%q) = %q, %q; want %q, %q", c.in, got, gotErr, c.want, c.err)
		}
	}
}
