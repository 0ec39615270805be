package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// The rectification chain 整改销号 (#19): each item's workflow moves it through its statuses
// here, one audited step at a time.

// RectificationWorkflowID names an item's workflow; RectificationItemOf is its inverse.
func RectificationWorkflowID(itemID string) string { return "rectification/" + itemID }

// RectificationItemOf reads the item ID out of its workflow's ID.
func RectificationItemOf(workflowID string) (string, bool) {
	id, ok := strings.CutPrefix(workflowID, "rectification/")
	return id, ok && id != ""
}

// RectificationStep is one decision on an item: what the workflow records (an audit action with
// the actor and the detail, the reason among it) and where the item goes.
type RectificationStep struct {
	Action string // audit action: rectification.plan, rectification.plan_review, …
	Actor  string
	To     domain.RectificationStatus
	// Rectifications is the item's rectification count after the step (1, 2 after a return):
	// the step is recorded once per status and count, so a retried activity changes nothing.
	Rectifications int
	Measures       string     // set with a plan
	Responsible    string     // set with a plan
	DueWorkingDays int        // set with a plan
	DueAt          *time.Time // set with a plan
	Rechecked      bool       // a re-check 回头看: sets rechecked_at
	Detail         map[string]any
}

// AdvanceRectification records a step of an item's chain. Signing off sets signed_off_by/at.
func (s *Store) AdvanceRectification(ctx context.Context, id string, st RectificationStep) (RectificationItem, error) {
	if !st.To.Valid() {
		return RectificationItem{}, fmt.Errorf("store: unknown rectification status %q", st.To)
	}
	var out RectificationItem
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var it RectificationItem
		if err := tx.Where("id = ?", id).Take(&it).Error; err != nil {
			return translate(err, "rectification item")
		}
		if it.Status == st.To && it.Rectifications == st.Rectifications && (!st.Rechecked || it.RecheckedAt != nil) {
			out = it
			return nil // a retried activity
		}
		now := s.Now()
		set := map[string]any{"status": st.To, "rectifications": st.Rectifications, "updated_at": now}
		if st.DueAt != nil {
			set["measures"], set["responsible"], set["due_working_days"], set["due_at"] = st.Measures, st.Responsible, st.DueWorkingDays, *st.DueAt
		}
		if st.To == domain.RectSignedOff && it.Status != domain.RectSignedOff {
			set["signed_off_by"], set["signed_off_at"] = st.Actor, now
		}
		if st.Rechecked {
			set["rechecked_at"] = now
		}
		if err := tx.Model(&RectificationItem{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return translate(err, "rectification item")
		}
		if err := s.audit(ctx, tx, st.Actor, st.Action, "rectification_item", id, it.UnitPath,
			map[string]any{"status": it.Status, "rectifications": it.Rectifications, "due_at": it.DueAt},
			map[string]any{"status": st.To, "rectifications": st.Rectifications, "detail": st.Detail}); err != nil {
			return err
		}
		if err := s.followItems(ctx, tx, it.RoundID, id, st); err != nil {
			return err
		}
		return tx.Where("id = ?", id).Take(&out).Error
	})
	return out, err
}

// followItems keeps the round's status with its items, in the transaction of an item's step
// (so a retried step, recorded already, changes nothing): a re-check that reopens an item of a
// round that is done puts the round back to rectification (its workflow has ended; nothing
// else would), and the sign-off of the round's last open item makes it done again. In a round
// whose workflow still waits for its items the sign-off of the last one makes it done a moment
// before the workflow does (its own step then finds it done).
func (s *Store) followItems(ctx context.Context, tx *gorm.DB, roundID, itemID string, st RectificationStep) error {
	var r InspectionRound
	if err := tx.Where("id = ?", roundID).Take(&r).Error; err != nil {
		return translate(err, "inspection round")
	}
	var to domain.InspectionStatus
	detail := map[string]any{"item": itemID, "by": st.Action}
	switch {
	case st.To == domain.RectReopened && r.Status == domain.InspectionDone:
		to, detail["reason"] = domain.InspectionRectification, "回头看发现问题反弹，整改事项重新整改"
	case st.To == domain.RectSignedOff && r.Status == domain.InspectionRectification:
		var open int64
		if err := tx.Model(&RectificationItem{}).Where("round_id = ? AND status <> ?", roundID, domain.RectSignedOff).Count(&open).Error; err != nil {
			return translate(err, "rectification items")
		}
		if open > 0 {
			return nil
		}
		var all int64
		if err := tx.Model(&RectificationItem{}).Where("round_id = ?", roundID).Count(&all).Error; err != nil {
			return translate(err, "rectification items")
		}
		to, detail["signed_off"] = domain.InspectionDone, all
	default:
		return nil
	}
	if err := tx.Model(&InspectionRound{}).Where("id = ?", roundID).Updates(map[string]any{"status": to, "updated_at": s.Now()}).Error; err != nil {
		return translate(err, "inspection round")
	}
	return s.audit(ctx, tx, st.Actor, "inspection.status", "inspection_round", roundID, r.SponsorPath,
		map[string]any{"status": r.Status}, map[string]any{"status": to, "detail": detail})
}

