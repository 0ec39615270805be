package workflows

import (
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
)

// Registered names of the cycle workflows.
const (
	ScheduledCycleWorkflowName = "ScheduledCycleWorkflow"
	PeriodWorkflowName         = "PeriodWorkflow"
)

// PeriodWorkflowID names the one workflow of a period.
func PeriodWorkflowID(kind, period string) string { return "period/" + kind + "/" + period }

// scheduledStart is the time a Schedule meant a run for, which the server sets on every
// workflow it starts from a schedule.
var scheduledStart = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ScheduledCycleWorkflow is what the cycle Schedules start. It covers the period that ended
// before the scheduled time (not the clock: a late or backfilled run means the right period),
// records it once, and starts its PeriodWorkflow; a period already recorded starts nothing.
func ScheduledCycleWorkflow(ctx workflow.Context, kind string) error {
	at := workflow.Now(ctx)
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStart); ok {
		at = t
	}
	p, err := calendar.PeriodEndedBy(kind, at)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), domain.EINVALID, nil)
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	var info activities.PeriodInfo
	if err := workflow.ExecuteActivity(ctx, a.OpenPeriod, activities.OpenPeriodInput{Kind: kind, Period: p.Key, Trigger: "schedule",
		Actor: "schedule", OpensAt: at}).Get(ctx, &info); err != nil {
		return err
	}
	if !info.Created {
		workflow.GetLogger(ctx).Info("period already run", "kind", kind, "period", p.Key)
		return nil
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: PeriodWorkflowID(kind, p.Key), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(SearchSubject.ValueSet(p.Key)),
	})
	child := workflow.ExecuteChildWorkflow(cctx, PeriodWorkflowName, PeriodInput{PeriodID: info.ID, Kind: kind, Period: p.Key,
		Start: p.Start, ClosesAt: info.ClosesAt, DeliveryDays: info.DeliveryDays})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return err
	}
	return nil
}

// PeriodInput is one recorded period to run.
type PeriodInput struct {
	PeriodID string
	Kind     string
	Period   string
	Start    time.Time // the period's first day
	ClosesAt time.Time // the end of its working window
	// DeliveryDays is how many working days each delivery task is due in; zero in histories
	// from before it was configurable, which meant DefaultDeliveryDays.
	DeliveryDays int
}

// PeriodWorkflow runs one period of a cycle (one workflow per period: period/<kind>/<key>).
func PeriodWorkflow(ctx workflow.Context, in PeriodInput) error {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	finish := func(status string, summary map[string]any) error {
		return workflow.ExecuteActivity(ctx, a.FinishPeriod, activities.FinishPeriodInput{PeriodID: in.PeriodID, Status: status, Summary: summary}).Get(ctx, nil)
	}
	switch in.Kind {
	case calendar.Monthly:
		err = monthlyDocking(ctx, tasks, in, finish)
	case calendar.Quarterly:
		err = quarterlyAnalysis(ctx, tasks, in, finish)
	case calendar.HalfYear:
		err = halfYearAssessment(ctx, in, finish)
	default:
		msg := "there is no " + in.Kind + " cycle: this period was recorded, nothing else ran"
		if ferr := finish(string(domain.PeriodFailed), map[string]any{"error": msg}); ferr != nil {
			return ferr
		}
		return temporal.NewNonRetryableApplicationError(msg, "UnknownCycle", nil)
	}
	if err != nil {
		_ = finish(string(domain.PeriodFailed), map[string]any{"error": err.Error()})
		return err
	}
	return tasks.Finish(ctx)
}

