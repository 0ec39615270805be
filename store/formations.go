package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

// Formation is the process that brings a party organization into being.
type Formation struct {
	ID            string
	WorkflowID    string
	Kind          domain.PartyOrgKind
	LeadUSCC      string `gorm:"column:lead_uscc"`
	UnitID        string
	UnitPath      string
	Status        string // running | active | cancelled | failed
	Step          string
	PartyOrgID    *string
	StartedBy     string
	Origin        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Organizations []string `gorm:"-"`
}

func (Formation) TableName() string { return "formations" }

// FormationWorkflowID names a formation's workflow.
func FormationWorkflowID(id string) string { return "formation/" + id }

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

// PartyMember is one entry of an organization's member register.
type PartyMember struct {
	ID         string
	USCC       string `gorm:"column:uscc"`
	Name       string
	Status     string // formal | probationary
	HomeOrg    string
	JoinedOn   string
	PartyOrgID *string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (PartyMember) TableName() string { return "party_members" }

// MemberTransfer records one member's relations moved into a party organization.
type MemberTransfer struct {
	ID            string
	MemberID      string
	FromOrg       string
	PartyOrgID    string
	NeedsLetter   bool
	TransferredAt time.Time
	Name          string `gorm:"->;-:migration"` // joined from the register
	USCC          string `gorm:"->;-:migration;column:uscc"`
}

func (MemberTransfer) TableName() string { return "member_transfers" }

type formationOrg struct {
	FormationID string
	USCC        string `gorm:"column:uscc"`
	Running     bool
}

func (formationOrg) TableName() string { return "formation_organizations" }

type partyOrgOrg struct {
	PartyOrgID string
	USCC       string `gorm:"column:uscc"`
}

func (partyOrgOrg) TableName() string { return "party_org_organizations" }

// FormationStart asks for a formation.
type FormationStart struct {
	Kind          domain.PartyOrgKind
	Organizations []string // credit codes; the first leads
	Origin        string   // api | census
}

// StartFormation records a new formation for organizations the caller may view, each with one
// responsible region unit (the same for all), none covered or in another running formation.
// The caller starts the workflow named by the formation's WorkflowID.
func (s *Store) StartFormation(ctx context.Context, p domain.Principal, in FormationStart) (Formation, error) {
	var v domain.Validation
	if !in.Kind.Valid() {
		v.Add("kind", "branch, general_branch, base_committee, joint, mobile or temporary")
	}
	seen := map[string]bool{}
	for i, u := range in.Organizations {
		if seen[u] {
			v.Add("organizations", "an organization is listed twice")
		}
		seen[u] = true
		if _, err := domain.ParseUSCC(u); err != nil {
			v.Add("organizations["+itoa(i)+"]", "not a valid credit code")
		}
	}
	switch {
	case len(in.Organizations) == 0:
		v.Add("organization", "required")
	case in.Kind == domain.KindJoint && (len(in.Organizations) < 2 || len(in.Organizations) > domain.MaxJointOrgs):
		v.Add("organizations", "rule 联合党支部: a joint branch covers 2 to 5 organizations")
	case in.Kind != domain.KindJoint && len(in.Organizations) != 1:
		v.Add("organizations", "only a joint branch covers several organizations")
	}
	if err := v.Err("the formation is not valid"); err != nil {
		return Formation{}, err
	}
	if in.Origin == "" {
		in.Origin = "api"
	}
	now := s.Now()
	f := Formation{ID: newID(), Kind: in.Kind, LeadUSCC: in.Organizations[0], Status: "running", Step: "application",
		StartedBy: p.Username, Origin: in.Origin, CreatedAt: now, UpdatedAt: now, Organizations: in.Organizations}
	f.WorkflowID = FormationWorkflowID(f.ID)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, uscc := range in.Organizations {
			var o OrganizationRow
			if err := visibleOrgs(tx.Table("organizations o").Where("o.uscc = ?", uscc), p).Select("o.*").Take(&o).Error; err != nil {
				return translate(err, "organization "+uscc)
			}
			switch {
			case o.RegionOwners != 1 || o.RegionUnitID == nil:
				return domain.Invalid("the organization has no single responsible township or park",
					domain.FieldError{Field: "organization", Reason: uscc + " has " + itoa(o.RegionOwners) + " responsible region units; settle its responsibility first"})
			case f.UnitID != "" && *o.RegionUnitID != f.UnitID:
				return domain.Invalid("a joint branch brings together organizations of one township or park",
					domain.FieldError{Field: "organizations", Reason: uscc + " belongs to another region unit"})
			case o.Coverage == "single" || o.Coverage == "joint":
				return domain.Errorf(domain.ECONFLICT, "organization %s is already covered by a party organization (%s)", uscc, o.Coverage)
			}
			f.UnitID, f.UnitPath = *o.RegionUnitID, o.RegionPath
			if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, o.RegionPath) && !p.HoldsRoleOver(domain.RoleSecretary, o.RegionPath) {
				return domain.Errorf(domain.EFORBIDDEN, "starting a formation needs the officer or secretary role over the organization's township or park")
			}
		}
		if err := tx.Create(&f).Error; err != nil {
			return translate(err, "formation")
		}
		for _, uscc := range in.Organizations {
			if err := tx.Create(&formationOrg{FormationID: f.ID, USCC: uscc, Running: true}).Error; err != nil {
				if err := translate(err, "formation"); domain.ErrorCode(err) == domain.ECONFLICT {
					var other string
					tx.Model(&formationOrg{}).Where("uscc = ? AND running", uscc).Pluck("formation_id", &other)
					return domain.Errorf(domain.ECONFLICT, "organization %s is already in a running formation (%s)", uscc, other)
				}
				return translate(err, "formation")
			}
		}
		return s.audit(ctx, tx, p.Username, "formation.start", "formation", f.ID, f.UnitPath, nil,
			map[string]any{"kind": f.Kind, "organizations": f.Organizations, "origin": f.Origin})
	})
	return f, err
}

