package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/calendar"
	"tandem/domain"
)

// Demonstration points 示范点 (#19): nomination with a self-assessment, the workflow's steps one
// audited change at a time, the public notice 公示 and its objections.

// DemonstrationWorkflowID names a point's workflow.
func DemonstrationWorkflowID(pointID string) string { return "demonstration/" + pointID }

// DemonstrationPoint is a row of demonstration_points with the names it refers to.
type DemonstrationPoint struct {
	ID             string
	WorkflowID     string
	PartyOrgID     string
	UnitID         string // the party organization's unit
	UnitPath       string
	Status         domain.DemonstrationStatus
	Reasons        string
	SelfAssessment string // JSON [{item, met, note}]
	Score          *int
	Ranking        *int
	NoticeFrom     *time.Time
	NoticeTo       *time.Time
	NominatedBy    string
	NamedAt        *time.Time
	Rechecks       int        // yearly re-checks made (00024)
	RecheckedAt    *time.Time // the last one
	VisitedAt      *time.Time // when the site visit's score was recorded (00026): the ranking's year
	CreatedAt      time.Time
	UpdatedAt      time.Time
	PartyOrgName   string `gorm:"->;column:party_org_name"`
	UnitName       string `gorm:"->;column:unit_name"`
}

func (DemonstrationPoint) TableName() string { return "demonstration_points" }

// ChecklistAnswer is one line of a self-assessment: a checklist item, whether it is met, a note.
type ChecklistAnswer struct {
	Item string `json:"item"`
	Met  bool   `json:"met"`
	Note string `json:"note,omitempty"`
}

// Nomination is what a county's or industry committee's officer submits.
type Nomination struct {
	NominatingUnitID string // "" : the caller's one officer unit of kind county or committee
	PartyOrgID       string
	Reasons          string
	SelfAssessment   []ChecklistAnswer
}

// NominationRules are what a nomination is checked against besides itself.
type NominationRules struct {
	Checklist  []string
	WorkflowID func(pointID string) string
}

// Nominated is a recorded nomination with the city unit that reviews it.
type Nominated struct {
	Point      DemonstrationPoint
	CityUnitID string
}

var nominatingKinds = []string{string(domain.KindCounty), string(domain.KindCommittee)}

