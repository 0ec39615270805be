package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"tandem/domain"
)

// UnitChange renames and/or moves a unit; nil fields stay as they are.
type UnitChange struct {
	Name     *string
	ParentID *string
	// DocPrefix sets the unit's 文号 prefix ("" restores the default: its name and the series).
	DocPrefix *string
}

// ChangeUnit renames or moves a unit (admins, or an officer over its parent). A region unit's
// old name stays as an alias, so rosters that still use it resolve to it. A move rewrites the
// paths of the unit's subtree and of everything scoped by them (tasks, organizations); audit
// records keep the path they were written with.
func (s *Store) ChangeUnit(ctx context.Context, p domain.Principal, id string, ch UnitChange) (domain.Unit, error) {
	var out domain.Unit
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur unitRow
		if err := scoped(tx.Where("id = ?", id), "path", p).Take(&cur).Error; err != nil {
			return translate(err, "unit")
		}
		if cur.MergedInto != nil {
			return domain.Errorf(domain.ECONFLICT, "该单位已并入其他单位")
		}
		next := cur.domain()
		if ch.Name != nil {
			next.Name = strings.TrimSpace(*ch.Name)
		}
		var parent *domain.Unit
		parentID := cur.ParentID
		if ch.ParentID != nil {
			parentID = ch.ParentID
			if *ch.ParentID == "" {
				parentID = nil
			}
		}
		if parentID != nil {
			var pr unitRow
			if err := scoped(tx.Where("id = ?", *parentID), "path", p).Take(&pr).Error; err != nil {
				return domain.Invalid("上级单位不存在", domain.FieldFailed("parent_id", domain.CodeNoSuchUnit))
			}
			if strings.HasPrefix(pr.Path, cur.Path) {
				return domain.Invalid("单位不能移到自身或其下级之下", domain.FieldFailed("parent_id", domain.CodeInsideUnit))
			}
			pu := pr.domain()
			parent = &pu
		}
		if !p.Admin && !(parent != nil && p.HoldsRoleOver(domain.RoleOfficer, parent.Path) &&
			(cur.ParentID == nil || p.HoldsRoleOver(domain.RoleOfficer, parentPathOf(cur.Path)))) {
			return domain.Errorf(domain.EFORBIDDEN, "只有管理员或该单位原上级和新上级的组织员可以改名或移动")
		}
		next.ParentID = parentID
		if err := domain.ValidateUnit(next, parent); err != nil {
			return err
		}
		if ch.DocPrefix != nil {
			if f := domain.ValidateDocPrefix(*ch.DocPrefix); f != nil {
				return domain.Invalid("文号前缀不正确", *f)
			}
			next.DocPrefix = strings.TrimSpace(*ch.DocPrefix)
		}
		newPath := "/" + cur.ID + "/"
		if parent != nil {
			newPath = parent.Path + cur.ID + "/"
		}
		if err := tx.Model(&unitRow{}).Where("id = ?", cur.ID).Updates(map[string]any{"name": next.Name, "parent_id": parentID, "doc_prefix": next.DocPrefix}).Error; err != nil {
			if domain.ErrorCode(translate(err, "")) == domain.ECONFLICT {
				return &domain.Error{Code: domain.ECONFLICT, Message: "同一上级单位下已有同名单位",
					Fields: []domain.FieldError{domain.FieldFailed("name", domain.CodeTakenUnderParent)}}
			}
			return translate(err, "unit")
		}
		if newPath != cur.Path {
			if err := s.rewritePaths(tx, cur.Path, newPath, false); err != nil {
				return err
			}
		}
		if next.Name != cur.Name && cur.Net == string(domain.NetRegion) {
			if err := tx.Exec("INSERT INTO unit_aliases (alias, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING", cur.Name, cur.ID).Error; err != nil {
				return translate(err, "alias")
			}
			if err := s.recomputeSet(tx, s.Now(), "SELECT DISTINCT uscc FROM organization_sources WHERE township = ? OR township = ?", cur.Name, next.Name); err != nil {
				return err
			}
		}
		var row unitRow
		if err := tx.Where("id = ?", cur.ID).Take(&row).Error; err != nil {
			return translate(err, "unit")
		}
		out = row.domain()
		return s.audit(ctx, tx, p.Username, "unit.change", "unit", cur.ID, row.Path,
			unitAudit{Name: cur.Name, Net: cur.Net, Kind: cur.Kind, ParentID: cur.ParentID, DocPrefix: cur.DocPrefix},
			unitAudit{Name: row.Name, Net: row.Net, Kind: row.Kind, ParentID: row.ParentID, DocPrefix: row.DocPrefix})
	})
	if err == nil {
		s.forgetPrincipals(allPrincipals) // unit paths in principals moved
	}
	return out, err
}

func parentPathOf(path string) string {
	trimmed := strings.TrimSuffix(path, "/")
	return trimmed[:strings.LastIndex(trimmed, "/")+1]
}

