package domain_test

import (
	"encoding/json"
	"testing"

	"tandem/domain"
)

func TestSchemeScore(t *testing.T) {
	s := domain.DefaultScheme
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	metrics := map[string]float64{"organization_coverage": 0.9, "work_coverage": 0.8, "task_timeliness": 1}
	people := map[string]float64{"census": 80, "meetings": 100}
	// By hand: 30×90 + 20×80 + 20×100 + 30×(50×80+50×100)/100 = 2700+1600+2000+2700 = 9000 → 90.
	for _, tt := range []struct {
		name  string
		marks domain.Marks
		total float64
		grade string
	}{
		{"Weights", domain.Marks{Scores: people}, 90, "好"},
		{"Deduction", domain.Marks{Scores: people, Deductions: map[string]float64{"late_delivery": 3}}, 87, "较好"},
		{"DeductionsAdd", domain.Marks{Scores: people, Deductions: map[string]float64{"late_delivery": 10, "inaccurate": 10}}, 70, "一般"},
		{"Bonus", domain.Marks{Scores: people, Deductions: map[string]float64{"late_delivery": 3}, Bonus: map[string]float64{"innovation": 5}}, 92, "好"},
		// 30×90+20×80+20×100+30×100 = 9300 → 93, plus 5.
		{"BonusBelowTheCap", domain.Marks{Scores: map[string]float64{"census": 100, "meetings": 100}, Bonus: map[string]float64{"innovation": 5}}, 98, "好"},
		{"Veto", domain.Marks{Scores: people, Vetoes: []string{"fraud"}}, 90, "差"},
		{"Threshold", domain.Marks{Scores: map[string]float64{"census": 0, "meetings": 0}}, 63, "一般"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Validation
			s.CheckMarks(tt.marks, true, &v)
			if err := v.Err("x"); err != nil {
				t.Fatal(err)
			}
			out := s.Score(metrics, tt.marks)
			if out.Total != tt.total || out.Grade != tt.grade {
				t.Fatalf("total %v grade %s, want %v %s (%+v)", out.Total, out.Grade, tt.total, tt.grade, out)
			}
		})
	}
	full := s.Score(map[string]float64{"organization_coverage": 1, "work_coverage": 1, "task_timeliness": 1},
		domain.Marks{Scores: map[string]float64{"census": 100, "meetings": 100}, Bonus: map[string]float64{"innovation": 5}})
	if full.Total != 100 {
		t.Fatalf("the total is capped at 100: %v", full.Total)
	}
}

func TestSchemeChecks(t *testing.T) {
	s := domain.DefaultScheme
	var v domain.Validation
	s.CheckMarks(domain.Marks{Scores: map[string]float64{"census": 120, "coverage": 50}, Deductions: map[string]float64{"late_delivery": 11, "x": 1},
		Vetoes: []string{"nope"}}, true, &v)
	if got := fields(v); got != "deductions.late_delivery deductions.x scores.census scores.coverage scores.meetings vetoes" {
		t.Fatalf("fields %q", got)
	}
	bad := domain.Scheme{Indicators: []domain.Indicator{{Code: "a", Weight: 0, Metric: "nope"}, {Code: "a", Weight: 1}},
		Grades: []domain.Grade{{Grade: "好", Min: 60}, {Grade: "差", Min: 70}}}
	if err := bad.Validate(); err == nil {
		t.Fatal("a bad scheme validated")
	}
	raw, _ := json.Marshal(domain.DefaultScheme)
	if _, err := domain.ParseScheme(raw); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseScheme(f *testing.F) {
	raw, _ := json.Marshal(domain.DefaultScheme)
	f.Add(raw)
	f.Add([]byte(`{"indicators":[{"code":"a","weight":1}],"grades":[{"grade":"x","min":0}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := domain.ParseScheme(raw)
		if err != nil {
			return
		}
		out := s.Score(map[string]float64{}, domain.Marks{})
		if out.Total < 0 || out.Total > 100 || out.Grade == "" {
			t.Fatalf("outcome %+v", out)
		}
	})
}
