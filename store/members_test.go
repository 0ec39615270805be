package store_test

import (
	"context"
	"fmt"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// partyOrgOver makes an active party organization over n organizations of unit u (credit
// codes testUSCC(first) on), each with a formal and a probationary member moved into it and a third member entered afterwards
// (whose relations stay where they are). A formation covers at most five organizations, so the
// others join the formation in SQL before the transfer.
func partyOrgOver(t *testing.T, st *store.Store, u domain.Unit, first, n int) store.PartyOrg {
	t.Helper()
	ctx := context.Background()
	orgs := make([]string, n)
	for i := range orgs {
		orgs[i] = testUSCC(first + i)
		if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, orgs[i], fmt.Sprintf("单位%04d", first+i), u.ID, u.Path).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.RecordMembers(ctx, orgs[i], []store.MemberEntry{{Name: "甲", Status: "formal"}, {Name: "乙", Status: "probationary"}}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindJoint, Organizations: orgs[:2], WorkflowID: formationWorkflowID})
	if err != nil {
		t.Fatal(err)
	}
	for _, uscc := range orgs[2:] {
		if err := st.DB().Exec("INSERT INTO formation_organizations (formation_id, uscc, running) VALUES (?, ?, TRUE)", f.ID, uscc).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.TransferRelations(ctx, store.TransferInput{FormationID: f.ID, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	po, err := st.ActivatePartyOrg(ctx, f.ID, []store.Officer{{Name: "甲", Post: "书记"}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, uscc := range orgs {
		if err := st.RecordMembers(ctx, uscc, []store.MemberEntry{{Name: "丙", Status: "formal"}}); err != nil {
			t.Fatal(err)
		}
	}
	return po
}

// TestPartyOrgMembersQueryCount reads a party organization's members in as many statements
// for 30 organizations as for 3 (it was two per organization and one more).
func TestPartyOrgMembersQueryCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		small, large := partyOrgOver(t, st, a, 1000, 3), partyOrgOver(t, st, a, 2000, 30)
		n := countStatements(t, st)
		statements := func(po store.PartyOrg, orgs int) int64 {
			t.Helper()
			before := n.Load()
			ms, err := st.PartyOrgMembers(ctx, po.ID)
			if err != nil {
				t.Fatal(err)
			}
			formal := 0
			for _, m := range ms {
				if m.PartyOrgID == nil || *m.PartyOrgID != po.ID {
					t.Fatalf("member %s of %s is not in the party organization", m.Name, m.USCC)
				}
				if m.Status == "formal" {
					formal++
				}
			}
			if len(ms) != 2*orgs || formal != orgs {
				t.Fatalf("%d organizations: %d members, %d formal; want %d and %d", orgs, len(ms), formal, 2*orgs, orgs)
			}
			return n.Load() - before
		}
		few, many := statements(small, 3), statements(large, 30)
		t.Logf("PartyOrgMembers: %d statements for 3 organizations, %d for 30", few, many)
		if few != many || few > 2 {
			t.Fatalf("statements: %d for 3 organizations, %d for 30; want the same, at most 2", few, many)
		}
		if _, err := st.PartyOrgMembers(ctx, "no-such-party-org"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown party organization: %v, want ENOTFOUND", err)
		}
	})
}