func itoa(n int) string { return strconv.Itoa(n) }

// EndFormation closes a formation that will not complete (cancelled, or its workflow could
// not start), freeing its organizations for another.
func (s *Store) EndFormation(ctx context.Context, id, status, actor, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f Formation
		if err := tx.Where("id = ?", id).Take(&f).Error; err != nil {
			return translate(err, "formation")
		}
		if f.Status != "running" {
			return nil
		}
		if err := tx.Model(&Formation{}).Where("id = ?", id).Updates(map[string]any{"status": status, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "formation")
		}
		if err := tx.Model(&formationOrg{}).Where("formation_id = ?", id).Update("running", false).Error; err != nil {
			return translate(err, "formation")
		}
		return s.audit(ctx, tx, actor, "formation."+status, "formation", id, f.UnitPath, nil, map[string]string{"reason": reason})
	})
}

// SetFormationStep records the step a formation is at, with an audit record of the decision
// that moved it there.
func (s *Store) SetFormationStep(ctx context.Context, id, step, actor string, detail any) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f Formation
		if err := tx.Where("id = ?", id).Take(&f).Error; err != nil {
			return translate(err, "formation")
		}
		if f.Step == step {
			return nil // a retried activity
		}
		if err := tx.Model(&Formation{}).Where("id = ?", id).Updates(map[string]any{"step": step, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "formation")
		}
		return s.audit(ctx, tx, actor, "formation.step", "formation", id, f.UnitPath, map[string]string{"step": f.Step},
			map[string]any{"step": step, "detail": detail})
	})
}

// MemberEntry is a member entered in the register.
type MemberEntry struct {
	Name     string
	Status   string
	HomeOrg  string
	JoinedOn string
}

// RecordMembers adds or updates members in an organization's register (by name).
func (s *Store) RecordMembers(ctx context.Context, uscc string, members []MemberEntry) error {
	return s.recordMembers(s.db.WithContext(ctx), uscc, members)
}

func (s *Store) recordMembers(tx *gorm.DB, uscc string, members []MemberEntry) error {
	if len(members) == 0 {
		return nil
	}
	now := s.Now()
	rows := make([]PartyMember, len(members))
	for i, m := range members {
		rows[i] = PartyMember{ID: newID(), USCC: uscc, Name: m.Name, Status: m.Status, HomeOrg: m.HomeOrg, JoinedOn: m.JoinedOn,
			CreatedAt: now, UpdatedAt: now}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "uscc"}, {Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "home_org", "joined_on", "updated_at"}),
	}).Create(&rows).Error
	return translate(err, "party members")
}

// TransferInput brings a party organization into being once its formation is approved.
type TransferInput struct {
	FormationID   string
	Committee     bool
	UpgradePrompt domain.PartyOrgKind
	EndsOn        string
	Actor         string
}

