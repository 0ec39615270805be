package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// changeTask loads a task the caller may view, lets decide check it and say the new state,
// then writes that state only if nobody changed the task meanwhile (else ECONFLICT), with a
// history event and an audit record.
func (s *Store) changeTask(ctx context.Context, p domain.Principal, id, action string, detail any,
	decide func(t domain.Task, next *taskRow) error) (domain.Task, error) {
	return s.changeTaskIn(ctx, s.db.WithContext(ctx), p, id, action, detail, decide)
}

// changeTaskIn is changeTask within db (a caller's transaction, or the store's handle).
func (s *Store) changeTaskIn(ctx context.Context, db *gorm.DB, p domain.Principal, id, action string, detail any,
	decide func(t domain.Task, next *taskRow) error) (domain.Task, error) {
	var out taskRow
	err := db.Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := s.visibleTasks(tx.Table("tasks t").Where("t.id = ?", id), p).Take(&cur).Error; err != nil {
			return s.notYoursIn(ctx, tx, p, id, translate(err, "task"))
		}
		next := cur
		if err := decide(cur.domain(), &next); err != nil {
			return err
		}
		next.UpdatedAt = s.Now()
		q := tx.Model(&taskRow{}).Where("id = ? AND status = ? AND delegation = ?", cur.ID, cur.Status, cur.Delegation)
		if cur.Assignee == nil {
			q = q.Where("assignee IS NULL")
		} else {
			q = q.Where("assignee = ?", *cur.Assignee)
		}
		res := q.Updates(map[string]any{
			"status": next.Status, "assignee": next.Assignee, "owner": next.Owner, "delegation": next.Delegation,
			"updated_at": next.UpdatedAt,
		})
		if res.Error != nil {
			return translate(res.Error, "task")
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ECONFLICT, "任务已被他人修改，请刷新后重试")
		}
		out = next
		if err := s.taskEvent(ctx, tx, cur.ID, p.Username, action, detail); err != nil {
			return err
		}
		if next.Assignee != nil { // someone has it now: nobody needs to assign it any more
			if err := s.cancelEngineTasksAbout(ctx, tx, cur.ID, p.Username+" 已承办", domain.TaskKindAssignment); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, p.Username, "task."+action, "task", cur.ID, cur.UnitPath, auditOf(cur), auditOf(next))
	})
	return out.domain(), err
}

// NotYoursOr turns err, a task outside the caller's subtree (ENOTFOUND), into the four-eyes
// refusal (403) when the task names the caller in NotBy: the members of a rectifying unit may
// read their item, and are told plainly that its verification, a task of the sponsor, is not
// theirs (claim, assignment, delegation, completion alike). Other errors pass unchanged.
func (s *Store) NotYoursOr(ctx context.Context, p domain.Principal, id string, err error) error {
	return s.notYoursIn(ctx, s.db.WithContext(ctx), p, id, err)
}

func (s *Store) notYoursIn(ctx context.Context, db *gorm.DB, p domain.Principal, id string, err error) error {
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	var r taskRow
	if db.WithContext(ctx).Where("id = ?", id).Take(&r).Error != nil {
		return err
	}
	if t := r.domain(); t.Excludes(p.Username) {
		return domain.NotYours(t, p.Username)
	}
	return err
}

// mayReceive: a task is given (assigned, delegated) to someone who may view its unit or is
// one of its candidates.
func mayReceive(t domain.Task, target domain.Principal) bool {
	return target.Views(t.UnitPath) || t.IsCandidate(target.Username)
}

func refuseClosed(t domain.Task) error {
	if !t.Status.Active() {
		return domain.Errorf(domain.ECONFLICT, "任务状态为 %s，不能执行此操作", t.Status)
	}
	return nil
}

// refuseExcluded: a task is never given (assigned, delegated) to someone its NotBy names.
func refuseExcluded(t domain.Task, username string) error {
	if t.Excludes(username) {
		return domain.Invalid("四眼原则：不能交给办理了上一步的人", domain.FieldFailed("assignee", domain.CodeFourEyes, username))
	}
	return nil
}

// ClaimTask gives an open, unassigned task to the caller, who must hold its role in its unit.
// Of concurrent claims exactly one wins; the others get ECONFLICT.
func (s *Store) ClaimTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	return s.changeTask(ctx, p, id, "claimed", nil, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Assignee != nil {
			if *t.Assignee == p.Username {
				return domain.Errorf(domain.ECONFLICT, "你已认领此任务")
			}
			return domain.Errorf(domain.ECONFLICT, "任务已由 %s 认领", *t.Assignee)
		}
		if t.Excludes(p.Username) {
			return domain.NotYours(t, p.Username)
		}
		if !p.CanTake(t) {
			return domain.Errorf(domain.EFORBIDDEN, "认领此任务需要任务所在单位的 %s 角色", t.Role)
		}
		next.Assignee, next.Status = &p.Username, string(domain.TaskClaimed)
		return nil
	})
}

