package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

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

// PartyOrgMembers lists the members whose relations are in a party organization, from the
// registers of the organizations it covers, by organization and name; unscoped (for the
// engine's own use). Two statements however many organizations it covers.
func (s *Store) PartyOrgMembers(ctx context.Context, partyOrgID string) ([]PartyMember, error) {
	db := s.db.WithContext(ctx)
	var po PartyOrg
	if err := db.Select("id").Where("id = ?", partyOrgID).Take(&po).Error; err != nil {
		return nil, translate(err, "party organization")
	}
	var out []PartyMember
	err := db.Where("party_org_id = ? AND uscc IN (SELECT uscc FROM party_org_organizations WHERE party_org_id = ?)", po.ID, po.ID).
		Order("uscc, name").Find(&out).Error
	return out, translate(err, "party members")
}

// FormalMembers counts the formal members of a register.
func FormalMembers(register []PartyMember) int {
	n := 0
	for _, m := range register {
		if m.Status == string(domain.MemberFormal) {
			n++
		}
	}
	return n
}
