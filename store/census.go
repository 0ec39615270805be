package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

// CensusRound is a census round 摸排: one verification per selected organization.
type CensusRound struct {
	ID         string
	UnitID     string
	UnitPath   string
	Selection  string // all | changed | unverified | tag
	Since      *time.Time
	Tag        string
	Status     string // running | done | cancelled
	Total      int
	Started    int
	Skipped    int
	CreatedBy  string
	CreatedAt  time.Time
	FinishedAt *time.Time
}

func (CensusRound) TableName() string { return "census_rounds" }

// CensusWorkflowID names a round's workflow.
func CensusWorkflowID(roundID string) string { return "census/" + roundID }

// VerifyWorkflowID names the verification of one organization: one at a time per organization,
// whichever round asks.
func VerifyWorkflowID(uscc string) string { return "census-verify/" + uscc }

// RoundStart asks for a census round.
type RoundStart struct {
	UnitID    string
	Selection string // all | changed | unverified | tag
	Since     *time.Time
	Tag       string
}

// CreateRound records a round over the organizations of a unit's subtree that the selection
// picks, fixing its members: an officer over the unit, or an admin. Organizations with no
// single responsible region unit are included when their industry unit lies in the subtree
// or the unit is a root; the round's unit assigns them first.
func (s *Store) CreateRound(ctx context.Context, p domain.Principal, in RoundStart) (CensusRound, error) {
	var v domain.Validation
	switch in.Selection {
	case "", "all", "unverified":
	case "changed":
		if in.Since == nil {
			v.Add("since", "required with select changed")
		}
	case "tag":
		if in.Tag == "" {
			v.Add("tag", "required with select tag")
		}
	default:
		v.Add("select", "all, changed, unverified or tag")
	}
	if err := v.Err("the round is not valid"); err != nil {
		return CensusRound{}, err
	}
	if in.Selection == "" {
		in.Selection = "all"
	}
	unit, err := s.GetUnit(ctx, p, in.UnitID)
	if err != nil {
		return CensusRound{}, err
	}
	if unit.Net != domain.NetRegion {
		return CensusRound{}, domain.Invalid("a census round covers a region unit's subtree", domain.FieldError{Field: "unit_id", Reason: "not a region unit"})
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, unit.Path) {
		return CensusRound{}, domain.Errorf(domain.EFORBIDDEN, "only an officer over the unit may start a census round")
	}
	now := s.Now()
	r := CensusRound{ID: newID(), UnitID: unit.ID, UnitPath: unit.Path, Selection: in.Selection, Since: in.Since, Tag: in.Tag,
		Status: "running", CreatedBy: p.Username, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if in.Selection == "tag" {
			var n int64
			if err := tx.Table("tag_definitions").Where("code = ?", in.Tag).Count(&n).Error; err != nil || n == 0 {
				return domain.Invalid("unknown tag", domain.FieldError{Field: "tag", Reason: "not a defined tag"})
			}
		}
		if err := tx.Create(&r).Error; err != nil {
			return translate(err, "census round")
		}
		like := escapeLike(unit.Path) + "%"
		where := `NOT o.missing AND ((o.region_owners = 1 AND o.region_path LIKE @like ESCAPE '\') OR
			(o.region_owners <> 1 AND (o.industry_path LIKE @like ESCAPE '\' OR @root)))`
		args := map[string]any{"round": r.ID, "like": like, "root": unit.ParentID == nil}
		switch in.Selection {
		case "changed":
			where += ` AND (o.created_at >= @since OR o.updated_at >= @since)`
			args["since"] = *in.Since
		case "unverified":
			where += ` AND o.visited_at IS NULL`
		case "tag":
			where += ` AND EXISTS (SELECT 1 FROM organization_tags g WHERE g.uscc = o.uscc AND g.tag = @tag)`
			args["tag"] = in.Tag
		}
		res := tx.Exec(`INSERT INTO census_members (round_id, uscc, unit_id)
			SELECT @round, o.uscc, CASE WHEN o.region_owners = 1 THEN o.region_unit_id END FROM organizations o WHERE `+where, args)
		if res.Error != nil {
			return translate(res.Error, "census round")
		}
		r.Total = int(res.RowsAffected)
		if err := tx.Model(&CensusRound{}).Where("id = ?", r.ID).Update("total", r.Total).Error; err != nil {
			return translate(err, "census round")
		}
		return s.audit(ctx, tx, p.Username, "census.start", "census_round", r.ID, unit.Path, nil,
			map[string]any{"unit_id": unit.ID, "select": in.Selection, "since": in.Since, "tag": in.Tag, "total": r.Total})
	})
	return r, err
}

