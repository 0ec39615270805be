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

// FormationWorkflowID names a formation's workflow (workflows.FormationWorkflowID; defined here
// because RecordCensusFormation records a formation with its workflow's ID).
func FormationWorkflowID(id string) string { return "formation/" + id }

// Payloads that workflows pass to these activities are this package's own types (their JSON
// is recorded in workflow histories); the activities convert them to the store's structs, so
// that a storage refactor changes no history.

// MemberEntry is a party member named in an application (JSON shape of the histories:
// untagged field names).
type MemberEntry struct {
	Name     string
	Status   string
	HomeOrg  string
	JoinedOn string
}

// RecordMembersInput enters members in an organization's register.
type RecordMembersInput struct {
	USCC    string
	Members []MemberEntry
}

// RecordMembers enters the members named in an application in the register.
func (a *Activities) RecordMembers(ctx context.Context, in RecordMembersInput) error {
	members := make([]store.MemberEntry, len(in.Members))
	for i, m := range in.Members {
		members[i] = store.MemberEntry{Name: m.Name, Status: m.Status, HomeOrg: m.HomeOrg, JoinedOn: m.JoinedOn}
	}
	return nonRetryable(a.Store.RecordMembers(ctx, in.USCC, members))
}

// TransferInput asks for the party organization of an approved formation.
type TransferInput struct {
	FormationID   string
	Committee     bool
	UpgradePrompt domain.PartyOrgKind
	EndsOn        string
	Actor         string
}

// TransferOutput is the party organization an approval brought into being, with its register.
type TransferOutput struct {
	PartyOrgID string
	Register   map[string]bool // name → formal
}

// TransferRelations creates the party organization of an approved formation and moves its
// members' relations into it.
func (a *Activities) TransferRelations(ctx context.Context, in TransferInput) (TransferOutput, error) {
	po, reg, err := a.Store.TransferRelations(ctx, store.TransferInput{FormationID: in.FormationID, Committee: in.Committee,
		UpgradePrompt: in.UpgradePrompt, EndsOn: in.EndsOn, Actor: in.Actor})
	if err != nil {
		return TransferOutput{}, nonRetryable(err)
	}
	return TransferOutput{PartyOrgID: po.ID, Register: reg}, nil
}

// Officer is an elected or appointed officer of a party organization.
type Officer struct {
	Name string `json:"name"`
	Post string `json:"post"`
}

func storeOfficers(in []Officer) []store.Officer {
	out := make([]store.Officer, len(in))
	for i, o := range in {
		out[i] = store.Officer{Name: o.Name, Post: o.Post}
	}
	return out
}

// ActivateInput makes a formation's party organization active.
type ActivateInput struct {
	FormationID string
	Officers    []Officer
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
	if _, err := a.Store.ActivatePartyOrg(ctx, in.FormationID, storeOfficers(in.Officers), in.Actor); err != nil {
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
		out[m.Name] = m.Status == string(domain.MemberFormal)
	}
	return out, nil
}

// StartTermInput records a re-election.
type StartTermInput struct {
	PartyOrgID string
	Officers   []Officer
	Actor      string
}

// StartTerm records new officers and starts a new term; it returns the new due date.
func (a *Activities) StartTerm(ctx context.Context, in StartTermInput) (PartyOrgInfo, error) {
	po, err := a.Store.StartTerm(ctx, in.PartyOrgID, storeOfficers(in.Officers), in.Actor)
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

// PartyOrgReview is a party organization whose organization left the roster (Missing) or was
// deregistered.
type PartyOrgReview struct {
	PartyOrgID string
	USCC       string
	Missing    bool
}

// PartyOrgsToReview lists party organizations whose organizations left the roster or were
// deregistered, after an import.
func (a *Activities) PartyOrgsToReview(ctx context.Context) ([]PartyOrgReview, error) {
	reviews, err := a.Store.PartyOrgsToReview(ctx)
	if err != nil {
		return nil, err
	}
	var out []PartyOrgReview // nil stays nil: the same JSON as before
	for _, r := range reviews {
		out = append(out, PartyOrgReview{PartyOrgID: r.PartyOrgID, USCC: r.USCC, Missing: r.Missing})
	}
	return out, nil
}

// PartyOrgChange is an adjustment 调整 of a party organization: another kind, organizations
// joining or leaving.
type PartyOrgChange struct {
	Kind   domain.PartyOrgKind `json:"kind,omitempty"`
	Add    []string            `json:"add,omitempty"`
	Remove []string            `json:"remove,omitempty"`
}

// AdjustInput applies an adjustment of a party organization.
type AdjustInput struct {
	PartyOrgID string
	Change     PartyOrgChange
	Actor      string
	Reason     string
}

// AdjustPartyOrg applies an approved or decided adjustment.
func (a *Activities) AdjustPartyOrg(ctx context.Context, in AdjustInput) error {
	return nonRetryable(a.Store.AdjustPartyOrg(ctx, in.PartyOrgID,
		store.PartyOrgChange{Kind: in.Change.Kind, Add: in.Change.Add, Remove: in.Change.Remove}, in.Actor, in.Reason))
}
