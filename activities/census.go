package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tandem/domain"
	"tandem/forms"
	"tandem/store"
)

// TaskQueue is the queue every Tandem workflow and activity runs on (workflows.TaskQueue).
const TaskQueue = "tandem"

// Custom search attributes (re-exported by package workflows). They hold codes and IDs only,
// never personal data.
var (
	SearchUnit    = temporal.NewSearchAttributeKeyKeyword("TandemUnit")
	SearchSubject = temporal.NewSearchAttributeKeyKeyword("TandemSubject")
)

// The parts of workflows' contracts that activities need themselves live here, because package
// workflows imports this one; workflows re-exports them beside each workflow.

// CensusVerifyWorkflowName is the registered name of workflows.CensusVerifyWorkflow, which
// StartVerifications starts in bulk.
const CensusVerifyWorkflowName = "CensusVerifyWorkflow"

// VerifyWorkflowID names the verification of one organization: one at a time per organization,
// whichever round asks.
func VerifyWorkflowID(uscc string) string { return "census-verify/" + uscc }

// VerifyTaskKey is the key of a round's verification task of an organization: the workflow ID
// and its step, as workflows.Tasks makes every key.
func VerifyTaskKey(roundID, uscc string) string {
	return VerifyWorkflowID(uscc) + "/verify/" + roundID
}

const (
	// ErrTypeRefused marks a person's answer the store refused (e.g. a unit outside the
	// round): the workflow asks again.
	ErrTypeRefused = "Refused"
)

// VerifyInput is the input of one organization's verification.
type VerifyInput struct {
	RoundID     string
	USCC        string
	UnitID      string // the responsible region unit; "" when the round's unit must assign one
	ScopeUnitID string
	Why         string // why the round chose it, in Chinese (the verification task shows it)
}

// WhySelected says in Chinese why a census round chose its organizations.
func WhySelected(r store.CensusRound) string {
	switch r.Selection {
	case "changed":
		return "名册新增或变更"
	case "unverified":
		return "尚未实地核实"
	case "tag":
		return "标记为“" + r.Tag + "”"
	}
	return "全面摸排"
}

// FanOutInput asks for the next batch of a round's verifications.
type FanOutInput struct {
	RoundID     string
	ScopeUnitID string
	After       string // credit code the previous batch ended at
	Batch       int
	Parallel    int
	Started     int // organizations passed before this batch
	Skipped     int // of those, already in another round's verification
}

// FanOutResult is where the batch ended.
type FanOutResult struct {
	Next    string
	Started int
	Skipped int
	Done    bool
}

// StartVerifications starts one verification workflow per organization of the next batch,
// a bounded number at a time. A workflow ID per organization means one verification at a
// time per organization, and a retried batch starts nothing twice.
func (a *Activities) StartVerifications(ctx context.Context, in FanOutInput) (FanOutResult, error) {
	if in.Batch <= 0 {
		in.Batch = 500
	}
	if in.Parallel <= 0 {
		in.Parallel = 8
	}
	members, err := a.Store.RoundMembers(ctx, in.RoundID, in.After, in.Batch)
	if err != nil {
		return FanOutResult{}, err
	}
	round, err := a.Store.RoundByID(ctx, in.RoundID)
	if err != nil {
		return FanOutResult{}, err
	}
	why := WhySelected(round)
	jobs := make(chan store.RoundMember)
	errs := make(chan error, in.Parallel)
	var skipped atomic.Int64
	var skippedMu sync.Mutex
	var skippedOrgs []string
	var wg sync.WaitGroup
	for range in.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				unit := ""
				if m.UnitID != nil {
					unit = *m.UnitID
				}
				search := temporal.NewSearchAttributes(SearchSubject.ValueSet(m.USCC))
				if unit != "" {
					search = temporal.NewSearchAttributes(SearchSubject.ValueSet(m.USCC), SearchUnit.ValueSet(unit))
				}
				_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
					ID: VerifyWorkflowID(m.USCC), TaskQueue: TaskQueue, TypedSearchAttributes: search,
					WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
					WorkflowExecutionErrorWhenAlreadyStarted: true,
				}, CensusVerifyWorkflowName, VerifyInput{RoundID: in.RoundID, USCC: m.USCC, UnitID: unit, ScopeUnitID: in.ScopeUnitID, Why: why})
				var already *serviceerror.WorkflowExecutionAlreadyStarted
				if errors.As(err, &already) {
					skipped.Add(1)
					skippedMu.Lock()
					skippedOrgs = append(skippedOrgs, m.USCC)
					skippedMu.Unlock()
				} else if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i, m := range members {
		if i%50 == 0 && activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, i)
		}
		jobs <- m
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return FanOutResult{}, fmt.Errorf("start verifications: %w", err)
	default:
	}
	out := FanOutResult{Started: in.Started + len(members), Skipped: in.Skipped + int(skipped.Load()), Done: len(members) < in.Batch}
	if len(members) > 0 {
		out.Next = members[len(members)-1].USCC
	}
	// The round names what it skipped (GET /census-rounds/{id}/skipped-organizations).
	if err := a.Store.MarkSkipped(ctx, in.RoundID, skippedOrgs); err != nil {
		return out, err
	}
	if err := a.Store.SetRoundStarted(ctx, in.RoundID, out.Started, out.Skipped); err != nil {
		return out, err
	}
	return out, nil
}