// RoundMember is one organization of a round.
type RoundMember struct {
	USCC   string  `gorm:"column:uscc"`
	UnitID *string // nil: no responsible region unit yet
}

// RoundMembers pages through a round's organizations by credit code.
func (s *Store) RoundMembers(ctx context.Context, roundID, after string, limit int) ([]RoundMember, error) {
	var out []RoundMember
	err := s.db.WithContext(ctx).Table("census_members").Where("round_id = ? AND uscc > ?", roundID, after).
		Order("uscc").Limit(limit).Select("uscc, unit_id").Scan(&out).Error
	return out, translate(err, "census members")
}

// RoundByID returns a round, unscoped.
func (s *Store) RoundByID(ctx context.Context, id string) (CensusRound, error) {
	var r CensusRound
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	return r, translate(err, "census round")
}

// GetRound returns a round the caller may view.
func (s *Store) GetRound(ctx context.Context, p domain.Principal, id string) (CensusRound, error) {
	var r CensusRound
	err := scoped(s.db.WithContext(ctx).Where("id = ?", id), "unit_path", p).Take(&r).Error
	return r, translate(err, "census round")
}

// SetRoundStarted records how far a round's fan-out has gone, and how many of those
// organizations were already in a verification of another round.
func (s *Store) SetRoundStarted(ctx context.Context, id string, started, skipped int) error {
	return translate(s.db.WithContext(ctx).Model(&CensusRound{}).Where("id = ? AND started < ?", id, started).
		Updates(map[string]any{"started": started, "skipped": skipped}).Error, "census round")
}

// RoundDone reports whether a round has nothing left: every organization passed by the
// fan-out, a verification task for each one not skipped, and none of them still active.
func RoundDone(r CensusRound, byStatus map[string]int) bool {
	created := byStatus["open"] + byStatus["claimed"] + byStatus["completed"] + byStatus["cancelled"]
	return r.Started >= r.Total && created >= r.Started-r.Skipped && byStatus["open"]+byStatus["claimed"] == 0
}

// EndRound marks a round done or cancelled.
func (s *Store) EndRound(ctx context.Context, id, status, actor string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r CensusRound
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil || r.Status != "running" {
			return translate(err, "census round")
		}
		now := s.Now()
		if err := tx.Model(&CensusRound{}).Where("id = ? AND status = 'running'", id).
			Updates(map[string]any{"status": status, "finished_at": now}).Error; err != nil {
			return translate(err, "census round")
		}
		return s.audit(ctx, tx, actor, "census."+status, "census_round", id, r.UnitPath, nil, nil)
	})
}

// VerifyTaskKey is the key of a round's verification task of an organization.
func VerifyTaskKey(roundID, uscc string) string {
	return VerifyWorkflowID(uscc) + "/verify/" + roundID
}

// UnitProgress counts a round's verification tasks in one unit.
type UnitProgress struct {
	UnitID    string `json:"unit_id"`
	Open      int    `json:"open"`
	Claimed   int    `json:"claimed"`
	Completed int    `json:"completed"`
	Cancelled int    `json:"cancelled"`
}

