package store

import (
	"context"
	"slices"
	"sort"
)

// PartyOrgMembers lists the members bound to a party organization: its register, which its
// elections count and whose formal members bound the voting members. One query; the rows come
// organization by organization in the party organization's order, by name within each.
func (s *Store) PartyOrgMembers(ctx context.Context, po PartyOrg) ([]PartyMember, error) {
	if len(po.Organizations) == 0 {
		return nil, nil
	}
	var out []PartyMember
	err := s.db.WithContext(ctx).Where("uscc IN ? AND party_org_id = ?", po.Organizations, po.ID).Order("name").Find(&out).Error
	if err != nil {
		return nil, translate(err, "party members")
	}
	sort.SliceStable(out, func(i, j int) bool {
		return slices.Index(po.Organizations, out[i].USCC) < slices.Index(po.Organizations, out[j].USCC)
	})
	return out, nil
}

// FormalMembers counts the formal members of a register.
func FormalMembers(register []PartyMember) int {
	n := 0
	for _, m := range register {
		if m.Status == "formal" {
			n++
		}
	}
	return n
}
