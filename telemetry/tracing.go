package telemetry

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
)

// Tracing says where traces go, from the standard variables: OTEL_TRACES_EXPORTER (otlp or
// none; unset means otlp when an OTLP endpoint is set, else none) and
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL (grpc or http/protobuf).
// The exporter reads the rest itself (OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _INSECURE,
// _TIMEOUT …), the SDK the sampler (OTEL_TRACES_SAMPLER) and the batching (OTEL_BSP_*), the
// resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
type Tracing struct {
	Exporter string // "otlp", or "" for no tracing
	Protocol string // "grpc" or "http/protobuf"
}

// ParseTracing reads the OTEL_* variables through getenv; an error names the variable.
func ParseTracing(getenv func(string) string) (Tracing, error) {
	var t Tracing
	switch v := getenv("OTEL_TRACES_EXPORTER"); v {
	case "":
		if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
			t.Exporter = "otlp"
		}
	case "none":
	case "otlp":
		t.Exporter = "otlp"
	default:
		return t, fmt.Errorf("OTEL_TRACES_EXPORTER must be otlp or none (got %q)", v)
	}
	t.Protocol = getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	name := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	if t.Protocol == "" {
		t.Protocol, name = getenv("OTEL_EXPORTER_OTLP_PROTOCOL"), "OTEL_EXPORTER_OTLP_PROTOCOL"
	}
	switch t.Protocol {
	case "":
		t.Protocol = "http/protobuf" // the specification's default
	case "grpc", "http/protobuf":
	default:
		return t, fmt.Errorf("%s must be grpc or http/protobuf (got %q)", name, t.Protocol)
	}
	return t, nil
}

// Enabled reports whether traces are exported.
func (t Tracing) Enabled() bool { return t.Exporter != "" }

// Start installs the global tracer provider and the W3C trace-context propagator, exporting
// as t says; component ("dev", "serve", "worker") becomes the resource attribute tandem.component.
// The returned function flushes and stops it. With tracing off it installs nothing: the global
// provider stays the no-op one.
func (t Tracing) Start(ctx context.Context, component string) (func(context.Context) error, error) {
	if !t.Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	if t.Protocol == "grpc" {
		exp, err = otlptracegrpc.New(ctx)
	} else {
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read last) win over these defaults.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithHost(),
		resource.WithAttributes(semconv.ServiceName("tandem"), attribute.String("tandem.component", component)),
		resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}
