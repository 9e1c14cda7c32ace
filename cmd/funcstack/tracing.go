package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/funcstack/funcstack/engine/telemetry"
)

// startTracing makes the OpenTelemetry tracer of serve when endpoint (the
// --otel-endpoint flag, FUNCSTACK_OTEL_ENDPOINT) is set, else nil: no
// exporter, and the engine makes no spans (docs/design.md §30).
func startTracing(ctx context.Context, endpoint string, logger *slog.Logger) (*telemetry.Tracer, error) {
	if endpoint == "" {
		return nil, nil
	}
	t, err := telemetry.New(ctx, telemetry.Options{Endpoint: endpoint, ServiceName: os.Getenv("OTEL_SERVICE_NAME"), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("--otel-endpoint: %v", err)
	}
	return t, nil
}

// stopTracing sends the spans not sent yet, waiting at most grace. A
// second call does nothing.
func stopTracing(t *telemetry.Tracer, grace time.Duration, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := t.Shutdown(ctx); err != nil {
		fmt.Fprintf(stderr, "funcstack serve: sending the last spans: %v\n", err)
	}
}
