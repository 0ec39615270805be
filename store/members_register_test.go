package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestPartyOrgMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		const x, y = "91350100M000100Y43", "91110108MA01B2C3D0"
		for _, uscc := range []string{x, y} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
				VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, uscc, "单位"+uscc[:4], a.ID, a.Path).Error; err != nil {
				t.Fatal(err)
			}
		}
		// y leads the joint branch: its members come first.
		f, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindJoint, Organizations: []string{y, x}, WorkflowID: formationWorkflowID})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RecordMembers(ctx, x, []store.MemberEntry{{Name: "b-formal", Status: "formal"}, {Name: "a-probationary", Status: "probationary"}}); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordMembers(ctx, y, []store.MemberEntry{{Name: "c-formal", Status: "formal"}}); err != nil {
			t.Fatal(err)
		}
		po, _, err := st.TransferRelations(ctx, store.TransferInput{FormationID: f.ID, Actor: "system"})
		if err != nil {
			t.Fatal(err)
		}
		// Recorded after the transfer: on x's register, not bound to the party organization.
		if err := st.RecordMembers(ctx, x, []store.MemberEntry{{Name: "d-formal", Status: "formal"}}); err != nil {
			t.Fatal(err)
		}
		po, err = st.GetPartyOrg(ctx, admin, po.ID)
		if err != nil {
			t.Fatal(err)
		}
		register, err := st.PartyOrgMembers(ctx, po.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range register {
			names = append(names, m.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"a-probationary", "b-formal", "c-formal"}) {
			t.Fatalf("register %v, want a-probationary, b-formal, c-formal", names)
		}
		if n := store.FormalMembers(register); n != 2 {
			t.Fatalf("%d formal members, want 2", n)
		}
	})
}

func TestWithdrawSurvey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		reg, err := st.ReportRegistration(ctx, "admin", store.RegistrationReport{USCC: "91110108551385082Q", Name: "甲", Event: "new"},
			st.Now().Add(72*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.WithdrawSurvey(ctx, reg.ID, "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AnswerSurvey(ctx, reg.Token, store.SurveyAnswer{PartyOrg: "none"}); domain.ErrorCode(err) != domain.EGONE {
			t.Fatalf("answering a withdrawn survey: %v", err)
		}
		if err := st.WithdrawSurvey(ctx, "no-such-registration", "admin"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("withdrawing an unknown registration: %v", err)
		}
	})
}
