package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// PartyOrg is a party organization.
type PartyOrg struct {
	ID                string
	Kind              domain.PartyOrgKind
	Name              string
	UnitID            string
	UnitPath          string
	Status            string // forming | active | dissolved
	Committee         bool
	Officers          string // JSON [{name, post}]
	TermYears         int
	TermStartedAt     *time.Time
	TermDueAt         *time.Time
	EndsOn            string
	FormationID       string
	UpgradePrompt     string
	DissolvedAt       *time.Time
	DissolutionReason string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Organizations     []string `gorm:"-"`
}

func (PartyOrg) TableName() string { return "party_orgs" }

type partyOrgOrg struct {
	PartyOrgID string
	USCC       string `gorm:"column:uscc"`
}

func (partyOrgOrg) TableName() string { return "party_org_organizations" }

// Officer is one officer of a party organization.
type Officer struct {
	Name string `json:"name"`
	Post string `json:"post"`
}

// ActivatePartyOrg makes a formation's party organization active: officers recorded, the term
// clock started, the organizations covered, the formation done.
func (s *Store) ActivatePartyOrg(ctx context.Context, formationID string, officers []Officer, actor string) (PartyOrg, error) {
	var po PartyOrg
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f Formation
		if err := tx.Where("id = ?", formationID).Take(&f).Error; err != nil {
			return translate(err, "formation")
		}
		if f.PartyOrgID == nil {
			return domain.Errorf(domain.ECONFLICT, "该组建尚未产生党组织")
		}
		if err := tx.Where("id = ?", *f.PartyOrgID).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		if po.Status != string(domain.PartyOrgForming) {
			return nil // a retried activity
		}
		now := s.Now()
		po.Status, po.Officers, po.UpdatedAt = string(domain.PartyOrgActive), jsonText(officers), now
		po.TermStartedAt = &now
		if po.TermYears > 0 {
			due := now.AddDate(po.TermYears, 0, 0)
			po.TermDueAt = &due
		}
		if err := tx.Model(&PartyOrg{}).Where("id = ?", po.ID).Updates(map[string]any{"status": po.Status, "officers": po.Officers,
			"term_started_at": po.TermStartedAt, "term_due_at": po.TermDueAt, "updated_at": now}).Error; err != nil {
			return translate(err, "party organization")
		}
		var orgs []string
		if err := tx.Model(&partyOrgOrg{}).Where("party_org_id = ?", po.ID).Pluck("uscc", &orgs).Error; err != nil {
			return translate(err, "party organization")
		}
		if err := coverByPartyOrg(tx, po.Kind, orgs, now); err != nil {
			return err
		}
		if err := tx.Model(&Formation{}).Where("id = ?", f.ID).Updates(map[string]any{"status": domain.FormationActive, "step": "active", "updated_at": now}).Error; err != nil {
			return translate(err, "formation")
		}
		if err := tx.Model(&formationOrg{}).Where("formation_id = ?", f.ID).Update("running", false).Error; err != nil {
			return translate(err, "formation")
		}
		return s.audit(ctx, tx, actor, "party_org.activate", "party_org", po.ID, po.UnitPath, nil,
			map[string]any{"formation_id": f.ID, "coverage": po.Kind.Coverage(), "organizations": orgs, "term_due_at": po.TermDueAt})
	})
	return po, err
}

// StartTerm records a re-election: new officers and a new term from now.
func (s *Store) StartTerm(ctx context.Context, partyOrgID string, officers []Officer, actor string) (PartyOrg, error) {
	var po PartyOrg
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", partyOrgID).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		now := s.Now()
		due := now.AddDate(po.TermYears, 0, 0)
		old := map[string]any{"officers": json.RawMessage(po.Officers), "term_due_at": po.TermDueAt}
		po.Officers, po.TermStartedAt, po.TermDueAt = jsonText(officers), &now, &due
		if err := tx.Model(&PartyOrg{}).Where("id = ?", po.ID).Updates(map[string]any{"officers": po.Officers,
			"term_started_at": now, "term_due_at": due, "updated_at": now}).Error; err != nil {
			return translate(err, "party organization")
		}
		return s.audit(ctx, tx, actor, "party_org.reelect", "party_org", po.ID, po.UnitPath, old,
			map[string]any{"officers": officers, "term_due_at": due})
	})
	return po, err
}

