package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/calendar"
	"tandem/domain"
)

// InspectionRound is a special inspection round 专项督查.
type InspectionRound struct {
	ID            string
	WorkflowID    string
	Title         string
	Theme         string
	SponsorUnitID string
	SponsorPath   string
	MethodsJSON   string `gorm:"column:methods"`
	FieldFrom     string
	FieldTo       string
	Plan          string
	Status        domain.InspectionStatus
	ReturnReason  string
	DraftedBy     string
	ApprovedBy    string
	Reference     string
	CreatedAt     time.Time
	UpdatedAt     time.Time

	SponsorName string             `gorm:"->;column:sponsor_name"`
	Methods     []string           `gorm:"-"`
	Targets     []InspectionTarget `gorm:"-"`
}

func (InspectionRound) TableName() string { return "inspection_rounds" }

// InspectionTarget is a unit a round inspects, with its visit and feedback once done.
type InspectionTarget struct {
	RoundID     string
	UnitID      string
	UnitPath    string
	Position    int
	VisitedBy   string
	VisitedAt   *time.Time
	MethodsDone string
	Notes       string
	Evidence    string
	Feedback    string
	FeedbackBy  string
	FeedbackAt  *time.Time
	UnitName    string `gorm:"->;column:unit_name"`
	ParentID    string `gorm:"->;column:parent_id"`
}

func (InspectionTarget) TableName() string { return "inspection_targets" }

type teamRow struct {
	RoundID  string
	Username string
	Post     domain.TeamPost
	Position int
}

func (teamRow) TableName() string { return "inspection_team" }

type assignmentRow struct {
	RoundID      string
	Username     string
	TargetUnitID string
}

func (assignmentRow) TableName() string { return "inspection_assignments" }

type declarationRow struct {
	RoundID      string
	Username     string
	TargetUnitID string
	Reason       string
}

func (declarationRow) TableName() string { return "inspection_declarations" }

// RoundDraft is what an officer drafts (and, after a return, resubmits).
type RoundDraft struct {
	SponsorUnitID string // "" takes the caller's one officer unit
	Title         string
	Theme         string
	Targets       []string
	Methods       []string
	FieldFrom     string // YYYY-MM-DD, a working day, not before today
	FieldTo       string
	Plan          string
}

// RoundRules are what a draft is checked against besides itself.
type RoundRules struct {
	Calendar *calendar.Calendar
	Methods  []string // the methods a round may use (the defaults plus configured ones)
	// WorkflowID names the round's workflow from its new ID (workflows.InspectionWorkflowID).
	WorkflowID func(roundID string) string
}

// inspectionTargetKinds are the kinds of unit a round inspects.
var inspectionTargetKinds = []domain.UnitKind{domain.KindCounty, domain.KindCommittee, domain.KindTownship}

