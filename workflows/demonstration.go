package workflows

import (
	"cmp"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// DemonstrationWorkflowName is the registered name of DemonstrationWorkflow.
const DemonstrationWorkflowName = "DemonstrationWorkflow"

// DemonstrationWorkflowID names a point's workflow (demonstration/<point id>).
func DemonstrationWorkflowID(pointID string) string {
	return activities.DemonstrationWorkflowID(pointID)
}

// Messages a point's workflow handles besides the tasks'.
const (
	// SignalDemonstrationObjection: someone objected during the notice (DemonstrationObjectionLodged).
	SignalDemonstrationObjection = "demonstration-objection"
	// QueryDemonstrationState answers where the point is (DemonstrationState).
	QueryDemonstrationState = "demonstration-state"
)

// DemonstrationInput starts a point's workflow; the API records the nomination first.
type DemonstrationInput struct {
	PointID      string
	PartyOrgID   string
	PartyOrgName string
	UnitName     string // the party organization's unit
	CityUnitID   string // the city unit whose officers review, visit, decide and answer objections
	NominatedBy  string
	// NoticeWorkingDays is the public notice's length (TANDEM_DEMONSTRATION_NOTICE_DAYS).
	NoticeWorkingDays int
	// NoticeFor, when set, replaces the working days with a plain duration: for demonstration
	// runs and end-to-end tests, where the engine's clock is the wall clock.
	NoticeFor time.Duration
	// Rechecks and Status resume a named point's workflow after a yearly re-check (continued as
	// new): the re-checks made so far and where the point stands (named or warned).
	Rechecks int
	Status   domain.DemonstrationStatus
	// RecheckMonths and WarningMonths are when a named point is re-checked: that many months
	// after its naming or last keep, and after a warning (TANDEM_DEMONSTRATION_RECHECK; 0: the
	// defaults, a year and a month, as every workflow started before the setting). RecheckFor
	// and WarningFor replace them with durations for demonstration runs.
	RecheckMonths, WarningMonths int
	RecheckFor, WarningFor       time.Duration
}

// DemonstrationObjectionLodged is an objection recorded by the API during the notice.
type DemonstrationObjectionLodged struct {
	ObjectionID string
	LodgedBy    string
}

// DemonstrationState is the answer of the demonstration-state query and the workflow's result.
type DemonstrationState struct {
	Status     domain.DemonstrationStatus `json:"status"`
	Score      int                        `json:"score"`
	Objections int                        `json:"objections"`
	Open       int                        `json:"open_objections"`
}

// Working days each step is given.
const (
	demoReviewWorkingDays    = 10
	demoVisitWorkingDays     = 20
	demoDecisionWorkingDays  = 10
	demoObjectionWorkingDays = 3
	demoRecheckWorkingDays   = 20
)

// When a named point is re-checked by default: a year after it was named or last kept, and a
// warned one after its term to fix (research §2: yearly review, a month's notice to fix, then
// revocation). DemonstrationInput's RecheckMonths and WarningMonths replace them.
const (
	demoRecheckMonths = 12
	demoWarningMonths = 1
)

// DemonstrationWorkflow drives a demonstration point 示范点 (#19): the city's officer reviews the
// files (never the nominator) → a site visit scores it 0–100 → the city's officer names it for
// public notice 公示 or rejects it → the notice runs its working days, during which anyone logged
// in may object; each objection is a task for the city's officers (never the objector): upheld,
// the point is rejected; dismissed, the notice goes on → named, once every objection is answered.
func DemonstrationWorkflow(ctx workflow.Context, in DemonstrationInput) (DemonstrationState, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return DemonstrationState{}, err
	}
	state := &DemonstrationState{Status: domain.DemoNominated}
	if err := workflow.SetQueryHandler(ctx, QueryDemonstrationState, func() (DemonstrationState, error) { return *state, nil }); err != nil {
		return DemonstrationState{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	if in.Rechecks == 0 {
		if err := demonstration(ctx, tasks, in, state); err != nil {
			return *state, err
		}
	} else {
		state.Status = in.Status
	}
	if state.Status != domain.DemoNamed && state.Status != domain.DemoWarned {
		return *state, tasks.Finish(ctx)
	}
	// The re-check 复查: a year on (a term after a warning); each one continues the workflow as
	// new, so a point named for years keeps a short history.
	if err := demonstrationRecheck(ctx, tasks, &in, state); err != nil {
		return *state, err
	}
	if err := tasks.Finish(ctx); err != nil || state.Status == domain.DemoRevoked {
		return *state, err
	}
	in.Status = state.Status
	return *state, workflow.NewContinueAsNewError(ctx, DemonstrationWorkflowName, in)
}

// demonstrationRecheck waits for the next re-check and asks the city's officers (never the
// nominator) to keep, warn or revoke 摘牌 the point.
func demonstrationRecheck(ctx workflow.Context, tasks *Tasks, in *DemonstrationInput, state *DemonstrationState) error {
	var a *activities.Activities
	now := workflow.Now(ctx)
	months, plain := cmp.Or(in.RecheckMonths, demoRecheckMonths), in.RecheckFor
	if state.Status == domain.DemoWarned {
		months, plain = cmp.Or(in.WarningMonths, demoWarningMonths), in.WarningFor
	}
	next := now.AddDate(0, months, 0)
	if plain > 0 {
		next = now.Add(plain)
	}
	if err := workflow.Sleep(ctx, next.Sub(now)); err != nil {
		return err
	}
	n := in.Rechecks + 1
	why := "示范点年度复查（第" + fmt.Sprint(n) + "次）"
	if state.Status == domain.DemoWarned {
		why = "限期整改期满复查"
	}
	out, err := tasks.Ask(ctx, TaskRequest{Step: fmt.Sprintf("recheck/%d", n), Kind: "demonstration.recheck", Subject: in.PartyOrgID,
		SubjectType: domain.SubjectPartyOrg, Title: "示范点年度复查：" + in.PartyOrgName + "（" + in.UnitName + "）",
		Context: domain.TaskContext{Why: why}, UnitID: in.CityUnitID, Role: domain.RoleOfficer, DueWorkingDays: demoRecheckWorkingDays,
		NotBy: []string{in.NominatedBy}})
	if err != nil {
		return err
	}
	var r forms.DemonstrationRecheckResult
	if err := decodeResult(out, &r); err != nil {
		return err
	}
	to := map[string]domain.DemonstrationStatus{"keep": domain.DemoNamed, "warn": domain.DemoWarned, "revoke": domain.DemoRevoked}[r.Decision]
	if err := workflow.ExecuteActivity(ctx, a.AdvanceDemonstration, activities.AdvanceDemonstrationInput{PointID: in.PointID,
		Action: "demonstration.recheck", Actor: out.CompletedBy, To: to, Rechecks: n,
		Detail: map[string]any{"decision": r.Decision, "reason": r.Reason}}).Get(ctx, nil); err != nil {
		return err
	}
	state.Status, in.Rechecks = to, n
	return nil
}

func demonstration(ctx workflow.Context, tasks *Tasks, in DemonstrationInput, state *DemonstrationState) error {
	var a *activities.Activities
	advance := func(action, actor string, to domain.DemonstrationStatus, score *int, detail map[string]any) error {
		err := workflow.ExecuteActivity(ctx, a.AdvanceDemonstration, activities.AdvanceDemonstrationInput{PointID: in.PointID, Action: action,
			Actor: actor, To: to, Score: score, Detail: detail}).Get(ctx, nil)
		if err == nil {
			state.Status = to
		}
		return err
	}
	title := func(step string) string { return step + "：" + in.PartyOrgName + "（" + in.UnitName + "）" }
	why := domain.TaskContext{Why: "示范点推荐：" + in.PartyOrgName}
	ask := func(step, kind, label string, due int, notBy ...string) (TaskOutcome, error) {
		return tasks.Ask(ctx, TaskRequest{Step: step, Kind: kind, Subject: in.PartyOrgID, SubjectType: domain.SubjectPartyOrg,
			Title: title(label), Context: why, UnitID: in.CityUnitID, Role: domain.RoleOfficer, DueWorkingDays: due, NotBy: notBy})
	}
	choice := func(out TaskOutcome) (forms.DemonstrationChoice, error) {
		var d forms.DemonstrationChoice
		return d, decodeResult(out, &d)
	}

	// The city's review of the files.
	if err := advance("demonstration.status", domain.SystemActor, domain.DemoFileReview, nil, nil); err != nil {
		return err
	}
	out, err := ask("review", "demonstration.review", "示范点材料审核", demoReviewWorkingDays, in.NominatedBy)
	if err != nil {
		return err
	}
	d, err := choice(out)
	if err != nil {
		return err
	}
	detail := map[string]any{"decision": d.Decision, "reason": d.Reason}
	if d.Decision != "pass" {
		return advance("demonstration.review", out.CompletedBy, domain.DemoRejected, nil, detail)
	}
	if err := advance("demonstration.review", out.CompletedBy, domain.DemoSiteVisit, nil, detail); err != nil {
		return err
	}

	// The site visit and its score.
	out, err = ask("visit", "demonstration.visit", "示范点实地考察", demoVisitWorkingDays, in.NominatedBy)
	if err != nil {
		return err
	}
	var v forms.DemonstrationVisitResult
	if err := decodeResult(out, &v); err != nil {
		return err
	}
	state.Score = v.Score
	if err := advance("demonstration.visit", out.CompletedBy, domain.DemoDecision, &v.Score,
		map[string]any{"score": v.Score, "notes": v.Notes}); err != nil {
		return err
	}

	// The decision, by comparison: the decider reads the point's rank among the points its city
	// visited in the same year (histories before the ranking have none).
	if workflow.GetVersion(ctx, "demonstration-ranking", workflow.DefaultVersion, 1) == 1 {
		var r activities.DemonstrationRank
		if err := workflow.ExecuteActivity(ctx, a.RankDemonstration, activities.RankDemonstrationInput{PointID: in.PointID,
			CityUnitID: in.CityUnitID}).Get(ctx, &r); err != nil {
			return err
		}
		why = domain.TaskContext{Why: why.Why + "；" + r.Text, UnderReview: r.Data}
	}
	// The decision: named for public notice, or rejected.
	out, err = ask("decision", "demonstration.decision", "示范点评定", demoDecisionWorkingDays, in.NominatedBy)
	if err != nil {
		return err
	}
	if d, err = choice(out); err != nil {
		return err
	}
	detail = map[string]any{"decision": d.Decision, "reason": d.Reason, "score": v.Score}
	if d.Decision != "name" {
		return advance("demonstration.decision", out.CompletedBy, domain.DemoRejected, nil, detail)
	}
	days := in.NoticeWorkingDays
	if days <= 0 {
		days = domain.DefaultNoticeWorkingDays
	}
	detail["notice_working_days"] = days
	var notice activities.DemonstrationInfo
	err = workflow.ExecuteActivity(ctx, a.AdvanceDemonstration, activities.AdvanceDemonstrationInput{PointID: in.PointID,
		Action: "demonstration.decision", Actor: out.CompletedBy, To: domain.DemoPublicNotice, NoticeWorkingDays: days,
		NoticeFor: in.NoticeFor, Detail: detail}).Get(ctx, &notice)
	if err != nil {
		return err
	}
	state.Status = domain.DemoPublicNotice

	// The public notice 公示: objections answered while it runs; it ends when its days are over
	// and every objection is answered, or when one is upheld.
	upheld := false
	var failed error
	seen := map[string]bool{}
	// take opens an objection's task once, however often it is signalled or found.
	take := func(gctx workflow.Context, o DemonstrationObjectionLodged) bool {
		if seen[o.ObjectionID] {
			return false
		}
		seen[o.ObjectionID] = true
		state.Objections++
		state.Open++
		workflow.Go(gctx, func(gctx workflow.Context) {
			defer func() { state.Open-- }()
			if err := demonstrationObjection(gctx, tasks, in, o, title, &upheld, state); err != nil && failed == nil {
				failed = err
			}
		})
		return true
	}
	objections := workflow.GetSignalChannel(ctx, SignalDemonstrationObjection)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var o DemonstrationObjectionLodged
			if !objections.Receive(gctx, &o) {
				return
			}
			take(gctx, o)
		}
	})
	if d := notice.NoticeLeft; d > 0 {
		if _, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return upheld || failed != nil }); err != nil {
			return err
		}
	}
	if err := workflow.Await(ctx, func() bool { return state.Open == 0 || failed != nil }); err != nil {
		return err
	}
	// An objection recorded while the engine was away never signalled here: before the point is
	// named (or, upheld, ends), every objection still open in the store is taken in and answered.
	if workflow.GetVersion(ctx, "demonstration-objection-sweep", workflow.DefaultVersion, 1) == 1 {
		for failed == nil {
			var open []activities.OpenObjection
			if err := workflow.ExecuteActivity(ctx, a.OpenDemonstrationObjections, in.PointID).Get(ctx, &open); err != nil {
				return err
			}
			took := false
			for _, o := range open {
				took = take(ctx, DemonstrationObjectionLodged{ObjectionID: o.ID, LodgedBy: o.LodgedBy}) || took
			}
			if !took {
				break
			}
			if err := workflow.Await(ctx, func() bool { return state.Open == 0 || failed != nil }); err != nil {
				return err
			}
		}
	}
	if failed != nil || upheld {
		return failed
	}
	return advance("demonstration.named", domain.SystemActor, domain.DemoNamed, nil,
		map[string]any{"objections": state.Objections, "notice_to": notice.NoticeTo.Format(time.RFC3339)})
}

