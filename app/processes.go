package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"tandem/diskspace"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
	"tandem/workflows"
)

// CensusRounds are the operations on census rounds 普查.
type CensusRounds struct{ *deps }

// StartCensusRound picks a unit's organizations for a round.
type StartCensusRound struct {
	UnitID string
	Select string // all | changed | unverified | tag
	Since  string // YYYY-MM-DD, with select changed
	Tag    string
}

// CensusRoundStarted is a recorded round whose workflow runs.
type CensusRoundStarted struct {
	store.CensusRound
	WorkflowID string
}

// Start records a census round over a unit's subtree and starts its workflow: an officer over
// the unit, or an admin. If the workflow cannot start, the round is cancelled.
func (o *CensusRounds) Start(ctx context.Context, p domain.Principal, in StartCensusRound) (CensusRoundStarted, error) {
	start := store.RoundStart{UnitID: in.UnitID, Selection: in.Select, Tag: in.Tag}
	if in.Since != "" {
		t, err := time.ParseInLocation(time.DateOnly, in.Since, calendar.Shanghai)
		if err != nil {
			return CensusRoundStarted{}, domain.Invalid("排查轮次不正确", domain.FieldFailed("since", domain.CodeBadDate))
		}
		start.Since = &t
	}
	r, err := o.Store.CreateRound(ctx, p, start)
	if err != nil {
		return CensusRoundStarted{}, err
	}
	out := CensusRoundStarted{CensusRound: r, WorkflowID: workflows.CensusWorkflowID(r.ID)}
	return out, o.startRecorded(ctx, startOptions(out.WorkflowID, r.UnitID, r.ID),
		domain.Errorf(domain.EUNAVAILABLE, "无法启动排查流程，请稍后重试"),
		func(ctx context.Context) error {
			return o.Store.EndRound(ctx, r.ID, string(domain.RoundCancelled), p.Username)
		},
		workflows.CensusRoundWorkflowName, workflows.CensusRoundInput{RoundID: r.ID, ScopeUnitID: r.UnitID})
}

// Cancel asks a running round's workflow to cancel its open verifications: an officer over
// its unit, or an admin.
func (o *CensusRounds) Cancel(ctx context.Context, p domain.Principal, id string) (store.CensusRound, error) {
	r, err := o.Store.GetRound(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, r.UnitPath) {
		return r, domain.Errorf(domain.EFORBIDDEN, "只有排查所在单位的上级组织员可以取消排查")
	}
	if r.Status != string(domain.RoundRunning) {
		return r, domain.Errorf(domain.ECONFLICT, "排查状态为 %s，不能执行此操作", r.Status)
	}
	if err := o.Engine.SignalWorkflow(ctx, workflows.CensusWorkflowID(r.ID), "", workflows.SignalCancelRound, nil); err != nil {
		o.Log.WarnContext(ctx, "cancelling a census round", "round", r.ID, "error", err)
		return r, domain.Errorf(domain.EUNAVAILABLE, "无法联系排查流程，请稍后重试")
	}
	return r, nil
}

// Cycles are the monthly, quarterly and half-year cycles.
type Cycles struct{ *deps }

// CycleRun is a period run now, or found already run.
type CycleRun struct {
	activities.PeriodInfo
	Kind, Period, WorkflowID string
}