// checkDraft trims and checks a draft; it returns the sponsor and the targets in order.
func (s *Store) checkDraft(ctx context.Context, tx *gorm.DB, p domain.Principal, d *RoundDraft, rules RoundRules) (unitRow, []unitRow, error) {
	var v domain.Validation
	d.Title, d.Theme, d.Plan = strings.TrimSpace(d.Title), strings.TrimSpace(d.Theme), strings.TrimSpace(d.Plan)
	text := func(field, value string, rule domain.TextRule, required bool) {
		if required && value == "" {
			v.AddCode(field, domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(value, rule); code != "" {
			v.AddCode(field, code, args...)
		}
	}
	text("title", d.Title, domain.TextRule{Max: domain.MaxRoundTitle}, true)
	text("theme", d.Theme, domain.TextRule{Max: domain.MaxRoundTheme}, false)
	text("plan", d.Plan, domain.LongText, true)

	// The sponsor: a city or county unit where the caller is an officer.
	var sponsor unitRow
	if d.SponsorUnitID == "" {
		for _, m := range p.Memberships {
			if m.Role == domain.RoleOfficer {
				if d.SponsorUnitID != "" {
					d.SponsorUnitID = ""
					v.AddCode("sponsor_unit_id", domain.CodeRequired)
					break
				}
				d.SponsorUnitID = m.UnitID
			}
		}
	}
	if d.SponsorUnitID != "" {
		if err := tx.Where("id = ?", d.SponsorUnitID).Take(&sponsor).Error; err != nil {
			v.AddCode("sponsor_unit_id", domain.CodeNoSuchUnit)
		} else if sponsor.Kind != string(domain.KindCity) && sponsor.Kind != string(domain.KindCounty) {
			v.AddCode("sponsor_unit_id", domain.CodeNotAllowed, "市、县（区）两新工委")
		} else if !p.Admin && !p.HoldsRoleIn(domain.RoleOfficer, sponsor.ID) {
			return sponsor, nil, domain.Errorf(domain.EFORBIDDEN, "只有牵头单位的干部可以起草督查方案")
		}
	} else if len(v) == 0 {
		v.AddCode("sponsor_unit_id", domain.CodeRequired)
	}

	var targets []unitRow
	switch {
	case len(d.Targets) == 0:
		v.AddCode("targets", domain.CodeRequired)
	case len(d.Targets) > domain.MaxRoundTargets:
		v.AddCode("targets", domain.CodeTooMany, domain.MaxRoundTargets)
	default:
		var rows []unitRow
		if err := tx.Where("id IN ?", d.Targets).Find(&rows).Error; err != nil {
			return sponsor, nil, translate(err, "units")
		}
		byID := map[string]unitRow{}
		for _, r := range rows {
			byID[r.ID] = r
		}
		seen := map[string]bool{}
		for i, id := range d.Targets {
			field := fmt.Sprintf("targets[%d]", i)
			u, ok := byID[id]
			switch {
			case seen[id]:
				v.AddCode(field, domain.CodeDuplicate)
			case !ok || u.MergedInto != nil:
				v.AddCode(field, domain.CodeNoSuchUnit)
			case !slices.Contains(inspectionTargetKinds, domain.UnitKind(u.Kind)):
				v.AddCode(field, domain.CodeNotAllowed, "县（区）、行业党委、乡镇（街道）")
			case sponsor.ID != "" && (u.ID == sponsor.ID || !strings.HasPrefix(u.Path, sponsor.Path)):
				v.AddCode(field, domain.CodeInsideUnit)
			default:
				targets = append(targets, u)
			}
			seen[id] = true
		}
	}

	methods := make([]string, 0, len(d.Methods))
	switch {
	case len(d.Methods) == 0:
		v.AddCode("methods", domain.CodeRequired)
	case len(d.Methods) > domain.MaxRoundMethods:
		v.AddCode("methods", domain.CodeTooMany, domain.MaxRoundMethods)
	default:
		for i, m := range d.Methods {
			m = strings.TrimSpace(m)
			field := fmt.Sprintf("methods[%d]", i)
			switch {
			case slices.Contains(methods, m):
				v.AddCode(field, domain.CodeDuplicate)
			case !slices.Contains(rules.Methods, m):
				v.AddCode(field, domain.CodeNotAllowed, strings.Join(rules.Methods, "、"))
			}
			methods = append(methods, m)
		}
	}
	d.Methods = methods

	today := s.Now().In(calendar.Shanghai).Format(time.DateOnly)
	day := func(field, value string) (time.Time, bool) {
		t, err := time.ParseInLocation(time.DateOnly, value, calendar.Shanghai)
		switch {
		case value == "":
			v.AddCode(field, domain.CodeRequiredDate)
		case err != nil:
			v.AddCode(field, domain.CodeBadDate)
		case value < today:
			v.AddCode(field, domain.CodeBeforeToday, today)
		default:
			if rules.Calendar != nil {
				if work, _ := rules.Calendar.IsWorkday(t); !work {
					v.AddCode(field, domain.CodeNotWorkingDay, value)
					return t, false
				}
			}
			return t, true
		}
		return t, false
	}
	from, okFrom := day("field_from", d.FieldFrom)
	to, okTo := day("field_to", d.FieldTo)
	if okFrom && okTo {
		switch {
		case to.Before(from):
			v.AddCode("field_to", domain.CodeBeforeStart, d.FieldFrom)
		case to.Sub(from) > domain.MaxFieldDays*24*time.Hour:
			v.AddCode("field_to", domain.CodeFieldTooLong, domain.MaxFieldDays)
		}
	}
	return sponsor, targets, v.Err("督查方案填写有误")
}

func targetRows(roundID string, targets []unitRow) []InspectionTarget {
	out := make([]InspectionTarget, len(targets))
	for i, u := range targets {
		out[i] = InspectionTarget{RoundID: roundID, UnitID: u.ID, UnitPath: u.Path, Position: i, MethodsDone: "[]", Evidence: "[]"}
	}
	return out
}

// planColumns are the columns of a round that hold its plan, with the status it goes to.
func (s *Store) planColumns(d RoundDraft, status domain.InspectionStatus) map[string]any {
	return map[string]any{"title": d.Title, "theme": d.Theme, "methods": jsonList(d.Methods), "field_from": d.FieldFrom,
		"field_to": d.FieldTo, "plan": d.Plan, "status": status, "updated_at": s.Now()}
}

// replaceTargets makes targets, in order, the round's targets.
func replaceTargets(tx *gorm.DB, roundID string, targets []unitRow) error {
	if err := tx.Where("round_id = ?", roundID).Delete(&InspectionTarget{}).Error; err != nil {
		return translate(err, "inspection targets")
	}
	return translate(tx.Create(targetRows(roundID, targets)).Error, "inspection targets")
}

func jsonList(xs []string) string {
	if xs == nil {
		xs = []string{}
	}
	b, _ := json.Marshal(xs)
	return string(b)
}

// CreateInspectionRound records a drafted round in status plan_review; the caller starts its workflow.
func (s *Store) CreateInspectionRound(ctx context.Context, p domain.Principal, d RoundDraft, rules RoundRules) (InspectionRound, error) {
	if rules.WorkflowID == nil {
		return InspectionRound{}, fmt.Errorf("store: CreateInspectionRound without a WorkflowID naming")
	}
	var r InspectionRound
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sponsor, targets, err := s.checkDraft(ctx, tx, p, &d, rules)
		if err != nil {
			return err
		}
		now := s.Now()
		r = InspectionRound{ID: newID(), Title: d.Title, Theme: d.Theme, SponsorUnitID: sponsor.ID, SponsorPath: sponsor.Path,
			MethodsJSON: jsonList(d.Methods), FieldFrom: d.FieldFrom, FieldTo: d.FieldTo, Plan: d.Plan,
			Status: domain.InspectionPlanReview, DraftedBy: p.Username, CreatedAt: now, UpdatedAt: now, Methods: d.Methods}
		r.WorkflowID = rules.WorkflowID(r.ID)
		if err := tx.Create(&r).Error; err != nil {
			return translate(err, "inspection round")
		}
		if err := tx.Create(targetRows(r.ID, targets)).Error; err != nil {
			return translate(err, "inspection targets")
		}
		return s.audit(ctx, tx, p.Username, "inspection.draft", "inspection_round", r.ID, r.SponsorPath, nil, d)
	})
	return r, err
}

// ResubmitInspectionRound replaces a returned round's plan with the drafter's edit and puts it back in
// review; the caller tells the workflow.
func (s *Store) ResubmitInspectionRound(ctx context.Context, p domain.Principal, id string, d RoundDraft, rules RoundRules) (InspectionRound, error) {
	var r InspectionRound
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = s.getInspectionRound(ctx, tx, p, id); err != nil {
			return err
		}
		if r.DraftedBy != p.Username {
			return domain.Errorf(domain.EFORBIDDEN, "只有起草人 %s 可以修改督查方案", r.DraftedBy)
		}
		if r.Status != domain.InspectionReturned {
			return domain.Errorf(domain.ECONFLICT, "督查方案不在退回修改状态（%s）", r.Status)
		}
		d.SponsorUnitID = r.SponsorUnitID
		_, targets, err := s.checkDraft(ctx, tx, p, &d, rules)
		if err != nil {
			return err
		}
		old := RoundDraft{SponsorUnitID: r.SponsorUnitID, Title: r.Title, Theme: r.Theme, Methods: r.Methods, FieldFrom: r.FieldFrom,
			FieldTo: r.FieldTo, Plan: r.Plan}
		for _, t := range r.Targets {
			old.Targets = append(old.Targets, t.UnitID)
		}
		res := tx.Model(&InspectionRound{}).Where("id = ? AND status = ?", id, domain.InspectionReturned).
			Updates(s.planColumns(d, domain.InspectionPlanReview))
		if res.Error != nil || res.RowsAffected != 1 {
			return domain.Errorf(domain.ECONFLICT, "督查方案已被修改，请刷新")
		}
		if err := replaceTargets(tx, id, targets); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "inspection.resubmit", "inspection_round", id, r.SponsorPath, old, d)
	})
	if err != nil {
		return r, err
	}
	return s.GetInspectionRound(ctx, p, id)
}

