package workflows_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

type demonstrationFake struct {
	mu       sync.Mutex
	steps    []string // action→status@time since the start
	answered []activities.AnswerDemonstrationObjectionInput
	pending  []activities.OpenObjection // in the store, never signalled (the engine was away)
	rank     activities.DemonstrationRank
}

// demonstrationEnv is formationEnv's task fakes plus the point's activities; a notice of n
// working days ends n calendar days after it opens.
func demonstrationEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *fakeTasks, *demonstrationFake) {
	env, f := formationEnv(t)
	df := &demonstrationFake{}
	var a *activities.Activities
	env.OnActivity(a.AdvanceDemonstration, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AdvanceDemonstrationInput) (activities.DemonstrationInfo, error) {
			df.mu.Lock()
			defer df.mu.Unlock()
			df.steps = append(df.steps, strings.TrimPrefix(in.Action, "demonstration.")+"→"+string(in.To)+"@"+env.Now().Sub(start).Round(h).String())
			out := activities.DemonstrationInfo{Status: in.To}
			if in.NoticeWorkingDays > 0 {
				out.NoticeFrom, out.NoticeTo = env.Now(), env.Now().Add(time.Duration(in.NoticeWorkingDays)*day)
				out.NoticeLeft = out.NoticeTo.Sub(env.Now())
			}
			return out, nil
		}).Maybe()
	env.OnActivity(a.AnswerDemonstrationObjection, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AnswerDemonstrationObjectionInput) error {
			df.mu.Lock()
			defer df.mu.Unlock()
			df.answered = append(df.answered, in)
			return nil
		}).Maybe()
	df.rank = activities.DemonstrationRank{Year: 2026, Rank: 2, Of: 3, Score: 92, Text: "实地考察得分 92 分，在 2026 年考察的 3 个示范点中排名第 2",
		Data: []byte(`{"of":3,"rank":2,"score":92,"year":2026}`)}
	env.OnActivity(a.RankDemonstration, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.RankDemonstrationInput) (activities.DemonstrationRank, error) {
			return df.rank, nil
		}).Maybe()
	env.OnActivity(a.OpenDemonstrationObjections, mock.Anything, mock.Anything).Return(
		func(context.Context, string) ([]activities.OpenObjection, error) {
			df.mu.Lock()
			defer df.mu.Unlock()
			var open []activities.OpenObjection
			for _, o := range df.pending {
				if !slices.ContainsFunc(df.answered, func(a activities.AnswerDemonstrationObjectionInput) bool { return a.ObjectionID == o.ID }) {
					open = append(open, o)
				}
			}
			return open, nil
		}).Maybe()
	return env, f, df
}

var demonstrationInput = workflows.DemonstrationInput{PointID: "p1", PartyOrgID: "po1", PartyOrgName: "东风科技有限公司党支部",
	UnitName: "东风街道", CityUnitID: "city", NominatedBy: "county-off", NoticeWorkingDays: 5}

func runDemonstration(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.DemonstrationState {
	t.Helper()
	return runDemonstrationFrom(t, env, demonstrationInput)
}

func runDemonstrationFrom(t *testing.T, env *testsuite.TestWorkflowEnvironment, in workflows.DemonstrationInput) workflows.DemonstrationState {
	t.Helper()
	env.ExecuteWorkflow(workflows.DemonstrationWorkflow, in)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var out workflows.DemonstrationState
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func objectAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, id, by string) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDemonstrationObjection, workflows.DemonstrationObjectionLodged{ObjectionID: id, LodgedBy: by})
	}, after)
}