// MoveTermDue moves a party organization's re-election date (an approved early or late
// re-election).
func (s *Store) MoveTermDue(ctx context.Context, partyOrgID string, due time.Time, actor, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var po PartyOrg
		if err := tx.Where("id = ?", partyOrgID).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		if err := tx.Model(&PartyOrg{}).Where("id = ?", po.ID).Updates(map[string]any{"term_due_at": due, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "party organization")
		}
		return s.audit(ctx, tx, actor, "party_org.reschedule", "party_org", po.ID, po.UnitPath,
			map[string]any{"term_due_at": po.TermDueAt}, map[string]any{"term_due_at": due, "reason": reason})
	})
}

// coverByPartyOrg sets the coverage an active party organization of kind gives the
// organizations it covers (PartyOrgKind.Coverage). A 临时党支部 gives regional coverage, never
// 单建, and does not lower what an organization's own or joint branch gives it.
func coverByPartyOrg(tx *gorm.DB, kind domain.PartyOrgKind, orgs []string, now time.Time) error {
	q := tx.Table("organizations").Where("uscc IN ?", orgs)
	if kind == domain.KindTemporary {
		q = q.Where("coverage NOT IN ?", []domain.Coverage{domain.CoverageSingle, domain.CoverageJoint})
	}
	if err := q.Updates(map[string]any{"coverage": kind.Coverage(), "updated_at": now}).Error; err != nil {
		return translate(err, "organizations")
	}
	return syncTemporaryBranch(tx, orgs, now)
}

// syncTemporaryBranch marks the organizations an active 临时党支部 covers (temporary_branch):
// the figures show them in a column of their own.
func syncTemporaryBranch(tx *gorm.DB, orgs []string, now time.Time) error {
	if len(orgs) == 0 {
		return nil
	}
	// updated_at moves with the value: organization_history stamps a change with it (00022).
	covered := `EXISTS (SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
		WHERE x.uscc = organizations.uscc AND p.status = ? AND p.kind = ?)`
	return translate(tx.Exec(`UPDATE organizations SET temporary_branch = `+covered+`, updated_at = ?
		WHERE uscc IN ? AND temporary_branch <> `+covered,
		domain.PartyOrgActive, domain.KindTemporary, now, orgs, domain.PartyOrgActive, domain.KindTemporary).Error, "organizations")
}

// DissolvePartyOrg dissolves a party organization: its organizations lose that coverage and
// its members stay in the register without a party organization.
func (s *Store) DissolvePartyOrg(ctx context.Context, partyOrgID, actor, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var po PartyOrg
		if err := tx.Where("id = ?", partyOrgID).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		if po.Status == string(domain.PartyOrgDissolved) {
			return nil
		}
		now := s.Now()
		if err := tx.Model(&PartyOrg{}).Where("id = ?", po.ID).Updates(map[string]any{"status": domain.PartyOrgDissolved, "dissolved_at": now,
			"dissolution_reason": reason, "updated_at": now}).Error; err != nil {
			return translate(err, "party organization")
		}
		var orgs []string
		if err := tx.Model(&partyOrgOrg{}).Where("party_org_id = ?", po.ID).Pluck("uscc", &orgs).Error; err != nil {
			return translate(err, "party organization")
		}
		// An organization keeps its coverage when another active party organization covers it.
		if err := tx.Exec(`UPDATE organizations SET coverage = 'none', updated_at = ? WHERE uscc IN ? AND NOT EXISTS (
			SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
			WHERE x.uscc = organizations.uscc AND p.status = 'active' AND p.id <> ?)`, now, orgs, po.ID).Error; err != nil {
			return translate(err, "organizations")
		}
		if err := syncTemporaryBranch(tx, orgs, now); err != nil {
			return err
		}
		if err := tx.Model(&PartyMember{}).Where("party_org_id = ?", po.ID).Updates(map[string]any{"party_org_id": nil, "updated_at": now}).Error; err != nil {
			return translate(err, "party members")
		}
		return s.audit(ctx, tx, actor, "party_org.dissolve", "party_org", po.ID, po.UnitPath, nil,
			map[string]any{"reason": reason, "organizations": orgs})
	})
}

