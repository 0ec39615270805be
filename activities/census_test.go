package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestCensusVerifyThreeHavesFailNoWorkCoverage (#17 §4 C3): an organization found failing the
// 三有 test (1 employee, no fixed premises) with no formal member was still owed work coverage;
// it is not a real operating one (not_real: no coverage.instructor task, not in the figures).
// Members still decide: 4 formal members form a branch whatever the 三有 test says, and an
// unknown fact (premises not asked) is no failure.
func TestCensusVerifyThreeHavesFailNoWorkCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "西城县", Net: domain.NetRegion, Kind: domain.KindCounty})
		if err != nil {
			t.Fatal(err)
		}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		csv := "统一社会信用代码,企业名称,登记状态\n91110108551385082Q,甲,存续\n9144030071526726XG,乙,存续\n914403001922038216,丙,存续\n91350100M000100Y43,丁,注销\n"
		imp, err := st.CreateImport(ctx, admin, "market", "m.csv", strings.NewReader(csv), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		if done, err := a.RunImport(ctx, imp.ID); err != nil || done.Status != domain.ImportDone {
			t.Fatalf("import %+v %v", done, err)
		}
		for _, c := range []struct {
			uscc, result, want string
		}{
			{"91110108551385082Q", `{"operating":true,"employees":1,"fixed_premises":false,"formal_members":0,"probationary_members":0,"party_org":"none"}`, domain.DecideNotReal},
			{"9144030071526726XG", `{"operating":true,"employees":1,"fixed_premises":false,"formal_members":4,"probationary_members":0,"party_org":"none"}`, domain.DecideFormation},
			{"914403001922038216", `{"operating":true,"employees":5,"formal_members":0,"probationary_members":0,"party_org":"none"}`, domain.DecideWork},
			// 注销 wins over what the inspector saw: no formation for a deregistered organization.
			{"91350100M000100Y43", `{"operating":true,"employees":9,"formal_members":4,"probationary_members":0,"party_org":"none"}`, domain.DecideNotOperating},
		} {
			task, _, err := st.CreateTask(ctx, store.NewTask{Key: "verify/" + c.uscc, Kind: "census.verify", Subject: c.uscc,
				WorkflowID: "census-verify/" + c.uscc, UnitID: county.ID, Role: domain.RoleInspector, DueAt: st.Now().Add(72 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			out, err := a.ApplyVisit(ctx, activities.VisitInput{TaskID: task.ID, USCC: c.uscc, Inspector: "insp", Result: []byte(c.result)})
			if err != nil {
				t.Fatal(err)
			}
			if out.Decision != c.want {
				t.Errorf("%s: decision %s, want %s", c.result, out.Decision, c.want)
			}
		}
		// Both failing 三有 are out of the operating figures' predicate (the formation goes on); the
		// one whose premises are unknown is in.
		var n int64
		if err := st.DB().Raw("SELECT count(*) FROM organizations o WHERE " + st.CountedOperating("o")).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d organizations counted operating, want 1 (the 三有 failures are not)", n)
		}
	})
}

func TestThreeHavesOf(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name      string
		operating *bool
		employees *int
		premises  *bool
		want      domain.ThreeHaves
	}{
		{"AllKnownPass", &yes, new(5), &yes, domain.ThreePass},
		{"FewEmployees", &yes, new(2), &yes, domain.ThreeFail},
		{"NoPremises", &yes, new(5), &no, domain.ThreeFail},
		{"NotOperating", &no, nil, nil, domain.ThreeFail},
		{"PremisesNeverVisited", &yes, new(5), nil, domain.ThreeUnknown},
		{"NothingKnown", nil, nil, nil, domain.ThreeUnknown},
	} {
		if got := domain.ThreeHavesOf(c.operating, c.employees, c.premises, 3); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// startsTemporal answers ExecuteWorkflow like a Temporal server on which the verifications of
// running are already under way.
type startsTemporal struct {
	client.Client
	running map[string]bool
}

func (f startsTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	if f.running[o.ID] {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "run-1")
	}
	return nil, nil
}