// Nominated → reviewed (not by the nominator) → visited (a score out of range refused) → named
// for notice → objected to during the notice → the objection dismissed (not by the objector) →
// named when the notice's days are over, not before the answer.
func TestDemonstrationObjectedAnsweredNamed(t *testing.T) {
	env, f, df := demonstrationEnv(t)
	answer(t, env, 1*h, "review", "county-off", `{"decision":"pass"}`, refused(t, "四眼原则"))
	answer(t, env, 2*h, "review", "city-off", `{"decision":"reject"}`, refused(t, "reason"))
	answer(t, env, 3*h, "review", "city-off", `{"decision":"pass"}`, nil)
	answer(t, env, 4*h, "visit", "city-off", `{"score":120,"notes":"阵地规范"}`, refused(t, "score"))
	answer(t, env, 5*h, "visit", "city-off", `{"score":92,"notes":"阵地规范，制度上墙"}`, nil)
	answer(t, env, 6*h, "decision", "city-off", `{"decision":"name"}`, refused(t, "reason"))
	answer(t, env, 7*h, "decision", "city-off", `{"decision":"name","reason":"综合评分第一"}`, nil)
	objectAt(env, 1*day, "o1", "citizen")
	objectAt(env, 1*day+h, "o1", "citizen") // a repeated signal opens no second task
	answer(t, env, 2*day, "objection/o1", "citizen", `{"decision":"dismiss","reason":"自己答复"}`, refused(t, "四眼原则"))
	answer(t, env, 8*day, "objection/o1", "city-off2", `{"decision":"dismiss","reason":"经核实，反映问题不属实"}`, nil)
	// A year after the naming, the re-check: never by the nominator; kept, the workflow goes
	// on as new towards the next year's.
	answer(t, env, after(8*day, 1, 0)+h, "recheck/1", "county-off", `{"decision":"keep","reason":"保持良好"}`, refused(t, "四眼原则"))
	answer(t, env, 8*day+367*day, "recheck/1", "city-off", `{"decision":"keep"}`, refused(t, "reason"))
	answer(t, env, 8*day+368*day, "recheck/1", "city-off", `{"decision":"keep","reason":"阵地保持良好"}`, nil)
	env.ExecuteWorkflow(workflows.DemonstrationWorkflow, demonstrationInput)
	var cont *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &cont) {
		t.Fatalf("after the re-check: %v, want continued as new", env.GetWorkflowError())
	}
	var next workflows.DemonstrationInput
	if err := converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next); err != nil || next.Rechecks != 1 || next.Status != domain.DemoNamed {
		t.Fatalf("continued with %+v %v", next, err)
	}
	want := []string{"status→file_review@0s", "review→site_visit@3h0m0s", "visit→decision@5h0m0s", "decision→public_notice@7h0m0s",
		"named→named@192h0m0s", // the notice ended at 5 days + 7h; the answer came at 8 days
		"recheck→named@9024h0m0s"}
	if strings.Join(df.steps, " ") != strings.Join(want, " ") {
		t.Fatalf("steps = %v\nwant %v", df.steps, want)
	}
	if len(df.answered) != 1 || df.answered[0].Actor != "city-off2" || df.answered[0].Decision != "dismiss" {
		t.Fatalf("answers = %+v", df.answered)
	}
	n := 0
	for _, id := range f.created {
		if id == "objection/o1" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("objection tasks = %d (%v)", n, f.created)
	}
}

// after is how long after the tests' start a calendar span (years, months) from the instant
// start+from ends: 365 or 366 days, 28 to 31, by the day the tests run on (TANDEM_TEST_DATE),
// so an answer is never sent at the very instant its task is created.
func after(from time.Duration, years, months int) time.Duration {
	t0 := start.Add(from)
	return t0.AddDate(years, months, 0).Sub(start)
}

// A warned point is checked again after its term and revoked 摘牌.
func TestDemonstrationRecheckWarnedRevoked(t *testing.T) {
	env, _, df := demonstrationEnv(t)
	in := demonstrationInput
	in.Rechecks, in.Status = 1, domain.DemoNamed
	answer(t, env, after(0, 1, 0)+h, "recheck/2", "city-off", `{"decision":"warn","reason":"组织生活不规范，限期一个月整改"}`, nil)
	env.ExecuteWorkflow(workflows.DemonstrationWorkflow, in)
	var cont *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &cont) {
		t.Fatalf("after the warning: %v", env.GetWorkflowError())
	}
	var next workflows.DemonstrationInput
	if err := converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next); err != nil || next.Status != domain.DemoWarned || next.Rechecks != 2 {
		t.Fatalf("continued with %+v %v", next, err)
	}
	env2, _, df2 := demonstrationEnv(t)
	answer(t, env2, after(0, 0, 1)+h, "recheck/3", "city-off", `{"decision":"revoke","reason":"整改不到位"}`, nil) // a month after the warning
	out := runDemonstrationFrom(t, env2, next)
	if out.Status != domain.DemoRevoked || len(df.steps) != 1 || df.steps[0] != "recheck→warned@"+(after(0, 1, 0)+h).String() ||
		len(df2.steps) != 1 || !strings.HasPrefix(df2.steps[0], "recheck→revoked@") {
		t.Fatalf("state %+v, steps %v then %v", out, df.steps, df2.steps)
	}
}

// An upheld objection rejects the point before the notice ends.
func TestDemonstrationObjectionUpheld(t *testing.T) {
	env, _, df := demonstrationEnv(t)
	answer(t, env, 1*h, "review", "city-off", `{"decision":"pass"}`, nil)
	answer(t, env, 2*h, "visit", "city-off", `{"score":80,"notes":"基本达标"}`, nil)
	answer(t, env, 3*h, "decision", "city-off", `{"decision":"name","reason":"达标"}`, nil)
	objectAt(env, 1*day, "o1", "citizen")
	answer(t, env, 2*day, "objection/o1", "city-off", `{"decision":"uphold","reason":"该支部去年未按期换届"}`, nil)
	out := runDemonstration(t, env)
	if out.Status != domain.DemoRejected {
		t.Fatalf("state = %+v", out)
	}
	if last := df.steps[len(df.steps)-1]; !strings.HasPrefix(last, "objection_upheld→rejected@48h") {
		t.Fatalf("steps = %v", df.steps)
	}
}