// Nominate records a nomination (status nominated); the caller starts its workflow.
func (s *Store) Nominate(ctx context.Context, p domain.Principal, n Nomination, rules NominationRules) (Nominated, error) {
	if rules.WorkflowID == nil || len(rules.Checklist) == 0 {
		return Nominated{}, fmt.Errorf("store: Nominate without a checklist or a WorkflowID naming")
	}
	var out Nominated
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var v domain.Validation
		if n.NominatingUnitID == "" { // the caller's one officer unit of a nominating kind
			id, err := oneOfficerUnit(tx, p, nominatingKinds)
			if err != nil {
				return err
			}
			n.NominatingUnitID = id
		}
		var nominator unitRow
		switch {
		case n.NominatingUnitID == "":
			if len(v) == 0 {
				v.AddCode("nominating_unit_id", domain.CodeRequired)
			}
		case tx.Where("id = ?", n.NominatingUnitID).Take(&nominator).Error != nil:
			v.AddCode("nominating_unit_id", domain.CodeNoSuchUnit)
		case !slices.Contains(nominatingKinds, nominator.Kind):
			v.AddCode("nominating_unit_id", domain.CodeNotAllowed, "县（区）两新工委、行业党委")
		case !p.Admin && !p.HoldsRoleIn(domain.RoleOfficer, nominator.ID):
			return domain.Errorf(domain.EFORBIDDEN, "只有县（区）两新工委或行业党委的干部可以推荐本单位范围内的示范点")
		}
		var po PartyOrg
		if n.PartyOrgID == "" {
			v.AddCode("party_org_id", domain.CodeRequired)
		} else if err := tx.Table("party_orgs").Where("id = ?", n.PartyOrgID).Take(&po).Error; err != nil || po.Status == "dissolved" {
			v.AddCode("party_org_id", domain.CodeNotFound)
		} else if nominator.ID != "" && !strings.HasPrefix(po.UnitPath, nominator.Path) {
			v.AddCode("party_org_id", domain.CodeInsideUnit)
		}
		n.Reasons = strings.TrimSpace(n.Reasons)
		if n.Reasons == "" {
			v.AddCode("reasons", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(n.Reasons, domain.TextRule{Max: domain.MaxDemonstrationReasons, Multiline: true}); code != "" {
			v.AddCode("reasons", code, args...)
		}
		answers := checkSelfAssessment(n.SelfAssessment, rules.Checklist, &v)
		if err := v.Err("示范点推荐材料填写有误"); err != nil {
			return err
		}
		var open int64
		if err := tx.Model(&DemonstrationPoint{}).Where("party_org_id = ? AND status NOT IN ?", po.ID,
			[]string{string(domain.DemoRejected), string(domain.DemoRevoked)}).Count(&open).Error; err != nil {
			return translate(err, "demonstration points")
		}
		if open > 0 {
			return domain.Errorf(domain.ECONFLICT, "党组织 %s 已被推荐或已是示范点", po.Name)
		}
		var city unitRow
		if err := tx.Where("kind = ? AND ? LIKE path || '%'", string(domain.KindCity), nominator.Path).Take(&city).Error; err != nil {
			return domain.Errorf(domain.ECONFLICT, "推荐单位 %s 不在任何市级两新工委之下，无人审核", nominator.Name)
		}
		raw, _ := json.Marshal(answers)
		now := s.Now()
		pt := DemonstrationPoint{ID: newID(), PartyOrgID: po.ID, UnitID: po.UnitID, UnitPath: po.UnitPath, Status: domain.DemoNominated,
			Reasons: n.Reasons, SelfAssessment: string(raw), NominatedBy: p.Username, CreatedAt: now, UpdatedAt: now}
		pt.WorkflowID = rules.WorkflowID(pt.ID)
		if err := tx.Omit("party_org_name", "unit_name").Create(&pt).Error; err != nil {
			return translate(err, "demonstration point")
		}
		pt.PartyOrgName = po.Name
		out = Nominated{Point: pt, CityUnitID: city.ID}
		return s.audit(ctx, tx, p.Username, "demonstration.nominate", "demonstration_point", pt.ID, pt.UnitPath, nil,
			map[string]any{"party_org_id": po.ID, "nominating_unit_id": nominator.ID, "reasons": n.Reasons, "self_assessment": answers})
	})
	return out, err
}

// oneOfficerUnit is the caller's one unit of those kinds where they are an officer ("" for none
// or several: the caller must name it).
func oneOfficerUnit(db *gorm.DB, p domain.Principal, kinds []string) (string, error) {
	var ids []string
	for _, m := range p.Memberships {
		if m.Role == domain.RoleOfficer {
			ids = append(ids, m.UnitID)
		}
	}
	var mine []unitRow
	if len(ids) > 0 {
		if err := db.Where("id IN ? AND kind IN ?", ids, kinds).Find(&mine).Error; err != nil {
			return "", translate(err, "units")
		}
	}
	if len(mine) != 1 {
		return "", nil
	}
	return mine[0].ID, nil
}

// checkSelfAssessment holds a self-assessment to the checklist: each item answered once, in any
// order, nothing else.
func checkSelfAssessment(in []ChecklistAnswer, checklist []string, v *domain.Validation) []ChecklistAnswer {
	if len(in) == 0 {
		v.AddCode("self_assessment", domain.CodeRequired)
		return nil
	}
	if len(in) > domain.MaxChecklistItems {
		v.AddCode("self_assessment", domain.CodeTooMany, domain.MaxChecklistItems)
		return nil
	}
	seen := map[string]bool{}
	out := make([]ChecklistAnswer, 0, len(in))
	for i, a := range in {
		field := fmt.Sprintf("self_assessment[%d]", i)
		a.Item, a.Note = strings.TrimSpace(a.Item), strings.TrimSpace(a.Note)
		switch {
		case !slices.Contains(checklist, a.Item):
			v.AddCode(field+".item", domain.CodeNotAllowed, strings.Join(checklist, "、"))
		case seen[a.Item]:
			v.AddCode(field+".item", domain.CodeDuplicate)
		}
		seen[a.Item] = true
		if code, args := domain.CheckTextCode(a.Note, domain.ReasonText); code != "" {
			v.AddCode(field+".note", code, args...)
		}
		out = append(out, a)
	}
	for _, item := range checklist {
		if !seen[item] {
			v.AddCode("self_assessment", domain.CodeRequiredWith, "每一项自评标准："+item)
			break
		}
	}
	return out
}