// monthlyDocking is the monthly cycle 每月一对接: the liaison of each source's department
// delivers the month's extract of that source (a roster import linked to the period) within
// the window; when all are in or
// the window closes, the deliveries are summed, new and changed organizations go to a census
// round, each county gets its bulletin 通报 and its officers a bulletin.acknowledge task.
func monthlyDocking(ctx workflow.Context, tasks *Tasks, in PeriodInput, finish func(string, map[string]any) error) error {
	var a *activities.Activities
	// Each source mapped to a department gets its task, naming the source; histories from
	// before asked every department unit for one unnamed extract.
	var sources []activities.SourceDelivery
	if workflow.GetVersion(ctx, "delivery-sources", workflow.DefaultVersion, 1) == 1 {
		if err := workflow.ExecuteActivity(ctx, a.DeliverySources).Get(ctx, &sources); err != nil {
			return err
		}
	} else {
		var units []string
		if err := workflow.ExecuteActivity(ctx, a.DeliveryUnits).Get(ctx, &units); err != nil {
			return err
		}
		for _, u := range units {
			sources = append(sources, activities.SourceDelivery{UnitID: u})
		}
	}
	days := in.DeliveryDays
	if days <= 0 {
		days = activities.DefaultDeliveryDays
	}
	// What each delivery is known by: its source, or (in old histories) its unit.
	keyOf := func(d activities.SourceDelivery) string {
		if d.Source != "" {
			return d.Source
		}
		return d.UnitID
	}
	delivered := map[string]bool{}
	for _, d := range sources {
		step, title, subject := "delivery/"+d.UnitID, domain.PeriodLabel(in.Period)+"数据报送", in.Period
		if d.Source != "" {
			step += "/" + d.Source
			title += "：" + d.Label + "名册"
			subject += "/" + d.Source
		}
		workflow.Go(ctx, func(gctx workflow.Context) {
			for round := 1; ; round++ {
				out, err := tasks.Ask(gctx, TaskRequest{
					Step: step + "/" + strconv.Itoa(round), Kind: "delivery.upload", Subject: subject,
					Title: title, UnitID: d.UnitID, Role: domain.RoleLiaison, DueWorkingDays: days,
				})
				if err != nil {
					return
				}
				var r forms.DeliveryResult
				if decodeResult(out, &r) != nil {
					return
				}
				err = workflow.ExecuteActivity(gctx, a.RecordDelivery, activities.DeliveryInput{PeriodID: in.PeriodID, UnitID: d.UnitID,
					Source: d.Source, ImportID: r.ImportID, Actor: out.CompletedBy}).Get(gctx, nil)
				if err == nil {
					delivered[keyOf(d)] = true
					return
				}
				if !isRefused(err) {
					workflow.GetLogger(gctx).Error("delivery not recorded", "unit", d.UnitID, "source", d.Source, "error", err)
					return
				}
			}
		})
	}
	allIn := func() bool { return len(delivered) == len(sources) }
	if d := in.ClosesAt.Sub(workflow.Now(ctx)); d > 0 {
		if _, err := workflow.AwaitWithTimeout(ctx, d, allIn); err != nil {
			return err
		}
	}
	var sums map[string]int
	if err := workflow.ExecuteActivity(ctx, a.PeriodSummary, in.PeriodID).Get(ctx, &sums); err != nil {
		return err
	}
	var missing []string
	for _, d := range sources {
		if !delivered[keyOf(d)] {
			missing = append(missing, keyOf(d))
		}
	}
	var rounds []activities.RoundInfo
	if err := workflow.ExecuteActivity(ctx, a.ChangedRounds, in.Start).Get(ctx, &rounds); err != nil {
		return err
	}
	for _, r := range rounds {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: CensusWorkflowID(r.ID), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			TypedSearchAttributes: temporal.NewSearchAttributes(SearchUnit.ValueSet(r.UnitID), SearchSubject.ValueSet(r.ID)),
		})
		child := workflow.ExecuteChildWorkflow(cctx, CensusRoundWorkflowName, CensusRoundInput{RoundID: r.ID, ScopeUnitID: r.UnitID})
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return err
		}
	}
	var counties []string
	if err := workflow.ExecuteActivity(ctx, a.MakeBulletins, activities.BulletinInput{PeriodID: in.PeriodID, Period: in.Period}).Get(ctx, &counties); err != nil {
		return err
	}
	roundIDs := make([]string, len(rounds))
	for i, r := range rounds {
		roundIDs[i] = r.ID
	}
	if err := finish(string(domain.PeriodDone), map[string]any{"deliveries": sums, "missing_deliveries": missing, "census_rounds": roundIDs,
		"bulletins": counties}); err != nil {
		return err
	}
	acknowledged := 0
	for _, county := range counties {
		workflow.Go(ctx, func(gctx workflow.Context) {
			_, err := tasks.Ask(gctx, TaskRequest{
				Step: "bulletin/" + county, Kind: "bulletin.acknowledge", Subject: in.Period,
				SubjectType: domain.SubjectPeriod,
				Title:       domain.PeriodLabel(in.Period) + "两新组织“双同步”工作月度通报", UnitID: county, Role: domain.RoleOfficer, DueWorkingDays: 5,
			})
			if err == nil {
				acknowledged++
			}
		})
	}
	// Deliveries still missing stay open (and escalated) until the bulletins are read; then the
	// period's remaining tasks are cancelled by Finish.
	return workflow.Await(ctx, func() bool { return acknowledged == len(counties) })
}

