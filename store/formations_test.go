package store_test

import (
	"context"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestFormations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, b, _ := nets(t, st)
		const x, y, z = "91350100M000100Y43", "91110108MA01B2C3D0", "91310000MA1FL0000N"
		for _, o := range []struct {
			uscc string
			unit domain.Unit
		}{{x, a}, {y, a}, {z, b}} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
				VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.uscc, "单位"+o.uscc[:4], o.unit.ID, o.unit.Path).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Refusals: a joint branch across townships, a single branch of two organizations.
		if _, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindJoint, Organizations: []string{x, z}, WorkflowID: formationWorkflowID}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("joint across townships: %v", err)
		}
		if _, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{x, y}, WorkflowID: formationWorkflowID}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("branch of two: %v", err)
		}
		f, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{x}, WorkflowID: formationWorkflowID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindJoint, Organizations: []string{y, x}, WorkflowID: formationWorkflowID}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("organization in two running formations: %v", err)
		}
		// The refusal names the running formation (it read in an aborted transaction on PostgreSQL).
		if _, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindJoint, Organizations: []string{y, x}, WorkflowID: formationWorkflowID}); !strings.Contains(domain.ErrorMessage(err), f.ID) {
			t.Fatalf("organization in two running formations: %q, want it to name %s", domain.ErrorMessage(err), f.ID)
		}
		if err := st.RecordMembers(ctx, x, []store.MemberEntry{{Name: "甲", Status: "formal"}, {Name: "乙", Status: "formal", HomeOrg: "外地支部"},
			{Name: "丙", Status: "probationary"}}); err != nil {
			t.Fatal(err)
		}
		// The transfer is idempotent: a retried activity finds what the first made.
		po, reg, err := st.TransferRelations(ctx, store.TransferInput{FormationID: f.ID, Actor: "system"})
		if err != nil || len(reg) != 3 || !reg["甲"] || reg["丙"] {
			t.Fatalf("transfer %v %v", reg, err)
		}
		again, _, err := st.TransferRelations(ctx, store.TransferInput{FormationID: f.ID, Actor: "system"})
		if err != nil || again.ID != po.ID {
			t.Fatalf("second transfer %v %v", again.ID, err)
		}
		trs, err := st.MemberTransfers(ctx, admin, po.ID)
		if err != nil || len(trs) != 3 {
			t.Fatalf("transfers %v %v", trs, err)
		}
		letters := 0
		for _, tr := range trs {
			if tr.NeedsLetter {
				letters++
			}
		}
		if letters != 1 {
			t.Fatalf("%d letters, want 1", letters)
		}
		active, err := st.ActivatePartyOrg(ctx, f.ID, []store.Officer{{Name: "甲", Post: "secretary"}}, "off")
		if err != nil || active.Status != "active" || active.TermDueAt == nil || active.TermDueAt.Year() != active.TermStartedAt.Year()+3 {
			t.Fatalf("activate %+v %v", active, err)
		}
		org, _ := st.GetOrganization(ctx, admin, x)
		if org.Coverage != "single" {
			t.Fatalf("coverage %s", org.Coverage)
		}
		// Adjustments: a branch covers one organization; as a joint branch it takes another.
		if err := st.CheckAdjustment(ctx, admin, po.ID, store.PartyOrgChange{Add: []string{y}}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("a branch taking a second organization: %v", err)
		}
		if err := st.AdjustPartyOrg(ctx, po.ID, store.PartyOrgChange{Kind: domain.KindJoint, Add: []string{y}}, "off", "联建"); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{x, y} {
			if o, _ := st.GetOrganization(ctx, admin, u); o.Coverage != "joint" {
				t.Fatalf("%s coverage %s after the adjustment", u, o.Coverage)
			}
		}
		if err := st.AdjustPartyOrg(ctx, po.ID, store.PartyOrgChange{Kind: domain.KindBranch, Remove: []string{y}}, "off", "撤回"); err != nil {
			t.Fatal(err)
		}
		if o, _ := st.GetOrganization(ctx, admin, y); o.Coverage != "none" {
			t.Fatalf("the organization that left: %s", o.Coverage)
		}
		// A finished formation frees the organization; covered, it cannot start another.
		if _, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{x}, WorkflowID: formationWorkflowID}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("formation for a covered organization: %v", err)
		}
		if err := st.DissolvePartyOrg(ctx, po.ID, "off", "注销"); err != nil {
			t.Fatal(err)
		}
		org, _ = st.GetOrganization(ctx, admin, x)
		if org.Coverage != "none" {
			t.Fatalf("coverage after dissolution %s", org.Coverage)
		}
		members, _ := st.PartyMembers(ctx, admin, x)
		for _, m := range members {
			if m.PartyOrgID != nil {
				t.Fatalf("member %s still in the dissolved organization", m.Name)
			}
		}
		// Another township's people do not see the formation.
		outsider := domain.Principal{Username: "b", Memberships: []domain.Membership{{UnitID: b.ID, UnitPath: b.Path, Role: domain.RoleOfficer}}}
		if _, err := st.GetFormation(ctx, outsider, f.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("outsider: %v", err)
		}
		if _, err := st.StartFormation(ctx, outsider, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{y}, WorkflowID: formationWorkflowID}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("outsider starts: %v", err)
		}
	})
}