// MoveRectificationDue moves an item's due date with a granted extension of its report task.
func (s *Store) MoveRectificationDue(ctx context.Context, id string, due time.Time, actor, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var it RectificationItem
		if err := tx.Where("id = ?", id).Take(&it).Error; err != nil {
			return translate(err, "rectification item")
		}
		if it.DueAt.Equal(due) {
			return nil
		}
		if err := tx.Model(&RectificationItem{}).Where("id = ?", id).Updates(map[string]any{"due_at": due, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "rectification item")
		}
		return s.audit(ctx, tx, actor, "rectification.extended", "rectification_item", id, it.UnitPath,
			map[string]any{"due_at": it.DueAt}, map[string]any{"due_at": due, "reason": reason})
	})
}

// RectificationItemByID reads any item; for the engine's own use (activities).
func (s *Store) RectificationItemByID(ctx context.Context, id string) (RectificationItem, error) {
	var it RectificationItem
	err := s.rectificationQuery(s.db.WithContext(ctx)).Where("ri.id = ?", id).Take(&it).Error
	return it, translate(err, "rectification item")
}

// visibleRectifications restricts q (over rectification_items ri joined to its round r) to the
// items the caller may read: their units' (the rectifying side) and those of rounds whose
// sponsor is in their scope (the inspection side). false: none.
func visibleRectifications(q *gorm.DB, p domain.Principal) (*gorm.DB, bool) {
	if p.Admin {
		return q, true
	}
	var conds []string
	var args []any
	for _, path := range p.ScopePaths() {
		like := escapeLike(path) + "%"
		conds = append(conds, `ri.unit_path LIKE ? ESCAPE '\'`, `r.sponsor_path LIKE ? ESCAPE '\'`)
		args = append(args, like, like)
	}
	if len(conds) == 0 {
		return q, false
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...), true
}

// GetRectification reads an item the caller may read (404 otherwise).
func (s *Store) GetRectification(ctx context.Context, p domain.Principal, id string) (RectificationItem, error) {
	q, ok := visibleRectifications(s.rectificationQuery(s.db.WithContext(ctx)).Where("ri.id = ?", id), p)
	if !ok {
		return RectificationItem{}, domain.Errorf(domain.ENOTFOUND, "整改事项不存在")
	}
	var it RectificationItem
	err := q.Take(&it).Error
	return it, translate(err, "rectification item")
}

// MaxRectificationHistory bounds an item's history as the API shows it.
const MaxRectificationHistory = 500

// RectificationHistory is an item's audit trail, oldest first: every decision with its actor
// and reason. The caller has read the item (GetRectification).
func (s *Store) RectificationHistory(ctx context.Context, id string) ([]domain.AuditEvent, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Where("subject_type = ? AND subject_id = ?", "rectification_item", id).
		Order("id").Limit(MaxRectificationHistory).Find(&rows).Error; err != nil {
		return nil, translate(err, "audit events")
	}
	out := make([]domain.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.AuditEvent{ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, SubjectType: r.SubjectType,
			SubjectID: r.SubjectID, UnitPath: r.UnitPath, Old: r.OldValue, New: r.NewValue, RequestID: r.RequestID}
	}
	return out, nil
}

// MaxLedgerRows bounds a ledger 整改台账.
const MaxLedgerRows = 10_000

// RectificationLedger lists, for a ledger, the items the caller may read of a round or of a
// unit's subtree (at least one of the two), in round and creation order.
func (s *Store) RectificationLedger(ctx context.Context, p domain.Principal, roundID, unitID string) ([]RectificationItem, error) {
	if roundID == "" && unitID == "" {
		return nil, domain.Invalid("请指定督查轮次或单位", domain.FieldFailed("round", domain.CodeRequiredWith, "unit 为空"))
	}
	q, ok := visibleRectifications(s.rectificationQuery(s.db.WithContext(ctx)), p)
	if !ok {
		return nil, nil
	}
	if roundID != "" {
		q = q.Where("ri.round_id = ?", roundID)
	}
	if unitID != "" {
		u, err := s.GetUnit(ctx, p, unitID)
		if err != nil {
			return nil, domain.Invalid("单位不存在或不在你的范围内", domain.FieldFailed("unit", domain.CodeNotFound))
		}
		q = q.Where(`ri.unit_path LIKE ? ESCAPE '\'`, escapeLike(u.Path)+"%")
	}
	var rows []RectificationItem
	if err := q.Order("ri.round_id, ri.id").Limit(MaxLedgerRows).Find(&rows).Error; err != nil {
		return nil, translate(err, "rectification items")
	}
	return rows, nil
}