// DemonstrationStep is one change the workflow makes to a point.
type DemonstrationStep struct {
	Action     string // audit action: demonstration.review, .visit, .decision, .notice, .named
	Actor      string
	To         domain.DemonstrationStatus
	Score      *int
	NoticeFrom *time.Time
	NoticeTo   *time.Time
	// Rechecks is the point's re-check count after a re-check step (0: not one): the step is
	// recorded once per status and count, so a retried activity changes nothing.
	Rechecks int
	Detail   map[string]any
}

// AdvanceDemonstration records a step of a point's workflow; a retried step changes nothing.
func (s *Store) AdvanceDemonstration(ctx context.Context, id string, st DemonstrationStep) (DemonstrationPoint, error) {
	if !st.To.Valid() {
		return DemonstrationPoint{}, fmt.Errorf("store: unknown demonstration status %q", st.To)
	}
	var out DemonstrationPoint
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var pt DemonstrationPoint
		if err := tx.Where("id = ?", id).Take(&pt).Error; err != nil {
			return translate(err, "demonstration point")
		}
		if pt.Status == st.To && (st.Rechecks == 0 || pt.Rechecks == st.Rechecks) {
			out = pt
			return nil
		}
		now := s.Now()
		set := map[string]any{"status": st.To, "updated_at": now}
		if st.Score != nil {
			set["score"], set["visited_at"] = *st.Score, now.UTC() // UTC: the ranking compares it with a year's bounds
		}
		if st.NoticeFrom != nil {
			set["notice_from"], set["notice_to"] = *st.NoticeFrom, *st.NoticeTo
		}
		if st.To == domain.DemoNamed && pt.NamedAt == nil {
			set["named_at"] = now
		}
		if st.Rechecks > 0 {
			set["rechecks"], set["rechecked_at"] = st.Rechecks, now
		}
		if err := tx.Model(&DemonstrationPoint{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return translate(err, "demonstration point")
		}
		if err := s.audit(ctx, tx, st.Actor, st.Action, "demonstration_point", id, pt.UnitPath,
			map[string]any{"status": pt.Status, "rechecks": pt.Rechecks}, map[string]any{"status": st.To, "rechecks": st.Rechecks, "detail": st.Detail}); err != nil {
			return err
		}
		return tx.Where("id = ?", id).Take(&out).Error
	})
	return out, err
}

func (s *Store) demonstrationQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("demonstration_points dp").Select("dp.*, po.name AS party_org_name, u.name AS unit_name").
		Joins("JOIN party_orgs po ON po.id = dp.party_org_id").Joins("JOIN units u ON u.id = dp.unit_id")
}

// DemonstrationByID reads any point; for the engine's own use (activities).
func (s *Store) DemonstrationByID(ctx context.Context, id string) (DemonstrationPoint, error) {
	var pt DemonstrationPoint
	err := s.demonstrationQuery(s.db.WithContext(ctx)).Where("dp.id = ?", id).Take(&pt).Error
	return pt, translate(err, "demonstration point")
}

// GetDemonstration reads a point in the caller's scope (404 otherwise), files included.
func (s *Store) GetDemonstration(ctx context.Context, p domain.Principal, id string) (DemonstrationPoint, error) {
	var pt DemonstrationPoint
	err := scoped(s.demonstrationQuery(s.db.WithContext(ctx)).Where("dp.id = ?", id), "dp.unit_path", p).Take(&pt).Error
	if err != nil {
		return pt, domain.Errorf(domain.ENOTFOUND, "示范点不存在")
	}
	return pt, nil
}

// DemonstrationFilter narrows the list.
type DemonstrationFilter struct {
	Status domain.DemonstrationStatus
	// Current keeps the points that are demonstration points now: named or warned.
	Current bool
	Page    Page
}

