package store

import (
	"time"

	"tandem/calendar"
	"tandem/domain"
)

// How organizations are counted, defined once (docs/figures.md). Every figure (coverage report,
// bulletin, quarterly analysis, assessment metrics) counts through countedOperating, so the rule
// saying which organizations form the denominator has one home.

// countedOperating is the SQL predicate on the organizations aliased alias that says an
// organization is counted: in the roster (not missing) and operating as far as Tandem knows.
func countedOperating(alias string) string {
	return `NOT ` + alias + `.missing AND COALESCE(` + alias + `.visited_operating, ` + alias + `.operating, TRUE)`
}

// asOfPeriod describes figures computed at now for a period whose delivery window closes at
// closes: once the window has closed they are the state at its close (the workflow computes them
// then), before it they say so.
func asOfPeriod(now, closes time.Time, period string) domain.AsOf {
	a := domain.AsOf{At: now.In(calendar.Shanghai), Basis: domain.AsOfNow, Period: period}
	if !closes.IsZero() && !now.Before(closes) {
		a.Basis = domain.AsOfPeriodClose
	}
	a.Label = AsOfLabel(a)
	return a
}

// AsOfLabel is what a document prints beside its figures: the instant in Shanghai and what it is.
func AsOfLabel(a domain.AsOf) string {
	label := "数据截至" + calendar.FormatTimeCN(a.At)
	switch {
	case a.Basis == domain.AsOfPeriodClose && a.Period != "":
		label += "（" + calendar.PeriodLabelCN(a.Period) + "报送窗口关闭时的状态）"
	case a.Period != "":
		label += "（" + calendar.PeriodLabelCN(a.Period) + "报送窗口关闭前的状态）"
	default:
		label += "（查询时的状态）"
	}
	return label
}