// TransferRelations creates the (forming) party organization of an approved formation and
// moves the members in its organizations' registers into it, with a transfer record each. It
// returns the party organization and the register (name → formal). Running it again returns
// what the first run made.
func (s *Store) TransferRelations(ctx context.Context, in TransferInput) (PartyOrg, map[string]bool, error) {
	var po PartyOrg
	register := map[string]bool{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var f Formation
		if err := tx.Where("id = ?", in.FormationID).Take(&f).Error; err != nil {
			return translate(err, "formation")
		}
		var orgs []string
		if err := tx.Model(&formationOrg{}).Where("formation_id = ?", f.ID).Order("uscc").Pluck("uscc", &orgs).Error; err != nil {
			return translate(err, "formation")
		}
		now := s.Now()
		if f.PartyOrgID != nil {
			if err := tx.Where("id = ?", *f.PartyOrgID).Take(&po).Error; err != nil {
				return translate(err, "party organization")
			}
		} else {
			var name string
			tx.Table("organizations").Where("uscc = ?", f.LeadUSCC).Pluck("name", &name)
			po = PartyOrg{ID: newID(), Kind: f.Kind, Name: name + f.Kind.Label(), UnitID: f.UnitID, UnitPath: f.UnitPath,
				Status: "forming", Committee: in.Committee, Officers: "[]", TermYears: f.Kind.TermYears(), EndsOn: in.EndsOn,
				FormationID: f.ID, UpgradePrompt: string(in.UpgradePrompt), CreatedAt: now, UpdatedAt: now}
			if f.Kind == domain.KindJoint {
				po.Name = name + "等联合党支部"
			}
			if err := tx.Create(&po).Error; err != nil {
				return translate(err, "party organization")
			}
			for _, u := range orgs {
				if err := tx.Create(&partyOrgOrg{PartyOrgID: po.ID, USCC: u}).Error; err != nil {
					return translate(err, "party organization")
				}
			}
			if err := tx.Model(&Formation{}).Where("id = ?", f.ID).Updates(map[string]any{"party_org_id": po.ID, "updated_at": now}).Error; err != nil {
				return translate(err, "formation")
			}
		}
		var members []PartyMember
		if err := tx.Where("uscc IN ?", orgs).Order("name").Find(&members).Error; err != nil {
			return translate(err, "party members")
		}
		moved := 0
		for _, m := range members {
			register[m.Name] = m.Status == "formal"
			if m.PartyOrgID != nil && *m.PartyOrgID == po.ID {
				continue
			}
			from := m.HomeOrg
			if m.PartyOrgID != nil {
				from = *m.PartyOrgID
			}
			t := MemberTransfer{ID: newID(), MemberID: m.ID, FromOrg: from, PartyOrgID: po.ID,
				NeedsLetter: m.HomeOrg != "" && m.PartyOrgID == nil, TransferredAt: now}
			if err := tx.Omit("Name", "USCC").Create(&t).Error; err != nil {
				return translate(err, "member transfer")
			}
			if err := tx.Model(&PartyMember{}).Where("id = ?", m.ID).Updates(map[string]any{"party_org_id": po.ID, "updated_at": now}).Error; err != nil {
				return translate(err, "party members")
			}
			moved++
		}
		return s.audit(ctx, tx, in.Actor, "formation.transfer", "party_org", po.ID, po.UnitPath, nil,
			map[string]any{"formation_id": f.ID, "members_moved": moved}) // counts only: names are personal data
	})
	po.Organizations = nil
	return po, register, err
}

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
			return domain.Errorf(domain.ECONFLICT, "the formation has no party organization yet")
		}
		if err := tx.Where("id = ?", *f.PartyOrgID).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		if po.Status != "forming" {
			return nil // a retried activity
		}
		now := s.Now()
		po.Status, po.Officers, po.UpdatedAt = "active", jsonText(officers), now
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
		if err := tx.Table("organizations").Where("uscc IN ?", orgs).Updates(map[string]any{"coverage": po.Kind.Coverage(), "updated_at": now}).Error; err != nil {
			return translate(err, "organizations")
		}
		if err := tx.Model(&Formation{}).Where("id = ?", f.ID).Updates(map[string]any{"status": "active", "step": "active", "updated_at": now}).Error; err != nil {
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

// DissolvePartyOrg dissolves a party organization: its organizations lose that coverage and
// its members stay in the register without a party organization.
func (s *Store) DissolvePartyOrg(ctx context.Context, partyOrgID, actor, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var po PartyOrg
		if err := tx.Where("id = ?", partyOrgID).Take(&po).Error; err != nil {
			return translate(err, "party organization")
		}
		if po.Status == "dissolved" {
			return nil
		}
		now := s.Now()
		if err := tx.Model(&PartyOrg{}).Where("id = ?", po.ID).Updates(map[string]any{"status": "dissolved", "dissolved_at": now,
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
		if err := tx.Model(&PartyMember{}).Where("party_org_id = ?", po.ID).Updates(map[string]any{"party_org_id": nil, "updated_at": now}).Error; err != nil {
			return translate(err, "party members")
		}
		return s.audit(ctx, tx, actor, "party_org.dissolve", "party_org", po.ID, po.UnitPath, nil,
			map[string]any{"reason": reason, "organizations": orgs})
	})
}

// GetFormation returns a formation the caller may view.
func (s *Store) GetFormation(ctx context.Context, p domain.Principal, id string) (Formation, error) {
	var f Formation
	if err := scoped(s.db.WithContext(ctx).Where("id = ?", id), "unit_path", p).Take(&f).Error; err != nil {
		return f, translate(err, "formation")
	}
	err := s.db.WithContext(ctx).Model(&formationOrg{}).Where("formation_id = ?", id).Order("uscc").Pluck("uscc", &f.Organizations).Error
	return f, translate(err, "formation")
}

// FormationByID returns a formation, unscoped (for activities).
func (s *Store) FormationByID(ctx context.Context, id string) (Formation, error) {
	return s.GetFormation(ctx, domain.Principal{Admin: true}, id)
}

// ListFormations lists the formations the caller may view, newest last, optionally of one
// organization.
func (s *Store) ListFormations(ctx context.Context, p domain.Principal, uscc string, page Page) ([]Formation, string, error) {
	q := scoped(s.db.WithContext(ctx).Model(&Formation{}), "unit_path", p)
	if uscc != "" {
		q = q.Where("id IN (SELECT formation_id FROM formation_organizations WHERE uscc = ?)", uscc)
	}
	q, err := pageByID(q, "id", page)
	if err != nil {
		return nil, "", err
	}
	var rows []Formation
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "formations")
	}
	rows, next := nextCursor(rows, page, func(f Formation) string { return f.ID })
	for i := range rows {
		if err := s.db.WithContext(ctx).Model(&formationOrg{}).Where("formation_id = ?", rows[i].ID).Order("uscc").
			Pluck("uscc", &rows[i].Organizations).Error; err != nil {
			return nil, "", translate(err, "formations")
		}
	}
	return rows, next, nil
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
	err := s.db.WithContext(ctx).Where("status = 'active' AND id IN (SELECT party_org_id FROM party_org_organizations WHERE uscc IN ?)", usccs).
		Order("id").Find(&out).Error
	return out, translate(err, "party organizations")
}

