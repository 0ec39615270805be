package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"tandem/calendar"
	"tandem/domain"
)

// The document kit: what every printed page and export shares, so that each says who issues it,
// under which 文号, on which date (Chinese form, Asia/Shanghai), with percentages beside their
// counts, status words in Chinese, and columns wide enough to read.

// docDate prints a date as documents do (2026年12月2日), always in Shanghai.
func docDate(t time.Time) string { return calendar.FormatDateCN(t) }

// docTime prints an instant as documents do (2026年12月2日 04:21), always in Shanghai.
func docTime(t time.Time) string { return calendar.FormatTimeCN(t) }

// percent prints a rate with its numerator and denominator: 42.8%（3/7）.
func percent(r domain.Rate) string { return r.Percent() }

// statusWords are the Chinese words for the statuses documents and exports print.
var statusWords = map[string]string{
	// assessments
	"running": "进行中", "locked": "已锁定", "reopened": "已重新打开",
	// analyses
	string(domain.AnalysisDrafting): domain.AnalysisDrafting.Label(), string(domain.AnalysisPublished): domain.AnalysisPublished.Label(),
	// periods
	"done": "已完成", "failed": "未完成",
}

// statusWord is a status in Chinese; an unknown one is printed as it is rather than hidden.
func statusWord(status string) string {
	if w, ok := statusWords[status]; ok {
		return w
	}
	return status
}

// xlsxWidths sets the widths (in characters) of a sheet's columns from A on.
func xlsxWidths(x *excelize.File, sheet string, widths ...float64) {
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		_ = x.SetColWidth(sheet, col, col, w)
	}
}

// xlsxHeading writes a document's heading above its table (title, issuer and 文号, as-of line)
// and returns the first row free for the table.
func xlsxHeading(x *excelize.File, sheet string, lines ...string) int {
	row := 1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		_ = x.SetCellValue(sheet, fmt.Sprintf("A%d", row), l)
		row++
	}
	return row + 1
}
