package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

// One home for deadline extensions (#17 §5): every extension is a row here, a request and its
// decision. Whoever could act on the task asks (their own deadline is not theirs to move), and
// the approver decides through a task.extension engine task; an officer over the task's unit
// who cannot act on it decides at once. A granted extension reaches the owning workflow as the
// deadline-extended signal (the app layer sends it), which moves the due date and timers.

// DeadlineExtension is one request to move a task's deadline, and its decision.
type DeadlineExtension struct {
	ID             string `gorm:"primaryKey"`
	TaskID         string
	WorkingDays    int
	Reason         string
	RequestedBy    string
	RequestedAt    time.Time
	Status         domain.ExtensionStatus
	ApproverUnitID *string
	ApproverRole   string
	DecisionTaskID *string
	DecidedBy      string
	DecidedAt      *time.Time
	DecisionReason string
}

func (DeadlineExtension) TableName() string { return "deadline_extensions" }

// ExtensionApprover says who decides a requested extension of t: a unit and the role in it.
type ExtensionApprover func(ctx context.Context, t domain.Task) (unitID string, role domain.Role, err error)

// extensionApprover is the kind's registered approver, or the officers of the unit above the
// task's (of the task's own unit at the top of a net).
func (s *Store) extensionApprover(ctx context.Context, t domain.Task) (string, domain.Role, error) {
	if f := s.ExtensionApprovers[t.Kind]; f != nil {
		return f(ctx, t)
	}
	u, err := s.ParentUnit(ctx, t.UnitID)
	if err != nil {
		return "", "", err
	}
	return u.ID, domain.RoleOfficer, nil
}

// RequestExtension is an ask to move a task's deadline.
type RequestExtension struct {
	TaskID      string
	WorkingDays int
	Reason      string
	// DecisionDueAt is when the approver's task.extension task is due (the app computes it on
	// the working-day calendar).
	DecisionDueAt time.Time
}

// ValidateExtension checks the working days and the reason of an extension.
func ValidateExtension(days int, reason string) error {
	var v domain.Validation
	if days < domain.MinExtensionWorkingDays || days > domain.MaxExtensionWorkingDays {
		v.Add("working_days", "须为 1 至 30 个工作日")
	}
	switch n := len([]rune(reason)); {
	case n == 0:
		v.Add("reason", "须写明延期理由")
	case n > domain.MaxReasonText:
		v.Add("reason", "至多 2000 个字符")
	}
	return v.Err("延期申请无效")
}

// RequestDeadlineExtension records an extension of a task the caller may view. Whoever may act
// on the task requests it (status requested, and a task.extension task for the approver, which
// the requester may not take); an officer over the task's unit (or an admin) who may not act
// on it grants it at once (status granted: the caller then signals the workflow). Anyone else
// is EFORBIDDEN.
func (s *Store) RequestDeadlineExtension(ctx context.Context, p domain.Principal, in RequestExtension) (DeadlineExtension, error) {
	if err := ValidateExtension(in.WorkingDays, in.Reason); err != nil {
		return DeadlineExtension{}, err
	}
	t, err := s.GetTask(ctx, p, in.TaskID)
	if err != nil {
		return DeadlineExtension{}, err
	}
	if !t.Status.Active() {
		return DeadlineExtension{}, domain.Errorf(domain.ECONFLICT, "任务“%s”已%s，不能延期", t.Title, taskStatusCN(t.Status))
	}
	if domain.EngineTask(t.Kind) || t.Kind == domain.TaskKindEscalation {
		return DeadlineExtension{}, domain.Errorf(domain.ECONFLICT, "任务“%s”是审批或督办任务，不能延期", t.Title)
	}
	now := s.Now()
	ext := DeadlineExtension{ID: newID(), TaskID: t.ID, WorkingDays: in.WorkingDays, Reason: in.Reason,
		RequestedBy: p.Username, RequestedAt: now}
	own := p.CanAct(t) || t.IsAssignee(p.Username) || (t.Owner != nil && *t.Owner == p.Username)
	switch {
	case own:
		unitID, role, err := s.extensionApprover(ctx, t)
		if err != nil {
			return DeadlineExtension{}, err
		}
		ext.Status, ext.ApproverUnitID, ext.ApproverRole = domain.ExtensionRequested, &unitID, string(role)
	case p.CanManage(t):
		ext.Status, ext.DecidedBy, ext.DecidedAt = domain.ExtensionGranted, p.Username, &now
	default:
		return DeadlineExtension{}, domain.Errorf(domain.EFORBIDDEN, "只有任务的承办人（提出申请）或任务所在单位上级的干部（直接批准）可以延长任务“%s”的期限", t.Title)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if ext.Status == domain.ExtensionRequested {
			var pending int64
			if err := tx.Model(&DeadlineExtension{}).Where("task_id = ? AND status = ?", t.ID, string(domain.ExtensionRequested)).
				Count(&pending).Error; err != nil {
				return translate(err, "extensions")
			}
			if pending > 0 {
				return domain.Errorf(domain.ECONFLICT, "任务“%s”已有一项延期申请待审批", t.Title)
			}
			dt, _, err := s.createTask(ctx, tx, NewTask{Key: t.WorkflowID + "/extension/" + ext.ID, Kind: domain.TaskKindExtension,
				Subject: t.Subject, Title: "延期申请审批：" + p.Username + " 申请将“" + t.Title + "”延长 " + itoa(in.WorkingDays) + " 个工作日",
				WorkflowID: t.WorkflowID, UnitID: *ext.ApproverUnitID, Role: domain.Role(ext.ApproverRole), DueAt: in.DecisionDueAt,
				NotBy: []string{p.Username}, AboutTaskID: t.ID, Priority: t.Priority})
			if err != nil {
				return err
			}
			ext.DecisionTaskID = &dt.ID
		}
		if err := tx.Create(&ext).Error; err != nil {
			return translate(err, "extension")
		}
		if err := s.taskEvent(ctx, tx, t.ID, p.Username, "extension_"+string(ext.Status), map[string]any{
			"extension_id": ext.ID, "working_days": ext.WorkingDays, "reason": ext.Reason}); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "task.extension."+string(ext.Status), "task", t.ID, t.UnitPath, nil, ext)
	})
	return ext, err
}