// quarterlyAnalysis is the quarterly cycle 每季一分析: the coverage of each county (region net)
// and each industry committee (industry net) is stored for the quarter with its trend and the
// problems found from the data; the unit's officer writes the analysis on top of it
// (analysis.draft), an officer of the parent unit approves or returns it (analysis.review), and
// the approved analysis is published.
func quarterlyAnalysis(ctx workflow.Context, tasks *Tasks, in PeriodInput, finish func(string, map[string]any) error) error {
	var a *activities.Activities
	// The quarter's figures are its last month's, the state when that month's data was in
	// (docs/figures.md): while the month's period still collects its deliveries, wait for it (at
	// most until this period's window closes). Histories from before made them at once.
	if workflow.GetVersion(ctx, "analysis-after-last-month", workflow.DefaultVersion, 1) == 1 {
		for {
			var in2 bool
			if err := workflow.ExecuteActivity(ctx, a.MonthDataIn, in.Period).Get(ctx, &in2); err != nil {
				return err
			}
			left := in.ClosesAt.Sub(workflow.Now(ctx))
			if in2 || left <= 0 {
				break
			}
			if err := workflow.Sleep(ctx, min(left, time.Hour)); err != nil {
				return err
			}
		}
	}
	var counties []activities.AnalysisInfo
	if err := workflow.ExecuteActivity(ctx, a.MakeAnalyses, in.PeriodID, in.Period).Get(ctx, &counties); err != nil {
		return err
	}
	published := 0
	for _, c := range counties {
		workflow.Go(ctx, func(gctx workflow.Context) {
			quarter := domain.PeriodLabel(in.Period)
			var returned *domain.TaskReturn // why the reviewer sent the previous draft back
			for round := 1; ; round++ {
				out, err := tasks.Ask(gctx, TaskRequest{
					Step: "analysis/" + c.CountyID + "/" + strconv.Itoa(round), Kind: "analysis.draft", Subject: c.CountyID,
					SubjectType: domain.SubjectUnit, Context: domain.TaskContext{Period: in.Period, Returned: returned},
					Title: quarter + "分析撰写（在问题清单基础上）", UnitID: c.CountyID, Role: domain.RoleOfficer, DueWorkingDays: 10,
				})
				if err != nil {
					return
				}
				var draft forms.DraftResult
				if decodeResult(out, &draft) != nil {
					return
				}
				review, err := tasks.Ask(gctx, TaskRequest{
					Step: "analysis-review/" + c.CountyID + "/" + strconv.Itoa(round), Kind: "analysis.review", Subject: c.CountyID,
					SubjectType: domain.SubjectUnit, Context: domain.TaskContext{Period: in.Period},
					Title: quarter + "分析审核", UnitID: c.ReviewerUnitID, Role: domain.RoleOfficer, DueWorkingDays: 5,
				})
				if err != nil {
					return
				}
				var d forms.DecisionResult
				if decodeResult(review, &d) != nil {
					return
				}
				if !d.Approved() {
					returned = &domain.TaskReturn{Reason: d.Reason, By: review.CompletedBy, At: workflow.Now(gctx)}
					continue
				}
				if err := workflow.ExecuteActivity(gctx, a.PublishAnalysis, activities.PublishInput{PeriodID: in.PeriodID,
					CountyID: c.CountyID, Text: draft.Text, Actor: review.CompletedBy}).Get(gctx, nil); err != nil {
					workflow.GetLogger(gctx).Error("publishing failed", "county", c.CountyID, "error", err)
					return
				}
				published++
				return
			}
		})
	}
	if err := workflow.Await(ctx, func() bool { return published == len(counties) }); err != nil {
		return err
	}
	return finish(string(domain.PeriodDone), map[string]any{"analyses": len(counties)})
}
