package embeddedtemporal_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

// TestEmbeddedSurveyVerifies runs a registration's survey on the embedded server with real
// activities: the enterprise declares 4 formal members and no party organization, and the
// survey starts the organization's verification through a one-organization census round (the
// township's inspectors get the census.verify task) as soon as the answer's signal arrives, an
// hour before the link expires. With -update it saves the survey's history for the replay test
// (survey-answer-signal.v1; survey-answer-verifies.v1 and .v2 were recorded the same way on
// the code before each change, with the link expiring 3 s after the start).
func TestEmbeddedSurveyVerifies(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "青山县", Net: domain.NetRegion, Kind: domain.KindCounty})
	if err != nil {
		t.Fatal(err)
	}
	town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
	if err != nil {
		t.Fatal(err)
	}
	startWorker(t, c, st)
	const uscc = "91350100M000100Y43"
	reg, err := st.ReportRegistration(ctx, "liaison", store.RegistrationReport{USCC: uscc, Name: "东风新材料有限公司", Township: "东风街道",
		Event: "new"}, st.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.SurveyWorkflowID(reg.ID), TaskQueue: workflows.TaskQueue},
		workflows.SurveyWorkflowName, workflows.SurveyInput{RegistrationID: reg.ID, USCC: uscc, ExpiresAt: reg.ExpiresAt})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AnswerSurvey(ctx, reg.Token, store.SurveyAnswer{FormalMembers: 4, PartyOrg: "none"}); err != nil {
		t.Fatal(err)
	}
	// What app.Registrations.Answer sends once the answer is recorded: the workflow goes on at
	// once (the link expires only in an hour; the wait below is 30 s).
	if err := c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalSurveyAnswered, nil); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(wctx, nil); err != nil {
		t.Fatal(err)
	}
	checkSurveyVerification(t, st, reg.ID, town.ID)
	if *update {
		saveHistory(t, c, run, "../workflows/testdata/survey-answer-signal.v1.history.json")
	}
}

// checkSurveyVerification waits for the verification task the survey's round gives the
// township's inspectors.
func checkSurveyVerification(t *testing.T, st *store.Store, registrationID, townID string) {
	t.Helper()
	ctx := context.Background()
	var rounds int64
	if err := st.DB().Raw("SELECT count(*) FROM census_rounds WHERE selection = 'registration' AND tag = ?", registrationID).Scan(&rounds).Error; err != nil {
		t.Fatal(err)
	}
	if rounds != 1 {
		t.Fatalf("%d rounds for the registration, want 1", rounds)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		// The township has no inspector, so an assignment task for the county's officers
		// (task.assignment) comes beside it: only the verification is looked at.
		tasks, _, err := st.ListTasks(ctx, domain.Principal{Admin: true}, store.TaskFilter{Visible: true,
			WorkflowID: activities.VerifyWorkflowID("91350100M000100Y43"), Kind: "census.verify"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) == 1 && tasks[0].Kind == "census.verify" && tasks[0].UnitID == townID {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no census.verify task for the township within 20s: %+v", tasks)
		}
	}
}