// GetPartyOrg returns a party organization the caller may view, with its organizations.
func (s *Store) GetPartyOrg(ctx context.Context, p domain.Principal, id string) (PartyOrg, error) {
	var po PartyOrg
	if err := scoped(s.db.WithContext(ctx).Where("id = ?", id), "unit_path", p).Take(&po).Error; err != nil {
		return po, translate(err, "party organization")
	}
	err := s.db.WithContext(ctx).Model(&partyOrgOrg{}).Where("party_org_id = ?", id).Order("uscc").Pluck("uscc", &po.Organizations).Error
	return po, translate(err, "party organization")
}

// PartyOrgsCovering lists the active party organizations covering organizations, unscoped.
func (s *Store) PartyOrgsCovering(ctx context.Context, usccs []string) ([]PartyOrg, error) {
	var out []PartyOrg
	err := s.db.WithContext(ctx).Where("status = ? AND id IN (SELECT party_org_id FROM party_org_organizations WHERE uscc IN ?)", domain.PartyOrgActive, usccs).
		Order("id").Find(&out).Error
	return out, translate(err, "party organizations")
}

// PartyOrgReview is an active party organization one of whose organizations left the roster
// or was deregistered.
type PartyOrgReview struct {
	PartyOrgID string
	USCC       string
	Missing    bool
}

// PartyOrgsToReview lists the active party organizations covering an organization that is
// missing from its sources or no longer operating (deregistered, revoked).
func (s *Store) PartyOrgsToReview(ctx context.Context) ([]PartyOrgReview, error) {
	var out []PartyOrgReview
	err := s.db.WithContext(ctx).Raw(`SELECT p.id AS party_org_id, o.uscc, o.missing FROM party_orgs p
		JOIN party_org_organizations x ON x.party_org_id = p.id JOIN organizations o ON o.uscc = x.uscc
		WHERE p.status = 'active' AND (o.missing OR o.operating = FALSE) ORDER BY p.id, o.uscc`).Scan(&out).Error
	return out, translate(err, "party organizations")
}

// PartyOrgChange is an adjustment 调整 of a party organization: another kind, organizations
// joining or leaving (a joint branch).
type PartyOrgChange struct {
	Kind   domain.PartyOrgKind `json:"kind,omitempty"`
	Add    []string            `json:"add,omitempty"`
	Remove []string            `json:"remove,omitempty"`
}

