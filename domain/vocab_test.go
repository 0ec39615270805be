package domain_test

import (
	"testing"

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