// ListDemonstrations lists the points in the caller's scope, newest first by ID.
func (s *Store) ListDemonstrations(ctx context.Context, p domain.Principal, f DemonstrationFilter) ([]DemonstrationPoint, string, error) {
	q := scoped(s.demonstrationQuery(s.db.WithContext(ctx)), "dp.unit_path", p)
	if f.Status != "" {
		q = q.Where("dp.status = ?", f.Status)
	}
	if f.Current {
		q = q.Where("dp.status IN ?", []string{string(domain.DemoNamed), string(domain.DemoWarned)})
	}
	q, err := pageByID(q, "dp.id", f.Page)
	if err != nil {
		return nil, "", err
	}
	var rows []DemonstrationPoint
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "demonstration points")
	}
	rows, next := nextCursor(rows, f.Page, func(r DemonstrationPoint) string { return r.ID })
	return rows, next, nil
}

// DemonstrationNotices lists the points whose public notice 公示 runs now, for anyone logged in:
// the caller must show only the notice's fields (name, unit, reasons, dates), never the files.
func (s *Store) DemonstrationNotices(ctx context.Context) ([]DemonstrationPoint, error) {
	now := s.Now()
	var rows []DemonstrationPoint
	// Only the notice's columns are read: the files never leave the store on this path.
	q := s.db.WithContext(ctx).Table("demonstration_points dp").Select("dp.id, dp.party_org_id, dp.unit_id, dp.status, dp.reasons, " +
		"dp.notice_from, dp.notice_to, po.name AS party_org_name, u.name AS unit_name").
		Joins("JOIN party_orgs po ON po.id = dp.party_org_id").Joins("JOIN units u ON u.id = dp.unit_id")
	err := q.Where("dp.status = ? AND dp.notice_from <= ? AND dp.notice_to > ?",
		domain.DemoPublicNotice, now, now).Order("dp.notice_to, dp.id").Limit(500).Find(&rows).Error
	return rows, translate(err, "demonstration points")
}

// DemonstrationHistory is a point's audit trail, oldest first. The caller has read the point.
func (s *Store) DemonstrationHistory(ctx context.Context, id string) ([]domain.AuditEvent, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Where("subject_type = ? AND subject_id = ?", "demonstration_point", id).
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

// DemonstrationObjection is a row of demonstration_objections.
type DemonstrationObjection struct {
	ID         string
	PointID    string
	LodgedBy   string
	Reason     string
	LodgedAt   time.Time
	TaskID     *string
	Answer     string
	AnsweredBy string
	AnsweredAt *time.Time
}

func (DemonstrationObjection) TableName() string { return "demonstration_objections" }

// ObjectToDemonstration records an objection by anyone logged in, during the point's notice.
func (s *Store) ObjectToDemonstration(ctx context.Context, p domain.Principal, pointID, reason string) (DemonstrationObjection, error) {
	var o DemonstrationObjection
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return domain.Invalid("异议填写有误", domain.FieldFailed("reason", domain.CodeRequired))
		}
		if code, args := domain.CheckTextCode(reason, domain.ReasonText); code != "" {
			return domain.Invalid("异议填写有误", domain.FieldFailed("reason", code, args...))
		}
		var pt DemonstrationPoint
		if err := tx.Where("id = ?", pointID).Take(&pt).Error; err != nil {
			return domain.Errorf(domain.ENOTFOUND, "示范点不存在")
		}
		now := s.Now()
		if pt.Status != domain.DemoPublicNotice || pt.NoticeFrom == nil || now.Before(*pt.NoticeFrom) || !now.Before(*pt.NoticeTo) {
			return domain.Errorf(domain.ECONFLICT, "该示范点不在公示期内，不能提出异议")
		}
		var n int64
		if err := tx.Model(&DemonstrationObjection{}).Where("point_id = ? AND lodged_by = ? AND answered_at IS NULL", pointID, p.Username).
			Count(&n).Error; err != nil || n > 0 {
			return domain.Errorf(domain.ECONFLICT, "您对该示范点的异议正在处理中")
		}
		o = DemonstrationObjection{ID: newID(), PointID: pointID, LodgedBy: p.Username, Reason: reason, LodgedAt: now}
		if err := tx.Create(&o).Error; err != nil {
			return translate(err, "demonstration objection")
		}
		return s.audit(ctx, tx, p.Username, "demonstration.objection", "demonstration_point", pointID, pt.UnitPath, nil,
			map[string]any{"objection_id": o.ID, "reason": reason})
	})
	return o, err
}

