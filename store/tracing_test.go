package store_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"tandem/store"
	"tandem/store/storetest"
)

// TestSQLSpans: a statement run on a traced context makes a child span naming its table and
// carrying the SQL without its arguments; one outside a trace makes none.
func TestSQLSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		before := len(rec.Ended())
		if _, err := st.CredentialsOf(ctx, "nobody-untraced"); err == nil {
			t.Fatal("an unknown user found")
		}
		if n := len(rec.Ended()) - before; n != 0 {
			t.Fatalf("%d spans outside a trace", n)
		}
		ctx, parent := tp.Tracer("test").Start(ctx, "request")
		_, _ = st.CredentialsOf(ctx, "secret-name-42")
		parent.End()
		var sqlSpans int
		for _, s := range rec.Ended()[before:] {
			if !strings.HasPrefix(s.Name(), "sql ") {
				continue
			}
			sqlSpans++
			if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
				t.Errorf("span %s is not a child of the request", s.Name())
			}
			attrs := map[attribute.Key]string{}
			for _, a := range s.Attributes() {
				attrs[a.Key] = a.Value.String()
			}
			if attrs["db.statement"] == "" || strings.Contains(attrs["db.statement"], "secret-name-42") || attrs["db.system"] == "" {
				t.Errorf("span %s attributes %v: want the statement without its arguments and db.system", s.Name(), attrs)
			}
		}
		if sqlSpans == 0 {
			t.Fatal("no SQL span under the request")
		}
	})
}