// TestListFormationsQueryCount lists a page of 3 formations in as many statements as a page of
// 30 (it was one more per formation), each with its organizations.
func TestListFormationsQueryCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, b, _ := nets(t, st)
		start := func(u domain.Unit, first, n int) {
			for i := first; i < first+n; i++ {
				if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
					VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, testUSCC(i), "单位", u.ID, u.Path).Error; err != nil {
					t.Fatal(err)
				}
				if _, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{testUSCC(i)}, WorkflowID: formationWorkflowID}); err != nil {
					t.Fatal(err)
				}
			}
		}
		start(a, 100, 3)
		start(b, 200, 30)
		n := countStatements(t, st)
		statements := func(u domain.Unit, want int) int64 {
			t.Helper()
			before := n.Load()
			rows, next, err := st.ListFormations(ctx, member(st, t, u, domain.RoleOfficer), "", store.Page{Limit: 50})
			if err != nil || next != "" || len(rows) != want {
				t.Fatalf("%s: %d formations, next %q, %v; want %d", u.Name, len(rows), next, err, want)
			}
			for _, f := range rows {
				if len(f.Organizations) != 1 || f.Organizations[0] != f.LeadUSCC {
					t.Fatalf("formation %s organizations %v, want [%s]", f.ID, f.Organizations, f.LeadUSCC)
				}
			}
			return n.Load() - before
		}
		few, many := statements(a, 3), statements(b, 30)
		t.Logf("ListFormations: %d statements for 3 formations, %d for 30", few, many)
		if few != many {
			t.Fatalf("statements: %d for 3 formations, %d for 30; want the same", few, many)
		}
	})
}

// formationWorkflowID names a formation's workflow as workflows.FormationWorkflowID does (the
// store takes the naming from its caller).
func formationWorkflowID(id string) string { return "formation/" + id }

// TestTemporaryBranchIsNeverSingle (#17 §4 C4): an organization covered by an active 临时党支部
// counted as 单建; it is regionally covered and marked temporary_branch, until the branch is
// dissolved.
func TestTemporaryBranchIsNeverSingle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		const x = "91350100M000100Y43"
		if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, x, "项目部", a.ID, a.Path).Error; err != nil {
			t.Fatal(err)
		}
		f, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindTemporary, Organizations: []string{x}, WorkflowID: formationWorkflowID})
		if err != nil {
			t.Fatal(err)
		}
		po, _, err := st.TransferRelations(ctx, store.TransferInput{FormationID: f.ID, Actor: "system"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ActivatePartyOrg(ctx, f.ID, []store.Officer{{Name: "甲", Post: "secretary"}}, "off"); err != nil {
			t.Fatal(err)
		}
		o := org(t, st, x)
		if o.Coverage != string(domain.CoverageRegional) || !o.TemporaryBranch {
			t.Fatalf("covered by a temporary branch: coverage %s, temporary_branch %v; want regional, true", o.Coverage, o.TemporaryBranch)
		}
		// The figures show it in its own column (of the regional), never as 单建, now and in the
		// month's snapshot.
		county := func(month string) store.CoverageCounts {
			t.Helper()
			rows, err := st.CoverageReport(ctx, admin, nil, month)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if a.ParentID != nil && r.Unit.ID == *a.ParentID {
					return r.CoverageCounts
				}
			}
			t.Fatalf("no county row in %+v", rows)
			return store.CoverageCounts{}
		}
		want := store.CoverageCounts{Operating: 1, Regional: 1, Temporary: 1}
		if got := county(""); got != want {
			t.Fatalf("coverage now %+v, want %+v", got, want)
		}
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-09"); err != nil {
			t.Fatal(err)
		}
		if got := county("2026-09"); got != want {
			t.Fatalf("coverage in the snapshot %+v, want %+v", got, want)
		}
		if err := st.DissolvePartyOrg(ctx, po.ID, "off", "工程竣工"); err != nil {
			t.Fatal(err)
		}
		if o := org(t, st, x); o.Coverage != string(domain.CoverageNone) || o.TemporaryBranch {
			t.Fatalf("after dissolution: coverage %s, temporary_branch %v", o.Coverage, o.TemporaryBranch)
		}
	})
}