// UnclaimTask returns a claimed task to its unit's pool (its assignee, or an officer over it).
func (s *Store) UnclaimTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	return s.changeTask(ctx, p, id, "unclaimed", nil, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Assignee == nil {
			return domain.Errorf(domain.ECONFLICT, "任务未被认领")
		}
		if !t.IsAssignee(p.Username) && !p.CanManage(t) {
			return domain.Errorf(domain.EFORBIDDEN, "只有认领人或该单位的上级组织员可以退回认领")
		}
		if t.Delegation == string(domain.DelegationPending) {
			return domain.Errorf(domain.ECONFLICT, "任务已委托他人，请先收回委托")
		}
		next.Assignee, next.Status = nil, string(domain.TaskOpen)
		return nil
	})
}

// AssignTask gives a task to a user who may view it; officers over the unit (and admins) do this.
func (s *Store) AssignTask(ctx context.Context, p domain.Principal, id, username string) (domain.Task, error) {
	target, err := s.principalOf(ctx, username)
	if err != nil {
		return domain.Task{}, err
	}
	return s.changeTask(ctx, p, id, "assigned", map[string]string{"assignee": username}, assignTo(p, target))
}

// assignTo is AssignTask's rule: an officer over the task's unit gives it to someone who may
// view it and is not named in its NotBy.
func assignTo(p, target domain.Principal) func(t domain.Task, next *taskRow) error {
	return func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Excludes(p.Username) {
			return domain.NotYours(t, p.Username)
		}
		if !p.CanManage(t) {
			return domain.Errorf(domain.EFORBIDDEN, "只有任务所在单位的上级组织员可以指派任务")
		}
		if !mayReceive(t, target) {
			return domain.Invalid("被指派人无权查看此任务", domain.FieldFailed("assignee", domain.CodeNotMember))
		}
		if err := refuseExcluded(t, target.Username); err != nil {
			return err
		}
		next.Assignee, next.Status, next.Owner, next.Delegation = &target.Username, string(domain.TaskClaimed), nil, ""
		return nil
	}
}

// DelegateTask hands the caller's task to another user for a while; the delegate resolves it
// back (ResolveTask) and the owner completes it.
func (s *Store) DelegateTask(ctx context.Context, p domain.Principal, id, username string) (domain.Task, error) {
	target, err := s.principalOf(ctx, username)
	if err != nil {
		return domain.Task{}, err
	}
	return s.changeTask(ctx, p, id, "delegated", map[string]string{"delegate": username}, func(t domain.Task, next *taskRow) error {
		if err := mayDelegate(t, p); err != nil {
			return err
		}
		if username == p.Username {
			return domain.Invalid("不能委托给自己", domain.FieldFailed("assignee", domain.CodeIsYou))
		}
		if !mayReceive(t, target) {
			return domain.Invalid("受托人无权查看此任务", domain.FieldFailed("assignee", domain.CodeNotMember))
		}
		if err := refuseExcluded(t, username); err != nil {
			return err
		}
		next.Owner, next.Assignee, next.Delegation = &p.Username, &target.Username, string(domain.DelegationPending)
		return nil
	})
}

// mayDelegate: only the task's assignee delegates an open task, and not one delegated to them.
func mayDelegate(t domain.Task, p domain.Principal) error {
	if err := refuseClosed(t); err != nil {
		return err
	}
	if !t.IsAssignee(p.Username) || t.Delegation == string(domain.DelegationPending) {
		return domain.Errorf(domain.EFORBIDDEN, "只有任务的认领人可以委托他人")
	}
	return nil
}

// DelegateCandidate is a user a task may be delegated to, with their memberships over the
// task's unit (what the picker says of them).
type DelegateCandidate struct {
	Username    string
	Memberships []CandidateMembership // at the task's unit or above; none for an admin without one
}

// CandidateMembership is a delegate candidate's role in a unit, named.
type CandidateMembership struct {
	UnitID, UnitName string
	Role             domain.Role
}

// MaxDelegateCandidates bounds DelegateCandidates.
const MaxDelegateCandidates = 200