// PartyMembers lists an organization's member register (personal data: the caller must view
// the organization).
func (s *Store) PartyMembers(ctx context.Context, p domain.Principal, uscc string) ([]PartyMember, error) {
	if _, err := s.GetOrganization(ctx, p, uscc); err != nil {
		return nil, err
	}
	var out []PartyMember
	err := s.db.WithContext(ctx).Where("uscc = ?", uscc).Order("name").Find(&out).Error
	return out, translate(err, "party members")
}

// MemberTransfers lists the transfers into a party organization the caller may view.
func (s *Store) MemberTransfers(ctx context.Context, p domain.Principal, partyOrgID string) ([]MemberTransfer, error) {
	if _, err := s.GetPartyOrg(ctx, p, partyOrgID); err != nil {
		return nil, err
	}
	var out []MemberTransfer
	err := s.db.WithContext(ctx).Table("member_transfers t").Joins("JOIN party_members m ON m.id = t.member_id").
		Where("t.party_org_id = ?", partyOrgID).Select("t.*, m.name, m.uscc").Order("m.name").Find(&out).Error
	return out, translate(err, "member transfers")
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
	if po.Status != "active" {
		return domain.Errorf(domain.ECONFLICT, "the party organization is %s", po.Status)
	}
	if c.Kind == "" && len(c.Add) == 0 && len(c.Remove) == 0 {
		v.Add("kind", "name a new kind, or organizations to add or remove")
	}
	if c.Kind != "" && (!c.Kind.Valid() || c.Kind == domain.KindTemporary || (po.Kind == domain.KindTemporary && c.Kind != po.Kind)) {
		v.Add("kind", "branch, general_branch, base_committee, joint or mobile; a temporary branch stays temporary")
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
		} else if o.Coverage == "single" || o.Coverage == "joint" {
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
		v.Add("remove", "a party organization keeps at least one organization (dissolve it instead)")
	case kind == domain.KindJoint && len(in) > domain.MaxJointOrgs:
		v.Add("add", fmt.Sprintf("rule 联合党支部: at most %d organizations, would be %d", domain.MaxJointOrgs, len(in)))
	case kind != domain.KindJoint && len(in) > 1:
		v.Add("kind", "only a joint branch covers several organizations")
	}
	return v.Err("the adjustment is not valid")
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
		if err := tx.Table("organizations").Where("uscc IN ?", covered).Updates(map[string]any{"coverage": kind.Coverage(), "updated_at": now}).Error; err != nil {
			return translate(err, "organizations")
		}
		return s.audit(ctx, tx, actor, "party_org.adjust", "party_org", id, po.UnitPath, map[string]any{"kind": po.Kind, "organizations": orgs},
			map[string]any{"kind": kind, "organizations": covered, "reason": reason})
	})
}