// DecideDeadlineExtension grants or refuses a requested extension. The approver decides: who
// may act on its task.extension task (never the requester), or an admin. It completes that
// task; the caller signals the workflow when granted. With taskID set, the extension must be
// of that task (else ENOTFOUND).
func (s *Store) DecideDeadlineExtension(ctx context.Context, p domain.Principal, taskID, extID string, grant bool, reason string) (DeadlineExtension, error) {
	var ext DeadlineExtension
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", extID).Take(&ext).Error; err != nil {
			return translate(err, "extension")
		}
		if taskID != "" && ext.TaskID != taskID {
			return domain.Errorf(domain.ENOTFOUND, "延期申请不存在或无权查看")
		}
		var t taskRow
		if err := s.visibleTasks(tx.Table("tasks t").Where("t.id = ?", ext.TaskID), p).Take(&t).Error; err != nil {
			return translate(err, "task") // outside the caller's view: not found
		}
		if ext.DecidedBy == p.Username && (grant && ext.Status == domain.ExtensionGranted || !grant && ext.Status == domain.ExtensionRefused) {
			return errSameDecision // a retried decision: answered as the first time
		}
		if ext.Status != domain.ExtensionRequested {
			return domain.Errorf(domain.ECONFLICT, "该延期申请已%s", extensionStatusCN(ext.Status))
		}
		if ext.RequestedBy == p.Username {
			return domain.Errorf(domain.EFORBIDDEN, "不能审批自己提出的延期申请")
		}
		var dt taskRow
		if ext.DecisionTaskID == nil || tx.Where("id = ?", *ext.DecisionTaskID).Take(&dt).Error != nil {
			return domain.Errorf(domain.EINTERNAL, "延期申请 %s 没有审批任务", ext.ID)
		}
		if !p.Admin && !p.CanAct(dt.domain()) {
			return domain.Errorf(domain.EFORBIDDEN, "延期申请由%s的%s审批", unitName(tx, ext.ApproverUnitID), domain.Role(ext.ApproverRole).Label())
		}
		if !grant && len([]rune(reason)) == 0 {
			return domain.Invalid("延期审批无效", domain.FieldFailed("reason", domain.CodeRequiredWith, "不同意延期"))
		}
		now := s.Now()
		ext.Status, ext.DecidedBy, ext.DecidedAt, ext.DecisionReason = domain.ExtensionRefused, p.Username, &now, reason
		if grant {
			ext.Status = domain.ExtensionGranted
		}
		res := tx.Model(&DeadlineExtension{}).Where("id = ? AND status = ?", ext.ID, string(domain.ExtensionRequested)).
			Updates(map[string]any{"status": string(ext.Status), "decided_by": p.Username, "decided_at": now, "decision_reason": reason})
		if res.Error != nil {
			return translate(res.Error, "extension")
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ECONFLICT, "该延期申请刚被他人审批；请刷新")
		}
		decision := "refuse"
		if grant {
			decision = "grant"
		}
		result, _ := json.Marshal(map[string]string{"decision": decision, "reason": reason})
		if err := s.completeTaskTx(ctx, tx, dt, p.Username, result); err != nil {
			return err
		}
		if err := s.taskEvent(ctx, tx, ext.TaskID, p.Username, "extension_"+string(ext.Status), map[string]any{
			"extension_id": ext.ID, "working_days": ext.WorkingDays, "reason": reason}); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "task.extension."+string(ext.Status), "task", ext.TaskID, t.UnitPath,
			map[string]string{"status": string(domain.ExtensionRequested)}, ext)
	})
	if errors.Is(err, errSameDecision) {
		err = nil
	}
	return ext, err
}

