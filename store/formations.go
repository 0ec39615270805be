package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

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

type formationOrg struct {
	FormationID string
	USCC        string `gorm:"column:uscc"`
	Running     bool
}

func (formationOrg) TableName() string { return "formation_organizations" }

// FormationStart asks for a formation.
type FormationStart struct {
	Kind          domain.PartyOrgKind
	Organizations []string // credit codes; the first leads
	Origin        string   // api | census
	// WorkflowID names the formation's workflow from its new ID (workflows.FormationWorkflowID);
	// required.
	WorkflowID func(formationID string) string
}

// validate checks a formation request on its own: the kind, the credit codes and how many
// organizations the kind covers.
func (in FormationStart) validate() error {
	var v domain.Validation
	if !in.Kind.Valid() {
		v.AddCode("kind", domain.CodeNotAllowed, "branch、general_branch、base_committee、joint、mobile、temporary")
	}
	seen := map[string]bool{}
	for i, u := range in.Organizations {
		if seen[u] {
			v.AddCode("organizations", domain.CodeDuplicate)
		}
		seen[u] = true
		if _, err := domain.ParseUSCC(u); err != nil {
			v.Add("organizations["+itoa(i)+"]", "not a valid credit code")
		}
	}
	switch {
	case len(in.Organizations) == 0:
		v.AddCode("organization", domain.CodeRequired)
	case in.Kind == domain.KindJoint && (len(in.Organizations) < 2 || len(in.Organizations) > domain.MaxJointOrgs):
		v.Add("organizations", "rule 联合党支部: a joint branch covers 2 to 5 organizations")
	case in.Kind != domain.KindJoint && len(in.Organizations) != 1:
		v.AddCode("organizations", domain.CodeJointOnly)
	}
	return v.Err("组建请求不正确")
}