// UndoResubmit puts back the returned plan prev (the round as it was read before
// ResubmitInspectionRound) when the round's workflow could not be told of the resubmission
// (app.Inspections.Resubmit): the round is 方案已退回 again and its drafter may send it again.
// Before, the round stayed 方案审核中 with no review task, and a second try was refused as not
// returned. Only a round still in plan review changes; the undo is audited.
func (s *Store) UndoResubmit(ctx context.Context, actor, id string, prev InspectionRound) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		plan := RoundDraft{Title: prev.Title, Theme: prev.Theme, Methods: prev.Methods, FieldFrom: prev.FieldFrom, FieldTo: prev.FieldTo, Plan: prev.Plan}
		res := tx.Model(&InspectionRound{}).Where("id = ? AND status = ?", id, domain.InspectionPlanReview).
			Updates(s.planColumns(plan, domain.InspectionReturned))
		if res.Error != nil {
			return translate(res.Error, "inspection round")
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.ECONFLICT, "督查方案已不在审核中，无法撤回重新提交")
		}
		targets := make([]unitRow, len(prev.Targets))
		for i, t := range prev.Targets {
			targets[i] = unitRow{ID: t.UnitID, Path: t.UnitPath}
		}
		if err := replaceTargets(tx, id, targets); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "inspection.resubmit_undone", "inspection_round", id, prev.SponsorPath, nil,
			map[string]any{"reason": "the workflow could not be signalled"})
	})
}

// SetInspectionStatus records where a round's workflow is and the decision that led there.
func (s *Store) SetInspectionStatus(ctx context.Context, id string, status domain.InspectionStatus, actor string, detail map[string]any) error {
	if !status.Valid() {
		return fmt.Errorf("store: unknown inspection status %q", status)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r InspectionRound
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return translate(err, "inspection round")
		}
		set := map[string]any{"status": status, "updated_at": s.Now()}
		if reason, ok := detail["reason"].(string); ok && status == domain.InspectionReturned {
			set["return_reason"] = reason
		}
		if status == domain.InspectionTeam && r.Status == domain.InspectionPlanReview {
			set["approved_by"] = actor
			if ref, ok := detail["reference"].(string); ok {
				set["reference"] = ref
			}
		}
		if r.Status == status {
			return nil // a retried activity
		}
		if err := tx.Model(&InspectionRound{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return translate(err, "inspection round")
		}
		return s.audit(ctx, tx, actor, "inspection.status", "inspection_round", id, r.SponsorPath,
			map[string]any{"status": r.Status}, map[string]any{"status": status, "detail": detail})
	})
}