// Run runs a period of a cycle now (an admin checks the route): the windows open from now. A
// period that has run (or is running) starts nothing new and is returned as it is; this is also
// how an admin backfills a period the schedule missed. If the workflow cannot start, the
// period is marked failed.
func (o *Cycles) Run(ctx context.Context, p domain.Principal, kind, key string) (CycleRun, error) {
	out := CycleRun{Kind: kind, Period: key, WorkflowID: workflows.PeriodWorkflowID(kind, key)}
	period, err := calendar.ParsePeriod(kind, key)
	if err != nil {
		return out, domain.Invalid("周期不正确", domain.FieldFailed("period", domain.CodeBadFormat, "YYYY-MM、YYYY-Qn、YYYY-Hn"))
	}
	now := o.now()
	if period.End.After(now) {
		return out, domain.Invalid("周期尚未结束", domain.FieldFailed("period", domain.CodePeriodNotEnded, period.End.In(calendar.Shanghai).Format(time.DateOnly)))
	}
	// The same decision as the scheduled path: the window and the delivery tasks' due dates
	// follow TANDEM_DELIVERY_WORKING_DAYS.
	opener := activities.Activities{Store: o.Store, Calendar: o.Calendar, DeliveryDays: o.DeliveryDays}
	out.PeriodInfo, err = opener.OpenPeriod(ctx, activities.OpenPeriodInput{Kind: kind, Period: key, Trigger: "manual",
		Actor: p.Username, OpensAt: now})
	if err != nil || !out.Created {
		return out, err
	}
	opts := startOptions(out.WorkflowID, "", key)
	opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	info := out.PeriodInfo
	return out, o.startRecorded(ctx, opts, domain.Errorf(domain.EUNAVAILABLE, "无法启动该周期的流程，请稍后重试"),
		func(ctx context.Context) error {
			return o.Store.FinishPeriod(ctx, info.ID, string(domain.PeriodFailed), map[string]string{"error": "the period's workflow could not start"})
		},
		workflows.PeriodWorkflowName, workflows.PeriodInput{PeriodID: info.ID, Kind: kind, Period: key, Start: period.Start,
			ClosesAt: info.ClosesAt, DeliveryDays: info.DeliveryDays})
}

// RosterImports are deliveries of a source's roster extract.
type RosterImports struct{ *deps }

// StartRosterImport is an extract a department delivered, with how to read it; the caller has
// checked the form's bounds and the uploader's quota.
type StartRosterImport struct {
	Source   string
	Encoding string // utf-8 | gbk | gb18030; empty: detect
	Sheet    string
	Mapping  string // a JSON object of field to header text; empty: the header synonyms
	Filename string
	// Open opens the uploaded file; nil: none was sent.
	Open func() (io.ReadCloser, error)
	// Limit is the largest file accepted (store.ErrTooLarge past it).
	Limit int64
}

// Start checks an extract, stores it and starts its import as a durable job. Only a source's
// own department (its liaisons) or an admin delivers its extract (the 403 names who may); an
// officer corrects one organization through field visits and resolutions, never through a
// source's file. If the job cannot start, the import fails at once, so that later imports of
// the source do not queue behind it.
func (o *RosterImports) Start(ctx context.Context, p domain.Principal, in StartRosterImport) (store.RosterImport, error) {
	var v domain.Validation
	if !roster.FileSource(in.Source) {
		v.AddCode("source", domain.CodeNotAllowed, strings.Join(store.FileSources(), "、"))
	} else if _, err := o.Store.MayDeliver(ctx, p, in.Source); err != nil {
		return store.RosterImport{}, err // before the file is stored: the store refuses it again in CreateImport
	}
	opts := activities.ImportOptions{Encoding: strings.ToLower(in.Encoding), Sheet: in.Sheet}
	if opts.Encoding != "" && opts.Encoding != "utf-8" && opts.Encoding != "gbk" && opts.Encoding != "gb18030" {
		v.AddCode("encoding", domain.CodeNotAllowed, "utf-8、gbk、gb18030（留空则自动识别）")
	}
	if in.Mapping != "" {
		if err := json.Unmarshal([]byte(in.Mapping), &opts.Mapping); err != nil {
			v.AddCode("mapping", domain.CodeBadFormat, `JSON 对象，字段名对应表头文字，如 {"uscc":"纳税人识别号"}`)
		}
		for f := range opts.Mapping {
			if !slices.Contains(roster.Fields, roster.Field(f)) {
				v.AddCode("mapping", domain.CodeUnknownMapping, f)
			}
		}
	}
	if in.Open == nil {
		v.AddCode("file", domain.CodeRequired)
	}
	if err := v.Err("导入请求不正确"); err != nil {
		return store.RosterImport{}, err
	}
	f, err := in.Open()
	if err != nil {
		return store.RosterImport{}, err
	}
	defer f.Close()
	optJSON, err := json.Marshal(opts)
	if err != nil {
		return store.RosterImport{}, err
	}
	imp, err := o.Store.CreateImport(ctx, p, in.Source, in.Filename, f, in.Limit, string(optJSON))
	if err != nil {
		return imp, err
	}
	return imp, o.startRecorded(ctx, startOptions(workflows.RosterImportWorkflowID(imp.ID), "", imp.ID),
		domain.Errorf(domain.EUNAVAILABLE, "无法启动导入任务，请稍后重试"),
		func(ctx context.Context) error {
			return o.Store.FailImport(ctx, imp.ID, "无法启动导入任务，请稍后重试", nil)
		},
		workflows.RosterImportWorkflowName, imp.ID)
}

