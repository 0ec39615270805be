package domain

import (
	"fmt"
	"time"
)

// Rate is a share with the two counts it is made of, so every figure shows its numerator and
// denominator beside the rate (an office checks the counts, not only the percentage).
type Rate struct {
	Numerator   int     `json:"numerator"`
	Denominator int     `json:"denominator"`
	Value       float64 `json:"rate"` // numerator / denominator truncated to 4 decimals; 0 when the denominator is 0
}

// RateOf is numerator / denominator.
func RateOf(numerator, denominator int) Rate {
	r := Rate{Numerator: numerator, Denominator: denominator}
	if denominator != 0 {
		r.Value = float64(numerator*10000/denominator) / 10000
	}
	return r
}

// Percent prints the rate as an office writes it: "42.8%（3/7）"; "—（0/0）" with nothing to count.
func (r Rate) Percent() string {
	if r.Denominator == 0 {
		return fmt.Sprintf("—（%d/%d）", r.Numerator, r.Denominator)
	}
	return fmt.Sprintf("%.1f%%（%d/%d）", r.Value*100, r.Numerator, r.Denominator)
}

// AsOfBasis says which instant a figure describes.
type AsOfBasis string

const (
	AsOfNow         AsOfBasis = "now"          // the state when it was read
	AsOfPeriodClose AsOfBasis = "period_close" // the state when the period's delivery window closed
	AsOfInstant     AsOfBasis = "instant"      // the state at an instant asked for, from organization_history
)

// AsOf is the instant a figure describes, shown on every figure.
type AsOf struct {
	At     time.Time `json:"at"`
	Basis  AsOfBasis `json:"basis"`
	Period string    `json:"period,omitempty"` // the period whose window close it is (basis period_close)
	Label  string    `json:"label"`            // what to print: "数据截至2026年12月2日 04:21（2026-11 报送窗口关闭时）"
	// Approximate (basis instant) counts the organizations whose state at that instant is not
	// known from the history (it began with migration 00022) and is taken as the state then.
	Approximate int `json:"approximate,omitempty"`
}

// MaxProblemOrganizations bounds the organizations a problem of the quarterly analysis names;
// the count says how many there are in all.
const MaxProblemOrganizations = 200
