package workflows_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

type inspectionFake struct {
	mu        sync.Mutex
	statuses  []string
	visits    []string
	feedback  []string
	decisions []activities.InspectionObjectionInput
	newLeader string
	items     []string // the rectification items the visits opened
	children  []workflows.RectificationInput
}

// inspectionEnv is formationEnv's task fakes plus the round's activities.
func inspectionEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *fakeTasks, *inspectionFake) {
	env, f := formationEnv(t)
	in := &inspectionFake{}
	var a *activities.Activities
	env.OnActivity(a.SetInspectionStatus, mock.Anything, mock.Anything).Return(func(_ context.Context, s activities.InspectionStatusInput) error {
		in.mu.Lock()
		defer in.mu.Unlock()
		in.statuses = append(in.statuses, string(s.Status))
		return nil
	}).Maybe()
	env.OnActivity(a.RecordInspectionVisit, mock.Anything, mock.Anything).Return(
		func(_ context.Context, v activities.InspectionVisitInput) (activities.InspectionVisitOutput, error) {
			in.mu.Lock()
			defer in.mu.Unlock()
			in.visits = append(in.visits, v.Target)
			items := 0
			for _, f := range v.Findings {
				if !f.FixedOnTheSpot {
					items++
					in.items = append(in.items, f.Description)
				}
			}
			if v.DueWorkingDays != 40 {
				t.Errorf("rectification due in %d working days, want 40", v.DueWorkingDays)
			}
			return activities.InspectionVisitOutput{Items: items}, nil
		}).Maybe()
	env.OnActivity(a.SendInspectionFeedback, mock.Anything, mock.Anything).Return(func(_ context.Context, fb activities.InspectionFeedbackInput) error {
		in.mu.Lock()
		defer in.mu.Unlock()
		in.feedback = append(in.feedback, fb.Target+":"+fb.Actor)
		return nil
	}).Maybe()
	env.OnActivity(a.DecideInspectionObjection, mock.Anything, mock.Anything).Return(
		func(_ context.Context, d activities.InspectionObjectionInput) (activities.InspectionObjectionOutput, error) {
			in.mu.Lock()
			defer in.mu.Unlock()
			in.decisions = append(in.decisions, d)
			return activities.InspectionObjectionOutput{Target: "t1", NewLeader: in.newLeader}, nil
		}).Maybe()
	env.OnActivity(a.RoundRectificationItems, mock.Anything, "r1").Return(func(context.Context, string) ([]activities.RectificationItemInfo, error) {
		in.mu.Lock()
		defer in.mu.Unlock()
		var out []activities.RectificationItemInfo
		for i := range in.items {
			out = append(out, activities.RectificationItemInfo{ID: "item-" + string(rune('a'+i)), UnitID: "t1", Finding: "问题", DueWorkingDays: 40, CreatedAt: start})
		}
		return out, nil
	}).Maybe()
	env.OnWorkflow(workflows.RectificationWorkflow, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, r workflows.RectificationInput) (workflows.RectificationState, error) {
			in.mu.Lock()
			defer in.mu.Unlock()
			in.children = append(in.children, r)
			return workflows.RectificationState{Status: domain.RectSignedOff, Rectifications: 1, SignedOffBy: "reviewer"}, nil
		}).Maybe()
	return env, f, in
}

var inspectionInput = workflows.InspectionInput{RoundID: "r1", Title: "双同步专项督查", SponsorUnitID: "city", DraftedBy: "drafter",
	Targets: []string{"t1", "t2"}, Methods: []string{"听取汇报", "实地走访"}, RectificationWorkingDays: 40}

const (
	visitTwoFindings = `{"methods_done":["听取汇报"],"findings":[{"category":"组织建设","severity":"一般","description":"名册未更新","fixed_on_the_spot":false},
{"category":"组织建设","severity":"严重","description":"未按期换届","fixed_on_the_spot":true}]}`
	visitOneFinding = `{"methods_done":["实地走访"],"findings":[{"category":"阵地建设","severity":"较重","description":"活动室挪用","fixed_on_the_spot":false}]}`
	visitNone       = `{"methods_done":["听取汇报"],"findings":[]}`
	feedbackText    = `{"feedback":"请于四十个工作日内完成整改"}`
)

func teamSet(env *testsuite.TestWorkflowEnvironment, after time.Duration, leaders map[string]string) {
	env.RegisterDelayedCallback(func() {
		set := workflows.TeamSet{Key: "team/1", Actor: "drafter"}
		for _, target := range []string{"t1", "t2", "t3"} {
			if l, ok := leaders[target]; ok {
				set.Teams = append(set.Teams, workflows.TargetTeam{Target: target, Leader: l, Members: []string{l, "member-of-" + l}})
			}
		}
		env.SignalWorkflow(workflows.SignalTeamSet, set)
	}, after)
}

