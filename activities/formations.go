package activities

import (
	"context"
	"time"

	"tandem/domain"
	"tandem/store"
)

// FormationStepInput records the step a formation is at.
type FormationStepInput struct {
	FormationID string
	Step        string
	Actor       string
	Detail      map[string]any
}

// SetFormationStep records a formation's step and the decision that led there.
func (a *Activities) SetFormationStep(ctx context.Context, in FormationStepInput) error {
	return a.Store.SetFormationStep(ctx, in.FormationID, in.Step, in.Actor, in.Detail)
}

// RecordMembersInput enters members in an organization's register.
type RecordMembersInput struct {
	USCC    string
	Members []store.MemberEntry
}

// RecordMembers enters the members named in an application in the register.
func (a *Activities) RecordMembers(ctx context.Context, in RecordMembersInput) error {
	return nonRetryable(a.Store.RecordMembers(ctx, in.USCC, in.Members))
}

// TransferOutput is the party organization an approval brought into being, with its register.
type TransferOutput struct {
	PartyOrgID string
	Register   map[string]bool // name → formal
}

// TransferRelations creates the party organization of an approved formation and moves its
// members' relations into it.
func (a *Activities) TransferRelations(ctx context.Context, in store.TransferInput) (TransferOutput, error) {
	po, reg, err := a.Store.TransferRelations(ctx, in)
	if err != nil {
		return TransferOutput{}, nonRetryable(err)
	}
	return TransferOutput{PartyOrgID: po.ID, Register: reg}, nil
}

// ActivateInput makes a formation's party organization active.
type ActivateInput struct {
	FormationID string
	Officers    []store.Officer
	Actor       string
}

// PartyOrgInfo is what the lifecycle workflow needs to know of a party organization.
type PartyOrgInfo struct {
	ID            string
	Kind          domain.PartyOrgKind
	UnitID        string
	Committee     bool
	Organizations []string
	TermDueAt     *time.Time
	EndsOn        string
}

func partyOrgInfo(po store.PartyOrg) PartyOrgInfo {
	return PartyOrgInfo{ID: po.ID, Kind: po.Kind, UnitID: po.UnitID, Committee: po.Committee, Organizations: po.Organizations,
		TermDueAt: po.TermDueAt, EndsOn: po.EndsOn}
}

// ActivatePartyOrg makes the party organization active and its organizations covered.
func (a *Activities) ActivatePartyOrg(ctx context.Context, in ActivateInput) (PartyOrgInfo, error) {
	if _, err := a.Store.ActivatePartyOrg(ctx, in.FormationID, in.Officers, in.Actor); err != nil {
		return PartyOrgInfo{}, nonRetryable(err)
	}
	f, err := a.Store.FormationByID(ctx, in.FormationID)
	if err != nil {
		return PartyOrgInfo{}, err
	}
	po, err := a.Store.GetPartyOrg(ctx, domain.Principal{Admin: true}, *f.PartyOrgID)
	return partyOrgInfo(po), err
}

// EndFormationInput closes a formation that will not complete.
type EndFormationInput struct {
	FormationID string
	Status      string // cancelled | failed
	Reason      string
}

// EndFormation closes a cancelled or failed formation, freeing its organizations.
func (a *Activities) EndFormation(ctx context.Context, in EndFormationInput) error {
	return a.Store.EndFormation(ctx, in.FormationID, in.Status, "system", in.Reason)
}

// RegisterOf returns the register of a party organization's organizations: name → formal.
func (a *Activities) RegisterOf(ctx context.Context, partyOrgID string) (map[string]bool, error) {
	ms, err := a.Store.PartyOrgMembers(ctx, partyOrgID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	out := map[string]bool{}
	for _, m := range ms {
		out[m.Name] = m.Status == "formal"
	}
	return out, nil
}

// StartTermInput records a re-election.
type StartTermInput struct {
	PartyOrgID string
	Officers   []store.Officer
	Actor      string
}

// StartTerm records new officers and starts a new term; it returns the new due date.
func (a *Activities) StartTerm(ctx context.Context, in StartTermInput) (PartyOrgInfo, error) {
	po, err := a.Store.StartTerm(ctx, in.PartyOrgID, in.Officers, in.Actor)
	return partyOrgInfo(po), nonRetryable(err)
}

// MoveTermDueInput moves a re-election date.
type MoveTermDueInput struct {
	PartyOrgID string
	DueAt      time.Time
	Actor      string
	Reason     string
}

// MoveTermDue records an approved early or late re-election.
func (a *Activities) MoveTermDue(ctx context.Context, in MoveTermDueInput) error {
	return nonRetryable(a.Store.MoveTermDue(ctx, in.PartyOrgID, in.DueAt, in.Actor, in.Reason))
}

// DissolveInput dissolves a party organization.
type DissolveInput struct {
	PartyOrgID string
	Actor      string
	Reason     string
}

// DissolvePartyOrg dissolves a party organization.
func (a *Activities) DissolvePartyOrg(ctx context.Context, in DissolveInput) error {
	return nonRetryable(a.Store.DissolvePartyOrg(ctx, in.PartyOrgID, in.Actor, in.Reason))
}

// PartyOrgsToReview lists party organizations whose organizations left the roster or were
// deregistered, after an import.
func (a *Activities) PartyOrgsToReview(ctx context.Context) ([]store.PartyOrgReview, error) {
	return a.Store.PartyOrgsToReview(ctx)
}

// AdjustInput applies an adjustment of a party organization.
type AdjustInput struct {
	PartyOrgID string
	Change     store.PartyOrgChange
	Actor      string
	Reason     string
}

// AdjustPartyOrg applies an approved or decided adjustment.
func (a *Activities) AdjustPartyOrg(ctx context.Context, in AdjustInput) error {
	return nonRetryable(a.Store.AdjustPartyOrg(ctx, in.PartyOrgID, in.Change, in.Actor, in.Reason))
}