// RoundProgress counts a round's verification tasks by status and by unit.
func (s *Store) RoundProgress(ctx context.Context, roundID string) (map[string]int, []UnitProgress, error) {
	var rows []struct {
		UnitID string
		Status string
		N      int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT t.unit_id, t.status, count(*) AS n FROM census_members m
		JOIN tasks t ON t.key = 'census-verify/' || m.uscc || '/verify/' || m.round_id
		WHERE m.round_id = ? GROUP BY t.unit_id, t.status ORDER BY t.unit_id`, roundID).Scan(&rows).Error
	if err != nil {
		return nil, nil, translate(err, "census progress")
	}
	by := map[string]int{"open": 0, "claimed": 0, "completed": 0, "cancelled": 0}
	var units []UnitProgress
	for _, r := range rows {
		by[r.Status] += r.N
		if len(units) == 0 || units[len(units)-1].UnitID != r.UnitID {
			units = append(units, UnitProgress{UnitID: r.UnitID})
		}
		u := &units[len(units)-1]
		switch r.Status {
		case "open":
			u.Open += r.N
		case "claimed":
			u.Claimed += r.N
		case "completed":
			u.Completed += r.N
		case "cancelled":
			u.Cancelled += r.N
		}
	}
	return by, units, nil
}

// Visit is what a field visit found, with who made it.
type Visit struct {
	TaskID              string
	USCC                string
	RoundID             string
	Inspector           string
	Operating           bool
	Employees           int
	FormalMembers       int
	ProbationaryMembers int
	PartyOrg            string
	FixedPremises       *bool
	OwnerIsMember       *bool
	Instructor          string
	Members             []MemberEntry
	Result              string // the result as given (JSON)
	Decision            string
}

// RecordVisit updates the roster with what a field visit found (provenance: source "field",
// the task, the inspector): operating, employees, members, premises; an existing party
// organization the visit found sets the coverage. Recording the same task again is a no-op.
func (s *Store) RecordVisit(ctx context.Context, v Visit) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Table("census_visits").Create(map[string]any{
			"task_id": v.TaskID, "uscc": v.USCC, "round_id": v.RoundID, "inspector": v.Inspector, "result": v.Result,
			"decision": v.Decision, "visited_at": now})
		if res.Error != nil {
			return translate(res.Error, "census visit")
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var o OrganizationRow
		if err := tx.Where("uscc = ?", v.USCC).Take(&o).Error; err != nil {
			return translate(err, "organization")
		}
		src := SourceValues{USCC: v.USCC, Source: "field", ImportID: "visit:" + v.TaskID, ObservedAt: now, Employees: &v.Employees}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "uscc"}, {Name: "source"}}, UpdateAll: true}).Create(&src).Error; err != nil {
			return translate(err, "organization source")
		}
		up := map[string]any{"visited_at": now, "visited_by": v.Inspector, "visited_operating": v.Operating,
			"formal_members": v.FormalMembers, "probationary_members": v.ProbationaryMembers, "updated_at": now}
		if v.FixedPremises != nil {
			up["fixed_premises"] = *v.FixedPremises
		}
		if v.OwnerIsMember != nil {
			up["owner_is_member"] = *v.OwnerIsMember
		}
		if v.Instructor != "" {
			up["instructor"] = v.Instructor
		}
		if v.PartyOrg != "" && v.PartyOrg != "none" {
			up["coverage"] = v.PartyOrg
		}
		if err := tx.Table("organizations").Where("uscc = ?", v.USCC).Updates(up).Error; err != nil {
			return translate(err, "organization")
		}
		if len(v.Members) > 0 {
			if err := s.recordMembers(tx, v.USCC, v.Members); err != nil {
				return err
			}
		}
		if err := s.recomputeSet(tx, now, `SELECT CAST(? AS TEXT) AS uscc`, v.USCC); err != nil {
			return err
		}
		return s.audit(ctx, tx, v.Inspector, "organization.visit", "organization", v.USCC, o.RegionPath, nil,
			map[string]any{"task_id": v.TaskID, "round_id": v.RoundID, "operating": v.Operating, "employees": v.Employees,
				"formal_members": v.FormalMembers, "probationary_members": v.ProbationaryMembers, "party_org": v.PartyOrg, "decision": v.Decision})
	})
}

// AssignRegion makes a region unit in the round's subtree responsible for an organization
// that had none (an officer's resolution of its township, audited).
func (s *Store) AssignRegion(ctx context.Context, actor, uscc, unitID, scopeUnitID, reason string) (domain.Unit, error) {
	var unit, scope unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", unitID).Take(&unit).Error; err != nil {
		return domain.Unit{}, domain.Invalid("no such unit", domain.FieldError{Field: "unit_id", Reason: "no such unit"})
	}
	if err := s.db.WithContext(ctx).Where("id = ?", scopeUnitID).Take(&scope).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	if unit.Net != string(domain.NetRegion) || !strings.HasPrefix(unit.Path, scope.Path) || unit.MergedInto != nil {
		return domain.Unit{}, domain.Invalid("the unit cannot be responsible",
			domain.FieldError{Field: "unit_id", Reason: "a region unit within " + scope.Name})
	}
	now := s.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := Resolution{USCC: uscc, Field: "township", Value: unit.Name, Reason: reason, ResolvedBy: actor, ResolvedAt: now}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "uscc"}, {Name: "field"}}, UpdateAll: true}).Create(&r).Error; err != nil {
			return translate(err, "resolution")
		}
		if err := s.recomputeSet(tx, now, `SELECT CAST(? AS TEXT) AS uscc`, uscc); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "organization.assign", "organization", uscc, unit.Path, nil, r)
	})
	return unit.domain(), err
}

// AttachCoverage covers an organization with one or two formal members by a joint branch
// (at most five organizations) or a regional party organization in Tandem, or names a
// regional organization outside it.
func (s *Store) AttachCoverage(ctx context.Context, actor, uscc, method, partyOrgID, regionalOrg string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o OrganizationRow
		if err := tx.Where("uscc = ?", uscc).Take(&o).Error; err != nil {
			return translate(err, "organization")
		}
		if partyOrgID != "" {
			var po PartyOrg
			if err := tx.Where("id = ? AND status = 'active'", partyOrgID).Take(&po).Error; err != nil {
				return domain.Invalid("no such active party organization", domain.FieldError{Field: "party_org_id", Reason: "not an active party organization"})
			}
			var n int64
			if err := tx.Model(&partyOrgOrg{}).Where("party_org_id = ?", po.ID).Count(&n).Error; err != nil {
				return translate(err, "party organization")
			}
			if method == "joint" && (po.Kind != domain.KindJoint || n >= domain.MaxJointOrgs) {
				return domain.Invalid("the joint branch cannot take it", domain.FieldError{Field: "party_org_id",
					Reason: "rule 联合党支部: a joint branch covers at most 5 organizations"})
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&partyOrgOrg{PartyOrgID: po.ID, USCC: uscc}).Error; err != nil {
				return translate(err, "party organization")
			}
		}
		coverage := "joint"
		if method == "regional" {
			coverage = "regional"
		}
		if err := tx.Table("organizations").Where("uscc = ?", uscc).Updates(map[string]any{"coverage": coverage, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "organization.coverage", "organization", uscc, o.RegionPath, map[string]string{"coverage": o.Coverage},
			map[string]string{"coverage": coverage, "party_org_id": partyOrgID, "regional_org": regionalOrg})
	})
}

// SetWorkCoverage records work coverage: an instructor or liaison for an organization without
// party members.
func (s *Store) SetWorkCoverage(ctx context.Context, actor, uscc, means, instructor string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o OrganizationRow
		if err := tx.Where("uscc = ?", uscc).Take(&o).Error; err != nil {
			return translate(err, "organization")
		}
		up := map[string]any{"instructor": instructor, "updated_at": s.Now()}
		if o.Coverage == "none" {
			up["coverage"] = "work"
		}
		if err := tx.Table("organizations").Where("uscc = ?", uscc).Updates(up).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "organization.coverage", "organization", uscc, o.RegionPath, map[string]string{"coverage": o.Coverage},
			map[string]string{"coverage": "work", "means": means})
	})
}

// LargeEnterprise reports whether an organization carries a tag of the configurable set (the
// five categories of large enterprises), which must reach both coverages, and whether it has
// an instructor already.
func (s *Store) LargeEnterprise(ctx context.Context, uscc string) (tagged, hasInstructor bool, err error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("organization_tags").Where("uscc = ?", uscc).Count(&n).Error; err != nil {
		return false, false, translate(err, "tags")
	}
	var instructor string
	if err := s.db.WithContext(ctx).Table("organizations").Where("uscc = ?", uscc).Pluck("instructor", &instructor).Error; err != nil {
		return false, false, translate(err, "organization")
	}
	return n > 0, instructor != "", nil
}

// ChangedRounds records census rounds (one per root region unit) over the organizations new or
// changed since a time: the monthly docking sends them to the townships.
func (s *Store) ChangedRounds(ctx context.Context, since time.Time, actor string) ([]CensusRound, error) {
	var roots []unitRow
	if err := s.db.WithContext(ctx).Where("net = ? AND parent_id IS NULL AND merged_into IS NULL", string(domain.NetRegion)).Order("path").Find(&roots).Error; err != nil {
		return nil, translate(err, "units")
	}
	var out []CensusRound
	for _, u := range roots {
		r, err := s.CreateRound(ctx, domain.Principal{Username: actor, Admin: true}, RoundStart{UnitID: u.ID, Selection: "changed", Since: &since})
		if err != nil {
			return nil, err
		}
		if r.Total > 0 {
			out = append(out, r)
		} else if err := s.EndRound(ctx, r.ID, "done", actor); err != nil {
			return nil, err
		}
	}
	return out, nil
}