// roundTasksWait bounds how long NotifyRound waits for the verifications it counts to have
// created their tasks (each in its own workflow, moments after the fan-out).
const roundTasksWait = 2 * time.Minute

// NotifyRound tells each unit's inspectors once how many verification tasks a round gave
// them, instead of one notification per task. The verifications create their tasks on their
// own, so it first waits (bounded by roundTasksWait) until every verification the round
// started has one: a count taken earlier would tell a unit of fewer tasks, or of none.
func (a *Activities) NotifyRound(ctx context.Context, roundID string) error {
	units, err := a.roundUnitsOnceTasked(ctx, roundID)
	if err != nil {
		return err
	}
	for _, u := range units {
		n := u.Open + u.Claimed
		if n == 0 {
			continue
		}
		users, err := a.Store.UsersWithRole(ctx, u.UnitID, domain.RoleInspector)
		if err != nil {
			return err
		}
		unit, err := a.Store.DescribeSubject(ctx, domain.SubjectUnit, u.UnitID)
		if err != nil {
			return err
		}
		if err := a.Notifier.Notify(ctx, users, domain.Notice{Key: "census/" + roundID + "/" + u.UnitID, Kind: "census.round",
			Title: fmt.Sprintf("新摸排任务 %d 项：%s", n, unit.Name),
			Body:  fmt.Sprintf("本轮摸排交给%s %d 项实地走访复核任务，请在任务列表中认领并按期完成。", unit.Name, n),
			Link:  "/api/v1/census-rounds/" + roundID, SubjectType: domain.SubjectUnit, Subject: u.UnitID}); err != nil {
			return err
		}
	}
	return nil
}

