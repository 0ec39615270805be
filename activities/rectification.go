package activities

import (
	"context"
	"fmt"
	"time"

	"tandem/domain"
	"tandem/store"
)

// RectificationWorkflowID names a rectification item's workflow (workflows.RectificationWorkflowID).
func RectificationWorkflowID(itemID string) string { return store.RectificationWorkflowID(itemID) }

// RectificationItemInfo is an item as its round's and its own workflow need it.
type RectificationItemInfo struct {
	ID             string
	RoundID        string
	UnitID         string
	UnitName       string
	Finding        string
	Status         domain.RectificationStatus
	DueWorkingDays int
	DueAt          time.Time
	CreatedAt      time.Time
	Rectifications int
}

func itemInfo(it store.RectificationItem) RectificationItemInfo {
	return RectificationItemInfo{ID: it.ID, RoundID: it.RoundID, UnitID: it.UnitID, UnitName: it.UnitName, Finding: it.Finding,
		Status: it.Status, DueWorkingDays: it.DueWorkingDays, DueAt: it.DueAt, CreatedAt: it.CreatedAt, Rectifications: it.Rectifications}
}

// RoundRectificationItems lists a round's rectification items, in order of creation, with the
// IDs of the workflows the round starts for them recorded.
func (a *Activities) RoundRectificationItems(ctx context.Context, roundID string) ([]RectificationItemInfo, error) {
	if err := a.Store.StartRectifications(ctx, roundID); err != nil {
		return nil, err
	}
	items, err := a.Store.RoundItems(ctx, roundID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	out := make([]RectificationItemInfo, len(items))
	for i, it := range items {
		out[i] = itemInfo(it)
	}
	return out, nil
}

// AdvanceRectificationInput is one step of an item's chain.
type AdvanceRectificationInput struct {
	ItemID         string
	Action         string
	Actor          string
	To             domain.RectificationStatus
	Rectifications int
	// A plan: its measures and responsible person, and its deadline in working days from From.
	Measures            string
	Responsible         string
	DeadlineWorkingDays int
	From                time.Time
	Rechecked           bool // a re-check 回头看
	Detail              map[string]any
	// DemoDay, for a demonstration run: each of the deadline's working days lasts this long
	// (TANDEM_RECTIFICATION_DEMO_DAY; 0: days on the calendar).
	DemoDay time.Duration
}

// AdvanceRectification records a step of an item's chain (a plan sets its deadline on the
// working-day calendar) and returns the item.
func (a *Activities) AdvanceRectification(ctx context.Context, in AdvanceRectificationInput) (RectificationItemInfo, error) {
	st := store.RectificationStep{Action: in.Action, Actor: in.Actor, To: in.To, Rectifications: in.Rectifications, Detail: in.Detail,
		Rechecked: in.Rechecked}
	if in.DeadlineWorkingDays > 0 {
		cal, err := a.Calendar.Calendar(ctx)
		if err != nil {
			return RectificationItemInfo{}, err
		}
		due := cal.DueAfterWorkingDays(in.From, in.DeadlineWorkingDays).At
		if in.DemoDay > 0 {
			due = in.From.Add(time.Duration(in.DeadlineWorkingDays) * in.DemoDay)
		}
		st.Measures, st.Responsible, st.DueWorkingDays, st.DueAt = in.Measures, in.Responsible, in.DeadlineWorkingDays, &due
	}
	if _, err := a.Store.AdvanceRectification(ctx, in.ItemID, st); err != nil {
		return RectificationItemInfo{}, nonRetryable(err)
	}
	it, err := a.Store.RectificationItemByID(ctx, in.ItemID)
	if err != nil {
		return RectificationItemInfo{}, nonRetryable(err)
	}
	return itemInfo(it), nil
}

// RectifyingUnitMembers lists everyone holding a role in the rectifying unit or below it: they
// never verify their own item (the verify task's NotBy).
func (a *Activities) RectifyingUnitMembers(ctx context.Context, unitID string) ([]string, error) {
	names, err := a.Store.UsersOfSubtree(ctx, unitID)
	return names, nonRetryable(err)
}

// moveRectificationDue keeps an item's due date with its report task's: a granted extension
// of the report moves both.
func (a *Activities) moveRectificationDue(ctx context.Context, t domain.Task, actor, reason string) error {
	id, ok := store.RectificationItemOf(t.WorkflowID)
	if !ok || t.Kind != "rectification.report" {
		return nil
	}
	return nonRetryable(a.Store.MoveRectificationDue(ctx, id, t.DueAt, actor, reason))
}

// LadderInput is a rung of the escalation ladder for an overdue task (a rectification item's
// report), and how many working days later the next rung comes (-1: none).
type LadderInput struct {
	TaskID          string
	Level           int // 1 for the first rung
	Step            domain.LadderStep
	NextWorkingDays int
}

// LadderOutput is the escalation task a task rung made (nil for a notification) and when the
// next rung is due (zero: none).
type LadderOutput struct {
	Escalation *TaskInfo
	NextAt     time.Time
}

// ClimbLadder takes a rung for an overdue task: a notification to the officers of the unit above
// and of the task's unit, or an escalation task for the unit above (answered noted or extend,
// as the single escalation is); for an item's task the rung is recorded on the item.
func (a *Activities) ClimbLadder(ctx context.Context, in LadderInput) (LadderOutput, error) {
	t, err := a.Store.TaskByID(ctx, in.TaskID)
	if err != nil {
		return LadderOutput{}, nonRetryable(err)
	}
	superior, err := a.Store.ParentUnit(ctx, t.UnitID)
	if err != nil {
		return LadderOutput{}, nonRetryable(err)
	}
	title := domain.LadderWord(in.Step.Step) + "：" + titleOf(t)
	var out LadderOutput
	var taskID *string
	if in.Step.Task {
		esc, err := a.CreateTask(ctx, CreateTaskInput{
			Key: fmt.Sprintf("%s/ladder/%d", t.Key, in.Level), WorkflowID: t.WorkflowID, Kind: domain.TaskKindEscalation,
			Subject: t.Subject, Title: title, UnitID: superior.ID, Role: domain.RoleOfficer, SubjectType: t.SubjectType,
			Priority: t.Priority + 10, DueWorkingDays: 3, EscalatesTaskID: t.ID,
		})
		if err != nil {
			return LadderOutput{}, err
		}
		if err := a.Store.RecordEscalation(ctx, t.ID, esc.ID, superior.ID); err != nil {
			return LadderOutput{}, err
		}
		out.Escalation, taskID = &esc, &esc.ID
	} else {
		var to []string
		for _, unit := range []string{superior.ID, t.UnitID} {
			names, err := a.Store.UsersWithRole(ctx, unit, domain.RoleOfficer)
			if err != nil {
				return LadderOutput{}, err
			}
			to = append(to, names...)
		}
		if err := a.Notifier.Notify(ctx, to, domain.Notice{Key: fmt.Sprintf("ladder/%s/%d", t.ID, in.Level), Kind: "rectification.escalation",
			Title: title, Body: "已逾期，请督促整改单位尽快完成", TaskID: t.ID, Link: TaskLink(t.ID), SubjectType: t.SubjectType, Subject: t.Subject}); err != nil {
			return LadderOutput{}, err
		}
	}
	if id, ok := store.RectificationItemOf(t.WorkflowID); ok {
		if err := a.Store.RecordLadderStep(ctx, id, in.Level, in.Step.Step, superior.ID, taskID); err != nil {
			return LadderOutput{}, nonRetryable(err)
		}
	}
	switch {
	case in.NextWorkingDays == 0:
		out.NextAt = a.Store.Now()
	case in.NextWorkingDays > 0:
		cal, err := a.Calendar.Calendar(ctx)
		if err != nil {
			return LadderOutput{}, err
		}
		out.NextAt = cal.DueAfterWorkingDays(a.Store.Now(), in.NextWorkingDays).At
	}
	return out, nil
}

// WorkingDaysLater is the end of the nth working day after today on the calendar (a re-check's
// date).
func (a *Activities) WorkingDaysLater(ctx context.Context, n int) (time.Time, error) {
	cal, err := a.Calendar.Calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.DueAfterWorkingDays(a.Store.Now(), n).At, nil
}
