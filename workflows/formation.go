package workflows

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
)

// FormationWorkflowName is the registered name of FormationWorkflow.
const FormationWorkflowName = "FormationWorkflow"

// FormationWorkflowID names a formation's workflow (defined in activities, which records census
// formations with it).
func FormationWorkflowID(formationID string) string {
	return activities.FormationWorkflowID(formationID)
}

// QueryFormationStep answers where a formation is.
const QueryFormationStep = "formation-step"

// FormationInput starts a formation; the API (or a census result) records it first.
type FormationInput struct {
	FormationID   string
	Kind          domain.PartyOrgKind
	Organizations []string // credit codes, the first leads
	UnitID        string   // the township or park party committee that approves
	ParentUnitID  string   // the county, whose organization department files it
}

// FormationState is the answer of the formation-step query.
type FormationState struct {
	Step       string `json:"step"`
	Round      int    `json:"round"`
	PartyOrgID string `json:"party_org_id,omitempty"`
}

// FormationOutcome is what a finished formation returns.
type FormationOutcome struct {
	PartyOrgID string
	Officers   []Officer
}

// Officer is an elected or appointed officer, as the formation and party organization
// workflows pass them to their activities.
type Officer = activities.Officer

// Working days each step is given (the approval is given one calendar month instead).
const (
	applicationWorkingDays = 10
	electionWorkingDays    = 20
	reportWorkingDays      = 10
	confirmWorkingDays     = 10
	filingWorkingDays      = 10
)