// DemonstrationObjectionByID reads an objection.
func (s *Store) DemonstrationObjectionByID(ctx context.Context, id string) (DemonstrationObjection, error) {
	var o DemonstrationObjection
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&o).Error
	return o, translate(err, "demonstration objection")
}

// AnswerDemonstrationObjection records the city officer's answer (uphold or dismiss); once.
func (s *Store) AnswerDemonstrationObjection(ctx context.Context, id, actor, decision, answer, taskID string) (DemonstrationObjection, error) {
	var o DemonstrationObjection
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&o).Error; err != nil {
			return translate(err, "demonstration objection")
		}
		if o.AnsweredAt != nil {
			return nil // a retried activity
		}
		var pt DemonstrationPoint
		if err := tx.Where("id = ?", o.PointID).Take(&pt).Error; err != nil {
			return translate(err, "demonstration point")
		}
		now := s.Now()
		set := map[string]any{"answer": answer, "answered_by": actor, "answered_at": now}
		if taskID != "" {
			set["task_id"] = taskID
		}
		if err := tx.Model(&DemonstrationObjection{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return translate(err, "demonstration objection")
		}
		o.Answer, o.AnsweredBy, o.AnsweredAt = answer, actor, &now
		return s.audit(ctx, tx, actor, "demonstration.objection_answered", "demonstration_point", o.PointID, pt.UnitPath, nil,
			map[string]any{"objection_id": id, "decision": decision, "answer": answer, "lodged_by": o.LodgedBy})
	})
	return o, err
}

// DemonstrationObjections lists a point's objections, oldest first.
func (s *Store) DemonstrationObjections(ctx context.Context, pointID string) ([]DemonstrationObjection, error) {
	var rows []DemonstrationObjection
	err := s.db.WithContext(ctx).Where("point_id = ?", pointID).Order("lodged_at, id").Limit(500).Find(&rows).Error
	return rows, translate(err, "demonstration objections")
}

// MaxDemonstrationRanking bounds the points one year's ranking reads.
const MaxDemonstrationRanking = 1000

// RankedPoint is a line of a year's ranking: points sharing a score share a rank (1, 1, 3).
type RankedPoint struct {
	Rank  int
	Point DemonstrationPoint
}

// DemonstrationYear is the year a visit counts in: its calendar year in Asia/Shanghai.
func DemonstrationYear(visited time.Time) int { return visited.In(calendar.Shanghai).Year() }