// Registrations are the registrations market supervision reports.
type Registrations struct{ *deps }

// ReportRegistration is a new or changed registration.
type ReportRegistration struct {
	USCC, Name, Township, Industry string
	Event                          string // new | changed
}

// Report takes a new or changed registration from the market-supervision system (a department
// liaison's account, or an admin): the organization joins the roster, and a prompt letter 提示函
// with a one-time survey link goes out; an unanswered survey becomes a follow-up task for the
// township when the link expires. If that follow-up cannot start, the link is withdrawn (it
// would lead nowhere) and the caller is told to report again.
func (o *Registrations) Report(ctx context.Context, p domain.Principal, in ReportRegistration) (store.Registration, error) {
	if !p.Admin && !p.HoldsAnyRole(domain.RoleLiaison) {
		return store.Registration{}, domain.Errorf(domain.EFORBIDDEN, "登记信息由部门联络员（市场监管系统账号）报送")
	}
	cal, err := o.Calendar.Calendar(ctx)
	if err != nil {
		return store.Registration{}, err
	}
	days := o.SurveyDays
	if days <= 0 {
		days = 5
	}
	expires := cal.DueAfterWorkingDays(o.now(), days).At
	reg, err := o.Store.ReportRegistration(ctx, p.Username, store.RegistrationReport{USCC: domain.NormalizeUSCC(in.USCC),
		Name: strings.TrimSpace(in.Name), Township: strings.TrimSpace(in.Township), Industry: strings.TrimSpace(in.Industry), Event: in.Event}, expires)
	if err != nil {
		return reg, err
	}
	return reg, o.startRecorded(ctx, startOptions(workflows.SurveyWorkflowID(reg.ID), "", reg.USCC),
		domain.Errorf(domain.EUNAVAILABLE, "登记已记录，但后续跟进流程未能启动，请重新报送"),
		func(ctx context.Context) error { return o.Store.WithdrawSurvey(ctx, reg.ID, p.Username) },
		workflows.SurveyWorkflowName, workflows.SurveyInput{RegistrationID: reg.ID, USCC: reg.USCC, ExpiresAt: reg.ExpiresAt})
}

// Answer records the enterprise's survey answer once and tells the survey's workflow, which
// then starts the organization's verification if the declaration calls for it (issue #17 §4):
// at once, not when the link expires. The answer stands if the workflow cannot be reached (a
// workflow from before the change reads it at the expiry as before); the miss is logged.
func (o *Registrations) Answer(ctx context.Context, token string, a store.SurveyAnswer) (store.Registration, error) {
	reg, err := o.Store.AnswerSurvey(ctx, token, a)
	if err != nil {
		return reg, err
	}
	if err := o.Engine.SignalWorkflow(ctx, workflows.SurveyWorkflowID(reg.ID), "", workflows.SignalSurveyAnswered, nil); err != nil {
		o.Log.WarnContext(ctx, "telling the survey's workflow of its answer", "registration", reg.ID, "error", err)
	}
	return reg, nil
}

// Drills are test tasks sent to a unit's role.
type Drills struct{ *deps }

// StartDrill names who receives a drill's task.
type StartDrill struct {
	UnitID         string
	Role           string
	Assignee       string
	DueWorkingDays int
	Note           string
}

// DrillStarted is a drill whose workflow runs.
type DrillStarted struct{ ID, WorkflowID string }