// roundUnitsOnceTasked returns a round's progress per unit once every verification it
// started has created its task, or what exists after roundTasksWait.
func (a *Activities) roundUnitsOnceTasked(ctx context.Context, roundID string) ([]store.UnitProgress, error) {
	deadline := time.Now().Add(roundTasksWait)
	for {
		r, err := a.Store.RoundByID(ctx, roundID)
		if err != nil {
			return nil, nonRetryable(err)
		}
		by, units, err := a.Store.RoundProgress(ctx, roundID)
		if err != nil {
			return nil, err
		}
		tasked := 0
		for _, n := range by {
			tasked += n
		}
		if tasked >= r.Started || time.Now().After(deadline) {
			if tasked < r.Started {
				activity.GetLogger(ctx).Warn("census round notified before all its tasks existed", "round", roundID, "tasks", tasked, "started", r.Started)
			}
			return units, nil
		}
		activity.RecordHeartbeat(ctx, tasked)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// RoundFinished reports whether every verification a round started is completed or cancelled.
func (a *Activities) RoundFinished(ctx context.Context, roundID string) (bool, error) {
	r, err := a.Store.RoundByID(ctx, roundID)
	if err != nil {
		return false, nonRetryable(err)
	}
	by, _, err := a.Store.RoundProgress(ctx, roundID)
	if err != nil {
		return false, err
	}
	return store.RoundDone(r, by), nil
}

// CancelVerifications cancels the open verifications of a round (those of other rounds run on).
func (a *Activities) CancelVerifications(ctx context.Context, roundID string) error {
	for after := ""; ; {
		members, err := a.Store.RoundMembers(ctx, roundID, after, 500)
		if err != nil {
			return err
		}
		for _, m := range members {
			t, err := a.Store.TaskByKey(ctx, VerifyTaskKey(roundID, m.USCC))
			if err != nil || !t.Status.Active() {
				continue
			}
			if err := a.Temporal.CancelWorkflow(ctx, VerifyWorkflowID(m.USCC), ""); err != nil {
				var nf *serviceerror.NotFound
				if !errors.As(err, &nf) {
					return err
				}
			}
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, after)
		}
		if len(members) < 500 {
			return nil
		}
		after = members[len(members)-1].USCC
	}
}

// EndRound marks a round done or cancelled.
func (a *Activities) EndRound(ctx context.Context, roundID, status string) error {
	return a.Store.EndRound(ctx, roundID, status, "system")
}

// VisitInput records a completed verification.
type VisitInput struct {
	TaskID    string
	RoundID   string
	USCC      string
	Inspector string
	Result    json.RawMessage
}

// VisitOutcome is the coverage decision of a verification.
type VisitOutcome struct {
	Decision string
	// BothCoverages: a large enterprise (tagged) without an instructor also needs work
	// coverage, whatever its organization coverage.
	BothCoverages bool
}

// ApplyVisit updates the roster from a verification and returns the coverage decision.
func (a *Activities) ApplyVisit(ctx context.Context, in VisitInput) (VisitOutcome, error) {
	decision, err := a.applyVisit(ctx, in)
	if err != nil {
		return VisitOutcome{}, err
	}
	out := VisitOutcome{Decision: decision}
	if decision != domain.DecideNotOperating && decision != domain.DecideWork && decision != domain.DecideNotReal {
		tagged, hasInstructor, err := a.Store.LargeEnterprise(ctx, in.USCC)
		if err != nil {
			return out, err
		}
		out.BothCoverages = tagged && !hasInstructor
	}
	return out, nil
}

func (a *Activities) applyVisit(ctx context.Context, in VisitInput) (string, error) {
	var r forms.VerifyResult
	if err := json.Unmarshal(in.Result, &r); err != nil || r.Operating == nil || r.Employees == nil || r.FormalMembers == nil || r.ProbationaryMembers == nil {
		return "", temporal.NewNonRetryableApplicationError("the verification result does not decode", "BadResult", err)
	}
	min := a.Store.HeadCount()
	// One operating rule (domain.OperatingState): a registration that ended wins over the visit.
	ended, err := a.Store.RegistrationEnded(ctx, in.USCC)
	if err != nil {
		return "", err
	}
	operating := *r.Operating && !ended
	three := domain.ThreeHavesOf(&operating, r.Employees, r.FixedPremises, min)
	decision := domain.CoverageDecision(operating, *r.FormalMembers, r.PartyOrg, three)
	members := make([]store.MemberEntry, len(r.Members))
	for i, m := range r.Members {
		members[i] = store.MemberEntry{Name: m.Name, Status: m.Status, HomeOrg: m.HomeOrg, JoinedOn: m.JoinedOn}
	}
	err = a.Store.RecordVisit(ctx, store.Visit{TaskID: in.TaskID, USCC: in.USCC, RoundID: in.RoundID, Inspector: in.Inspector,
		Operating: *r.Operating, Employees: *r.Employees, FormalMembers: *r.FormalMembers, ProbationaryMembers: *r.ProbationaryMembers,
		PartyOrg: r.PartyOrg, FixedPremises: r.FixedPremises, OwnerIsMember: r.OwnerIsMember, Instructor: r.Instructor,
		Members: members, Result: string(in.Result), Decision: decision})
	return decision, nonRetryable(err)
}

// FormationStarted is a formation a census result recorded; the caller starts its workflow.
type FormationStarted struct {
	ID            string
	WorkflowID    string
	Kind          domain.PartyOrgKind
	Organizations []string
	UnitID        string
	ParentUnitID  string
}

// RecordCensusFormation records the formation a verification calls for; empty when the
// organization is already covered or in a running formation.
func (a *Activities) RecordCensusFormation(ctx context.Context, uscc string) (FormationStarted, error) {
	f, err := a.Store.StartFormation(ctx, domain.Principal{Username: "system", Admin: true},
		store.FormationStart{Kind: domain.KindBranch, Organizations: []string{uscc}, Origin: "census",
			WorkflowID: FormationWorkflowID})
	switch domain.ErrorCode(err) {
	case "":
	case domain.ECONFLICT, domain.EINVALID:
		activity.GetLogger(ctx).Info("no formation from the census", "uscc", uscc, "reason", domain.ErrorMessage(err))
		return FormationStarted{}, nil
	default:
		return FormationStarted{}, err
	}
	parent, err := a.Store.ParentUnit(ctx, f.UnitID)
	if err != nil {
		return FormationStarted{}, err
	}
	return FormationStarted{ID: f.ID, WorkflowID: f.WorkflowID, Kind: f.Kind, Organizations: f.Organizations,
		UnitID: f.UnitID, ParentUnitID: parent.ID}, nil
}

// AssignInput names the responsible region unit of an organization.
type AssignInput struct {
	USCC, UnitID, ScopeUnitID, Actor, Reason string
}

// AssignRegion makes a region unit responsible for an organization without one.
func (a *Activities) AssignRegion(ctx context.Context, in AssignInput) (string, error) {
	u, err := a.Store.AssignRegion(ctx, in.Actor, in.USCC, in.UnitID, in.ScopeUnitID, in.Reason)
	if domain.ErrorCode(err) == domain.EINVALID {
		return "", temporal.NewNonRetryableApplicationError(domain.ErrorMessage(err), ErrTypeRefused, err)
	}
	return u.ID, err
}

// CoverageInput records how an organization is covered.
type CoverageInput struct {
	USCC, Actor string
	Attach      *forms.AttachResult
	Work        *forms.WorkCoverageResult
}

// ApplyCoverage records a joint or regional attachment, or work coverage.
func (a *Activities) ApplyCoverage(ctx context.Context, in CoverageInput) error {
	var err error
	switch {
	case in.Attach != nil:
		err = a.Store.AttachCoverage(ctx, in.Actor, in.USCC, in.Attach.Method, in.Attach.PartyOrgID, in.Attach.RegionalOrg)
	case in.Work != nil:
		err = a.Store.SetWorkCoverage(ctx, in.Actor, in.USCC, in.Work.Means, in.Work.Instructor)
	}
	if domain.ErrorCode(err) == domain.EINVALID {
		return temporal.NewNonRetryableApplicationError(domain.ErrorMessage(err), ErrTypeRefused, err)
	}
	return err
}

// SurveyState says whether a registration's survey was answered, and who follows it up.
type SurveyState struct {
	Answered bool
	UnitID   string
}

// SurveyStatus reads a registration's survey state.
func (a *Activities) SurveyStatus(ctx context.Context, registrationID string) (SurveyState, error) {
	answered, unit, err := a.Store.SurveyState(ctx, registrationID)
	return SurveyState{Answered: answered, UnitID: unit}, nonRetryable(err)
}

// FollowUpInput records what a township learnt following up a survey.
type FollowUpInput struct {
	USCC   string
	Actor  string
	Result forms.FollowUpResult
}

// RecordFollowUp records the member counts a follow-up learnt.
func (a *Activities) RecordFollowUp(ctx context.Context, in FollowUpInput) error {
	return nonRetryable(a.Store.DeclareMembers(ctx, in.Actor, in.USCC, in.Result.FormalMembers, in.Result.ProbationaryMembers, in.Result.Note))
}

// SurveyVerification decides what a registration's declaration calls for, like a census
// result would (domain.CoverageDecision): when it declares members enough for a formation
// (≥3 formal) or an attachment (1–2) and no party organization, it records the
// one-organization round that verifies it and returns it for the workflow to start; otherwise
// (nothing declared, covered, not operating, a field visit already made) it returns no round.
func (a *Activities) SurveyVerification(ctx context.Context, registrationID string) (RoundInfo, error) {
	d, err := a.Store.SurveyDeclarationOf(ctx, registrationID)
	if err != nil {
		return RoundInfo{}, nonRetryable(err)
	}
	if d.Visited {
		return RoundInfo{}, nil
	}
	min := a.Store.HeadCount()
	operating := d.Operating == nil || *d.Operating // a new registration operates unless a source says otherwise
	switch domain.CoverageDecision(operating, d.FormalMembers, d.PartyOrg, domain.ThreeHavesOf(d.Operating, d.Employees, d.FixedPremises, min)) {
	case domain.DecideFormation, domain.DecideAttach:
	default:
		return RoundInfo{}, nil
	}
	r, err := a.Store.RegistrationRound(ctx, registrationID, "system")
	if err != nil {
		return RoundInfo{}, nonRetryable(err)
	}
	return RoundInfo{ID: r.ID, UnitID: r.UnitID}, nil
}