// checkChange validates a change against the party organization as it is, within tx.
func (s *Store) checkChange(tx *gorm.DB, po PartyOrg, orgs []string, c PartyOrgChange) error {
	var v domain.Validation
	if po.Status != string(domain.PartyOrgActive) {
		return domain.Errorf(domain.ECONFLICT, "该党组织状态为 %s，不能执行此操作", po.Status)
	}
	if c.Kind == "" && len(c.Add) == 0 && len(c.Remove) == 0 {
		v.AddCode("kind", domain.CodeNothingToAdjust)
	}
	if c.Kind != "" && (!c.Kind.Valid() || c.Kind == domain.KindTemporary || (po.Kind == domain.KindTemporary && c.Kind != po.Kind)) {
		v.AddCode("kind", domain.CodeKindChange)
	}
	in := map[string]bool{}
	for _, u := range orgs {
		in[u] = true
	}
	for _, u := range c.Remove {
		if !in[u] {
			v.Add("remove", u+" is not covered by this party organization")
		}
		delete(in, u)
	}
	for _, u := range c.Add {
		var o OrganizationRow
		if err := tx.Where("uscc = ?", u).Take(&o).Error; err != nil {
			v.Add("add", u+" is not in the roster")
			continue
		}
		if in[u] {
			v.Add("add", u+" is covered by it already")
		} else if domain.Coverage(o.Coverage).Organized() {
			v.Add("add", u+" is covered by another party organization")
		}
		in[u] = true
	}
	kind := po.Kind
	if c.Kind != "" {
		kind = c.Kind
	}
	switch {
	case len(in) == 0:
		v.AddCode("remove", domain.CodeKeepsOneOrg)
	case kind == domain.KindJoint && len(in) > domain.MaxJointOrgs:
		v.Add("add", fmt.Sprintf("rule 联合党支部: at most %d organizations, would be %d", domain.MaxJointOrgs, len(in)))
	case kind != domain.KindJoint && len(in) > 1:
		v.AddCode("kind", domain.CodeJointOnly)
	}
	return v.Err("调整不正确")
}

// CheckAdjustment validates an adjustment before it is requested.
func (s *Store) CheckAdjustment(ctx context.Context, p domain.Principal, id string, c PartyOrgChange) error {
	po, err := s.GetPartyOrg(ctx, p, id)
	if err != nil {
		return err
	}
	return s.checkChange(s.db.WithContext(ctx), po, po.Organizations, c)
}

// AdjustPartyOrg applies an approved or decided adjustment: the kind (and its term length),
// the organizations covered and their coverage.
func (s *Store) AdjustPartyOrg(ctx context.Context, id string, c PartyOrgChange, actor, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var po PartyOrg
		if err := tx.Where("id = ?", id).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		var orgs []string
		if err := tx.Model(&partyOrgOrg{}).Where("party_org_id = ?", id).Order("uscc").Pluck("uscc", &orgs).Error; err != nil {
			return translate(err, "party organization")
		}
		if err := s.checkChange(tx, po, orgs, c); err != nil {
			return err
		}
		now := s.Now()
		kind := po.Kind
		if c.Kind != "" && c.Kind != po.Kind {
			kind = c.Kind
			if err := tx.Model(&PartyOrg{}).Where("id = ?", id).Updates(map[string]any{"kind": kind, "term_years": kind.TermYears(),
				"upgrade_prompt": "", "updated_at": now}).Error; err != nil {
				return translate(err, "party organization")
			}
		}
		if len(c.Remove) > 0 {
			if err := tx.Where("party_org_id = ? AND uscc IN ?", id, c.Remove).Delete(&partyOrgOrg{}).Error; err != nil {
				return translate(err, "party organization")
			}
			if err := tx.Exec(`UPDATE organizations SET coverage = 'none', updated_at = ? WHERE uscc IN ? AND NOT EXISTS (
				SELECT 1 FROM party_org_organizations x JOIN party_orgs p ON p.id = x.party_org_id
				WHERE x.uscc = organizations.uscc AND p.status = 'active')`, now, c.Remove).Error; err != nil {
				return translate(err, "organizations")
			}
		}
		for _, u := range c.Add {
			if err := tx.Create(&partyOrgOrg{PartyOrgID: id, USCC: u}).Error; err != nil {
				return translate(err, "party organization")
			}
		}
		var covered []string
		if err := tx.Model(&partyOrgOrg{}).Where("party_org_id = ?", id).Pluck("uscc", &covered).Error; err != nil {
			return translate(err, "party organization")
		}
		if err := coverByPartyOrg(tx, kind, covered, now); err != nil {
			return err
		}
		if err := syncTemporaryBranch(tx, c.Remove, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "party_org.adjust", "party_org", id, po.UnitPath, map[string]any{"kind": po.Kind, "organizations": orgs},
			map[string]any{"kind": kind, "organizations": covered, "reason": reason})
	})
}