// visibleRounds restricts q (over inspection_rounds r) to rounds the caller may read: those
// of a sponsor in their scope, those with a target in their scope, and those whose team they
// are on.
func visibleRounds(q *gorm.DB, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	var conds []string
	var args []any
	for _, path := range p.ScopePaths() {
		like := escapeLike(path) + "%"
		conds = append(conds, `r.sponsor_path LIKE ? ESCAPE '\'`,
			`EXISTS (SELECT 1 FROM inspection_targets vt WHERE vt.round_id = r.id AND vt.unit_path LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	conds = append(conds, "EXISTS (SELECT 1 FROM inspection_team vm WHERE vm.round_id = r.id AND vm.username = ?)")
	args = append(args, p.Username)
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

func roundsQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("inspection_rounds r").Joins("JOIN units su ON su.id = r.sponsor_unit_id").Select("r.*, su.name AS sponsor_name")
}

// GetInspectionRound reads a round the caller may read, with its targets in order.
func (s *Store) GetInspectionRound(ctx context.Context, p domain.Principal, id string) (InspectionRound, error) {
	return s.getInspectionRound(ctx, s.db.WithContext(ctx), p, id)
}

func (s *Store) getInspectionRound(ctx context.Context, tx *gorm.DB, p domain.Principal, id string) (InspectionRound, error) {
	var r InspectionRound
	if err := visibleRounds(roundsQuery(tx.WithContext(ctx)), p).Where("r.id = ?", id).Take(&r).Error; err != nil {
		return r, translate(err, "inspection round")
	}
	_ = json.Unmarshal([]byte(r.MethodsJSON), &r.Methods)
	err := tx.WithContext(ctx).Table("inspection_targets t").Joins("JOIN units u ON u.id = t.unit_id").
		Select("t.*, u.name AS unit_name, COALESCE(u.parent_id, '') AS parent_id").
		Where("t.round_id = ?", id).Order("t.position").Find(&r.Targets).Error
	return r, translate(err, "inspection targets")
}

// InspectionRoundByID reads a round for its workflow's activities (no scope).
func (s *Store) InspectionRoundByID(ctx context.Context, id string) (InspectionRound, error) {
	return s.GetInspectionRound(ctx, domain.Principal{Admin: true}, id)
}

// ListInspectionRounds lists the rounds the caller may read, newest last (by ID).
func (s *Store) ListInspectionRounds(ctx context.Context, p domain.Principal, page Page) ([]InspectionRound, string, error) {
	q, err := pageByID(visibleRounds(roundsQuery(s.db.WithContext(ctx)), p), "r.id", page)
	if err != nil {
		return nil, "", err
	}
	var rows []InspectionRound
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "inspection rounds")
	}
	for i := range rows {
		_ = json.Unmarshal([]byte(rows[i].MethodsJSON), &rows[i].Methods)
	}
	rows, next := nextCursor(rows, page, func(r InspectionRound) string { return r.ID })
	return rows, next, nil
}

// SeesWholeInspection reports whether the caller reads every target of a round (its sponsor's
// subtree, or its team); a target's own people read only their targets.
func (s *Store) SeesWholeInspection(ctx context.Context, p domain.Principal, r InspectionRound) bool {
	if p.Admin || p.Views(r.SponsorPath) {
		return true
	}
	var n int64
	s.db.WithContext(ctx).Model(&teamRow{}).Where("round_id = ? AND username = ?", r.ID, p.Username).Count(&n)
	return n > 0
}

// TeamMember is one member of a round's team with the targets they inspect.
type TeamMember struct {
	Username string
	Post     domain.TeamPost
	Targets  []string
}

// TeamDeclaration is a member's declared conflict of interest with a target.
type TeamDeclaration struct {
	Username string
	Target   string
	Reason   string
}

// TeamInput names a round's whole team.
type TeamInput struct {
	Members      []TeamMember
	Declarations []TeamDeclaration
}

// TargetTeam is one target's group: its leader and everyone assigned to it.
type TargetTeam struct {
	Target  string
	Leader  string
	Members []string // the leader first, then the others in team order
}

// memberUnits reads the units (with names and paths) of every membership of the users.
func memberUnits(tx *gorm.DB, usernames []string) (map[string][]domain.ConflictUnit, map[string]bool, error) {
	var rows []struct {
		Username string
		Disabled bool
		ID       string
		Name     string
		Path     string
	}
	err := tx.Table("users us").Joins("LEFT JOIN memberships m ON m.user_id = us.id").Joins("LEFT JOIN units u ON u.id = m.unit_id").
		Select("us.username, us.disabled_at IS NOT NULL AS disabled, COALESCE(u.id, '') AS id, COALESCE(u.name, '') AS name, COALESCE(u.path, '') AS path").
		Where("us.username IN ?", usernames).Find(&rows).Error
	if err != nil {
		return nil, nil, translate(err, "users")
	}
	units, known := map[string][]domain.ConflictUnit{}, map[string]bool{}
	for _, r := range rows {
		known[r.Username] = !r.Disabled
		if r.ID != "" {
			units[r.Username] = append(units[r.Username], domain.ConflictUnit{ID: r.ID, Name: r.Name, Path: r.Path})
		}
	}
	return units, known, nil
}

// conflictError is the 422 that keeps a member off a target, naming the member, the target and
// the rule in Chinese.
func conflictError(field, username string, code string, unit, target domain.ConflictUnit) domain.FieldError {
	if code == domain.CodeAvoidDeclared {
		return domain.FieldFailed(field, code, username, target.Name)
	}
	return domain.FieldFailed(field, code, username, unit.Name, target.Name)
}

// SetTeam names a round's team: an officer over the round's sponsor, while the round waits for
// its team. Every assignment is held to the conflict-of-interest rules 回避; the answer to a
// breach is a 422 naming the member, the target and the rule.
func (s *Store) SetTeam(ctx context.Context, p domain.Principal, roundID string, in TeamInput) ([]TargetTeam, error) {
	var out []TargetTeam
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.getInspectionRound(ctx, tx, p, roundID)
		if err != nil {
			return err
		}
		if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, r.SponsorPath) {
			return domain.Errorf(domain.EFORBIDDEN, "只有牵头单位的干部可以组建督查组")
		}
		if r.Status != domain.InspectionTeam {
			return domain.Errorf(domain.ECONFLICT, "督查组只能在方案批准后、实地督查开始前组建（现为 %s）", r.Status)
		}
		targets := map[string]domain.ConflictUnit{}
		for _, t := range r.Targets {
			targets[t.UnitID] = domain.ConflictUnit{ID: t.UnitID, Name: t.UnitName, Path: t.UnitPath}
		}
		var v domain.Validation
		switch {
		case len(in.Members) == 0:
			v.AddCode("members", domain.CodeRequired)
		case len(in.Members) > domain.MaxTeamMembers:
			v.AddCode("members", domain.CodeTooMany, domain.MaxTeamMembers)
		}
		if len(in.Declarations) > domain.MaxTeamMembers*domain.MaxRoundTargets {
			v.AddCode("declarations", domain.CodeTooMany, domain.MaxTeamMembers*domain.MaxRoundTargets)
		}
		if err := v.Err("督查组名单有误"); err != nil {
			return err
		}
		names := make([]string, len(in.Members))
		for i := range in.Members {
			in.Members[i].Username = strings.TrimSpace(in.Members[i].Username)
			names[i] = in.Members[i].Username
		}
		units, known, err := memberUnits(tx, names)
		if err != nil {
			return err
		}
		declared := map[[2]string]bool{}
		onTeam := map[string]bool{}
		for _, n := range names {
			onTeam[n] = true
		}
		for i, d := range in.Declarations {
			field := fmt.Sprintf("declarations[%d]", i)
			d.Reason = strings.TrimSpace(d.Reason)
			in.Declarations[i].Reason = d.Reason
			if !onTeam[d.Username] {
				v.AddCode(field+".username", domain.CodeNotMember)
			}
			if _, ok := targets[d.Target]; !ok {
				v.AddCode(field+".target", domain.CodeNotTeamTarget)
			}
			if d.Reason == "" {
				v.AddCode(field+".reason", domain.CodeRequired)
			} else if code, args := domain.CheckTextCode(d.Reason, domain.TextRule{Max: domain.MaxDecisionReason, Multiline: true}); code != "" {
				v.AddCode(field+".reason", code, args...)
			}
			declared[[2]string{d.Username, d.Target}] = true
		}
		leaders := map[string][]string{}
		assigned := map[string][]string{}
		seen := map[string]bool{}
		for i, m := range in.Members {
			field := fmt.Sprintf("members[%d]", i)
			switch enabled, ok := known[m.Username]; {
			case m.Username == "":
				v.AddCode(field+".username", domain.CodeRequired)
			case seen[m.Username]:
				v.AddCode(field+".username", domain.CodeDuplicate)
			case !ok || !enabled:
				v.AddCode(field+".username", domain.CodeNoSuchUser)
			}
			seen[m.Username] = true
			if m.Post.Label() == "" {
				v.AddCode(field+".post", domain.CodeNotAllowed, "leader 组长、deputy 副组长、member 组员")
			}
			switch {
			case len(m.Targets) == 0:
				v.AddCode(field+".targets", domain.CodeRequired)
			case len(m.Targets) > domain.MaxRoundTargets:
				v.AddCode(field+".targets", domain.CodeTooMany, domain.MaxRoundTargets)
			}
			mine := map[string]bool{}
			for j, t := range m.Targets {
				tf := fmt.Sprintf("%s.targets[%d]", field, j)
				target, ok := targets[t]
				switch {
				case !ok:
					v.AddCode(tf, domain.CodeNotTeamTarget)
					continue
				case mine[t]:
					v.AddCode(tf, domain.CodeDuplicate)
					continue
				}
				mine[t] = true
				if code, unit := domain.Conflict(units[m.Username], target, r.SponsorPath, declared[[2]string{m.Username, t}]); code != "" {
					v = append(v, conflictError(tf, m.Username, code, unit, target))
				}
				assigned[t] = append(assigned[t], m.Username)
				if m.Post == domain.PostLeader {
					leaders[t] = append(leaders[t], m.Username)
				}
			}
		}
		for _, t := range r.Targets {
			if n := len(leaders[t.UnitID]); n != 1 {
				v.AddCode("members", domain.CodeOneLeader, t.UnitName, n)
			}
		}
		if err := v.Err("督查组名单不符合回避或组成规定"); err != nil {
			return err
		}
		for _, table := range []any{&assignmentRow{}, &declarationRow{}, &teamRow{}} {
			if err := tx.Where("round_id = ?", roundID).Delete(table).Error; err != nil {
				return translate(err, "inspection team")
			}
		}
		for i, m := range in.Members {
			if err := tx.Create(&teamRow{RoundID: roundID, Username: m.Username, Post: m.Post, Position: i}).Error; err != nil {
				return translate(err, "inspection team")
			}
			for _, t := range m.Targets {
				if err := tx.Create(&assignmentRow{RoundID: roundID, Username: m.Username, TargetUnitID: t}).Error; err != nil {
					return translate(err, "inspection team")
				}
			}
		}
		for _, d := range in.Declarations {
			if err := tx.Create(&declarationRow{RoundID: roundID, Username: d.Username, TargetUnitID: d.Target, Reason: d.Reason}).Error; err != nil {
				return translate(err, "inspection declarations")
			}
		}
		for _, t := range r.Targets {
			members := []string{leaders[t.UnitID][0]}
			for _, u := range assigned[t.UnitID] {
				if u != members[0] {
					members = append(members, u)
				}
			}
			out = append(out, TargetTeam{Target: t.UnitID, Leader: members[0], Members: members})
		}
		return s.audit(ctx, tx, p.Username, "inspection.team", "inspection_round", roundID, r.SponsorPath, nil, in)
	})
	return out, err
}

// Team reads a round's team in order, with each member's targets.
func (s *Store) Team(ctx context.Context, roundID string) ([]TeamMember, error) {
	var rows []teamRow
	if err := s.db.WithContext(ctx).Where("round_id = ?", roundID).Order("position").Find(&rows).Error; err != nil {
		return nil, translate(err, "inspection team")
	}
	var as []assignmentRow
	if err := s.db.WithContext(ctx).Where("round_id = ?", roundID).Order("target_unit_id").Find(&as).Error; err != nil {
		return nil, translate(err, "inspection team")
	}
	out := make([]TeamMember, len(rows))
	for i, r := range rows {
		out[i] = TeamMember{Username: r.Username, Post: r.Post, Targets: []string{}}
		for _, a := range as {
			if a.Username == r.Username {
				out[i].Targets = append(out[i].Targets, a.TargetUnitID)
			}
		}
	}
	return out, nil
}

// TargetTeam lists the members the round's team assigns to target now (leader included), by
// username: the candidates of the target's visit and verification tasks.
func (s *Store) TargetTeam(ctx context.Context, roundID, target string) ([]string, error) {
	var names []string
	err := s.db.WithContext(ctx).Model(&assignmentRow{}).Where("round_id = ? AND target_unit_id = ?", roundID, target).
		Order("username").Pluck("username", &names).Error
	return names, translate(err, "inspection team")
}

// replaceTeamCandidate: a member replaced after an objection stops being a candidate of the
// target's open tasks of the round (its visit, its items' verifications) and the replacement
// becomes one.
func (s *Store) replaceTeamCandidate(ctx context.Context, tx *gorm.DB, roundID, target, from, to string) error {
	var ids []string
	err := tx.WithContext(ctx).Table("tasks t").Joins("JOIN task_candidates c ON c.task_id = t.id").
		Where("c.username = ? AND t.subject = ? AND t.status IN ?", from, target, activeStatuses).
		Where("t.workflow_id IN (SELECT workflow_id FROM inspection_rounds WHERE id = ?) OR "+
			"t.workflow_id IN (SELECT workflow_id FROM rectification_items WHERE round_id = ?)", roundID, roundID).
		Pluck("t.id", &ids).Error
	if err != nil {
		return translate(err, "tasks")
	}
	for _, id := range ids {
		var r taskRow
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return translate(err, "task")
		}
		names := slices.DeleteFunc(notByNames(r.Candidates), func(n string) bool { return n == from || n == to })
		names = append(names, to)
		if err := tx.Model(&taskRow{}).Where("id = ?", id).Update("candidates", notByColumn(names)).Error; err != nil {
			return translate(err, "task")
		}
		if err := tx.Where("task_id = ? AND username = ?", id, from).Delete(&taskCandidate{}).Error; err != nil {
			return translate(err, "task candidates")
		}
		if err := indexCandidates(tx, id, []string{to}); err != nil {
			return err
		}
		if err := s.taskEvent(ctx, tx, id, domain.SystemActor, "candidates", map[string]string{"removed": from, "added": to, "why": "回避替换"}); err != nil {
			return err
		}
	}
	return nil
}

// Objection is a target's objection to a team member 回避申请.
type Objection struct {
	ID             string
	RoundID        string
	TargetUnitID   string
	Username       string
	Reason         string
	LodgedBy       string
	LodgedAt       time.Time
	Status         string // open | replaced | overruled
	Replacement    string
	DecidedBy      string
	DecidedAt      *time.Time
	DecisionReason string
}

func (Objection) TableName() string { return "inspection_objections" }

// LodgeObjection records a target's objection to a member assigned to it: an officer of the
// target (or of a unit inside it), while the team stands and the target's visit is not done.
func (s *Store) LodgeObjection(ctx context.Context, p domain.Principal, roundID, target, username, reason string) (Objection, error) {
	var o Objection
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.getInspectionRound(ctx, tx, p, roundID)
		if err != nil {
			return err
		}
		var v domain.Validation
		reason = strings.TrimSpace(reason)
		if reason == "" {
			v.AddCode("reason", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(reason, domain.TextRule{Max: domain.MaxDecisionReason, Multiline: true}); code != "" {
			v.AddCode("reason", code, args...)
		}
		var t *InspectionTarget
		for i := range r.Targets {
			if r.Targets[i].UnitID == target {
				t = &r.Targets[i]
			}
		}
		if t == nil {
			v.AddCode("target", domain.CodeNotTeamTarget)
		}
		var n int64
		if err := tx.Model(&assignmentRow{}).Where("round_id = ? AND username = ? AND target_unit_id = ?", roundID, username, target).Count(&n).Error; err != nil {
			return translate(err, "inspection team")
		}
		if n == 0 {
			v.AddCode("username", domain.CodeNotMember)
		}
		if err := v.Err("回避申请填写有误"); err != nil {
			return err
		}
		own := p.Admin
		for _, m := range p.Memberships {
			own = own || m.Role == domain.RoleOfficer && strings.HasPrefix(m.UnitPath, t.UnitPath)
		}
		switch {
		case !own:
			return domain.Errorf(domain.EFORBIDDEN, "只有被督查单位的干部可以提出回避申请")
		case r.Status != domain.InspectionTeam && r.Status != domain.InspectionField || t.VisitedAt != nil:
			return domain.Errorf(domain.ECONFLICT, "该单位的督查已结束，不能再提出回避申请")
		}
		if err := tx.Model(&Objection{}).Where("round_id = ? AND target_unit_id = ? AND username = ? AND status = 'open'", roundID, target, username).
			Count(&n).Error; err != nil || n > 0 {
			return domain.Errorf(domain.ECONFLICT, "对 %s 的回避申请正在处理中", username)
		}
		o = Objection{ID: newID(), RoundID: roundID, TargetUnitID: target, Username: username, Reason: reason, LodgedBy: p.Username,
			LodgedAt: s.Now(), Status: "open"}
		if err := tx.Create(&o).Error; err != nil {
			return translate(err, "objection")
		}
		return s.audit(ctx, tx, p.Username, "inspection.objection", "inspection_round", roundID, t.UnitPath, nil, o)
	})
	return o, err
}

// ObjectionByID reads an objection.
func (s *Store) ObjectionByID(ctx context.Context, id string) (Objection, error) {
	var o Objection
	return o, translate(s.db.WithContext(ctx).Where("id = ?", id).Take(&o).Error, "objection")
}

// ObjectionDecision is the round officer's answer to an objection.
type ObjectionDecision struct {
	Decision    string // replace | overrule
	Replacement string // replace: who takes the member's place for the target
	Reason      string
}

// ObjectionOutcome says what a decision changed: with a replacement that took over as the
// target's leader, NewLeader names them.
type ObjectionOutcome struct {
	Objection Objection
	NewLeader string
}

// CheckObjectionDecision refuses a replacement who does not exist, is on the team already or
// may not inspect the target (回避), with the 422 DecideObjection would give.
func (s *Store) CheckObjectionDecision(ctx context.Context, objectionID string, d ObjectionDecision) error {
	return s.checkObjectionDecision(ctx, s.db.WithContext(ctx), objectionID, d)
}

func (s *Store) checkObjectionDecision(ctx context.Context, tx *gorm.DB, objectionID string, d ObjectionDecision) error {
	if d.Decision != "replace" {
		return nil
	}
	var o Objection
	if err := tx.Where("id = ?", objectionID).Take(&o).Error; err != nil {
		return translate(err, "objection")
	}
	r, err := s.getInspectionRound(ctx, tx, domain.Principal{Admin: true}, o.RoundID)
	if err != nil {
		return err
	}
	units, known, err := memberUnits(tx, []string{d.Replacement})
	if err != nil {
		return err
	}
	if !known[d.Replacement] {
		return domain.Invalid("替换人员有误", domain.FieldFailed("replacement", domain.CodeNoSuchUser))
	}
	var n int64
	if err := tx.Model(&teamRow{}).Where("round_id = ? AND username = ?", o.RoundID, d.Replacement).Count(&n).Error; err != nil {
		return translate(err, "inspection team")
	}
	if n > 0 {
		return domain.Invalid("替换人员有误", domain.FieldError{Field: "replacement", Code: domain.CodeTaken, Reason: d.Replacement + " 已是督查组成员"})
	}
	var declared int64
	tx.Model(&declarationRow{}).Where("round_id = ? AND username = ? AND target_unit_id = ?", o.RoundID, d.Replacement, o.TargetUnitID).Count(&declared)
	for _, t := range r.Targets {
		if t.UnitID == o.TargetUnitID {
			target := domain.ConflictUnit{ID: t.UnitID, Name: t.UnitName, Path: t.UnitPath}
			if code, unit := domain.Conflict(units[d.Replacement], target, r.SponsorPath, declared > 0); code != "" {
				return domain.Invalid("替换人员不符合回避规定", conflictError("replacement", d.Replacement, code, unit, target))
			}
		}
	}
	return nil
}

// DecideObjection applies the round officer's decision (idempotent: a decided objection
// answers with what was decided). A replacement takes the objected member's post for the
// target; a member left with no target leaves the team.
func (s *Store) DecideObjection(ctx context.Context, objectionID, actor string, d ObjectionDecision) (ObjectionOutcome, error) {
	var out ObjectionOutcome
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o Objection
		if err := tx.Where("id = ?", objectionID).Take(&o).Error; err != nil {
			return translate(err, "objection")
		}
		out.Objection = o
		if o.Status != "open" { // decided already (a retried activity): answer the same
			var m teamRow
			if o.Status == "replaced" && tx.Where("round_id = ? AND username = ?", o.RoundID, o.Replacement).Take(&m).Error == nil &&
				m.Post == domain.PostLeader {
				out.NewLeader = o.Replacement
			}
			return nil
		}
		if err := s.checkObjectionDecision(ctx, tx, objectionID, d); err != nil {
			return err
		}
		now := s.Now()
		status := "overruled"
		if d.Decision == "replace" {
			status = "replaced"
			var m teamRow
			if err := tx.Where("round_id = ? AND username = ?", o.RoundID, o.Username).Take(&m).Error; err != nil {
				return translate(err, "inspection team")
			}
			var last teamRow
			tx.Where("round_id = ?", o.RoundID).Order("position DESC").Limit(1).Find(&last)
			if err := tx.Where("round_id = ? AND username = ? AND target_unit_id = ?", o.RoundID, o.Username, o.TargetUnitID).
				Delete(&assignmentRow{}).Error; err != nil {
				return translate(err, "inspection team")
			}
			if err := tx.Create(&teamRow{RoundID: o.RoundID, Username: d.Replacement, Post: m.Post, Position: last.Position + 1}).Error; err != nil {
				return translate(err, "inspection team")
			}
			if err := tx.Create(&assignmentRow{RoundID: o.RoundID, Username: d.Replacement, TargetUnitID: o.TargetUnitID}).Error; err != nil {
				return translate(err, "inspection team")
			}
			var left int64
			tx.Model(&assignmentRow{}).Where("round_id = ? AND username = ?", o.RoundID, o.Username).Count(&left)
			if left == 0 {
				if err := tx.Where("round_id = ? AND username = ?", o.RoundID, o.Username).Delete(&teamRow{}).Error; err != nil {
					return translate(err, "inspection team")
				}
			}
			if m.Post == domain.PostLeader {
				out.NewLeader = d.Replacement
			}
			if err := s.replaceTeamCandidate(ctx, tx, o.RoundID, o.TargetUnitID, o.Username, d.Replacement); err != nil {
				return err
			}
		}
		set := map[string]any{"status": status, "replacement": d.Replacement, "decided_by": actor, "decided_at": now, "decision_reason": d.Reason}
		if err := tx.Model(&Objection{}).Where("id = ?", objectionID).Updates(set).Error; err != nil {
			return translate(err, "objection")
		}
		old := o
		o.Status, o.Replacement, o.DecidedBy, o.DecidedAt, o.DecisionReason = status, d.Replacement, actor, &now, d.Reason
		out.Objection = o
		return s.audit(ctx, tx, actor, "inspection.objection_decided", "inspection_round", o.RoundID, "", old, o)
	})
	return out, err
}

// Finding is one problem a visit found.
type Finding struct {
	ID             string
	RoundID        string
	TargetUnitID   string
	Position       int
	Category       string
	Severity       string
	Description    string
	Evidence       string
	FixedOnTheSpot bool
	RecordedBy     string
	CreatedAt      time.Time
}

func (Finding) TableName() string { return "inspection_findings" }

// RectificationItem is a finding's rectification 整改 by the target unit.
type RectificationItem struct {
	ID              string
	RoundID         string
	FindingID       string
	UnitID          string
	UnitPath        string
	Status          domain.RectificationStatus
	DueWorkingDays  int
	DueAt           time.Time
	WorkflowID      string
	Measures        string
	Responsible     string
	EscalationLevel int
	Rectifications  int
	SignedOffBy     string
	SignedOffAt     *time.Time
	RecheckedAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time

	Finding  string `gorm:"->;column:finding"`
	Category string `gorm:"->;column:category"`
	Severity string `gorm:"->;column:severity"`
	UnitName string `gorm:"->;column:unit_name"`
}

func (RectificationItem) TableName() string { return "rectification_items" }

// VisitRecord is what a visit's leader reports.
type VisitRecord struct {
	MethodsDone []string
	Notes       string
	Evidence    []string // attachment IDs
	Findings    []FindingInput
}

// FindingInput is one finding as the visit form gives it.
type FindingInput struct {
	Category, Severity, Description, Evidence string
	FixedOnTheSpot                            bool
}

// CheckInspectionVisit refuses methods the round did not plan, with the 422 RecordInspectionVisit would give.
func (s *Store) CheckInspectionVisit(ctx context.Context, roundID string, methodsDone []string) error {
	r, err := s.InspectionRoundByID(ctx, roundID)
	if err != nil {
		return err
	}
	var v domain.Validation
	for i, m := range methodsDone {
		if !slices.Contains(r.Methods, m) {
			v.AddCode(fmt.Sprintf("methods_done[%d]", i), domain.CodeNotAllowed, strings.Join(r.Methods, "、"))
		}
	}
	return v.Err("督查方式不在本轮方案之内")
}

// RecordInspectionVisit records a target's visit and its findings; each finding not fixed on the spot
// becomes a rectification item in status planning, due at due (dueWorkingDays after the
// visit). A second call for the same target changes nothing (a retried activity).
func (s *Store) RecordInspectionVisit(ctx context.Context, roundID, target, actor string, rec VisitRecord, dueWorkingDays int, due time.Time) ([]RectificationItem, error) {
	if err := s.CheckInspectionVisit(ctx, roundID, rec.MethodsDone); err != nil {
		return nil, err
	}
	var items []RectificationItem
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t InspectionTarget
		if err := tx.Where("round_id = ? AND unit_id = ?", roundID, target).Take(&t).Error; err != nil {
			return translate(err, "inspection target")
		}
		if t.VisitedAt != nil {
			return tx.Where("round_id = ? AND unit_id = ?", roundID, target).Order("id").Find(&items).Error
		}
		now := s.Now()
		res := tx.Model(&InspectionTarget{}).Where("round_id = ? AND unit_id = ? AND visited_at IS NULL", roundID, target).Updates(map[string]any{
			"visited_by": actor, "visited_at": now, "methods_done": jsonList(rec.MethodsDone), "notes": rec.Notes, "evidence": jsonList(rec.Evidence)})
		if res.Error != nil {
			return translate(res.Error, "inspection target")
		}
		for i, f := range rec.Findings {
			row := Finding{ID: newID(), RoundID: roundID, TargetUnitID: target, Position: i, Category: f.Category, Severity: f.Severity,
				Description: f.Description, Evidence: f.Evidence, FixedOnTheSpot: f.FixedOnTheSpot, RecordedBy: actor, CreatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return translate(err, "finding")
			}
			if f.FixedOnTheSpot {
				continue
			}
			item := RectificationItem{ID: newID(), RoundID: roundID, FindingID: row.ID, UnitID: target, UnitPath: t.UnitPath,
				Status: domain.RectPlanning, DueWorkingDays: dueWorkingDays, DueAt: due, Rectifications: 1, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&item).Error; err != nil {
				return translate(err, "rectification item")
			}
			items = append(items, item)
		}
		return s.audit(ctx, tx, actor, "inspection.visit", "inspection_round", roundID, t.UnitPath, nil,
			map[string]any{"target": target, "methods_done": rec.MethodsDone, "findings": rec.Findings, "rectification_items": len(items)})
	})
	return items, err
}

// FeedbackRecipients are whom a target's feedback goes to: the target's officers, and (抄告)
// the officers of the unit above.
type FeedbackRecipients struct {
	To, CC []string
}

// RecordFeedback records the feedback 反馈意见 to a target and says whom it goes to.
func (s *Store) RecordFeedback(ctx context.Context, roundID, target, actor, text string) (FeedbackRecipients, error) {
	var out FeedbackRecipients
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t InspectionTarget
		if err := tx.Where("round_id = ? AND unit_id = ?", roundID, target).Take(&t).Error; err != nil {
			return translate(err, "inspection target")
		}
		if t.FeedbackAt == nil {
			if err := tx.Model(&InspectionTarget{}).Where("round_id = ? AND unit_id = ?", roundID, target).
				Updates(map[string]any{"feedback": text, "feedback_by": actor, "feedback_at": s.Now()}).Error; err != nil {
				return translate(err, "inspection target")
			}
			if err := s.audit(ctx, tx, actor, "inspection.feedback", "inspection_round", roundID, t.UnitPath, nil,
				map[string]any{"target": target, "feedback": text}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if out.To, err = s.UsersWithRole(ctx, target, domain.RoleOfficer); err != nil {
		return out, err
	}
	if parent, err := s.ParentUnit(ctx, target); err == nil {
		out.CC, err = s.UsersWithRole(ctx, parent.ID, domain.RoleOfficer)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// RectificationFilter selects rectification items.
type RectificationFilter struct {
	RoundID string
	UnitID  string
	Status  domain.RectificationStatus
	Page    Page
}

// ListRectifications lists the items the caller may read: those of units in their scope (the
// rectifying side) and those of rounds whose sponsor is in their scope (the inspection side).
func (s *Store) ListRectifications(ctx context.Context, p domain.Principal, f RectificationFilter) ([]RectificationItem, string, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", domain.Invalid("筛选条件不正确", domain.FieldFailed("status", domain.CodeNotAllowed, joinStatuses()))
	}
	q, ok := visibleRectifications(s.rectificationQuery(s.db.WithContext(ctx)), p)
	if !ok {
		return nil, "", nil
	}
	if f.RoundID != "" {
		q = q.Where("ri.round_id = ?", f.RoundID)
	}
	if f.UnitID != "" {
		q = q.Where("ri.unit_id = ?", f.UnitID)
	}
	if f.Status != "" {
		q = q.Where("ri.status = ?", f.Status)
	}
	q, err := pageByID(q, "ri.id", f.Page)
	if err != nil {
		return nil, "", err
	}
	var rows []RectificationItem
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "rectification items")
	}
	rows, next := nextCursor(rows, f.Page, func(r RectificationItem) string { return r.ID })
	return rows, next, nil
}

func joinStatuses() string {
	out := make([]string, len(domain.RectificationStatuses))
	for i, s := range domain.RectificationStatuses {
		out[i] = string(s)
	}
	return strings.Join(out, "、")
}

func (s *Store) rectificationQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("rectification_items ri").Joins("JOIN inspection_rounds r ON r.id = ri.round_id").
		Joins("JOIN inspection_findings f ON f.id = ri.finding_id").Joins("JOIN units u ON u.id = ri.unit_id").
		Select("ri.*, f.description AS finding, f.category AS category, f.severity AS severity, u.name AS unit_name")
}

// RoundFindings reads a round's findings in order (target order, then position).
func (s *Store) RoundFindings(ctx context.Context, roundID string) ([]Finding, error) {
	var rows []Finding
	err := s.db.WithContext(ctx).Table("inspection_findings f").Joins("JOIN inspection_targets t ON t.round_id = f.round_id AND t.unit_id = f.target_unit_id").
		Select("f.*").Where("f.round_id = ?", roundID).Order("t.position, f.position").Find(&rows).Error
	return rows, translate(err, "findings")
}

// RoundItems reads a round's rectification items in order of creation.
func (s *Store) RoundItems(ctx context.Context, roundID string) ([]RectificationItem, error) {
	var rows []RectificationItem
	err := s.rectificationQuery(s.db.WithContext(ctx)).Where("ri.round_id = ?", roundID).Order("ri.id").Find(&rows).Error
	return rows, translate(err, "rectification items")
}

// HandOverInspectionTasks gives a round's open tasks about a target (its visit, its feedback)
// held by a member who was replaced after an objection to the member who replaced them.
func (s *Store) HandOverInspectionTasks(ctx context.Context, workflowID, target, from, to string) error {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&taskRow{}).Where("workflow_id = ? AND subject = ? AND assignee = ? AND status IN ?",
		workflowID, target, from, []string{string(domain.TaskOpen), string(domain.TaskClaimed)}).Pluck("id", &ids).Error; err != nil {
		return translate(err, "tasks")
	}
	for _, id := range ids {
		_, err := s.changeTask(ctx, domain.Principal{Username: domain.SystemActor, Admin: true}, id, "assigned",
			map[string]string{"assignee": to, "why": "回避替换"}, func(t domain.Task, next *taskRow) error {
				if !t.Status.Active() || t.IsAssignee(to) {
					return errUnchanged
				}
				next.Assignee, next.Status, next.Owner, next.Delegation = &to, string(domain.TaskClaimed), nil, ""
				return nil
			})
		if err != nil && !errors.Is(err, errUnchanged) {
			return err
		}
	}
	return nil
}

var errUnchanged = errors.New("unchanged")