// TestRoundListsSkippedOrganizations (#17 §4 C7): a round over the contradictions skipped every
// organization already in a verification without saying which; it names them, with the round
// whose verification had each.
func TestRoundListsSkippedOrganizations(t *testing.T) {
	const x, y = "91110108551385082Q", "9144030071526726XG"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "西城县", Net: domain.NetRegion, Kind: domain.KindCounty})
		if err != nil {
			t.Fatal(err)
		}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		csv := "统一社会信用代码,企业名称,所属乡镇\n" + x + ",甲公司,西城县\n" + y + ",乙公司,西城县\n"
		imp, err := st.CreateImport(ctx, admin, "market", "m.csv", strings.NewReader(csv), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		if done, err := a.RunImport(ctx, imp.ID); err != nil || done.Status != domain.ImportDone {
			t.Fatalf("import %+v %v", done, err)
		}
		first, err := st.CreateRound(ctx, admin, store.RoundStart{UnitID: county.ID})
		if err != nil {
			t.Fatal(err)
		}
		second, err := st.CreateRound(ctx, admin, store.RoundStart{UnitID: county.ID})
		if err != nil || second.Total != 2 {
			t.Fatalf("second round %+v %v", second, err)
		}
		a.Temporal = startsTemporal{running: map[string]bool{activities.VerifyWorkflowID(x): true}}
		for range 2 { // a retried activity marks nothing twice
			out, err := a.StartVerifications(ctx, activities.FanOutInput{RoundID: second.ID, ScopeUnitID: county.ID, Batch: 10})
			if err != nil || out.Skipped != 1 {
				t.Fatalf("fan-out %+v %v", out, err)
			}
		}
		skipped, _, err := st.SkippedMembers(ctx, second.ID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(skipped) != 1 || skipped[0].USCC != x || skipped[0].Name != "甲公司" || skipped[0].SkippedBy != first.ID {
			t.Fatalf("skipped %+v, want %s (甲公司) skipped by round %s", skipped, x, first.ID)
		}
	})
}

// TestSurveyVerificationDecides: the survey's declaration decides like a census result — 4
// formal members and no party organization record a one-organization round over the
// organization's township (once); no member, or a declared party organization, none.
func TestSurveyVerificationDecides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "西城县", Net: domain.NetRegion, Kind: domain.KindCounty})
		if err != nil {
			t.Fatal(err)
		}
		town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
		if err != nil {
			t.Fatal(err)
		}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		for _, c := range []struct {
			uscc   string
			answer store.SurveyAnswer
			round  bool
		}{
			{"91110108551385082Q", store.SurveyAnswer{FormalMembers: 4, PartyOrg: "none"}, true},
			{"9144030071526726XG", store.SurveyAnswer{FormalMembers: 0, PartyOrg: "none"}, false},
			{"914403001922038216", store.SurveyAnswer{FormalMembers: 5, PartyOrg: "single"}, false},
		} {
			reg, err := st.ReportRegistration(ctx, "liaison", store.RegistrationReport{USCC: c.uscc, Name: "新公司" + c.uscc[:4],
				Township: "东街道", Event: "new"}, st.Now().Add(72*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.AnswerSurvey(ctx, reg.Token, c.answer); err != nil {
				t.Fatal(err)
			}
			r, err := a.SurveyVerification(ctx, reg.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (r.ID != "") != c.round {
				t.Fatalf("%+v: round %+v, want one: %v", c.answer, r, c.round)
			}
			if !c.round {
				continue
			}
			if r.UnitID != town.ID {
				t.Errorf("the round is over %s, want the township %s", r.UnitID, town.ID)
			}
			again, err := a.SurveyVerification(ctx, reg.ID)
			if err != nil || again != r {
				t.Errorf("a retried activity made another round: %+v %v", again, err)
			}
			members, err := st.RoundMembers(ctx, r.ID, "", 10)
			if err != nil || len(members) != 1 || members[0].USCC != c.uscc || members[0].UnitID == nil || *members[0].UnitID != town.ID {
				t.Errorf("round members %+v %v", members, err)
			}
		}
	})
}
