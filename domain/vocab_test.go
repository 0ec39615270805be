package domain_test

import (
	"testing"
	"time"

	"tandem/domain"
)

func TestVocabularies(t *testing.T) {
	for _, c := range domain.Coverages {
		if !c.Valid() || c.Label() == "" {
			t.Errorf("coverage %q: no label", c)
		}
	}
	if domain.Coverage("partial").Valid() || domain.FormationStatus("done").Valid() ||
		domain.PartyOrgStatus("running").Valid() || domain.ImportStatus("locked").Valid() ||
		domain.RoundStatus("failed").Valid() || domain.PeriodStatus("cancelled").Valid() {
		t.Error("a value of another vocabulary is valid")
	}
	for _, s := range []domain.FormationStatus{domain.FormationRunning, domain.FormationActive, domain.FormationCancelled, domain.FormationFailed} {
		if s.Label() == "" {
			t.Errorf("FormationStatus(%q): no label", s)
		}
	}
	for _, s := range []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted, domain.TaskCancelled} {
		if s.Label() == "" {
			t.Errorf("TaskStatus(%q): no label", s)
		}
	}
	for _, s := range domain.ImportStatuses {
		want := s == domain.ImportDone || s == domain.ImportFailed || s == domain.ImportRejected
		if s.Label() == "" {
			t.Errorf("ImportStatus(%q): no label", s)
		}
		if s.Finished() != want {
			t.Errorf("ImportStatus(%q).Finished() = %v", s, !want)
		}
	}
	if domain.KindJoint.Coverage() != domain.CoverageJoint || domain.KindBranch.Coverage() != domain.CoverageSingle {
		t.Error("PartyOrgKind.Coverage")
	}
	if !domain.CoverageSingle.Organized() || domain.CoverageRegional.Organized() {
		t.Error("Coverage.Organized")
	}
	if domain.MemberFormal.Label() != "正式党员" || domain.MemberProbationary.Label() != "预备党员" {
		t.Error("MemberStatus.Label")
	}
}

// TestPeriodStatusLabels: every period status has its Chinese word; an unknown one has none.
func TestPeriodStatusLabels(t *testing.T) {
	for _, s := range domain.PeriodStatuses {
		if s.Label() == "" {
			t.Errorf("period status %q: no label", s)
		}
	}
	if domain.PeriodDone.Label() != "已完成" || domain.PeriodStatus("paused").Label() != "" {
		t.Errorf("labels: %q, %q", domain.PeriodDone.Label(), domain.PeriodStatus("paused").Label())
	}
}

// TestLabels: each vocabulary the UI shows has its Chinese words here (the UI keeps no table of
// its own); an unknown value has none.
func TestLabels(t *testing.T) {
	for _, s := range domain.RoundStatuses {
		if s.Label() == "" {
			t.Errorf("round status %q: no label", s)
		}
	}
	for _, s := range domain.PartyOrgStatuses {
		if s.Label() == "" {
			t.Errorf("party organization status %q: no label", s)
		}
	}
	since := time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC) // 2026-10-01 01:00 in Shanghai
	for _, c := range []struct{ got, want string }{
		{domain.RoundCancelled.Label(), "已取消"},
		{domain.RoundStatus("paused").Label(), ""},
		{domain.RoundSelectionLabel("all", nil, ""), "全部组织"},
		{domain.RoundSelectionLabel("changed", &since, ""), "2026年10月1日以来有变化的组织"},
		{domain.RoundSelectionLabel("unverified", nil, ""), "尚未核实的组织"},
		{domain.RoundSelectionLabel("tag", nil, "重点"), "标签为重点的组织"},
		{domain.RoundSelectionLabel("moon", nil, ""), ""},
		{domain.AnalysisPublished.Label(), "已发布"},
		{domain.AnalysisDrafting.Label(), "撰写中"},
		{domain.PeriodKindLabel("half-year"), "半年"},
		{domain.PeriodKindLabel("weekly"), ""},
		{domain.ResponsibilityProblemLabel("multiple"), "多个责任单位"},
		{domain.TaskEventLabel("delegated"), "委托"},
		{domain.TaskEventLabel("teleported"), ""},
		{domain.PartyOrgDissolved.Label(), "已撤销"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