// A rejection at the file review ends it there.
func TestDemonstrationRejectedAtReview(t *testing.T) {
	env, _, df := demonstrationEnv(t)
	answer(t, env, 1*h, "review", "city-off", `{"decision":"reject","reason":"材料不全"}`, nil)
	out := runDemonstration(t, env)
	if out.Status != domain.DemoRejected || len(df.steps) != 2 {
		t.Fatalf("state = %+v, steps %v", out, df.steps)
	}
}

// The decision task shows the point's rank among its city's points visited that year (its
// text and its data); an objection recorded while the engine was away, never signalled, is
// found when the notice ends and answered (one task, though it is also signalled once the
// engine is back) before the point is named.
func TestDemonstrationRankedAndObjectionFoundAtNoticeEnd(t *testing.T) {
	env, f, df := demonstrationEnv(t)
	df.pending = []activities.OpenObjection{{ID: "o9", LodgedBy: "citizen"}}
	answer(t, env, 1*h, "review", "city-off", `{"decision":"pass"}`, nil)
	answer(t, env, 2*h, "visit", "city-off", `{"score":92,"notes":"阵地规范"}`, nil)
	answer(t, env, 3*h, "decision", "city-off", `{"decision":"name","reason":"评分第二，拟命名"}`, nil)
	objectAt(env, 5*day+4*h, "o9", "citizen") // the reconciler's signal, after the workflow found it
	answer(t, env, 6*day, "objection/o9", "citizen", `{"decision":"dismiss","reason":"自己答复"}`, refused(t, "四眼原则"))
	answer(t, env, 7*day, "objection/o9", "city-off", `{"decision":"dismiss","reason":"经核实，反映问题不属实"}`, nil)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, after(7*day, 0, 6)) // before the re-check
	env.ExecuteWorkflow(workflows.DemonstrationWorkflow, demonstrationInput)
	in := f.inputs["decision"]
	if !strings.Contains(in.Context.Why, "排名第 2") || string(in.Context.UnderReview) != string(df.rank.Data) {
		t.Fatalf("decision task context %+v", in.Context)
	}
	n := 0
	for _, id := range f.created {
		if id == "objection/o9" {
			n++
		}
	}
	want := "named→named@168h0m0s" // the notice ended at 5 days + 3h; the found objection answered at 7 days
	if n != 1 || len(df.answered) != 1 || !slices.Contains(df.steps, want) {
		t.Fatalf("objection tasks %d (%v), answers %+v, steps %v", n, f.created, df.answered, df.steps)
	}
}

// The re-check's terms come from the input (TANDEM_DEMONSTRATION_RECHECK): six months after
// the last keep, then a duration after a warning (a demonstration run).
func TestDemonstrationRecheckTerms(t *testing.T) {
	env, _, df := demonstrationEnv(t)
	in := demonstrationInput
	in.Rechecks, in.Status, in.RecheckMonths, in.WarningFor = 1, domain.DemoNamed, 6, 3*h
	answer(t, env, after(0, 0, 6)-h, "recheck/2", "city-off", `{"decision":"warn","reason":"太早"}`, refused(t, "流程尚未接收此任务"))
	answer(t, env, after(0, 0, 6)+h, "recheck/2", "city-off", `{"decision":"warn","reason":"制度未上墙，限期整改"}`, nil)
	env.ExecuteWorkflow(workflows.DemonstrationWorkflow, in)
	var cont *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &cont) {
		t.Fatalf("after the warning: %v", env.GetWorkflowError())
	}
	var next workflows.DemonstrationInput
	if err := converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next); err != nil || next.Status != domain.DemoWarned ||
		next.RecheckMonths != 6 || next.WarningFor != 3*h {
		t.Fatalf("continued with %+v %v", next, err)
	}
	env2, _, df2 := demonstrationEnv(t)
	answer(t, env2, 2*h, "recheck/3", "city-off", `{"decision":"keep","reason":"太早"}`, refused(t, "流程尚未接收此任务"))
	answer(t, env2, 4*h, "recheck/3", "city-off", `{"decision":"revoke","reason":"整改不到位"}`, nil)
	out := runDemonstrationFrom(t, env2, next)
	if out.Status != domain.DemoRevoked || len(df.steps) != 1 || df.steps[0] != "recheck→warned@"+(after(0, 0, 6)+h).String() ||
		len(df2.steps) != 1 || df2.steps[0] != "recheck→revoked@4h0m0s" {
		t.Fatalf("state %+v, steps %v then %v", out, df.steps, df2.steps)
	}
}
