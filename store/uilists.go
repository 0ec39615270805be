package store

import (
	"context"

	"tandem/domain"
)

// RoundFilter narrows the list of census rounds.
type RoundFilter struct {
	UnitPath string // rounds of units in this subtree
	Status   string // running | done | cancelled; "" all
	Page     Page
}

// ListRounds lists the census rounds the caller may view (their unit in the caller's scope),
// newest first.
func (s *Store) ListRounds(ctx context.Context, p domain.Principal, f RoundFilter) ([]CensusRound, string, error) {
	q := scoped(s.db.WithContext(ctx).Model(&CensusRound{}), "unit_path", p)
	if f.UnitPath != "" {
		q = q.Where(`unit_path LIKE ? ESCAPE '\'`, escapeLike(f.UnitPath)+"%")
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Page.Cursor != "" {
		before, err := decodeCursor(f.Page.Cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("id < ?", before)
	}
	var rows []CensusRound
	if err := q.Order("id DESC").Limit(f.Page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "census rounds")
	}
	rows, next := nextCursor(rows, f.Page, func(r CensusRound) string { return r.ID })
	return rows, next, nil
}

// MaxTreeUnits bounds the units GET /units/tree answers in one call.
const MaxTreeUnits = 5000

// UnitTree returns the units the caller may view on net ("" both), not merged, within root's
// subtree ("" everything in scope), ordered by path so that a parent comes before its
// children; more than MaxTreeUnits is EINVALID (ask for a subtree).
func (s *Store) UnitTree(ctx context.Context, p domain.Principal, net domain.Net, rootPath string) ([]domain.Unit, error) {
	q := scoped(s.db.WithContext(ctx).Model(&unitRow{}), "path", p).Where("merged_into IS NULL")
	if net != "" {
		q = q.Where("net = ?", string(net))
	}
	if rootPath != "" {
		q = q.Where(`path LIKE ? ESCAPE '\'`, escapeLike(rootPath)+"%")
	}
	var rows []unitRow
	if err := q.Order("path").Limit(MaxTreeUnits + 1).Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	if len(rows) > MaxTreeUnits {
		return nil, domain.Invalid("单位过多，无法一次显示为一棵树", domain.FieldFailed("root", domain.CodeTooMany, MaxTreeUnits))
	}
	out := make([]domain.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
