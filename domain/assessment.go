package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Scheme is a half-year assessment scheme 考核方案: a tree of weighted indicators, deductions,
// bonus items, veto items and grade thresholds. Admins edit it; each edit is a new version.
type Scheme struct {
	Indicators []Indicator `json:"indicators"`
	Deductions []Item      `json:"deductions"`
	Bonus      []Item      `json:"bonus"`
	Vetoes     []Item      `json:"vetoes"`
	Grades     []Grade     `json:"grades"` // from the highest threshold down
}

// Indicator is scored 0–100: from data (Metric) or by people; a branch scores the weighted mean
// of its children.
type Indicator struct {
	Code     string      `json:"code"`
	Name     string      `json:"name"`
	Weight   float64     `json:"weight"`
	Metric   string      `json:"metric,omitempty"` // organization_coverage | work_coverage | single_establishment | task_timeliness
	Children []Indicator `json:"children,omitempty"`
}

// Item is a deduction, bonus or veto item; Max bounds its points (not for vetoes).
type Item struct {
	Code string  `json:"code"`
	Name string  `json:"name"`
	Max  float64 `json:"max,omitempty"`
}

// Grade is reached at Min points or more.
type Grade struct {
	Grade string  `json:"grade"`
	Min   float64 `json:"min"`
}

// Metrics are the indicators scored from data.
var Metrics = []string{"organization_coverage", "work_coverage", "single_establishment", "task_timeliness"}

// DefaultScheme is the scheme Tandem ships: the double-sync work of a unit, graded 好 / 较好 /
// 一般 / 差.
var DefaultScheme = Scheme{
	Indicators: []Indicator{
		{Code: "coverage", Name: "组织覆盖率", Weight: 30, Metric: "organization_coverage"},
		{Code: "work", Name: "工作覆盖率", Weight: 20, Metric: "work_coverage"},
		{Code: "timeliness", Name: "任务按期完成率", Weight: 20, Metric: "task_timeliness"},
		{Code: "mechanism", Name: "工作机制落实", Weight: 30, Children: []Indicator{
			{Code: "census", Name: "摸排核实质量", Weight: 50},
			{Code: "meetings", Name: "联席会议参与", Weight: 50},
		}},
	},
	Deductions: []Item{{Code: "late_delivery", Name: "数据迟报漏报", Max: 10}, {Code: "inaccurate", Name: "数据失实", Max: 10}},
	Bonus:      []Item{{Code: "innovation", Name: "创新做法获上级推广", Max: 5}},
	Vetoes:     []Item{{Code: "fraud", Name: "弄虚作假"}},
	Grades:     []Grade{{Grade: "好", Min: 90}, {Grade: "较好", Min: 80}, {Grade: "一般", Min: 60}, {Grade: "差", Min: 0}},
}