// Start sends a test task to a unit's role: an officer over the unit (or an admin) checks that
// its people receive and complete tasks. Nothing is recorded before the workflow, so nothing
// needs compensating.
func (o *Drills) Start(ctx context.Context, p domain.Principal, in StartDrill) (DrillStarted, error) {
	var v domain.Validation
	if !domain.ValidRole(domain.Role(in.Role)) {
		v.AddCode("role", domain.CodeNotAllowed, "officer、secretary、inspector、liaison")
	}
	if in.DueWorkingDays < 0 || in.DueWorkingDays > domain.MaxDrillWorkingDays {
		v.Add("due_in_working_days", fmt.Sprintf("from 1 to %d (default %d)", domain.MaxDrillWorkingDays, domain.DefaultTaskWorkingDays))
	}
	if len([]rune(in.Note)) > domain.MaxShortText {
		v.Add("note", fmt.Sprintf("at most %d characters", domain.MaxShortText))
	}
	if err := v.Err("演练请求不正确"); err != nil {
		return DrillStarted{}, err
	}
	unit, err := o.Store.GetUnit(ctx, p, in.UnitID)
	if err != nil {
		return DrillStarted{}, err
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, unit.Path) {
		return DrillStarted{}, domain.Errorf(domain.EFORBIDDEN, "只有该单位的上级组织员可以发起演练")
	}
	id := uuid.NewString()
	out := DrillStarted{ID: id, WorkflowID: workflows.DrillWorkflowID(id)}
	_, err = o.Engine.ExecuteWorkflow(ctx, startOptions(out.WorkflowID, unit.ID, unit.ID), workflows.DrillWorkflowName,
		workflows.DrillInput{UnitID: unit.ID, Role: domain.Role(in.Role), Assignee: in.Assignee, DueWorkingDays: in.DueWorkingDays,
			Note: strings.TrimSpace(in.Note)})
	if err != nil {
		o.Log.WarnContext(ctx, "starting a drill", "workflow_id", out.WorkflowID, "error", err)
		return out, domain.Errorf(domain.EUNAVAILABLE, "无法启动演练流程，请稍后重试")
	}
	return out, nil
}

// System are operations on Tandem itself.
type System struct{ *deps }

// SelfCheck is the self-check workflow's answer.
type SelfCheck struct {
	WorkflowID string
	activities.SelfCheckResult
	Took time.Duration
}

// SelfCheck runs SelfCheckWorkflow and waits for it (at most 30 s): proof that workflows run
// end to end, through a worker, to the database.
func (o *System) SelfCheck(ctx context.Context) (SelfCheck, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now() // measures, decides nothing
	out := SelfCheck{WorkflowID: workflows.SelfCheckWorkflowID(uuid.NewString())}
	run, err := o.Engine.ExecuteWorkflow(ctx, startOptions(out.WorkflowID, "", ""), workflows.SelfCheckWorkflowName)
	if err != nil {
		o.Log.WarnContext(ctx, "starting the self-check", "error", err)
		return out, domain.Errorf(domain.EUNAVAILABLE, "无法启动自检流程")
	}
	if err := run.Get(ctx, &out.SelfCheckResult); err != nil {
		o.Log.WarnContext(ctx, "the self-check did not finish", "workflow_id", out.WorkflowID, "error", err)
		return out, domain.Errorf(domain.EUNAVAILABLE, "自检流程未完成：worker 是否在运行？")
	}
	out.Took = time.Since(start)
	return out, nil
}

// Readiness says which dependencies answer, and how the data folder's disk is (when watched).
type Readiness struct {
	Database, Engine bool
	Disk             *diskspace.Status
}

// Ready reports whether the process can serve: the database and the workflow engine answer
// (at most 3 s) and the data folder's disk, if watched, is not full. A disk that is only low
// stays ready (Disk says so): requests still succeed, and the operator reads the warning.
func (r Readiness) Ready() bool {
	return r.Database && r.Engine && (r.Disk == nil || !r.Disk.Full)
}

// Ready checks that the database and the workflow engine both answer (at most 3 s) and adds
// the latest check of the disk (never a file-system call here: a hung disk cannot hang it).
func (o *System) Ready(ctx context.Context) Readiness {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var r Readiness
	r.Database = o.Store.Ping(ctx) == nil
	_, err := o.Engine.CheckHealth(ctx, &client.CheckHealthRequest{})
	r.Engine = err == nil
	if o.Disk != nil {
		d := o.Disk()
		r.Disk = &d
	}
	return r
}