// DelegateCandidates lists who the caller may delegate the task to, by username: DelegateTask's
// rule (enabled users who view the task's unit — a membership at it or above, or admins — but
// the caller and who the four-eyes rule excludes). Only the task's assignee asks. truncated:
// more than MaxDelegateCandidates qualify.
func (s *Store) DelegateCandidates(ctx context.Context, p domain.Principal, id string) (out []DelegateCandidate, truncated bool, err error) {
	t, err := s.GetTask(ctx, p, id)
	if err != nil {
		return nil, false, err
	}
	if err := mayDelegate(t, p); err != nil {
		return nil, false, err
	}
	var rows []struct {
		ID, Username string
	}
	if err := s.db.WithContext(ctx).Table("users u").Where(`u.disabled_at IS NULL AND u.username <> ? AND (u.is_admin OR EXISTS (
		SELECT 1 FROM memberships m JOIN units un ON un.id = m.unit_id WHERE m.user_id = u.id AND substr(?, 1, length(un.path)) = un.path))`,
		p.Username, t.UnitPath).Order("u.username").Limit(MaxDelegateCandidates + len(t.NotBy) + 1).
		Select("u.id, u.username").Scan(&rows).Error; err != nil {
		return nil, false, translate(err, "users")
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	var ms []struct {
		UserID, UnitID, UnitName, Path, Role string
	}
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Table("memberships m").Joins("JOIN units un ON un.id = m.unit_id").
			Where("m.user_id IN ?", ids).Order("un.path, m.role").
			Select("m.user_id, m.unit_id, un.name AS unit_name, un.path, m.role").Scan(&ms).Error; err != nil {
			return nil, false, translate(err, "memberships")
		}
	}
	for _, r := range rows {
		if t.Excludes(r.Username) {
			continue
		}
		c := DelegateCandidate{Username: r.Username}
		for _, m := range ms {
			if m.UserID == r.ID && strings.HasPrefix(t.UnitPath, m.Path) {
				c.Memberships = append(c.Memberships, CandidateMembership{UnitID: m.UnitID, UnitName: m.UnitName, Role: domain.Role(m.Role)})
			}
		}
		out = append(out, c)
	}
	if len(out) > MaxDelegateCandidates {
		out, truncated = out[:MaxDelegateCandidates], true
	}
	return out, truncated, nil
}

// ResolveTask ends a delegation: the delegate hands the task back to its owner.
func (s *Store) ResolveTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	return s.changeTask(ctx, p, id, "resolved", nil, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Delegation != string(domain.DelegationPending) || !t.IsAssignee(p.Username) {
			return domain.Errorf(domain.ECONFLICT, "此任务没有委托给你")
		}
		next.Assignee, next.Owner, next.Delegation = t.Owner, nil, string(domain.DelegationResolved)
		return nil
	})
}

// CompleteTask records a task's result. The owning workflow calls it (through an activity)
// once it has accepted the result; calling it again returns the completed task unchanged.
func (s *Store) CompleteTask(ctx context.Context, id, actor string, result json.RawMessage) (domain.Task, error) {
	var out taskRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		switch domain.TaskStatus(cur.Status) {
		case domain.TaskCompleted:
			out = cur
			return nil
		case domain.TaskCancelled:
			return domain.Errorf(domain.ECONFLICT, "任务已取消")
		}
		now := s.Now()
		res := string(result)
		res2 := tx.Model(&taskRow{}).Where("id = ? AND status IN ?", id, []string{string(domain.TaskOpen), string(domain.TaskClaimed)}).Updates(map[string]any{
			"status": string(domain.TaskCompleted), "result": res, "completed_by": actor, "completed_at": now,
			"updated_at": now, "delegation": "", "owner": nil,
		})
		if res2.Error != nil {
			return translate(res2.Error, "task")
		}
		if err := tx.Where("id = ?", id).Take(&out).Error; err != nil {
			return translate(err, "task")
		}
		if err := s.taskEvent(ctx, tx, id, actor, "completed", json.RawMessage(res)); err != nil {
			return err
		}
		if err := s.cancelEngineTasksAbout(ctx, tx, id, "任务已办结", domain.TaskKindAssignment, domain.TaskKindExtension); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "task.complete", "task", id, cur.UnitPath, auditOf(cur), auditOf(out))
	})
	return out.domain(), err
}

// TaskRefusal is what a refused event records on a task: the reason people read, the fields it
// names, and the answer that was refused.
type TaskRefusal struct {
	Reason string              `json:"reason"`
	Fields []domain.FieldError `json:"fields,omitempty"`
	Result json.RawMessage     `json:"result,omitempty"`
}

// RecordTaskRefusal records on an open task that its workflow refused an answer (a check that
// the data no longer passed when the result was to be stored): the task stays as it was, and
// its history says why.
func (s *Store) RecordTaskRefusal(ctx context.Context, id, actor string, r TaskRefusal) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		if err := s.taskEvent(ctx, tx, id, actor, "refused", r); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "task.refused", "task", id, cur.UnitPath, nil, r)
	})
}