var formationActivity = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// FormationWorkflow drives the formation of a party organization (domain.md §3): application
// → approval within one month (returned → application again; overdue → escalated) → members'
// relations transferred → election with its rules checked → election-result report → approval
// of the results → filing with the county → active, then hands over to PartyOrgWorkflow.
// A temporary branch has its officers appointed at approval and no election.
func FormationWorkflow(ctx workflow.Context, in FormationInput) (FormationOutcome, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return FormationOutcome{}, err
	}
	state := &FormationState{Step: "application", Round: 1}
	if err := workflow.SetQueryHandler(ctx, QueryFormationStep, func() (FormationState, error) { return *state, nil }); err != nil {
		return FormationOutcome{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	setStep := func(step, actor string, detail map[string]any) error {
		state.Step = step
		return workflow.ExecuteActivity(ctx, a.SetFormationStep, activities.FormationStepInput{
			FormationID: in.FormationID, Step: step, Actor: actor, Detail: detail}).Get(ctx, nil)
	}
	out, err := formation(ctx, tasks, in, state, setStep)
	if err != nil {
		// A cancelled or failed formation frees its organizations for another.
		status := string(domain.FormationFailed)
		if temporal.IsCanceledError(err) {
			status = string(domain.FormationCancelled)
		}
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		_ = workflow.ExecuteActivity(dctx, a.EndFormation, activities.EndFormationInput{
			FormationID: in.FormationID, Status: status, Reason: err.Error()}).Get(dctx, nil)
		return out, err
	}
	return out, tasks.Finish(ctx)
}

func formation(ctx workflow.Context, tasks *Tasks, in FormationInput, state *FormationState,
	setStep func(step, actor string, detail map[string]any) error) (FormationOutcome, error) {
	var a *activities.Activities
	lead := in.Organizations[0]

	// Application and approval, until approved.
	var app forms.ApplicationResult
	var approval forms.DecisionResult
	org := domain.SubjectOrganization
	var returned *domain.TaskReturn // why the previous round was sent back
	for round := 1; ; round++ {
		state.Round = round
		title := "成立党组织请示（" + in.Kind.Label() + "）"
		out, err := tasks.Ask(ctx, TaskRequest{
			Step: fmt.Sprintf("application/%d", round), Kind: "formation.application", Subject: lead, Title: title,
			SubjectType: org, Context: domain.TaskContext{Returned: returned},
			UnitID: in.UnitID, Role: domain.RoleSecretary, DueWorkingDays: applicationWorkingDays,
			Check: func(raw json.RawMessage) error { return checkApplication(in, raw) },
		})
		if err != nil {
			return FormationOutcome{}, err
		}
		if err := decodeResult(out, &app); err != nil {
			return FormationOutcome{}, err
		}
		if len(app.Members) > 0 {
			members := make([]activities.MemberEntry, len(app.Members))
			for i, m := range app.Members {
				members[i] = activities.MemberEntry{Name: m.Name, Status: m.Status, HomeOrg: m.HomeOrg, JoinedOn: m.JoinedOn}
			}
			if err := workflow.ExecuteActivity(ctx, a.RecordMembers, activities.RecordMembersInput{USCC: lead, Members: members}).Get(ctx, nil); err != nil {
				return FormationOutcome{}, err
			}
		}
		if err := setStep("approval", out.CompletedBy, map[string]any{"round": round}); err != nil {
			return FormationOutcome{}, err
		}
		out, err = tasks.Ask(ctx, TaskRequest{
			Step: fmt.Sprintf("approval/%d", round), Kind: "formation.approval", Subject: lead, SubjectType: org,
			Title:  "成立党组织批复（" + in.Kind.Label() + "，一个月内）",
			UnitID: in.UnitID, Role: domain.RoleOfficer, DueMonths: 1, RemindWorkingDays: 5,
			Check: func(raw json.RawMessage) error { return checkApproval(in.Kind, raw) },
		})
		if err != nil {
			return FormationOutcome{}, err
		}
		if err := decodeResult(out, &approval); err != nil {
			return FormationOutcome{}, err
		}
		if approval.Approved() {
			break
		}
		if err := setStep("application", out.CompletedBy, map[string]any{"returned": approval.Reason, "round": round}); err != nil {
			return FormationOutcome{}, err
		}
		returned = &domain.TaskReturn{Reason: approval.Reason, By: out.CompletedBy, At: workflow.Now(ctx)}
	}

	// The approval brings the party organization into being and moves the members' relations.
	var transfer activities.TransferOutput
	if err := workflow.ExecuteActivity(ctx, a.TransferRelations, activities.TransferInput{
		FormationID: in.FormationID, Committee: app.Committee, EndsOn: app.EndsOn,
		UpgradePrompt: domain.UpgradePrompt(app.Kind, app.FormalMembers+app.ProbationaryMembers), Actor: "system",
	}).Get(ctx, &transfer); err != nil {
		return FormationOutcome{}, err
	}
	state.PartyOrgID = transfer.PartyOrgID

	var officers []Officer
	if in.Kind.Elected() {
		if err := setStep("election", "system", map[string]any{"approved": approval.Reference}); err != nil {
			return FormationOutcome{}, err
		}
		ectx := domain.ElectionContext{FormalMembers: app.FormalMembers, Committee: app.Committee, Register: transfer.Register}
		returned = nil
		for round := 1; ; round++ {
			state.Round = round
			out, err := tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("election/%d", round), Kind: "formation.election", Subject: lead, Title: "党员大会选举：录入选举结果",
				SubjectType: org, Context: domain.TaskContext{Returned: returned},
				UnitID: in.UnitID, Role: domain.RoleSecretary, DueWorkingDays: electionWorkingDays,
				Check: func(raw json.RawMessage) error { return checkElection(ctx, ectx, raw) },
			})
			if err != nil {
				return FormationOutcome{}, err
			}
			var el forms.ElectionResult
			if err := decodeResult(out, &el); err != nil {
				return FormationOutcome{}, err
			}
			officers = officers[:0]
			for _, e := range el.Elected {
				officers = append(officers, Officer{Name: e.Name, Post: e.Post})
			}
			if err := setStep("report", out.CompletedBy, map[string]any{"round": round, "seats": el.Seats, "elected": len(el.Elected)}); err != nil {
				return FormationOutcome{}, err
			}
			out, err = tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("report/%d", round), Kind: "formation.report", Subject: lead, Title: "选举结果报告（第一次支委会分工）",
				SubjectType: org,
				UnitID:      in.UnitID, Role: domain.RoleSecretary, DueWorkingDays: reportWorkingDays,
				Check: func(raw json.RawMessage) error { return checkReport(ctx, el.HeldOn, raw) },
			})
			if err != nil {
				return FormationOutcome{}, err
			}
			if err := setStep("confirmation", out.CompletedBy, map[string]any{"round": round}); err != nil {
				return FormationOutcome{}, err
			}
			out, err = tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("confirmation/%d", round), Kind: "formation.confirmation", Subject: lead, SubjectType: org,
				Title:  "批准书记、副书记，备案委员",
				UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: confirmWorkingDays,
			})
			if err != nil {
				return FormationOutcome{}, err
			}
			var conf forms.DecisionResult
			if err := decodeResult(out, &conf); err != nil {
				return FormationOutcome{}, err
			}
			if conf.Approved() {
				break
			}
			if err := setStep("election", out.CompletedBy, map[string]any{"returned": conf.Reason, "round": round}); err != nil {
				return FormationOutcome{}, err
			}
			returned = &domain.TaskReturn{Reason: conf.Reason, By: out.CompletedBy, At: workflow.Now(ctx)}
		}
	} else {
		for _, p := range approval.Appointed {
			officers = append(officers, Officer{Name: p.Name, Post: p.Post})
		}
	}

	if err := setStep("filing", "system", nil); err != nil {
		return FormationOutcome{}, err
	}
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "filing", Kind: "formation.filing", Subject: lead, Title: "党组织成立报县级组织部门备案", SubjectType: org,
		UnitID: in.ParentUnitID, Role: domain.RoleOfficer, DueWorkingDays: filingWorkingDays,
	})
	if err != nil {
		return FormationOutcome{}, err
	}
	var info activities.PartyOrgInfo
	if err := workflow.ExecuteActivity(ctx, a.ActivatePartyOrg, activities.ActivateInput{
		FormationID: in.FormationID, Officers: officers, Actor: out.CompletedBy,
	}).Get(ctx, &info); err != nil {
		return FormationOutcome{}, err
	}
	state.Step = "active"

	// The party organization's own life (terms, re-election, dissolution) runs on.
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: PartyOrgWorkflowID(info.ID), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(SearchUnit.ValueSet(in.UnitID), SearchSubject.ValueSet(lead)),
	})
	child := workflow.ExecuteChildWorkflow(cctx, PartyOrgWorkflowName, PartyOrgInput{
		PartyOrgID: info.ID, Kind: info.Kind, Lead: lead, UnitID: in.UnitID, Committee: info.Committee, FormalMembers: app.FormalMembers,
		TermDueAt: info.TermDueAt, EndsOn: info.EndsOn,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return FormationOutcome{}, err
	}
	return FormationOutcome{PartyOrgID: info.ID, Officers: officers}, nil
}

