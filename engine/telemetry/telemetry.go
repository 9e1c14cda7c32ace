// Package telemetry exports the spans of funcstack's runs to an
// OpenTelemetry collector over OTLP/HTTP: it implements engine.Tracer
// (docs/design.md §30). Only cmd/funcstack makes one, when
// FUNCSTACK_OTEL_ENDPOINT is set; without it the engine has no tracer
// and no exporter exists.
package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/funcstack/funcstack/engine"
)

// MaxSpansPerExecution is the default of max_spans_per_execution: the
// step spans one execution run makes. A loop of many iterations would
// otherwise make a span per step per iteration; the steps past the limit
// make none, and the execution's span counts them
// (funcstack.spans_dropped).
const MaxSpansPerExecution = 1000

// DefaultServiceName is service.name when OTEL_SERVICE_NAME is unset.
const DefaultServiceName = "funcstack"

// TracesPath is the OTLP/HTTP path of traces, added to an endpoint given
// without a path.
const TracesPath = "/v1/traces"

// Options configure a Tracer.
type Options struct {
	// Endpoint is the OTLP/HTTP receiver: a base URL such as
	// http://127.0.0.1:4318, to which /v1/traces is added, or a URL with
	// a path, used as it is. https is sent over TLS. Required.
	Endpoint string
	// ServiceName is the resource's service.name (default "funcstack").
	ServiceName string
	// MaxSpans is max_spans_per_execution (default MaxSpansPerExecution).
	MaxSpans int
	// BatchTimeout is the longest a finished span waits before it is
	// sent (default 5 s, the SDK's).
	BatchTimeout time.Duration
	// Logger hears of failed exports (nil: the SDK's default, stderr).
	Logger *slog.Logger
}

// Tracer makes spans and sends them in batches to the endpoint.
type Tracer struct {
	tp      *sdktrace.TracerProvider
	tr      trace.Tracer
	max     int32
	url     string
	service string
}

// New makes a Tracer exporting to opt.Endpoint. Nothing is sent until a
// span ends; an endpoint that is down costs failed exports (logged), not
// failed runs.
func New(ctx context.Context, opt Options) (*Tracer, error) {
	u, err := EndpointURL(opt.Endpoint)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u))
	if err != nil {
		return nil, fmt.Errorf("the OTLP exporter to %s: %v", u, err)
	}
	name := opt.ServiceName
	if name == "" {
		name = DefaultServiceName
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", name)}
	var bopts []sdktrace.BatchSpanProcessorOption
	if opt.BatchTimeout > 0 {
		bopts = append(bopts, sdktrace.WithBatchTimeout(opt.BatchTimeout))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, bopts...),
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		// No sampler of ours: the SDK's default, parent-based always
		// on, unless OTEL_TRACES_SAMPLER (and _ARG) say otherwise, e.g.
		// parentbased_traceidratio and 0.01.
	)
	if opt.Logger != nil {
		setErrorLogger(opt.Logger)
	}
	t := &Tracer{tp: tp, tr: tp.Tracer("github.com/funcstack/funcstack"), max: MaxSpansPerExecution, url: u, service: name}
	if opt.MaxSpans > 0 {
		t.max = int32(min(opt.MaxSpans, 1<<30))
	}
	return t, nil
}

// EndpointURL is the URL spans are sent to for endpoint: its own path,
// or /v1/traces when it has none.
func EndpointURL(endpoint string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the OTLP endpoint %q is not an http or https URL (e.g. http://127.0.0.1:4318)", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = TracesPath
	}
	return u.String(), nil
}

// URL is where spans are sent.
func (t *Tracer) URL() string { return t.url }

// ServiceName is the service.name spans are sent under.
func (t *Tracer) ServiceName() string { return t.service }

// ForceFlush sends the spans that ended and were not sent yet.
func (t *Tracer) ForceFlush(ctx context.Context) error { return t.tp.ForceFlush(ctx) }

// Shutdown sends what is left and stops; later spans are dropped. A
// second call does nothing.
func (t *Tracer) Shutdown(ctx context.Context) error { return t.tp.Shutdown(ctx) }

var traceContext = propagation.TraceContext{}