// Validate checks a scheme: unique codes, positive weights, leaves with a known metric or none
// (scored by people), bounded items, and grades from high to low ending at 0.
func (s Scheme) Validate() error {
	var v Validation
	seen := map[string]bool{}
	var walk func(path string, ins []Indicator)
	walk = func(path string, ins []Indicator) {
		if len(ins) == 0 {
			v.AddCode(path, CodeNoIndicators)
		}
		for i, in := range ins {
			f := fmt.Sprintf("%s[%d]", path, i)
			if in.Code == "" || seen[in.Code] {
				v.AddCode(f+".code", CodeRequiredUnique)
			}
			seen[in.Code] = true
			if in.Weight <= 0 {
				v.AddCode(f+".weight", CodeNotPositive)
			}
			switch {
			case len(in.Children) > 0 && in.Metric != "":
				v.AddCode(f+".metric", CodeBranchMetric)
			case len(in.Children) > 0:
				walk(f+".children", in.Children)
			case in.Metric != "" && !contains(Metrics, in.Metric):
				v.AddCode(f+".metric", CodeNotAllowed, fmt.Sprint(Metrics)+"，或留空由人评分")
			}
		}
	}
	walk("indicators", s.Indicators)
	for name, items := range map[string][]Item{"deductions": s.Deductions, "bonus": s.Bonus, "vetoes": s.Vetoes} {
		for i, it := range items {
			f := fmt.Sprintf("%s[%d]", name, i)
			if it.Code == "" || seen[it.Code] {
				v.AddCode(f+".code", CodeRequiredUnique)
			}
			seen[it.Code] = true
			if name != "vetoes" && it.Max <= 0 {
				v.AddCode(f+".max", CodeNotPositive)
			}
		}
	}
	if len(s.Grades) == 0 {
		v.AddCode("grades", CodeRequired)
	}
	for i, g := range s.Grades {
		if g.Grade == "" {
			v.AddCode(fmt.Sprintf("grades[%d].grade", i), CodeRequired)
		}
		if i > 0 && g.Min >= s.Grades[i-1].Min {
			v.AddCode(fmt.Sprintf("grades[%d].min", i), CodeGradesOrder)
		}
	}
	if n := len(s.Grades); n > 0 && s.Grades[n-1].Min != 0 {
		v.AddCode(fmt.Sprintf("grades[%d].min", n-1), CodeGradesFromZero)
	}
	return v.Err("考核方案不正确")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PeopleCodes lists the leaf indicators scored by people.
func (s Scheme) PeopleCodes() []string {
	var out []string
	var walk func([]Indicator)
	walk = func(ins []Indicator) {
		for _, in := range ins {
			switch {
			case len(in.Children) > 0:
				walk(in.Children)
			case in.Metric == "":
				out = append(out, in.Code)
			}
		}
	}
	walk(s.Indicators)
	sort.Strings(out)
	return out
}

// Marks are what people give: a 0–100 score per people indicator, deduction and bonus points,
// and the veto items that apply.
type Marks struct {
	Scores     map[string]float64 `json:"scores"`
	Deductions map[string]float64 `json:"deductions,omitempty"`
	Bonus      map[string]float64 `json:"bonus,omitempty"`
	Vetoes     []string           `json:"vetoes,omitempty"`
}

// CheckMarks validates marks against a scheme; with complete, every people indicator must be
// scored.
func (s Scheme) CheckMarks(m Marks, complete bool, v *Validation) {
	people := s.PeopleCodes()
	for code, score := range m.Scores {
		if !contains(people, code) {
			v.AddCode("scores."+code, CodeNotInScheme)
		} else if score < 0 || score > 100 || math.IsNaN(score) {
			v.AddCode("scores."+code, CodeOutOfRange, 0, 100)
		}
	}
	if complete {
		for _, code := range people {
			if _, ok := m.Scores[code]; !ok {
				v.AddCode("scores."+code, CodeRequired)
			}
		}
	}
	for name, pair := range map[string]struct {
		given map[string]float64
		items []Item
	}{"deductions": {m.Deductions, s.Deductions}, "bonus": {m.Bonus, s.Bonus}} {
		for code, pts := range pair.given {
			it, ok := findItem(pair.items, code)
			switch {
			case !ok:
				v.AddCode(name+"."+code, CodeNotInScheme)
			case pts < 0 || pts > it.Max || math.IsNaN(pts):
				v.AddCode(name+"."+code, CodeOutOfRangeFloat, 0.0, it.Max)
			}
		}
	}
	for _, code := range m.Vetoes {
		if _, ok := findItem(s.Vetoes, code); !ok {
			v.AddCode("vetoes", CodeNotVeto, code)
		}
	}
}

func findItem(items []Item, code string) (Item, bool) {
	for _, it := range items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// Adjust sets one mark: a people indicator's score, or a deduction's or bonus item's points.
// It reports false when the scheme has no such code.
func (s Scheme) Adjust(m *Marks, code string, value float64) bool {
	set := func(mp *map[string]float64) {
		if *mp == nil {
			*mp = map[string]float64{}
		}
		(*mp)[code] = value
	}
	switch {
	case contains(s.PeopleCodes(), code):
		set(&m.Scores)
	case hasItem(s.Deductions, code):
		set(&m.Deductions)
	case hasItem(s.Bonus, code):
		set(&m.Bonus)
	default:
		return false
	}
	return true
}

// Copy returns marks that share no map with m.
func (m Marks) Copy() Marks {
	cp := func(in map[string]float64) map[string]float64 {
		out := make(map[string]float64, len(in))
		for k, v := range in {
			out[k] = v
		}
		return out
	}
	return Marks{Scores: cp(m.Scores), Deductions: cp(m.Deductions), Bonus: cp(m.Bonus), Vetoes: append([]string(nil), m.Vetoes...)}
}

func hasItem(items []Item, code string) bool {
	_, ok := findItem(items, code)
	return ok
}

// Outcome is a scored assessment.
type Outcome struct {
	Indicators float64            `json:"indicators"` // weighted score of the indicator tree, 0–100
	Deducted   float64            `json:"deducted"`
	Bonus      float64            `json:"bonus"`
	Total      float64            `json:"total"`
	Vetoed     []string           `json:"vetoed,omitempty"`
	Grade      string             `json:"grade"`
	Scores     map[string]float64 `json:"scores"` // every indicator's score, branches included
}

// Score computes the outcome: each leaf 0–100 (data metrics are rates 0–1 scaled to 100), each
// branch the weighted mean of its children, the tree's weighted mean, minus deductions, plus
// bonus, within 0–100; a veto makes the grade the lowest whatever the points.
func (s Scheme) Score(metrics map[string]float64, m Marks) Outcome {
	out := Outcome{Scores: map[string]float64{}}
	var score func(in Indicator) float64
	score = func(in Indicator) float64 {
		var v float64
		switch {
		case len(in.Children) > 0:
			var sum, weights float64
			for _, c := range in.Children {
				sum += c.Weight * score(c)
				weights += c.Weight
			}
			v = sum / weights
		case in.Metric != "":
			v = 100 * metrics[in.Metric]
		default:
			v = m.Scores[in.Code]
		}
		v = round2(v)
		out.Scores[in.Code] = v
		return v
	}
	var sum, weights float64
	for _, in := range s.Indicators {
		sum += in.Weight * score(in)
		weights += in.Weight
	}
	out.Indicators = round2(sum / weights)
	for _, p := range m.Deductions {
		out.Deducted += p
	}
	for _, p := range m.Bonus {
		out.Bonus += p
	}
	out.Total = round2(math.Max(0, math.Min(100, out.Indicators-out.Deducted+out.Bonus)))
	out.Vetoed = append(out.Vetoed, m.Vetoes...)
	for _, g := range s.Grades {
		if out.Total >= g.Min {
			out.Grade = g.Grade
			break
		}
	}
	if len(out.Vetoed) > 0 {
		out.Grade = s.Grades[len(s.Grades)-1].Grade
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// ParseScheme decodes and validates a scheme.
func ParseScheme(raw []byte) (Scheme, error) {
	var s Scheme
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, Invalid("考核方案不是有效的 JSON", FieldError{Field: "scheme", Reason: err.Error()})
	}
	return s, s.Validate()
}