func decodeResult(out TaskOutcome, dst any) error {
	//workflowcheck:ignore
	if err := json.Unmarshal(out.Result, dst); err != nil {
		return temporal.NewNonRetryableApplicationError("stored result does not decode: "+err.Error(), "BadResult", nil)
	}
	return nil
}

// checkApplication holds an application to the formation it belongs to.
func checkApplication(in FormationInput, raw json.RawMessage) error {
	var r forms.ApplicationResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	if r.Kind != in.Kind {
		v.Add("kind", fmt.Sprintf("the formation was started for a %s (%s); start another formation for another kind", in.Kind.Label(), in.Kind))
	}
	if in.Kind == domain.KindJoint {
		got := make([]string, len(r.Organizations))
		for i, o := range r.Organizations {
			got[i] = o.USCC
		}
		want := append([]string(nil), in.Organizations...)
		sort.Strings(got)
		sort.Strings(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			v.Add("organizations", fmt.Sprintf("must list exactly the formation's organizations %v", want))
		}
	}
	return v.Err("the application does not fit the formation")
}

// checkApproval requires appointed officers (one secretary) for a temporary branch only.
func checkApproval(kind domain.PartyOrgKind, raw json.RawMessage) error {
	var r forms.DecisionResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	switch {
	case kind != domain.KindTemporary && len(r.Appointed) > 0:
		v.Add("appointed", "rule 选举产生: only a temporary branch has appointed officers; this one elects them")
	case kind == domain.KindTemporary && r.Approved():
		secretaries := 0
		for _, p := range r.Appointed {
			if p.Post == string(domain.PostSecretary) {
				secretaries++
			}
		}
		if secretaries != 1 {
			v.Add("appointed", "rule 临时党支部: approving a temporary branch appoints exactly one secretary")
		}
	}
	return v.Err("the approval is not valid")
}

// checkElection applies the election rules on the workflow's today (a validator, so a result
// dated in the future is refused before it enters history).
func checkElection(ctx workflow.Context, c domain.ElectionContext, raw json.RawMessage) error {
	var r forms.ElectionResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	c.Today = shanghaiToday(ctx)
	domain.CheckElection(c, r.Domain(), &v)
	return v.Err("the election breaks the rules")
}

// checkReport applies the report's dates against the election just taken (heldOn) and today.
func checkReport(ctx workflow.Context, heldOn string, raw json.RawMessage) error {
	var r forms.ReportResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	domain.CheckReport(heldOn, shanghaiToday(ctx), r.FirstMeetingOn, &v)
	return v.Err("the election-result report breaks the rules")
}

// shanghaiToday is the workflow's current civil date in Asia/Shanghai (YYYY-MM-DD).
func shanghaiToday(ctx workflow.Context) string {
	return workflow.Now(ctx).In(calendar.Shanghai).Format(time.DateOnly)
}
