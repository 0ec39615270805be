package calendar

import (
	"fmt"
	"time"
)

// FormatDateCN prints t's civil date in Shanghai as documents do: 2026年12月2日.
func FormatDateCN(t time.Time) string {
	y, m, d := t.In(Shanghai).Date()
	return fmt.Sprintf("%d年%d月%d日", y, int(m), d)
}

// FormatTimeCN prints t in Shanghai with the minute: 2026年12月2日 04:21.
func FormatTimeCN(t time.Time) string {
	return FormatDateCN(t) + " " + t.In(Shanghai).Format("15:04")
}

// PeriodLabelCN names a period key as documents do: 2026-11 → 2026年11月, 2026-Q3 → 2026年第三季度,
// 2026-H1 → 2026年上半年; anything else is returned as it is.
func PeriodLabelCN(key string) string {
	var y, n int
	switch {
	case len(key) == 7 && key[4] == '-' && key[5] != 'Q' && key[5] != 'H':
		if _, err := fmt.Sscanf(key, "%4d-%2d", &y, &n); err == nil && n >= 1 && n <= 12 {
			return fmt.Sprintf("%d年%d月", y, n)
		}
	case len(key) == 7 && key[5] == 'Q':
		if _, err := fmt.Sscanf(key, "%4d-Q%1d", &y, &n); err == nil && n >= 1 && n <= 4 {
			return fmt.Sprintf("%d年第%s季度", y, []string{"一", "二", "三", "四"}[n-1])
		}
	case len(key) == 7 && key[5] == 'H':
		if _, err := fmt.Sscanf(key, "%4d-H%1d", &y, &n); err == nil && n >= 1 && n <= 2 {
			return fmt.Sprintf("%d年%s半年", y, []string{"上", "下"}[n-1])
		}
	}
	return key
}

// LastMonth is the key of a period's last month (2026-Q3 → 2026-09, 2026-H1 → 2026-06): a
// longer period's figures are those of its last month.
func (p Period) LastMonth() string {
	return p.End.In(Shanghai).AddDate(0, -1, 0).Format("2006-01")
}