// demonstrationRanking ranks the points under path visited in year (Asia/Shanghai) by their
// site-visit score, highest first; ties share a rank and are listed by their visit, then ID.
func (s *Store) demonstrationRanking(ctx context.Context, path string, year int) ([]RankedPoint, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, calendar.Shanghai)
	to := from.AddDate(1, 0, 0)
	var rows []DemonstrationPoint
	err := s.demonstrationQuery(s.db.WithContext(ctx)).Where(`dp.unit_path LIKE ? ESCAPE '\' AND dp.score IS NOT NULL AND dp.visited_at >= ? AND dp.visited_at < ?`,
		escapeLike(path)+"%", from.UTC(), to.UTC()).Order("dp.score DESC, dp.visited_at, dp.id").Limit(MaxDemonstrationRanking).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "demonstration points")
	}
	out := make([]RankedPoint, len(rows))
	for i, r := range rows {
		out[i] = RankedPoint{Rank: i + 1, Point: r}
		if i > 0 && *r.Score == *rows[i-1].Score {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out, nil
}

// DemonstrationRanking is a city's ranking of the points visited in year, for an officer of that
// city (an admin: any city). unitID "" is the caller's one city unit where they are an officer.
func (s *Store) DemonstrationRanking(ctx context.Context, p domain.Principal, unitID string, year int) (domain.Unit, []RankedPoint, error) {
	db := s.db.WithContext(ctx)
	if unitID == "" {
		id, err := oneOfficerUnit(db, p, []string{string(domain.KindCity)})
		if err != nil {
			return domain.Unit{}, nil, err
		}
		if id == "" {
			return domain.Unit{}, nil, domain.Invalid("排名查询有误", domain.FieldFailed("unit_id", domain.CodeRequired))
		}
		unitID = id
	}
	var city unitRow
	if err := db.Where("id = ?", unitID).Take(&city).Error; err != nil {
		return domain.Unit{}, nil, domain.Invalid("排名查询有误", domain.FieldFailed("unit_id", domain.CodeNoSuchUnit))
	}
	if !p.Admin && !p.HoldsRoleIn(domain.RoleOfficer, city.ID) {
		return domain.Unit{}, nil, domain.Errorf(domain.EFORBIDDEN, "只有市级两新工委的干部可以查看示范点考察评分排名")
	}
	if city.Kind != string(domain.KindCity) {
		return domain.Unit{}, nil, domain.Invalid("排名查询有误", domain.FieldFailed("unit_id", domain.CodeNotAllowed, "市级两新工委"))
	}
	rows, err := s.demonstrationRanking(ctx, city.Path, year)
	return domain.Unit{ID: city.ID, Name: city.Name, Kind: domain.UnitKind(city.Kind), Path: city.Path}, rows, err
}

// DemonstrationRank is a point's place among the points its city visited in the same year.
type DemonstrationRank struct {
	Year  int
	Rank  int
	Of    int // the year's scored points, this one included
	Score int
}

// RankDemonstration ranks a visited point among the points under the city unit visited in its
// visit's year and records the rank on the point (ranking): the rank its decision was taken on.
func (s *Store) RankDemonstration(ctx context.Context, pointID, cityUnitID string) (DemonstrationRank, error) {
	pt, err := s.DemonstrationByID(ctx, pointID)
	if err != nil {
		return DemonstrationRank{}, err
	}
	if pt.Score == nil || pt.VisitedAt == nil {
		return DemonstrationRank{}, fmt.Errorf("store: demonstration point %s has no site-visit score to rank", pointID)
	}
	var city unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", cityUnitID).Take(&city).Error; err != nil {
		return DemonstrationRank{}, translate(err, "city unit")
	}
	out := DemonstrationRank{Year: DemonstrationYear(*pt.VisitedAt), Score: *pt.Score}
	rows, err := s.demonstrationRanking(ctx, city.Path, out.Year)
	if err != nil {
		return out, err
	}
	out.Of = len(rows)
	for _, r := range rows {
		if r.Point.ID == pointID {
			out.Rank = r.Rank
		}
	}
	if out.Rank == 0 { // outside the city, or past the bound: never a wrong rank
		return out, fmt.Errorf("store: demonstration point %s is not in its city's ranking of %d", pointID, out.Year)
	}
	err = s.db.WithContext(ctx).Model(&DemonstrationPoint{}).Where("id = ?", pointID).Update("ranking", out.Rank).Error
	return out, translate(err, "demonstration point")
}

// PendingObjection is an open objection whose task the point's workflow has not created.
type PendingObjection struct {
	ID         string
	PointID    string
	LodgedBy   string
	WorkflowID string
}

// MaxPendingObjections bounds one pass of the objections' reconciler.
const MaxPendingObjections = 100

// PendingDemonstrationObjections lists the open objections lodged before `before` to points still
// in public notice that have no task yet (the task's key is <workflow id>/objection/<id>): those
// whose signal never reached the workflow (the engine was away), oldest first.
func (s *Store) PendingDemonstrationObjections(ctx context.Context, before time.Time) ([]PendingObjection, error) {
	var rows []PendingObjection
	err := s.db.WithContext(ctx).Table("demonstration_objections o").
		Select("o.id, o.point_id, o.lodged_by, dp.workflow_id").
		Joins("JOIN demonstration_points dp ON dp.id = o.point_id").
		Where("o.answered_at IS NULL AND o.lodged_at < ? AND dp.status = ?", before, domain.DemoPublicNotice).
		Where("NOT EXISTS (SELECT 1 FROM tasks t WHERE t.key = dp.workflow_id || '/objection/' || o.id)").
		Order("o.lodged_at, o.id").Limit(MaxPendingObjections).Scan(&rows).Error
	return rows, translate(err, "demonstration objections")
}
