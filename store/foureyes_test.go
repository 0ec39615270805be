package store_test

import (
	"context"
	"strings"
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

// TestDelegateCandidates: the delegate picker lists exactly whom DelegateTask accepts — users
// over the task's unit (its own, or above), enabled, not the caller, not those NotBy names —
// and only the assignee asks.
func TestDelegateCandidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, _ := nets(t, st)
		mk := func(name string, unit domain.Unit, role domain.Role) domain.Principal {
			if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "h",
				Memberships: []domain.Membership{{UnitID: unit.ID, Role: role}}}); err != nil {
				t.Fatal(err)
			}
			return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: unit.ID, UnitPath: unit.Path, Role: role}}}
		}
		insp := mk("insp-a", a, domain.RoleInspector)
		mk("insp-a2", a, domain.RoleInspector)
		mk("off-county", county, domain.RoleOfficer)
		mk("insp-b", b, domain.RoleInspector)    // another township: cannot see the task
		mk("prev-step", a, domain.RoleInspector) // did the step before (four eyes)
		mk("gone", a, domain.RoleInspector)      // disabled
		if _, err := st.SetDisabled(ctx, admin, "gone", true); err != nil {
			t.Fatal(err)
		}
		task, _, err := st.CreateTask(ctx, store.NewTask{Key: "wf/verify/1", Kind: "drill.acknowledge", Title: "演练：确认收到",
			WorkflowID: "wf", UnitID: a.ID, Role: domain.RoleInspector, DueAt: st.Now().Add(72 * time.Hour), NotBy: []string{"prev-step"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.DelegateCandidates(ctx, insp, task.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("before claiming: %v, want EFORBIDDEN", err)
		}
		if _, err := st.ClaimTask(ctx, insp, task.ID); err != nil {
			t.Fatal(err)
		}
		cands, truncated, err := st.DelegateCandidates(ctx, insp, task.ID)
		if err != nil || truncated {
			t.Fatal(err, truncated)
		}
		var got []string
		for _, c := range cands {
			s := c.Username
			for _, m := range c.Memberships {
				s += "@" + m.UnitName + ":" + string(m.Role)
			}
			got = append(got, s)
		}
		// admin (the store tests' admin user, if any) views everything; users named here only.
		want := map[string]bool{"insp-a2@东街道:inspector": true, "off-county@西城县:officer": true}
		for _, g := range got {
			if strings.HasPrefix(g, "admin") {
				continue
			}
			if !want[g] {
				t.Errorf("candidate %q should not be offered (all: %v)", g, got)
			}
			delete(want, g)
		}
		if len(want) != 0 {
			t.Errorf("missing candidates %v (all: %v)", want, got)
		}
		// Each candidate is one DelegateTask accepts; those left out it refuses.
		for _, name := range []string{"insp-b", "prev-step", "gone"} {
			if _, err := st.DelegateTask(ctx, insp, task.ID, name); err == nil {
				t.Errorf("DelegateTask accepts %s, whom the picker leaves out", name)
			}
		}
		if _, err := st.DelegateTask(ctx, insp, task.ID, "off-county"); err != nil {
			t.Fatalf("delegate to a candidate: %v", err)
		}
		if _, _, err := st.DelegateCandidates(ctx, mk("x", a, domain.RoleInspector), task.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("someone not the assignee asks: %v", err)
		}
	})
}
