package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

// Inspections are the operations on special inspection rounds 专项督查 (#19).
type Inspections struct{ *deps }

// DraftRound is what an officer drafts.
type DraftRound struct {
	SponsorUnitID string
	Title, Theme  string
	Targets       []string
	Methods       []string
	FieldFrom     string
	FieldTo       string
	Plan          string
}

func (d DraftRound) store() store.RoundDraft {
	return store.RoundDraft{SponsorUnitID: d.SponsorUnitID, Title: d.Title, Theme: d.Theme, Targets: d.Targets, Methods: d.Methods,
		FieldFrom: d.FieldFrom, FieldTo: d.FieldTo, Plan: d.Plan}
}

// Methods lists the methods a round may use: the four defaults and the configured ones.
func (o *Inspections) Methods() []string {
	out := slices.Clone(domain.DefaultInspectionMethods)
	for _, m := range o.InspectionMethods {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func (o *Inspections) rules(ctx context.Context) (store.RoundRules, error) {
	cal, err := o.Calendar.Calendar(ctx)
	if err != nil {
		return store.RoundRules{}, err
	}
	return store.RoundRules{Calendar: cal, Methods: o.Methods(), WorkflowID: workflows.InspectionWorkflowID}, nil
}

func (o *Inspections) rectificationDays() int {
	if o.RectificationDays > 0 {
		return o.RectificationDays
	}
	return domain.DefaultRectificationWorkingDays
}

func (o *Inspections) recheck() workflows.RecheckPolicy {
	p := workflows.RecheckPolicy{WorkingDays: o.RecheckWorkingDays, Percent: o.RecheckPercent}
	if p.WorkingDays == 0 {
		p.WorkingDays = domain.DefaultRecheckWorkingDays
	}
	switch {
	case p.Percent == 0:
		p.Percent = domain.DefaultRecheckPercent
	case p.Percent < 0:
		p.Percent = 0
	}
	return p
}

// Draft records a round and starts its workflow, which asks another officer of the sponsor to
// review the plan. If the workflow cannot start, the round is marked failed.
func (o *Inspections) Draft(ctx context.Context, p domain.Principal, in DraftRound) (store.InspectionRound, error) {
	rules, err := o.rules(ctx)
	if err != nil {
		return store.InspectionRound{}, err
	}
	r, err := o.Store.CreateInspectionRound(ctx, p, in.store(), rules)
	if err != nil {
		return r, err
	}
	targets := make([]string, 0, len(in.Targets))
	for _, t := range r.Targets {
		targets = append(targets, t.UnitID)
	}
	if len(targets) == 0 { // CreateInspectionRound returns the round without reading its targets back
		targets = in.Targets
	}
	undo := func(ctx context.Context) error {
		return o.Store.SetInspectionStatus(ctx, r.ID, domain.InspectionFailed, p.Username, map[string]any{"reason": "the workflow could not start"})
	}
	return r, o.startRecorded(ctx, startOptions(r.WorkflowID, r.SponsorUnitID, ""),
		domain.Errorf(domain.EUNAVAILABLE, "无法启动专项督查流程，请稍后重试"), undo,
		workflows.InspectionWorkflowName, workflows.InspectionInput{RoundID: r.ID, Title: r.Title, SponsorUnitID: r.SponsorUnitID,
			DraftedBy: r.DraftedBy, Targets: targets, Methods: r.Methods, RectificationWorkingDays: o.rectificationDays(),
			RectificationLadder: o.RectificationLadder, RectificationRecheck: o.recheck(), RectificationDemoDay: o.RectificationDemoDay})
}

// Resubmit replaces a returned plan with the drafter's edit and sends it for review again. When
// the round's workflow cannot be told, the returned plan is put back (store.UndoResubmit), so
// that the drafter's next try is not refused as not returned while no review was asked.
func (o *Inspections) Resubmit(ctx context.Context, p domain.Principal, id string, in DraftRound, idempotencyKey string) (store.InspectionRound, error) {
	rules, err := o.rules(ctx)
	if err != nil {
		return store.InspectionRound{}, err
	}
	prev, err := o.Store.GetInspectionRound(ctx, p, id)
	if err != nil {
		return prev, err
	}
	r, err := o.Store.ResubmitInspectionRound(ctx, p, id, in.store(), rules)
	if err != nil {
		return r, err
	}
	targets := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		targets[i] = t.UnitID
	}
	err = o.signalRound(ctx, r, workflows.SignalPlanResubmitted, workflows.PlanResubmitted{Key: signalKey(p, idempotencyKey),
		Actor: p.Username, Title: r.Title, Targets: targets, Methods: r.Methods})
	if err == nil {
		return r, nil
	}
	// The request may be ending; the plan must be put back all the same.
	if uerr := o.Store.UndoResubmit(context.WithoutCancel(ctx), p.Username, id, prev); uerr != nil {
		o.Log.ErrorContext(ctx, "undoing a resubmission failed: the round waits for a review nobody was asked for",
			"round", id, "error", uerr)
		return r, errors.Join(err, fmt.Errorf("undoing the resubmission of round %s: %w", id, uerr))
	}
	return prev, err
}

// SetTeam names the round's team (回避 checked by the store) and starts the field work.
func (o *Inspections) SetTeam(ctx context.Context, p domain.Principal, id string, in store.TeamInput, idempotencyKey string) ([]store.TargetTeam, error) {
	teams, err := o.Store.SetTeam(ctx, p, id, in)
	if err != nil {
		return nil, err
	}
	r, err := o.Store.GetInspectionRound(ctx, p, id)
	if err != nil {
		return nil, err
	}
	set := workflows.TeamSet{Key: signalKey(p, idempotencyKey), Actor: p.Username}
	for _, t := range teams {
		set.Teams = append(set.Teams, workflows.TargetTeam{Target: t.Target, Leader: t.Leader, Members: t.Members})
	}
	return teams, o.signalRound(ctx, r, workflows.SignalTeamSet, set)
}

// Object lodges a target's objection to a member; an officer of the sponsor decides it through
// an inspection.objection task.
func (o *Inspections) Object(ctx context.Context, p domain.Principal, id, target, username, reason string) (store.Objection, error) {
	ob, err := o.Store.LodgeObjection(ctx, p, id, target, username, reason)
	if err != nil {
		return ob, err
	}
	r, err := o.Store.GetInspectionRound(ctx, p, id)
	if err != nil {
		return ob, err
	}
	return ob, o.signalRound(ctx, r, workflows.SignalObjection, workflows.ObjectionLodged{Key: "objection/" + ob.ID, ObjectionID: ob.ID,
		Target: target, Username: username, Actor: p.Username})
}

func (o *Inspections) signalRound(ctx context.Context, r store.InspectionRound, signal string, arg any) error {
	if err := o.Engine.SignalWorkflow(ctx, r.WorkflowID, "", signal, arg); err != nil {
		o.Log.WarnContext(ctx, "signalling an inspection round", "workflow_id", r.WorkflowID, "signal", signal, "error", err)
		return domain.Errorf(domain.EUNAVAILABLE, "无法联系专项督查流程，请稍后重试")
	}
	return nil
}

// Figures are the counts of findings and rectification items over some targets.
type Figures struct {
	Findings       int `json:"findings"`
	General        int `json:"general"` // 一般
	Major          int `json:"major"`   // 较重
	Severe         int `json:"severe"`  // 严重
	FixedOnTheSpot int `json:"fixed_on_the_spot"`
	Items          int `json:"items"` // rectification items (findings not fixed on the spot)
	SignedOff      int `json:"signed_off"`
	Overdue        int `json:"overdue"`
	// Rectification is the rectification rate: findings fixed on the spot or signed off, over
	// all findings.
	Rectification domain.Rate `json:"rectification_rate"`
}

func (f *Figures) add(fd store.Finding) {
	f.Findings++
	switch fd.Severity {
	case domain.SeverityGeneral:
		f.General++
	case domain.SeverityMajor:
		f.Major++
	case domain.SeveritySevere:
		f.Severe++
	}
	if fd.FixedOnTheSpot {
		f.FixedOnTheSpot++
	}
}

func (f *Figures) addItem(it store.RectificationItem, now time.Time) {
	f.Items++
	if it.Status == domain.RectSignedOff {
		f.SignedOff++
	} else if now.After(it.DueAt) {
		f.Overdue++
	}
}

func (f *Figures) rate() { f.Rectification = domain.RateOf(f.FixedOnTheSpot+f.SignedOff, f.Findings) }

// TargetFigures are one target's figures.
type TargetFigures struct {
	UnitID   string
	UnitName string
	Visited  bool
	Feedback string
	Figures
}

// CategoryFigures are the figures of one category of finding.
type CategoryFigures struct {
	Category string
	Figures
}

// RoundReport is a round's report: findings by category and severity, per target, the
// rectification rate and the overdue items, as of At.
type RoundReport struct {
	Round store.InspectionRound
	// Whole: the caller reads every target (the sponsor's side or the team); otherwise only
	// the targets in their scope are counted.
	Whole         bool
	Team          []store.TeamMember
	Targets       []TargetFigures
	Categories    []CategoryFigures
	Total         Figures
	ItemsByStatus map[domain.RectificationStatus]int
	Overdue       []store.RectificationItem
	At            time.Time
}

// Report reads a round the caller may read and counts its findings and items.
func (o *Inspections) Report(ctx context.Context, p domain.Principal, id string) (RoundReport, error) {
	r, err := o.Store.GetInspectionRound(ctx, p, id)
	if err != nil {
		return RoundReport{}, err
	}
	findings, err := o.Store.RoundFindings(ctx, id)
	if err != nil {
		return RoundReport{}, err
	}
	items, err := o.Store.RoundItems(ctx, id)
	if err != nil {
		return RoundReport{}, err
	}
	out := RoundReport{Round: r, Whole: o.Store.SeesWholeInspection(ctx, p, r), At: o.now()}
	if out.Whole {
		if out.Team, err = o.Store.Team(ctx, id); err != nil {
			return RoundReport{}, err
		}
	}
	return figure(out, findings, items, p), nil
}

// figure counts findings and items into the report, target by target.
func figure(out RoundReport, findings []store.Finding, items []store.RectificationItem, p domain.Principal) RoundReport {
	shown := map[string]int{}
	var targets []store.InspectionTarget
	for _, t := range out.Round.Targets {
		if out.Whole || p.Views(t.UnitPath) {
			shown[t.UnitID] = len(out.Targets)
			targets = append(targets, t)
			out.Targets = append(out.Targets, TargetFigures{UnitID: t.UnitID, UnitName: t.UnitName, Visited: t.VisitedAt != nil, Feedback: t.Feedback})
		}
	}
	out.Round.Targets = targets
	byCategory := map[string]*CategoryFigures{}
	var order []string
	category := map[string]string{}
	for _, f := range findings {
		i, ok := shown[f.TargetUnitID]
		if !ok {
			continue
		}
		category[f.ID] = f.Category
		out.Targets[i].add(f)
		out.Total.add(f)
		c := byCategory[f.Category]
		if c == nil {
			c = &CategoryFigures{Category: f.Category}
			byCategory[f.Category] = c
			order = append(order, f.Category)
		}
		c.add(f)
	}
	out.ItemsByStatus = map[domain.RectificationStatus]int{}
	for _, st := range domain.RectificationStatuses {
		out.ItemsByStatus[st] = 0
	}
	for _, it := range items {
		i, ok := shown[it.UnitID]
		if !ok {
			continue
		}
		out.ItemsByStatus[it.Status]++
		out.Targets[i].addItem(it, out.At)
		out.Total.addItem(it, out.At)
		if c := byCategory[category[it.FindingID]]; c != nil {
			c.addItem(it, out.At)
		}
		if it.Status.Open() && out.At.After(it.DueAt) {
			out.Overdue = append(out.Overdue, it)
		}
	}
	sort.SliceStable(out.Overdue, func(i, j int) bool { return out.Overdue[i].DueAt.Before(out.Overdue[j].DueAt) })
	for i := range out.Targets {
		out.Targets[i].rate()
	}
	for _, name := range order {
		c := byCategory[name]
		c.rate()
		out.Categories = append(out.Categories, *c)
	}
	out.Total.rate()
	return out
}

// TargetFeedback is the feedback 反馈意见 a round gave one target, as it prints: the issuing
// unit (the round's sponsor) and the round's approval 文号, the target, the unit above it that
// was copied 抄告, and the target's findings.
type TargetFeedback struct {
	Round    store.InspectionRound
	Target   store.InspectionTarget
	CC       string // the unit above the target, by name ("" for a target at the top)
	Findings []store.Finding
}

// Feedback reads a target's feedback for the sponsor's people, the target's officers and the
// officers of the units above it (who were copied). A round the caller may not read, or a
// target they do not see in it, is ENOTFOUND; the round's team and a target's non-officers
// get EFORBIDDEN; a target without its feedback yet is ECONFLICT.
func (o *Inspections) Feedback(ctx context.Context, p domain.Principal, roundID, unitID string) (TargetFeedback, error) {
	r, err := o.Store.GetInspectionRound(ctx, p, roundID)
	if err != nil {
		return TargetFeedback{}, err
	}
	whole := o.Store.SeesWholeInspection(ctx, p, r)
	var out TargetFeedback
	found := false
	for _, t := range r.Targets {
		if t.UnitID == unitID && (whole || p.Views(t.UnitPath)) {
			out.Target, found = t, true
		}
	}
	if !found {
		return TargetFeedback{}, domain.Errorf(domain.ENOTFOUND, "督查轮次中没有这个被督查单位")
	}
	if !p.Admin && !p.Views(r.SponsorPath) && !p.HoldsRoleOver(domain.RoleOfficer, out.Target.UnitPath) {
		return TargetFeedback{}, domain.Errorf(domain.EFORBIDDEN, "“%s”的督查反馈意见只有牵头单位、被督查单位的干部及其上级单位的干部可以查看",
			out.Target.UnitName)
	}
	if out.Target.FeedbackAt == nil {
		return TargetFeedback{}, domain.Errorf(domain.ECONFLICT, "“%s”的督查反馈意见尚未形成", out.Target.UnitName)
	}
	out.Round = r
	if parent, err := o.Store.ParentUnit(ctx, unitID); err != nil {
		return TargetFeedback{}, err
	} else if parent.ID != unitID {
		out.CC = parent.Name
	}
	findings, err := o.Store.RoundFindings(ctx, roundID)
	if err != nil {
		return TargetFeedback{}, err
	}
	for _, f := range findings {
		if f.TargetUnitID == unitID {
			out.Findings = append(out.Findings, f)
		}
	}
	return out, nil
}