var errSameDecision = errors.New("store: the same decision again")

// RecordGrantedExtension records an extension granted inside a workflow (an officer's
// "extend" answer to an escalation), so that every extension has its row here; id (derived
// from the workflow's key) makes a retried activity record it once.
func (s *Store) RecordGrantedExtension(ctx context.Context, id, taskID string, days int, reason, decidedBy string) error {
	now := s.Now()
	ext := DeadlineExtension{ID: id, TaskID: taskID, WorkingDays: days, Reason: reason, RequestedBy: decidedBy, RequestedAt: now,
		Status: domain.ExtensionGranted, DecidedBy: decidedBy, DecidedAt: &now}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoNothing: true}).
		Create(&ext).Error, "extension")
}

// ExtensionByDecisionTask returns the extension a task.extension task decides.
func (s *Store) ExtensionByDecisionTask(ctx context.Context, taskID string) (DeadlineExtension, error) {
	var ext DeadlineExtension
	return ext, translate(s.db.WithContext(ctx).Where("decision_task_id = ?", taskID).Take(&ext).Error, "extension")
}

// ListDeadlineExtensions lists a viewable task's extensions, oldest first.
func (s *Store) ListDeadlineExtensions(ctx context.Context, p domain.Principal, taskID string) ([]DeadlineExtension, error) {
	if _, err := s.GetTask(ctx, p, taskID); err != nil {
		return nil, err
	}
	var out []DeadlineExtension
	err := s.db.WithContext(ctx).Where("task_id = ?", taskID).Order("requested_at, id").Find(&out).Error
	return out, translate(err, "extensions")
}

// completeTaskTx completes an engine task within tx (no workflow takes its result).
func (s *Store) completeTaskTx(ctx context.Context, tx *gorm.DB, cur taskRow, actor string, result json.RawMessage) error {
	if !domain.TaskStatus(cur.Status).Active() {
		return domain.Errorf(domain.ECONFLICT, "任务“%s”已%s", cur.Title, taskStatusCN(domain.TaskStatus(cur.Status)))
	}
	now := s.Now()
	res := tx.Model(&taskRow{}).Where("id = ? AND status IN ?", cur.ID, []string{"open", "claimed"}).Updates(map[string]any{
		"status": string(domain.TaskCompleted), "result": string(result), "completed_by": actor, "completed_at": now,
		"updated_at": now, "delegation": "", "owner": nil,
	})
	if res.Error != nil {
		return translate(res.Error, "task")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.ECONFLICT, "任务已被他人修改，请刷新后重试")
	}
	next := cur
	next.Status = string(domain.TaskCompleted)
	if err := s.taskEvent(ctx, tx, cur.ID, actor, "completed", result); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "task.complete", "task", cur.ID, cur.UnitPath, auditOf(cur), auditOf(next))
}

func unitName(tx *gorm.DB, id *string) string {
	if id == nil {
		return "上级单位"
	}
	var u unitRow
	if tx.Where("id = ?", *id).Take(&u).Error != nil {
		return "上级单位"
	}
	return u.Name
}

func taskStatusCN(st domain.TaskStatus) string {
	switch st {
	case domain.TaskCompleted:
		return "办结"
	case domain.TaskCancelled:
		return "取消"
	}
	return string(st)
}

func extensionStatusCN(st domain.ExtensionStatus) string {
	switch st {
	case domain.ExtensionGranted:
		return "批准"
	case domain.ExtensionRefused:
		return "不予批准"
	}
	return "待审批"
}
