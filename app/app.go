// Package app is Tandem's application layer: one operation per thing a person does
// (Tasks.Complete, Formations.Start, CensusRounds.Start, Cycles.Run, PartyOrgs.Adjust, …).
// Each takes the caller's principal and a typed input, owns the authorization, validation and
// workflow start or signal that the operation needs, and returns domain values or a
// *domain.Error. The JSON API (package api) and the web UI call these operations; neither talks
// to Temporal itself. What Temporal answers (service errors, application errors from Update
// validators) is mapped here onto domain errors.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"tandem/diskspace"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

// Engine is the part of the Temporal client the operations use; client.Client satisfies it.
type Engine interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
	CancelWorkflow(ctx context.Context, workflowID, runID string) error
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
	CheckHealth(ctx context.Context, request *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
}

// Config is what the application layer is built from (cmd/tandem wires it once).
type Config struct {
	Store *store.Store
	// Engine is the workflow engine; nil answers every operation that needs it with
	// EUNAVAILABLE (the API tests run without one).
	Engine   Engine
	Calendar *activities.CalendarCache
	Log      *slog.Logger
	// SurveyDays is how many working days a registration survey link lives (default 5).
	SurveyDays int
	// DeliveryDays is the departments' monthly delivery window in working days (0: the default).
	DeliveryDays int
	// RectificationDays is a rectification item's deadline in working days after its visit (0:
	// domain.DefaultRectificationWorkingDays); InspectionMethods are methods a round may use
	// besides the four defaults.
	RectificationDays int
	InspectionMethods []string
	// RectificationLadder escalates an overdue rectification item (nil: domain.DefaultLadder).
	RectificationLadder []domain.LadderStep
	// RecheckWorkingDays and RecheckPercent: when and how many signed-off items are re-checked
	// 回头看 (0: the defaults; a negative RecheckPercent: none).
	RecheckWorkingDays, RecheckPercent int
	// RectificationDemoDay, for a demonstration run: how long one working day of a plan's
	// deadline and of the ladder's spacing lasts (0: a day on the calendar).
	RectificationDemoDay time.Duration
	// DemonstrationNoticeDays is a demonstration point's public notice 公示 in working days (0:
	// domain.DefaultNoticeWorkingDays); DemonstrationChecklist its self-assessment's items (nil:
	// domain.DefaultDemonstrationChecklist).
	DemonstrationNoticeDays int
	DemonstrationChecklist  []string
	// DemonstrationNoticeFor replaces the notice's working days with a duration (demonstration
	// runs and end-to-end tests; TANDEM_DEMONSTRATION_NOTICE_DAYS given as e.g. "20s").
	DemonstrationNoticeFor time.Duration
	// DemonstrationRecheck is when a named point is re-checked (TANDEM_DEMONSTRATION_RECHECK;
	// zero: a year after its naming or last keep, a month after a warning).
	DemonstrationRecheck DemonstrationRecheck
	// Disk is the latest check of the data folder's disk (tandem dev); nil: not watched.
	Disk func() diskspace.Status
}

// App holds the operations, grouped by what they act on.
type App struct {
	Tasks         *Tasks
	Formations    *Formations
	PartyOrgs     *PartyOrgs
	CensusRounds  *CensusRounds
	Cycles        *Cycles
	RosterImports *RosterImports
	Registrations *Registrations
	Drills        *Drills
	System        *System
	Inspections   *Inspections
	// Demonstrations are the demonstration points 示范点.
	Demonstrations *Demonstrations
}

// New builds the application layer.
func New(cfg Config) *App {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	d := &deps{Config: cfg}
	if cfg.Engine == nil {
		d.Engine = noEngine{}
	}
	return &App{
		Tasks: &Tasks{d}, Formations: &Formations{d}, PartyOrgs: &PartyOrgs{d}, CensusRounds: &CensusRounds{d},
		Cycles: &Cycles{d}, RosterImports: &RosterImports{d}, Registrations: &Registrations{d}, Drills: &Drills{d},
		System:      &System{d},
		Inspections: &Inspections{d}, Demonstrations: &Demonstrations{d},
	}
}

// deps is what every group of operations shares.
type deps struct{ Config }

func (d *deps) now() time.Time { return d.Store.Now() }

// startOptions are the options of every workflow Tandem starts: its ID, the one task queue, and
// Tandem's search attributes (unit and subject) so operators can find it; with neither, none.
func startOptions(id, unitID, subject string) client.StartWorkflowOptions {
	o := client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}
	if unitID != "" || subject != "" {
		o.TypedSearchAttributes = temporal.NewSearchAttributes(workflows.SearchUnit.ValueSet(unitID), workflows.SearchSubject.ValueSet(subject))
	}
	return o
}

// startRecorded starts the workflow of something just recorded. If the engine refuses, undo
// compensates (the record is ended, so nothing waits on a workflow that never ran) and the
// caller gets refused; a compensation that fails too is logged and joined to it, never dropped.
func (d *deps) startRecorded(ctx context.Context, opts client.StartWorkflowOptions, refused *domain.Error,
	undo func(context.Context) error, workflow any, args ...any) error {
	_, err := d.Engine.ExecuteWorkflow(ctx, opts, workflow, args...)
	if err == nil {
		return nil
	}
	return d.compensate(ctx, opts.ID, err, refused, undo)
}

// compensate runs undo after the workflow opts.ID could not start because of cause.
func (d *deps) compensate(ctx context.Context, workflowID string, cause error, refused *domain.Error, undo func(context.Context) error) error {
	d.Log.WarnContext(ctx, "workflow did not start; compensating", "workflow_id", workflowID, "error", cause)
	// The request may be ending; the record must be ended all the same.
	uerr := undo(context.WithoutCancel(ctx))
	if uerr == nil {
		return refused
	}
	d.Log.ErrorContext(ctx, "compensation failed: the record stays as if its workflow ran", "workflow_id", workflowID, "error", uerr)
	return errors.Join(refused, fmt.Errorf("compensating for workflow %s: %w", workflowID, uerr))
}

// noEngine answers for a missing workflow engine.
type noEngine struct{}

var errNoEngine = errors.New("no workflow engine is configured")

func (noEngine) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errNoEngine
}
func (noEngine) SignalWorkflow(context.Context, string, string, string, any) error {
	return errNoEngine
}
func (noEngine) SignalWithStartWorkflow(context.Context, string, string, any, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errNoEngine
}
func (noEngine) CancelWorkflow(context.Context, string, string) error { return errNoEngine }
func (noEngine) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errNoEngine
}
func (noEngine) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, errNoEngine
}