// CancelTasks cancels every active task a workflow owns, in one transaction; it returns how
// many.
func (s *Store) CancelTasks(ctx context.Context, workflowID, reason string) (int, error) {
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []string
		if err := tx.Model(&taskRow{}).Where("workflow_id = ? AND status IN ?", workflowID, []string{string(domain.TaskOpen), string(domain.TaskClaimed)}).
			Order("id").Pluck("id", &ids).Error; err != nil {
			return translate(err, "tasks")
		}
		for _, id := range ids {
			if err := s.cancelTask(ctx, tx, id, reason); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// CancelTasksByID cancels the named tasks that are still active, in one transaction.
func (s *Store) CancelTasksByID(ctx context.Context, ids []string, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, id := range ids {
			if err := s.cancelTask(ctx, tx, id, reason); err != nil {
				return err
			}
		}
		return nil
	})
}

// CancelTask cancels one active task (a no-op on a closed one).
func (s *Store) CancelTask(ctx context.Context, id, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.cancelTask(ctx, tx, id, reason)
	})
}

// cancelTask cancels one active task within tx, with its history event and audit record.
func (s *Store) cancelTask(ctx context.Context, tx *gorm.DB, id, reason string) error {
	var cur taskRow
	if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
		return translate(err, "task")
	}
	if !domain.TaskStatus(cur.Status).Active() {
		return nil
	}
	res := tx.Model(&taskRow{}).Where("id = ? AND status IN ?", id, []string{string(domain.TaskOpen), string(domain.TaskClaimed)}).
		Updates(map[string]any{"status": string(domain.TaskCancelled), "updated_at": s.Now()})
	if res.Error != nil || res.RowsAffected == 0 {
		return translate(res.Error, "task")
	}
	if err := s.taskEvent(ctx, tx, id, domain.SystemActor, "cancelled", map[string]string{"reason": reason}); err != nil {
		return err
	}
	if err := s.cancelEngineTasksAbout(ctx, tx, id, "任务已取消", domain.TaskKindAssignment, domain.TaskKindExtension); err != nil {
		return err
	}
	next := cur
	next.Status = string(domain.TaskCancelled)
	return s.audit(ctx, tx, domain.SystemActor, "task.cancel", "task", id, cur.UnitPath, auditOf(cur), auditOf(next))
}

// MarkTaskReminded records that a reminder went out.
func (s *Store) MarkTaskReminded(ctx context.Context, id string, recipients []string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&taskRow{}).Where("id = ?", id).Updates(map[string]any{"reminded_at": s.Now()}).Error; err != nil {
			return translate(err, "task")
		}
		return s.taskEvent(ctx, tx, id, domain.SystemActor, "reminded", map[string]any{"recipients": recipients})
	})
}

// RecordEscalation notes on an overdue task and on its escalation task that one names the other.
func (s *Store) RecordEscalation(ctx context.Context, overdueID, escalationID, unitID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&taskRow{}).Where("id = ?", overdueID).Updates(map[string]any{"escalated_at": s.Now()}).Error; err != nil {
			return translate(err, "task")
		}
		if err := s.taskEvent(ctx, tx, overdueID, domain.SystemActor, "escalated", map[string]string{"escalation_task_id": escalationID, "to_unit_id": unitID}); err != nil {
			return err
		}
		return s.taskEvent(ctx, tx, escalationID, domain.SystemActor, "escalated", map[string]string{"overdue_task_id": overdueID})
	})
}

// ExtendTaskDeadline moves an active task's due date (and reminder) later.
func (s *Store) ExtendTaskDeadline(ctx context.Context, id string, dueAt time.Time, provisional bool, remindAt *time.Time, actor, reason string) (domain.Task, error) {
	var out taskRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		if !domain.TaskStatus(cur.Status).Active() {
			return domain.Errorf(domain.ECONFLICT, "任务状态为 %s，不能执行此操作", cur.Status)
		}
		if err := tx.Model(&taskRow{}).Where("id = ?", id).Updates(map[string]any{
			"due_at": dueAt.UTC(), "due_provisional": provisional, "remind_at": remindAt, "reminded_at": nil,
			"escalated_at": nil, "updated_at": s.Now(),
		}).Error; err != nil {
			return translate(err, "task")
		}
		if err := tx.Where("id = ?", id).Take(&out).Error; err != nil {
			return translate(err, "task")
		}
		detail := map[string]any{"from": cur.DueAt.UTC(), "to": dueAt.UTC(), "reason": reason}
		if err := s.taskEvent(ctx, tx, id, actor, "deadline_extended", detail); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "task.extend_deadline", "task", id, cur.UnitPath,
			map[string]any{"due_at": cur.DueAt.UTC()}, map[string]any{"due_at": dueAt.UTC(), "reason": reason})
	})
	return out.domain(), err
}