// The plan is returned once (never reviewed by its drafter), edited with a third target and
// approved; the team's leaders get the visits and then the feedback; a visit with a method the
// plan does not name is refused before history; one rectification workflow per item, and the
// round is done when both are signed off.
func TestInspectionPlanReturned(t *testing.T) {
	env, f, in := inspectionEnv(t)
	answer(t, env, 1*h, "plan_review/1", "drafter", approve, refused(t, "四眼原则"))
	answer(t, env, 2*h, "plan_review/1", "reviewer", `{"decision":"return","reason":"请补充督查对象"}`, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalPlanResubmitted, workflows.PlanResubmitted{Key: "edit/1", Actor: "drafter", Title: "双同步专项督查（修改）",
			Targets: []string{"t1", "t2", "t3"}, Methods: inspectionInput.Methods})
	}, 3*h)
	answer(t, env, 4*h, "plan_review/2", "reviewer", approve, nil)
	teamSet(env, 5*h, map[string]string{"t1": "leader-a", "t2": "leader-a", "t3": "leader-b"})
	answer(t, env, 6*h, "visit/t1", "leader-a", `{"methods_done":["暗访"],"findings":[]}`, refused(t, "methods_done[0]"))
	answer(t, env, 7*h, "visit/t1", "leader-a", visitTwoFindings, nil)
	answer(t, env, 8*h, "visit/t2", "leader-a", visitOneFinding, nil)
	answer(t, env, 9*h, "visit/t3", "leader-b", visitNone, nil)
	for i, target := range []string{"t1", "t2", "t3"} {
		leader := map[string]string{"t1": "leader-a", "t2": "leader-a", "t3": "leader-b"}[target]
		answer(t, env, 10*h+time.Duration(i)*h, "feedback/"+target, leader, feedbackText, nil)
	}
	env.ExecuteWorkflow(workflows.InspectionWorkflow, inspectionInput)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var out workflows.InspectionState
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.Status != domain.InspectionDone || out.Visited != 3 || out.Items != 2 || out.SignedOff != 2 || out.Round != 2 {
		t.Fatalf("state %+v", out)
	}
	if got := strings.Join(in.statuses, ","); got != "returned,team,field,feedback,rectification,done" {
		t.Fatalf("statuses %s", got)
	}
	// The test environment runs the two mocked children concurrently: their order is not the start's.
	slices.SortFunc(in.children, func(a, b workflows.RectificationInput) int { return strings.Compare(a.ItemID, b.ItemID) })
	if len(in.children) != 2 || in.children[0].RoundTitle != "双同步专项督查（修改）" || in.children[0].SponsorUnitID != "city" ||
		in.children[0].LimitWorkingDays != 40 || in.children[1].ItemID != "item-b" {
		t.Fatalf("rectification workflows %+v", in.children)
	}
	review := f.inputs["plan_review/2"]
	if review.Context.Returned == nil || review.Context.Returned.Reason != "请补充督查对象" || len(review.NotBy) != 1 || review.NotBy[0] != "drafter" {
		t.Fatalf("second review %+v", review)
	}
	if !strings.Contains(f.inputs["visit/t3"].Title, "修改") || f.inputs["visit/t3"].Assignee != "leader-b" ||
		f.inputs["visit/t1"].UnitID != "city" || f.inputs["feedback/t2"].Assignee != "leader-a" {
		t.Fatalf("visit and feedback tasks %+v %+v", f.inputs["visit/t3"], f.inputs["feedback/t2"])
	}
	if len(in.feedback) != 3 {
		t.Fatalf("feedback sent %v", in.feedback)
	}
}

// A target objects to its leader during the field work; the sponsor's officer replaces them,
// and the target's feedback goes to the replacement. A second objection is overruled.
func TestInspectionObjection(t *testing.T) {
	env, f, in := inspectionEnv(t)
	in.newLeader = "leader-new"
	answer(t, env, 1*h, "plan_review/1", "reviewer", approve, nil)
	teamSet(env, 2*h, map[string]string{"t1": "leader-a", "t2": "leader-b"})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalObjection, workflows.ObjectionLodged{Key: "objection/o1", ObjectionID: "o1", Target: "t1", Username: "leader-a", Actor: "t1-officer"})
		env.SignalWorkflow(workflows.SignalObjection, workflows.ObjectionLodged{Key: "objection/o1", ObjectionID: "o1", Target: "t1", Username: "leader-a", Actor: "t1-officer"})
	}, 3*h)
	answer(t, env, 4*h, "objection/o1", "reviewer", `{"decision":"replace","replacement":"leader-new","reason":"同意回避"}`, nil)
	answer(t, env, 5*h, "visit/t1", "leader-new", visitOneFinding, nil)
	answer(t, env, 5*h, "visit/t2", "leader-b", visitNone, nil)
	env.RegisterDelayedCallback(func() {
		in.mu.Lock()
		in.newLeader = ""
		in.mu.Unlock()
		env.SignalWorkflow(workflows.SignalObjection, workflows.ObjectionLodged{Key: "objection/o2", ObjectionID: "o2", Target: "t2", Username: "member-b", Actor: "t2-officer"})
	}, 6*h)
	answer(t, env, 7*h, "objection/o2", "reviewer", `{"decision":"overrule","reason":"无利害关系"}`, nil)
	answer(t, env, 8*h, "feedback/t1", "leader-new", feedbackText, nil)
	answer(t, env, 9*h, "feedback/t2", "leader-b", feedbackText, nil)
	env.ExecuteWorkflow(workflows.InspectionWorkflow, inspectionInput)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	if len(in.decisions) != 2 || in.decisions[0].Decision != "replace" || in.decisions[0].Replacement != "leader-new" ||
		in.decisions[1].Decision != "overrule" || in.decisions[0].WorkflowID == "" {
		t.Fatalf("decisions %+v", in.decisions)
	}
	if f.inputs["objection/o1"].UnitID != "city" || f.inputs["objection/o1"].Role != domain.RoleOfficer {
		t.Fatalf("objection task %+v", f.inputs["objection/o1"])
	}
	if f.inputs["feedback/t1"].Assignee != "leader-new" || f.inputs["feedback/t2"].Assignee != "leader-b" {
		t.Fatalf("feedback to %q and %q", f.inputs["feedback/t1"].Assignee, f.inputs["feedback/t2"].Assignee)
	}
	if got := strings.Join(in.feedback, ","); got != "t1:leader-new,t2:leader-b" {
		t.Fatalf("feedback %s", got)
	}
}
