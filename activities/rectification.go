package activities

import (
	"context"
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
	Detail              map[string]any
}

// AdvanceRectification records a step of an item's chain (a plan sets its deadline on the
// working-day calendar) and returns the item.
func (a *Activities) AdvanceRectification(ctx context.Context, in AdvanceRectificationInput) (RectificationItemInfo, error) {
	st := store.RectificationStep{Action: in.Action, Actor: in.Actor, To: in.To, Rectifications: in.Rectifications, Detail: in.Detail}
	if in.DeadlineWorkingDays > 0 {
		cal, err := a.Calendar.Calendar(ctx)
		if err != nil {
			return RectificationItemInfo{}, err
		}
		due := cal.DueAfterWorkingDays(in.From, in.DeadlineWorkingDays).At
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
