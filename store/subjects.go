package store

import (
	"context"

	"tandem/domain"
)

// DescribeSubject reads what a task's subject is, as a person reads it: an organization's
// name, address, township, registration status and formal members; a unit's name; a period's
// Chinese name. It is the one place subjects become names (task titles, the task's `about`
// card, notifications). A subject that is not found still gets a Chinese name that says what it
// is, never a bare code.
func (s *Store) DescribeSubject(ctx context.Context, typ domain.SubjectType, id string) (domain.SubjectCard, error) {
	card := domain.SubjectCard{Type: typ, ID: id}
	db := s.db.WithContext(ctx)
	switch typ {
	case domain.SubjectOrganization:
		var o OrganizationRow
		err := db.Where("uscc = ?", id).Take(&o).Error
		if err != nil && domain.ErrorCode(translate(err, "organization")) != domain.ENOTFOUND {
			return card, translate(err, "organization")
		}
		if err != nil || o.Name == "" {
			card.Name = "统一社会信用代码 " + id + " 的组织"
			return card, nil
		}
		card.Name, card.Address, card.Township, card.RegStatus, card.FormalMembers = o.Name, o.Address, o.Township, o.RegStatus, o.FormalMembers
		if o.RegionUnitID != nil {
			var u unitRow
			if db.Where("id = ?", *o.RegionUnitID).Take(&u).Error == nil {
				card.UnitName = u.Name
			}
		}
	case domain.SubjectUnit:
		var u unitRow
		if err := db.Where("id = ?", id).Take(&u).Error; err != nil {
			if domain.ErrorCode(translate(err, "unit")) != domain.ENOTFOUND {
				return card, translate(err, "unit")
			}
			card.Name = "单位 " + id
			return card, nil
		}
		card.Name, card.UnitName = u.Name, u.Name
	case domain.SubjectPartyOrg:
		var po PartyOrg
		if err := db.Where("id = ?", id).Take(&po).Error; err != nil || po.Name == "" {
			card.Name = "党组织 " + id
			return card, unlessNotFound(err, "party organization")
		}
		card.Name = po.Name
	case domain.SubjectImport:
		var imp RosterImport
		if err := db.Where("id = ?", id).Take(&imp).Error; err != nil {
			card.Name = "名册导入 " + id
			return card, unlessNotFound(err, "roster import")
		}
		card.Name = "名册 " + imp.Filename
	case domain.SubjectPeriod:
		card.Name, card.Period = domain.PeriodLabel(id), domain.PeriodLabel(id)
	default:
		card.Name = id
	}
	return card, nil
}

// unlessNotFound translates err, and drops it when it says the row is absent.
func unlessNotFound(err error, what string) error {
	if err = translate(err, what); domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	return err
}