// rewritePaths moves a subtree from one path prefix to another in every table scoped by it.
// With keepRoot, the unit at from itself keeps its path (a merge, where it stays behind).
func (s *Store) rewritePaths(tx *gorm.DB, from, to string, keepRoot bool) error {
	if err := s.principalsChanged(tx, allPrincipals); err != nil { // principals hold unit paths
		return err
	}
	like := escapeLike(from) + "%"
	for _, tc := range [][2]string{{"units", "path"}, {"tasks", "unit_path"}, {"organizations", "region_path"}, {"organizations", "industry_path"}} {
		q := "UPDATE " + tc[0] + " SET " + tc[1] + " = ? || substr(" + tc[1] + ", ?) WHERE " + tc[1] + ` LIKE ? ESCAPE '\'`
		args := []any{to, len(from) + 1, like}
		if keepRoot && tc[0] == "units" {
			q += " AND " + tc[1] + " <> ?"
			args = append(args, from)
		}
		if err := tx.Exec(q, args...).Error; err != nil {
			return translate(err, tc[0])
		}
	}
	return nil
}

// MergeUnit merges unit from into unit into (admins only; same net): the children, tasks,
// memberships, organizations, aliases and industry mappings of from go to into; from's name
// becomes an alias of into; from stays, marked merged, for history.
func (s *Store) MergeUnit(ctx context.Context, p domain.Principal, fromID, intoID string) (domain.Unit, error) {
	if !p.Admin {
		return domain.Unit{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以合并单位")
	}
	var out domain.Unit
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var from, into unitRow
		if err := tx.Where("id = ?", fromID).Take(&from).Error; err != nil {
			return translate(err, "unit")
		}
		if err := tx.Where("id = ?", intoID).Take(&into).Error; err != nil {
			return domain.Invalid("目标单位不存在", domain.FieldFailed("into", domain.CodeNoSuchUnit))
		}
		switch {
		case from.ID == into.ID:
			return domain.Invalid("单位不能并入自身", domain.FieldFailed("into", domain.CodeSameUnit))
		case from.Net != into.Net || from.Kind != into.Kind:
			return domain.Invalid("只有同一网、同一类型的单位可以合并", domain.FieldFailed("into", domain.CodeOtherNetOrKind))
		case from.MergedInto != nil || into.MergedInto != nil:
			return domain.Errorf(domain.ECONFLICT, "其中一个单位已被合并")
		case strings.HasPrefix(into.Path, from.Path):
			return domain.Invalid("单位不能并入其下级单位", domain.FieldFailed("into", domain.CodeInsideUnit))
		}
		// Children move under into; the rest of from's subtree follows them.
		if err := tx.Exec("UPDATE units SET parent_id = ? WHERE parent_id = ?", into.ID, from.ID).Error; err != nil {
			return translate(err, "units")
		}
		if err := s.rewritePaths(tx, from.Path, into.Path, true); err != nil {
			return err
		}
		stmts := []struct {
			q    string
			args []any
		}{
			{"UPDATE units SET merged_into = ? WHERE id = ?", []any{into.ID, from.ID}},
			{"UPDATE tasks SET unit_id = ? WHERE unit_id = ?", []any{into.ID, from.ID}},
			{`INSERT INTO memberships (user_id, unit_id, role) SELECT user_id, ?, role FROM memberships WHERE unit_id = ?
			  ON CONFLICT DO NOTHING`, []any{into.ID, from.ID}},
			{"DELETE FROM memberships WHERE unit_id = ?", []any{from.ID}},
			{"UPDATE organizations SET region_unit_id = ?, updated_at = ? WHERE region_unit_id = ?", []any{into.ID, s.Now(), from.ID}},
			{"UPDATE organizations SET industry_unit_id = ?, updated_at = ? WHERE industry_unit_id = ?", []any{into.ID, s.Now(), from.ID}},
			{"INSERT INTO unit_aliases (alias, unit_id) SELECT alias, ? FROM unit_aliases WHERE unit_id = ? ON CONFLICT DO NOTHING", []any{into.ID, from.ID}},
			{"DELETE FROM unit_aliases WHERE unit_id = ?", []any{from.ID}},
			{"INSERT INTO unit_aliases (alias, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING", []any{from.Name, into.ID}},
			{"UPDATE industry_mappings SET unit_id = ? WHERE unit_id = ?", []any{into.ID, from.ID}},
		}
		for _, st := range stmts {
			if err := tx.Exec(st.q, st.args...).Error; err != nil {
				return translate(err, "merge")
			}
		}
		// Organizations that named both now name one unit.
		if err := s.recomputeSet(tx, s.Now(), "SELECT uscc FROM organizations WHERE region_unit_id = ? OR industry_unit_id = ? OR region_owners > 1 OR industry_owners > 1", into.ID, into.ID); err != nil {
			return err
		}
		var row unitRow
		if err := tx.Where("id = ?", from.ID).Take(&row).Error; err != nil {
			return translate(err, "unit")
		}
		out = row.domain()
		return s.audit(ctx, tx, p.Username, "unit.merge", "unit", from.ID, into.Path, map[string]string{"name": from.Name},
			map[string]string{"merged_into": into.ID})
	})
	if err == nil {
		s.forgetPrincipals(allPrincipals) // unit paths in principals moved
	}
	return out, err
}
