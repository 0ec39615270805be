package app

import (
	"context"

	"tandem/domain"
	"tandem/store"
)

// Rectification is an item 整改事项 with its history: every decision with its actor and reason.
type Rectification struct {
	Item    store.RectificationItem
	History []domain.AuditEvent
}

// Rectification reads an item the caller may read (the rectifying side or the inspection side)
// with its history.
func (o *Inspections) Rectification(ctx context.Context, p domain.Principal, id string) (Rectification, error) {
	it, err := o.Store.GetRectification(ctx, p, id)
	if err != nil {
		return Rectification{}, err
	}
	h, err := o.Store.RectificationHistory(ctx, id)
	if err != nil {
		return Rectification{}, err
	}
	return Rectification{Item: it, History: h}, nil
}

// RectificationLedger reads the items of a round or of a unit (its subtree) the caller may read.
func (o *Inspections) RectificationLedger(ctx context.Context, p domain.Principal, roundID, unitID string) (string, []store.RectificationItem, error) {
	items, err := o.Store.RectificationLedger(ctx, p, roundID, unitID)
	if err != nil {
		return "", nil, err
	}
	title := "整改台账"
	if roundID != "" {
		r, err := o.Store.GetInspectionRound(ctx, p, roundID)
		if err != nil {
			return "", nil, err
		}
		title = r.Title + "整改台账"
	}
	if unitID != "" {
		u, err := o.Store.GetUnit(ctx, p, unitID)
		if err == nil {
			title = u.Name + title
		}
	}
	return title, items, nil
}
