package store

import (
	"context"

	"tandem/domain"
)

// ResponsibilityProblem is an organization with no responsible unit, or more than one, on a net.
type ResponsibilityProblem struct {
	USCC    string
	Name    string
	Problem string // none | multiple
	Owners  int
	Text    string // the township or trade text the sources give
}

// ResponsibilityReport lists the organizations (the caller may view) with a problem on a net.
func (s *Store) ResponsibilityReport(ctx context.Context, p domain.Principal, net domain.Net, page Page) ([]ResponsibilityProblem, string, error) {
	owners, text := "o.region_owners", "o.township"
	if net == domain.NetIndustry {
		owners, text = "o.industry_owners", "CASE WHEN o.industry <> '' THEN o.industry ELSE o.supervisor END"
	}
	q := visibleOrgs(s.db.WithContext(ctx).Table("organizations o"), p).Where(owners + " <> 1 AND NOT o.missing")
	q, err := pageByID(q, "o.uscc", page)
	if err != nil {
		return nil, "", err
	}
	var rows []struct {
		USCC   string `gorm:"column:uscc"`
		Name   string
		Owners int
		Text   string
	}
	if err := q.Select("o.uscc, o.name, " + owners + " AS owners, " + text + " AS text").Find(&rows).Error; err != nil {
		return nil, "", translate(err, "responsibility report")
	}
	out := make([]ResponsibilityProblem, len(rows))
	for i, r := range rows {
		out[i] = ResponsibilityProblem{USCC: r.USCC, Name: r.Name, Owners: r.Owners, Text: r.Text, Problem: "none"}
		if r.Owners > 1 {
			out[i].Problem = "multiple"
		}
	}
	out, next := nextCursor(out, page, func(r ResponsibilityProblem) string { return r.USCC })
	return out, next, nil
}

// CountyCount is the number of organizations with a problem on a net within one county.
type CountyCount struct {
	UnitID   string
	Name     string
	None     int64
	Multiple int64
}

// ResponsibilityCounts counts the problems of a net in total and per county. An organization
// is placed in a county by its unit on the other net's side that is known (for the industry
// net its region unit, for the region net its industry committee under a county), or, without
// one region unit, by where it is resolved (region_scope_path: the county over both townships).
func (s *Store) ResponsibilityCounts(ctx context.Context, p domain.Principal, net domain.Net) (none, multiple int64, byCounty []CountyCount, err error) {
	owners, placePath := "o.region_owners", "o.industry_path"
	if net == domain.NetIndustry {
		owners, placePath = "o.industry_owners", "o.region_path"
	}
	var c struct{ None, Multiple int64 }
	err = visibleOrgs(s.db.WithContext(ctx).Table("organizations o"), p).Where("NOT o.missing").
		Select("count(*) FILTER (WHERE " + owners + " = 0) AS none, count(*) FILTER (WHERE " + owners + " > 1) AS multiple").Scan(&c).Error
	if err != nil {
		return 0, 0, nil, translate(err, "responsibility counts")
	}
	q := scoped(s.db.WithContext(ctx).Table("units u"), "u.path", p).Where("u.kind = ?", domain.KindCounty).
		Joins("JOIN organizations o ON (" + placePath + ` LIKE u.path || '%' OR o.region_scope_path LIKE u.path || '%') AND NOT o.missing AND ` + owners + " <> 1").
		Group("u.id, u.name").Order("u.name").
		Select("u.id AS unit_id, u.name, count(*) FILTER (WHERE " + owners + " = 0) AS none, count(*) FILTER (WHERE " + owners + " > 1) AS multiple")
	if err := q.Scan(&byCounty).Error; err != nil {
		return 0, 0, nil, translate(err, "responsibility counts")
	}
	return c.None, c.Multiple, byCounty, nil
}
