package store_test

import (
	"context"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// The officer who scored an assessment is named in its review task's NotBy: they neither
// claim it, nor find it in their inbox, nor are given it by assignment or delegation (#17 §5).
func TestScorerCannotClaimOrTakeReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, _, _, _ := nets(t, st)
		officer := func(name string) domain.Principal {
			if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "h",
				Memberships: []domain.Membership{{UnitID: county.ID, Role: domain.RoleOfficer}}}); err != nil {
				t.Fatal(err)
			}
			return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: county.ID, UnitPath: county.Path, Role: domain.RoleOfficer}}}
		}
		scorer, other, third := officer("scorer"), officer("reviewer"), officer("third")
		review, _, err := st.CreateTask(ctx, store.NewTask{Key: "wf/review/1", Kind: "assessment.review", Title: "2026-H1 半年考核：考核结果审核",
			WorkflowID: "wf", UnitID: county.ID, Role: domain.RoleOfficer, DueAt: st.Now().Add(72 * time.Hour), NotBy: []string{"scorer"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(review.NotBy) != 1 || review.NotBy[0] != "scorer" || scorer.CanAct(review) || !other.CanAct(review) {
			t.Fatalf("NotBy not stored or not applied: %+v", review.NotBy)
		}
		inbox := func(p domain.Principal) int {
			items, _, err := st.ListTasks(ctx, p, store.TaskFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}
		if n := inbox(scorer); n != 0 {
			t.Errorf("the scorer's inbox holds the review task (%d)", n)
		}
		if n := inbox(other); n != 1 {
			t.Errorf("another officer's inbox: %d tasks, want 1", n)
		}
		if _, err := st.ClaimTask(ctx, scorer, review.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("the scorer claims the review: %v", err)
		}
		wantAssigneeRefused := func(what string, err error) {
			t.Helper()
			var de *domain.Error
			if !asDomain(err, &de) || de.Code != domain.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != "assignee" {
				t.Fatalf("%s: %v", what, err)
			}
		}
		_, err = st.AssignTask(ctx, admin, review.ID, "scorer")
		wantAssigneeRefused("assign to the scorer", err)
		if _, err := st.ClaimTask(ctx, other, review.ID); err != nil {
			t.Fatal(err)
		}
		_, err = st.DelegateTask(ctx, other, review.ID, "scorer")
		wantAssigneeRefused("delegate to the scorer", err)
		if _, err := st.DelegateTask(ctx, other, review.ID, third.Username); err != nil {
			t.Fatalf("delegate to a third officer: %v", err)
		}
		got, err := st.TaskByID(ctx, review.ID)
		if err != nil || got.Assignee == nil || *got.Assignee != "third" {
			t.Fatalf("after delegation: %+v %v", got, err)
		}
	})
}

// After an admin reopens a locked outcome, the officer who scored it neither adjusts nor
// re-locks it; another officer above the unit does (#17 §5).
func TestReopenedAssessmentNotAdjustedByScorer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, _, _ := nets(t, st)
		now := st.Now()
		period, _, err := st.OpenPeriod(ctx, "half-year", "2026-H1", "manual", "admin", now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		units, err := st.OpenAssessments(ctx, period.ID, 0)
		id := ""
		for _, u := range units {
			if u.UnitID == a.ID {
				id = u.AssessmentID
			}
		}
		if err != nil || id == "" {
			t.Fatalf("assessments %+v %v", units, err)
		}
		scores := map[string]float64{}
		for _, c := range domain.DefaultScheme.PeopleCodes() {
			scores[c] = 80
		}
		marks := domain.Marks{Scores: scores}
		metrics := map[string]float64{"organization_coverage": 1, "single_establishment": 1, "work_coverage": 1, "task_timeliness": 1}
		out := domain.DefaultScheme.Score(metrics, marks)
		as := func(name string) domain.Principal {
			return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: county.ID, UnitPath: county.Path, Role: domain.RoleOfficer}}}
		}
		if err := st.LockAssessment(ctx, id, marks, metrics, domain.AsOf{}, out, "scorer", "scorer"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("the scorer locks their own score: %v", err)
		}
		if err := st.LockAssessment(ctx, id, marks, metrics, domain.AsOf{}, out, "reviewer", "scorer"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ReopenAssessment(ctx, admin, id, "复核发现评分有误"); err != nil {
			t.Fatal(err)
		}
		code := domain.DefaultScheme.PeopleCodes()[0]
		if _, err := st.AdjustReopened(ctx, as("scorer"), id, code, 90, "更正"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("the scorer adjusts the reopened outcome: %v", err)
		}
		townOfficer := domain.Principal{Username: "town", Memberships: []domain.Membership{{UnitID: a.ID, UnitPath: a.Path, Role: domain.RoleOfficer}}}
		if _, err := st.AdjustReopened(ctx, townOfficer, id, code, 90, "更正"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("the assessed unit's own officer adjusts: %v", err)
		}
		got, err := st.AdjustReopened(ctx, as("reviewer"), id, code, 90, "更正")
		if err != nil || got.Status != "locked" || got.LockedBy != "reviewer" {
			t.Fatalf("another officer adjusts: %+v %v", got, err)
		}
		if got, _ := st.AssessmentByID(ctx, id); got.ScoredBy != "scorer" {
			t.Fatalf("scored_by %q", got.ScoredBy)
		}
	})
}