// StartExecution implements engine.Tracer.
func (t *Tracer) StartExecution(ctx context.Context, x engine.SpanStart) engine.ExecutionSpan {
	if x.Parent != "" {
		ctx = traceContext.Extract(ctx, propagation.MapCarrier{"traceparent": x.Parent})
	}
	rec, fn := x.Record, x.Function
	kind := trace.SpanKindInternal
	switch x.Trigger {
	case engine.TriggerHTTP:
		kind = trace.SpanKindServer
	case engine.TriggerAsync, engine.TriggerDurable, engine.TriggerTask, engine.TriggerTableTrigger:
		kind = trace.SpanKindConsumer
	}
	attrs := make([]attribute.KeyValue, 0, 10)
	attrs = append(attrs,
		attribute.String("funcstack.execution.id", rec.ID),
		attribute.String("funcstack.definition", rec.Function),
		attribute.String("funcstack.definition.kind", fn.Kind),
		attribute.Int("funcstack.version", rec.Version),
		attribute.String("funcstack.trigger", x.Trigger),
		attribute.String("funcstack.mode", rec.Mode))
	if rec.Attempts > 1 {
		attrs = append(attrs, attribute.Int("funcstack.attempt", rec.Attempts))
	}
	if rec.Parent != "" {
		attrs = append(attrs, attribute.String("funcstack.parent_execution.id", rec.Parent))
	}
	if rec.Node != "" {
		attrs = append(attrs, attribute.String("funcstack.node", rec.Node))
	}
	if r := rec.Request; r != nil {
		attrs = append(attrs, attribute.String("http.request.method", r.Method))
		if fn.Kind == engine.KindEndpoint && fn.Def != nil {
			attrs = append(attrs, attribute.String("http.route", fn.Def.Path))
		}
	}
	ctx, sp := t.tr.Start(ctx, SpanName(fn), trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
	return &execSpan{t: t, ctx: ctx, span: sp}
}

// SpanName is the name of an execution's span: "endpoint GET
// /api/products" for an endpoint, else the kind and the name ("function
// place_order", "task nightly", "middleware current_user").
func SpanName(fn *engine.Function) string {
	if fn.Kind == engine.KindEndpoint && fn.Def != nil {
		return "endpoint " + fn.Def.Method + " " + fn.Def.Path
	}
	return fn.Kind + " " + fn.Name
}

type execSpan struct {
	t       *Tracer
	ctx     context.Context
	span    trace.Span
	steps   atomic.Int32
	dropped atomic.Int32
}

func (x *execSpan) StartStep(parent engine.StepSpan, st *engine.Step, def string) engine.StepSpan {
	if !x.span.IsRecording() {
		return nil // not sampled: its steps' spans would not be sent either
	}
	if x.steps.Add(1) > x.t.max {
		x.dropped.Add(1)
		return nil
	}
	ctx := x.ctx
	if p, ok := parent.(*stepSpan); ok {
		ctx = p.ctx
	}
	kind := trace.SpanKindInternal
	if st.Type == "http" {
		kind = trace.SpanKindClient
	}
	ctx, sp := x.t.tr.Start(ctx, "step "+st.Type, trace.WithSpanKind(kind), trace.WithAttributes(
		attribute.String("funcstack.step.path", st.Path),
		attribute.String("funcstack.step.type", st.Type),
		attribute.String("funcstack.definition", def)))
	return &stepSpan{ctx: ctx, span: sp}
}

func (x *execSpan) Traceparent() string { return traceparent(x.span) }

func (x *execSpan) End(rec *engine.ExecutionRecord) {
	sp := x.span
	sp.SetAttributes(attribute.String("funcstack.status", rec.Status))
	if r := rec.Request; r != nil && r.Status != 0 {
		sp.SetAttributes(attribute.Int("http.response.status_code", r.Status))
	}
	if n := x.dropped.Load(); n > 0 {
		sp.SetAttributes(attribute.Int("funcstack.spans_dropped", int(n)))
	}
	if rec.Error != nil {
		failed(sp, rec.Error)
	}
	sp.End()
}

type stepSpan struct {
	ctx  context.Context
	span trace.Span
}

func (s *stepSpan) Traceparent() string { return traceparent(s.span) }

func (s *stepSpan) End(err *engine.Error) {
	if err != nil {
		failed(s.span, err)
	}
	s.span.End()
}

// failed marks sp as failed with err: status Error with its message,
// its code as error.type and funcstack.error.code.
func failed(sp trace.Span, err *engine.Error) {
	sp.SetStatus(codes.Error, err.Message)
	sp.SetAttributes(attribute.String("error.type", err.Code), attribute.String("funcstack.error.code", err.Code))
}

// traceparent is sp's W3C traceparent, "" when its context is not valid.
func traceparent(sp trace.Span) string {
	sc := sp.SpanContext()
	if !sc.IsValid() {
		return ""
	}
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

// setErrorLogger makes l hear of the SDK's errors (a failed export):
// one line each, at level warn. The SDK's handler is global: the last
// tracer made with a Logger sets it.
func setErrorLogger(l *slog.Logger) {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		l.Warn("trace export failed", "error", err.Error())
	}))
}