// StartFormation records a new formation for organizations the caller may view, each with one
// responsible region unit (the same for all), none covered or in another running formation.
// The caller starts the workflow named by the formation's WorkflowID.
func (s *Store) StartFormation(ctx context.Context, p domain.Principal, in FormationStart) (Formation, error) {
	if err := in.validate(); err != nil {
		return Formation{}, err
	}
	if in.Origin == "" {
		in.Origin = "api"
	}
	if in.WorkflowID == nil {
		return Formation{}, fmt.Errorf("store: StartFormation without a WorkflowID naming")
	}
	now := s.Now()
	f := Formation{ID: newID(), Kind: in.Kind, LeadUSCC: in.Organizations[0], Status: string(domain.FormationRunning), Step: "application",
		StartedBy: p.Username, Origin: in.Origin, CreatedAt: now, UpdatedAt: now, Organizations: in.Organizations}
	f.WorkflowID = in.WorkflowID(f.ID)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, uscc := range in.Organizations {
			var o OrganizationRow
			if err := visibleOrgs(tx.Table("organizations o").Where("o.uscc = ?", uscc), p).Select("o.*").Take(&o).Error; err != nil {
				return translate(err, "organization "+uscc)
			}
			switch {
			case o.RegionOwners != 1 || o.RegionUnitID == nil:
				return domain.Invalid("该组织没有唯一的责任街道（乡镇）或园区",
					domain.FieldFailed("organization", domain.CodeResponsibilityUnsettled, uscc, o.RegionOwners))
			case f.UnitID != "" && *o.RegionUnitID != f.UnitID:
				return domain.Invalid("联合党支部只能联合同一街道（乡镇）或园区的组织",
					domain.FieldFailed("organizations", domain.CodeOtherRegionUnit, uscc))
			case domain.Coverage(o.Coverage).Organized():
				return domain.Errorf(domain.ECONFLICT, "组织 %s 已由党组织覆盖（%s）", uscc, o.Coverage)
			}
			f.UnitID, f.UnitPath = *o.RegionUnitID, o.RegionPath
			if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, o.RegionPath) && !p.HoldsRoleOver(domain.RoleSecretary, o.RegionPath) {
				return domain.Errorf(domain.EFORBIDDEN, "发起组建需要该组织所在街道（乡镇）或园区的上级组织员或书记身份")
			}
		}
		if err := tx.Create(&f).Error; err != nil {
			return translate(err, "formation")
		}
		for _, uscc := range in.Organizations {
			// Look for the other formation first: after a failed insert PostgreSQL refuses every
			// further statement of the transaction. The unique index still settles a race.
			var other []string
			if err := tx.Model(&formationOrg{}).Where("uscc = ? AND running", uscc).Limit(1).Pluck("formation_id", &other).Error; err != nil {
				return translate(err, "formation")
			}
			if len(other) > 0 {
				return domain.Errorf(domain.ECONFLICT, "组织 %s 已在进行中的组建里（%s）", uscc, other[0])
			}
			if err := tx.Create(&formationOrg{FormationID: f.ID, USCC: uscc, Running: true}).Error; err != nil {
				if err := translate(err, "formation"); domain.ErrorCode(err) == domain.ECONFLICT {
					return domain.Errorf(domain.ECONFLICT, "组织 %s 已在进行中的组建里", uscc)
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
		if f.Status != string(domain.FormationRunning) {
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
			var err error
			if po, err = s.createPartyOrg(tx, f, orgs, in, now); err != nil {
				return err
			}
		}
		var members []PartyMember
		if err := tx.Where("uscc IN ?", orgs).Order("name").Find(&members).Error; err != nil {
			return translate(err, "party members")
		}
		moved := 0
		for _, m := range members {
			register[m.Name] = m.Status == string(domain.MemberFormal)
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

// createPartyOrg creates the (forming) party organization of formation f over its
// organizations orgs within tx, and links the formation to it.
func (s *Store) createPartyOrg(tx *gorm.DB, f Formation, orgs []string, in TransferInput, now time.Time) (PartyOrg, error) {
	var name string
	if err := tx.Table("organizations").Where("uscc = ?", f.LeadUSCC).Pluck("name", &name).Error; err != nil {
		return PartyOrg{}, translate(err, "organization "+f.LeadUSCC)
	}
	po := PartyOrg{ID: newID(), Kind: f.Kind, Name: name + f.Kind.Label(), UnitID: f.UnitID, UnitPath: f.UnitPath,
		Status: string(domain.PartyOrgForming), Committee: in.Committee, Officers: "[]", TermYears: f.Kind.TermYears(), EndsOn: in.EndsOn,
		FormationID: f.ID, UpgradePrompt: string(in.UpgradePrompt), CreatedAt: now, UpdatedAt: now}
	if f.Kind == domain.KindJoint {
		po.Name = name + "等联合党支部"
	}
	if err := tx.Create(&po).Error; err != nil {
		return PartyOrg{}, translate(err, "party organization")
	}
	for _, u := range orgs {
		if err := tx.Create(&partyOrgOrg{PartyOrgID: po.ID, USCC: u}).Error; err != nil {
			return PartyOrg{}, translate(err, "party organization")
		}
	}
	if err := tx.Model(&Formation{}).Where("id = ?", f.ID).Updates(map[string]any{"party_org_id": po.ID, "updated_at": now}).Error; err != nil {
		return PartyOrg{}, translate(err, "formation")
	}
	return po, nil
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
	if len(rows) == 0 {
		return rows, next, nil
	}
	ids := make([]string, len(rows))
	at := make(map[string]int, len(rows))
	for i, f := range rows {
		ids[i], at[f.ID] = f.ID, i
	}
	var orgs []formationOrg
	if err := s.db.WithContext(ctx).Where("formation_id IN ?", ids).Order("formation_id, uscc").Find(&orgs).Error; err != nil {
		return nil, "", translate(err, "formations")
	}
	for _, o := range orgs {
		f := &rows[at[o.FormationID]]
		f.Organizations = append(f.Organizations, o.USCC)
	}
	return rows, next, nil
}
