package store

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/calendar"
	"tandem/domain"
	"tandem/roster"
)

// A source's extract speaks for the whole city: only the department that owns the source
// delivers it (its liaisons, in exactly the mapped unit: a sub-unit's liaison does not, so a
// branch office cannot speak for the city; map the source to it instead), or an admin. The
// mapping source → department unit is data an admin sets.

type sourceDepartmentRow struct {
	Source    string `gorm:"primaryKey"`
	UnitID    string
	UpdatedBy string
	UpdatedAt time.Time
}

func (sourceDepartmentRow) TableName() string { return "source_departments" }

// SourceDepartment is a file source with its Chinese label and the department that delivers
// it (UnitID empty while none is set).
type SourceDepartment struct {
	Source    string
	Label     string
	UnitID    string
	UnitName  string
	UpdatedBy string
	UpdatedAt *time.Time
}

// FileSources lists the sources delivered as files, sorted.
func FileSources() []string {
	var out []string
	for s := range roster.SourceLabel {
		if roster.FileSource(s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Sources lists every file source with its department (any authenticated user may read it:
// it says whom to ask).
func (s *Store) Sources(ctx context.Context) ([]SourceDepartment, error) {
	var rows []struct {
		Source, UnitID, UnitName, UpdatedBy string
		UpdatedAt                           time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT d.source, d.unit_id, u.name AS unit_name, d.updated_by, d.updated_at
		FROM source_departments d JOIN units u ON u.id = d.unit_id`).Scan(&rows).Error; err != nil {
		return nil, translate(err, "sources")
	}
	mapped := map[string]int{}
	for i, r := range rows {
		mapped[r.Source] = i
	}
	var out []SourceDepartment
	for _, src := range FileSources() {
		d := SourceDepartment{Source: src, Label: roster.SourceLabel[src]}
		if i, ok := mapped[src]; ok {
			r := rows[i]
			at := r.UpdatedAt
			d.UnitID, d.UnitName, d.UpdatedBy, d.UpdatedAt = r.UnitID, r.UnitName, r.UpdatedBy, &at
		}
		out = append(out, d)
	}
	return out, nil
}

// Source returns one file source with its department.
func (s *Store) Source(ctx context.Context, source string) (SourceDepartment, error) {
	all, err := s.Sources(ctx)
	if err != nil {
		return SourceDepartment{}, err
	}
	for _, d := range all {
		if d.Source == source {
			return d, nil
		}
	}
	return SourceDepartment{}, domain.Errorf(domain.ENOTFOUND, "没有名为 %q 的名册来源", source)
}

// SetSourceDepartment names the department unit that delivers a source (admins only). The unit
// must be a department unit 成员部门 in use (not merged into another).
func (s *Store) SetSourceDepartment(ctx context.Context, p domain.Principal, source, unitID string) (SourceDepartment, error) {
	if !p.Admin {
		return SourceDepartment{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以指定名册来源的对接部门")
	}
	if !roster.FileSource(source) {
		return SourceDepartment{}, domain.Errorf(domain.ENOTFOUND, "没有名为 %q 的名册来源", source)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u unitRow
		err := tx.Where("id = ?", unitID).Take(&u).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return domain.Invalid("单位不正确", domain.FieldFailed("unit_id", domain.CodeNoSuchUnit))
		case err != nil:
			return translate(err, "unit")
		case u.Kind != string(domain.KindDepartment) || u.Net != string(domain.NetDepartment):
			return domain.Invalid("单位不正确", domain.FieldFailed("unit_id", domain.CodeNotDepartment, u.Kind))
		case u.MergedInto != nil:
			return domain.Invalid("单位不正确", domain.FieldFailed("unit_id", domain.CodeUnitMerged, *u.MergedInto))
		}
		var old sourceDepartmentRow
		hadOld := tx.Where("source = ?", source).Take(&old).Error == nil
		row := sourceDepartmentRow{Source: source, UnitID: unitID, UpdatedBy: p.Username, UpdatedAt: s.Now()}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "source"}},
			DoUpdates: clause.AssignmentColumns([]string{"unit_id", "updated_by", "updated_at"})}).Create(&row).Error; err != nil {
			return translate(err, "source")
		}
		var before any
		if hadOld {
			before = map[string]string{"unit_id": old.UnitID}
		}
		return s.audit(ctx, tx, p.Username, "source.department", "source", source, u.Path, before, map[string]string{"unit_id": unitID})
	})
	if err != nil {
		return SourceDepartment{}, err
	}
	return s.Source(ctx, source)
}

// MayDeliver says whether the caller may deliver (upload) an extract of source: an admin, or a
// liaison of exactly the source's department unit. It returns the department's unit ID (empty
// while none is mapped); a refusal is EFORBIDDEN naming who may.
func (s *Store) MayDeliver(ctx context.Context, p domain.Principal, source string) (string, error) {
	return s.mayDeliver(s.db.WithContext(ctx), p, source)
}

func (s *Store) mayDeliver(tx *gorm.DB, p domain.Principal, source string) (string, error) {
	var d struct{ UnitID, UnitName string }
	err := tx.Raw(`SELECT d.unit_id, u.name AS unit_name FROM source_departments d JOIN units u ON u.id = d.unit_id
		WHERE d.source = ?`, source).Scan(&d).Error
	if err != nil {
		return "", translate(err, "source")
	}
	label := roster.SourceLabel[source]
	switch {
	case p.Admin:
		return d.UnitID, nil
	case d.UnitID == "":
		return "", domain.Errorf(domain.EFORBIDDEN, "%s名册尚未指定对接部门，只能由管理员上报（管理员可在 PUT /api/v1/sources/%s 指定）", label, source)
	case !p.HoldsRoleIn(domain.RoleLiaison, d.UnitID):
		return "", domain.Errorf(domain.EFORBIDDEN, "%s名册只能由%s的联络员或管理员上报", label, d.UnitName)
	}
	return d.UnitID, nil
}

// importsVisible restricts q (on roster_imports i) to the imports the caller may read: the
// uploader's own; every import of a source to the liaisons of the department that delivers it
// (now, or when the import was uploaded); to an officer, the imports of the departments in
// their subtree; to the officers of a root of the region net (the city unit that confirms held
// imports, ConfirmationUnit), every import that was held for confirmation; admins read all.
func importsVisible(q *gorm.DB, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	conds := []string{"i.created_by = ?"}
	args := []any{p.Username}
	var liaisonUnits, officerUnits []string
	for _, m := range p.Memberships {
		switch m.Role {
		case domain.RoleLiaison:
			liaisonUnits = append(liaisonUnits, m.UnitID)
		case domain.RoleOfficer:
			officerUnits = append(officerUnits, m.UnitID)
			conds = append(conds, `i.unit_id IN (SELECT id FROM units WHERE path LIKE ? ESCAPE '\')`)
			args = append(args, escapeLike(m.UnitPath)+"%")
		}
	}
	if len(liaisonUnits) > 0 {
		conds = append(conds, "i.unit_id IN ? OR i.source IN (SELECT source FROM source_departments WHERE unit_id IN ?)")
		args = append(args, liaisonUnits, liaisonUnits)
	}
	if len(officerUnits) > 0 {
		conds = append(conds, `((i.status = ? OR i.decided_by <> '') AND EXISTS (SELECT 1 FROM units cu
			WHERE cu.id IN ? AND cu.net = ? AND cu.parent_id IS NULL AND cu.merged_into IS NULL))`)
		args = append(args, string(domain.ImportAwaitingConfirmation), officerUnits, string(domain.NetRegion))
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// ImportFilter narrows ListImports.
type ImportFilter struct {
	Source string              // one source, e.g. "market"
	Status domain.ImportStatus // one status
	Month  string              // YYYY-MM: uploaded in that month (Asia/Shanghai)
	Page   Page
}

// ListImports lists the imports the caller may read (importsVisible), oldest first, paged.
func (s *Store) ListImports(ctx context.Context, p domain.Principal, f ImportFilter) ([]RosterImport, string, error) {
	var v domain.Validation
	if f.Source != "" && roster.SourceLabel[f.Source] == "" {
		v.Add("source", "不是已知的名册来源")
	}
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "不是已知的导入状态")
	}
	var from, to time.Time
	if f.Month != "" {
		m, err := time.ParseInLocation("2006-01", f.Month, calendar.Shanghai)
		if err != nil {
			v.Add("month", "须为 YYYY-MM 形式的月份，例如 2026-11")
		}
		from, to = m, m.AddDate(0, 1, 0)
	}
	if err := v.Err("导入列表的筛选条件无效"); err != nil {
		return nil, "", err
	}
	q := importsVisible(s.db.WithContext(ctx).Table("roster_imports i"), p)
	if f.Source != "" {
		q = q.Where("i.source = ?", f.Source)
	}
	if f.Status != "" {
		q = q.Where("i.status = ?", string(f.Status))
	}
	if f.Month != "" {
		q = q.Where("i.created_at >= ? AND i.created_at < ?", from.UTC(), to.UTC())
	}
	q, err := pageByID(q, "i.id", f.Page)
	if err != nil {
		return nil, "", err
	}
	var rows []RosterImport
	if err := q.Select("i.*").Find(&rows).Error; err != nil {
		return nil, "", translate(err, "imports")
	}
	rows, next := nextCursor(rows, f.Page, func(imp RosterImport) string { return imp.ID })
	return rows, next, nil
}
