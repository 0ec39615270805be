package store

import (
	"context"
	"database/sql"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// sqlSpans is a GORM plugin that wraps every statement run on a context carrying a span in a
// child span (db.system, db.operation, db.sql.table, the SQL text without its arguments, which
// may be personal data). Statements outside a trace (housekeeping, the metrics gauges) make no
// span. It reads the global tracer provider, a no-op until tracing is configured.
//
// gorm.io/plugin/opentelemetry would do the same, but links the MySQL and ClickHouse drivers
// (and their clients) into the binary for its dialect switch; this is the part Tandem needs.
type sqlSpans struct{ system string }

func (sqlSpans) Name() string { return "tandem:sql-spans" }

type spanParent struct{ context.Context }

func (p sqlSpans) Initialize(db *gorm.DB) error {
	tracer := otel.Tracer("tandem/store")
	before := func(op string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			ctx := tx.Statement.Context
			if ctx == nil || !trace.SpanContextFromContext(ctx).IsValid() {
				return
			}
			spanCtx, _ := tracer.Start(ctx, "sql "+op, trace.WithSpanKind(trace.SpanKindClient))
			tx.Statement.Context = spanCtx
			tx.InstanceSet("tandem:span-parent", spanParent{ctx})
		}
	}
	after := func(tx *gorm.DB) {
		v, ok := tx.InstanceGet("tandem:span-parent")
		if !ok {
			return
		}
		span := trace.SpanFromContext(tx.Statement.Context)
		tx.Statement.Context = v.(spanParent).Context
		attrs := []attribute.KeyValue{attribute.String("db.system", p.system),
			attribute.String("db.statement", tx.Statement.SQL.String()), attribute.Int64("db.rows_affected", tx.Statement.RowsAffected)}
		if tx.Statement.Table != "" {
			attrs = append(attrs, attribute.String("db.sql.table", tx.Statement.Table))
			span.SetName("sql " + tx.Statement.Table)
		}
		span.SetAttributes(attrs...)
		if err := tx.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, sql.ErrNoRows) {
			span.RecordError(err)
			span.SetStatus(codes.Error, "statement failed")
		}
		span.End()
	}
	cb := db.Callback()
	for _, r := range []struct {
		op            string
		before, after interface {
			Register(string, func(*gorm.DB)) error
		}
	}{
		{"insert", cb.Create().Before("gorm:create"), cb.Create().After("gorm:create")},
		{"select", cb.Query().Before("gorm:query"), cb.Query().After("gorm:query")},
		{"update", cb.Update().Before("gorm:update"), cb.Update().After("gorm:update")},
		{"delete", cb.Delete().Before("gorm:delete"), cb.Delete().After("gorm:delete")},
		{"row", cb.Row().Before("gorm:row"), cb.Row().After("gorm:row")},
		{"raw", cb.Raw().Before("gorm:raw"), cb.Raw().After("gorm:raw")},
	} {
		if err := r.before.Register("tandem:span-before-"+r.op, before(r.op)); err != nil {
			return err
		}
		if err := r.after.Register("tandem:span-after-"+r.op, after); err != nil {
			return err
		}
	}
	return nil
}