// demonstrationObjection asks the city's officers (never the objector) to answer an objection;
// an upheld one rejects the point, and the objector is told the answer either way.
func demonstrationObjection(ctx workflow.Context, tasks *Tasks, in DemonstrationInput, o DemonstrationObjectionLodged,
	title func(string) string, upheld *bool, state *DemonstrationState) error {
	var a *activities.Activities
	out, err := tasks.Ask(ctx, TaskRequest{Step: "objection/" + o.ObjectionID, Kind: "demonstration.objection",
		Subject: in.PartyOrgID, SubjectType: domain.SubjectPartyOrg, Title: title("示范点公示异议处理"),
		Context: domain.TaskContext{Why: "公示期间 " + o.LodgedBy + " 提出异议"},
		UnitID:  in.CityUnitID, Role: domain.RoleOfficer, DueWorkingDays: demoObjectionWorkingDays, NotBy: []string{o.LodgedBy}})
	if err != nil {
		return err
	}
	var d forms.DemonstrationChoice
	if err := decodeResult(out, &d); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(ctx, a.AnswerDemonstrationObjection, activities.AnswerDemonstrationObjectionInput{
		ObjectionID: o.ObjectionID, TaskID: out.TaskID, Actor: out.CompletedBy, Decision: d.Decision, Answer: d.Reason,
		Title: in.PartyOrgName + "（" + in.UnitName + "）"}).Get(ctx, nil); err != nil {
		return err
	}
	if d.Decision != "uphold" || *upheld {
		return nil
	}
	*upheld = true
	state.Status = domain.DemoRejected
	return workflow.ExecuteActivity(ctx, a.AdvanceDemonstration, activities.AdvanceDemonstrationInput{PointID: in.PointID,
		Action: "demonstration.objection_upheld", Actor: out.CompletedBy, To: domain.DemoRejected,
		Detail: map[string]any{"objection_id": o.ObjectionID, "answer": d.Reason}}).Get(ctx, nil)
}