// UsersOfSubtree lists the enabled users holding any role in the unit or below it: the members
// of a rectifying unit, who never verify their own items.
func (s *Store) UsersOfSubtree(ctx context.Context, unitID string) ([]string, error) {
	var path string
	if err := s.db.WithContext(ctx).Table("units").Where("id = ?", unitID).Pluck("path", &path).Error; err != nil {
		return nil, translate(err, "unit")
	}
	if path == "" {
		return nil, domain.Errorf(domain.ENOTFOUND, "单位不存在")
	}
	var names []string
	err := s.db.WithContext(ctx).Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").Joins("JOIN units un ON un.id = m.unit_id").
		Where(`un.path LIKE ? ESCAPE '\' AND u.disabled_at IS NULL`, escapeLike(path)+"%").
		Distinct("u.username").Order("u.username").Pluck("u.username", &names).Error
	return names, translate(err, "users")
}

// rectificationApprover: an extension of an item's task is decided by the officers of the
// round's sponsor (#19), not by the unit above the rectifying one.
func (s *Store) rectificationApprover(ctx context.Context, t domain.Task) (string, domain.Role, error) {
	id, ok := RectificationItemOf(t.WorkflowID)
	if !ok {
		return "", "", fmt.Errorf("store: task %s of kind %s belongs to workflow %q, not an item's", t.ID, t.Kind, t.WorkflowID)
	}
	var sponsor string
	err := s.db.WithContext(ctx).Table("rectification_items ri").Joins("JOIN inspection_rounds r ON r.id = ri.round_id").
		Where("ri.id = ?", id).Pluck("r.sponsor_unit_id", &sponsor).Error
	if err != nil {
		return "", "", translate(err, "rectification item")
	}
	if sponsor == "" {
		return "", "", domain.Errorf(domain.ENOTFOUND, "整改事项不存在")
	}
	return sponsor, domain.RoleOfficer, nil
}

// registerRectificationApprovers makes the round's sponsor the approver of extensions of the
// rectifying unit's tasks (the plan and the report; the others are the inspection side's).
func (s *Store) registerRectificationApprovers() {
	if s.ExtensionApprovers == nil {
		s.ExtensionApprovers = map[string]ExtensionApprover{}
	}
	for _, k := range []string{"rectification.plan", "rectification.report", "rectification.self_check"} {
		if s.ExtensionApprovers[k] == nil {
			s.ExtensionApprovers[k] = s.rectificationApprover
		}
	}
}

// StartRectifications records on a round's items the IDs of their workflows, which the round's
// workflow starts next.
func (s *Store) StartRectifications(ctx context.Context, roundID string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE rectification_items SET workflow_id = 'rectification/' || id WHERE round_id = ? AND workflow_id = ''`, roundID).Error
	return translate(err, "rectification items")
}

// rectificationEscalation is a rung of the escalation ladder taken for an overdue item.
type rectificationEscalation struct {
	ItemID string
	Level  int
	Step   string
	UnitID string
	TaskID *string
	At     time.Time
}

func (rectificationEscalation) TableName() string { return "rectification_escalations" }

// RecordLadderStep records that an overdue item's ladder reached level (its step, the unit told,
// the task made for it if any), raising the item's escalation_level; a retried activity changes
// nothing.
func (s *Store) RecordLadderStep(ctx context.Context, itemID string, level int, step, unitID string, taskID *string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var it RectificationItem
		if err := tx.Where("id = ?", itemID).Take(&it).Error; err != nil {
			return translate(err, "rectification item")
		}
		var n int64
		if err := tx.Model(&rectificationEscalation{}).Where("item_id = ? AND level = ?", itemID, level).Count(&n).Error; err != nil {
			return translate(err, "rectification escalation")
		}
		if n > 0 {
			return nil
		}
		if err := tx.Create(&rectificationEscalation{ItemID: itemID, Level: level, Step: step, UnitID: unitID, TaskID: taskID, At: s.Now()}).Error; err != nil {
			return translate(err, "rectification escalation")
		}
		if err := tx.Model(&RectificationItem{}).Where("id = ? AND escalation_level < ?", itemID, level).
			Updates(map[string]any{"escalation_level": level, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "rectification item")
		}
		return s.audit(ctx, tx, domain.SystemActor, "rectification.escalated", "rectification_item", itemID, it.UnitPath,
			map[string]any{"escalation_level": it.EscalationLevel}, map[string]any{"escalation_level": level, "step": step, "unit_id": unitID, "task_id": taskID})
	})
}
