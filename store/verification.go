package store

import (
	"context"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

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
		if v.PartyOrg != "" && v.PartyOrg != string(domain.CoverageNone) {
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

// CheckAssignRegion is AssignRegion's rule, made before the officer's answer is accepted: the
// unit must be a region unit in the round's subtree that was not merged away.
func (s *Store) CheckAssignRegion(ctx context.Context, unitID, scopeUnitID string) (domain.Unit, error) {
	var unit, scope unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", unitID).Take(&unit).Error; err != nil {
		return domain.Unit{}, domain.Invalid("单位不存在", domain.FieldFailed("unit_id", domain.CodeNoSuchUnit))
	}
	if err := s.db.WithContext(ctx).Where("id = ?", scopeUnitID).Take(&scope).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	if unit.Net != string(domain.NetRegion) || !strings.HasPrefix(unit.Path, scope.Path) || unit.MergedInto != nil {
		return domain.Unit{}, domain.Invalid("该单位不能作为责任单位",
			domain.FieldFailed("unit_id", domain.CodeNotInScope, scope.Name))
	}
	return unit.domain(), nil
}

// AssignRegion makes a region unit in the round's subtree responsible for an organization
// that had none (an officer's resolution of its township, audited).
func (s *Store) AssignRegion(ctx context.Context, actor, uscc, unitID, scopeUnitID, reason string) (domain.Unit, error) {
	unit, err := s.CheckAssignRegion(ctx, unitID, scopeUnitID)
	if err != nil {
		return domain.Unit{}, err
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := Resolution{USCC: uscc, Field: "township", Value: unit.Name, Reason: reason, ResolvedBy: actor, ResolvedAt: now}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "uscc"}, {Name: "field"}}, UpdateAll: true}).Create(&r).Error; err != nil {
			return translate(err, "resolution")
		}
		if err := s.recomputeSet(tx, now, `SELECT CAST(? AS TEXT) AS uscc`, uscc); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "organization.assign", "organization", uscc, unit.Path, nil, r)
	})
	return unit, err
}

// AttachCoverage covers an organization with one or two formal members by a joint branch
// (at most five organizations) or a regional party organization in Tandem, or names a
// regional organization outside it.
func (s *Store) AttachCoverage(ctx context.Context, actor, uscc, method, partyOrgID, regionalOrg string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := checkAttach(tx, uscc, method, partyOrgID)
		if err != nil {
			return err
		}
		if partyOrgID != "" {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&partyOrgOrg{PartyOrgID: partyOrgID, USCC: uscc}).Error; err != nil {
				return translate(err, "party organization")
			}
		}
		coverage := string(domain.CoverageJoint)
		if method == string(domain.CoverageRegional) {
			coverage = string(domain.CoverageRegional)
		}
		if err := tx.Table("organizations").Where("uscc = ?", uscc).Updates(map[string]any{"coverage": coverage, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "organization.coverage", "organization", uscc, o.RegionPath, map[string]string{"coverage": o.Coverage},
			map[string]string{"coverage": coverage, "party_org_id": partyOrgID, "regional_org": regionalOrg})
	})
}

// CheckAttachCoverage is AttachCoverage's rule, made before the officer's answer is accepted.
func (s *Store) CheckAttachCoverage(ctx context.Context, uscc, method, partyOrgID string) error {
	_, err := checkAttach(s.db.WithContext(ctx), uscc, method, partyOrgID)
	return err
}

// checkAttach refuses an attachment AttachCoverage cannot record: a party organization that is
// not active, and for a joint branch one that is not a joint branch 联合党支部 (a single
// establishment's branch, say) or already covers MaxJointOrgs organizations.
func checkAttach(tx *gorm.DB, uscc, method, partyOrgID string) (OrganizationRow, error) {
	var o OrganizationRow
	if err := tx.Where("uscc = ?", uscc).Take(&o).Error; err != nil {
		return o, translate(err, "organization")
	}
	if partyOrgID == "" {
		return o, nil
	}
	var po PartyOrg
	if err := tx.Where("id = ? AND status = ?", partyOrgID, domain.PartyOrgActive).Take(&po).Error; err != nil {
		return o, domain.Invalid("没有该正常运行的党组织", domain.FieldFailed("party_org_id", domain.CodeNotActivePartyOrg))
	}
	if method != string(domain.CoverageJoint) {
		return o, nil
	}
	if po.Kind != domain.KindJoint {
		return o, domain.Invalid("该党组织不是联合党支部", domain.FieldFailed("party_org_id", domain.CodeNotJointBranch, po.Name))
	}
	var n int64
	if err := tx.Model(&partyOrgOrg{}).Where("party_org_id = ? AND uscc <> ?", po.ID, uscc).Count(&n).Error; err != nil {
		return o, translate(err, "party organization")
	}
	if n >= domain.MaxJointOrgs {
		return o, domain.Invalid("该联合党支部不能再纳入组织", domain.FieldFailed("party_org_id", domain.CodeRuleJointMaxOrgs, domain.MaxJointOrgs, n+1))
	}
	return o, nil
}

// CheckWorkCoverage is SetWorkCoverage's rule, made before the officer's answer is accepted:
// the organization must exist (work coverage itself has no rule that data could break).
func (s *Store) CheckWorkCoverage(ctx context.Context, uscc string) error {
	return s.organizationExists(ctx, uscc)
}

// organizationExists answers ENOTFOUND for an organization the roster does not hold.
func (s *Store) organizationExists(ctx context.Context, uscc string) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&OrganizationRow{}).Where("uscc = ?", uscc).Count(&n).Error; err != nil {
		return translate(err, "organization")
	}
	if n == 0 {
		return domain.Errorf(domain.ENOTFOUND, "组织 %s 不存在或无权查看", uscc)
	}
	return nil
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
		if o.Coverage == string(domain.CoverageNone) {
			up["coverage"] = string(domain.CoverageWork)
		}
		if err := tx.Table("organizations").Where("uscc = ?", uscc).Updates(up).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "organization.coverage", "organization", uscc, o.RegionPath, map[string]string{"coverage": o.Coverage},
			map[string]string{"coverage": string(domain.CoverageWork), "means": means})
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