// cancelEngineTasksAbout cancels, within tx, the active engine tasks of the given kinds about a
// task (no longer needed: someone has it, or it ended).
func (s *Store) cancelEngineTasksAbout(ctx context.Context, tx *gorm.DB, taskID, reason string, kinds ...string) error {
	var ids []string
	if err := tx.Model(&taskRow{}).Where("about_task_id = ? AND kind IN ? AND status IN ?", taskID, kinds,
		[]string{"open", "claimed"}).Order("id").Pluck("id", &ids).Error; err != nil {
		return translate(err, "tasks")
	}
	for _, id := range ids {
		if err := s.cancelTask(ctx, tx, id, reason); err != nil {
			return err
		}
	}
	return nil
}

// RouteUnstaffed gives a new, unassigned task of a unit where nobody may take it (nobody
// holds its role there, or only people its NotBy names) to the officers of the unit above: it
// creates a task.assignment engine task for them (idempotent on the task's key), due at dueAt,
// and notes it on the task. It returns the assignment task, or ok=false when the task is
// staffed, taken, an engine task itself, or has no unit above to go to.
func (s *Store) RouteUnstaffed(ctx context.Context, t domain.Task, dueAt time.Time) (assignment domain.Task, ok bool, err error) {
	if t.Assignee != nil || !t.Status.Active() || domain.EngineTask(t.Kind) {
		return domain.Task{}, false, nil
	}
	holders, err := s.UsersWithRole(ctx, t.UnitID, t.Role)
	if err != nil {
		return domain.Task{}, false, err
	}
	for _, h := range holders {
		if !t.Excludes(h) {
			return domain.Task{}, false, nil
		}
	}
	unit, err := s.GetUnit(ctx, domain.Principal{Admin: true}, t.UnitID)
	if err != nil {
		return domain.Task{}, false, err
	}
	above, err := s.ParentUnit(ctx, t.UnitID)
	if err != nil {
		return domain.Task{}, false, err
	}
	if above.ID == t.UnitID && t.Role == domain.RoleOfficer {
		return domain.Task{}, false, nil // the top unit has no officer: only an admin can help
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var created bool
		assignment, created, err = s.createTask(ctx, tx, NewTask{Key: t.Key + "/assignment", Kind: domain.TaskKindAssignment,
			Subject: t.Subject, Title: "指派承办人：" + unit.Name + "无" + t.Role.Label() + "承办“" + t.Title + "”",
			WorkflowID: t.WorkflowID, UnitID: above.ID, Role: domain.RoleOfficer, DueAt: dueAt, Priority: t.Priority,
			AboutTaskID: t.ID})
		if err != nil || !created {
			return err
		}
		return s.taskEvent(ctx, tx, t.ID, domain.SystemActor, "unstaffed", map[string]string{
			"assignment_task_id": assignment.ID, "to_unit_id": above.ID})
	})
	return assignment, err == nil, err
}

// ResolveAssignment completes a task.assignment engine task: in one transaction the task it is
// about goes to assignee (AssignTask's rules, the caller as the assigning officer) and the
// assignment task is completed with result.
func (s *Store) ResolveAssignment(ctx context.Context, p domain.Principal, assignmentID, assignee string, result json.RawMessage) (domain.Task, error) {
	target, err := s.principalOf(ctx, assignee)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return domain.Task{}, domain.Invalid("承办人无效", domain.FieldFailed("assignee", domain.CodeNoSuchUser))
		}
		return domain.Task{}, err
	}
	var out domain.Task
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a taskRow
		if err := s.visibleTasks(tx.Table("tasks t").Where("t.id = ?", assignmentID), p).Take(&a).Error; err != nil {
			return translate(err, "task")
		}
		if a.Kind != domain.TaskKindAssignment || a.AboutTaskID == nil {
			return domain.Errorf(domain.ECONFLICT, "任务 %s 不是指派任务", a.ID)
		}
		if err := s.completeTaskTx(ctx, tx, a, p.Username, result); err != nil {
			return err
		}
		out, err = s.changeTaskIn(ctx, tx, p, *a.AboutTaskID, "assigned", map[string]string{"assignee": assignee, "assignment_task_id": a.ID},
			assignTo(p, target))
		return err
	})
	return out, err
}
