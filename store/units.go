package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

type unitRow struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	Net        string
	Kind       string
	ParentID   *string
	Path       string
	MergedInto *string
	CreatedAt  time.Time
	DocPrefix  string
}

func (unitRow) TableName() string { return "units" }

func (r unitRow) domain() domain.Unit {
	return domain.Unit{
		ID: r.ID, Name: r.Name, Net: domain.Net(r.Net), Kind: domain.UnitKind(r.Kind),
		ParentID: r.ParentID, Path: r.Path, MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, DocPrefix: r.DocPrefix,
	}
}

// unitAudit is what the audit trail records of a unit.
type unitAudit struct {
	Name     string  `json:"name"`
	Net      string  `json:"net"`
	Kind     string  `json:"kind"`
	ParentID *string `json:"parent_id"`
	// DocPrefix is the 文号 prefix (omitted while it is the default).
	DocPrefix string `json:"doc_prefix,omitempty"`
}

// CreateUnit adds a unit. Admins may create anywhere; an officer may add units under a unit
// in their subtree.
func (s *Store) CreateUnit(ctx context.Context, p domain.Principal, u domain.Unit) (domain.Unit, error) {
	u.Name = strings.TrimSpace(u.Name)
	var out domain.Unit
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var parent *domain.Unit
		if u.ParentID != nil {
			var pr unitRow
			if err := scoped(tx.Where("id = ?", *u.ParentID), "path", p).Take(&pr).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return domain.Invalid("上级单位不存在",
						domain.FieldFailed("parent_id", domain.CodeNoSuchUnit))
				}
				return translate(err, "parent unit")
			}
			pu := pr.domain()
			parent = &pu
		}
		if !p.Admin && (parent == nil || !p.HoldsRoleOver(domain.RoleOfficer, parent.Path)) {
			return domain.Errorf(domain.EFORBIDDEN, "只有管理员或上级单位的组织员可以创建单位")
		}
		if err := domain.ValidateUnit(u, parent); err != nil {
			return err
		}
		row := unitRow{ID: newID(), Name: u.Name, Net: string(u.Net), Kind: string(u.Kind), ParentID: u.ParentID, CreatedAt: s.Now()}
		row.Path = "/" + row.ID + "/"
		if parent != nil {
			row.Path = parent.Path + row.ID + "/"
		}
		if err := tx.Create(&row).Error; err != nil {
			if domain.ErrorCode(translate(err, "")) == domain.ECONFLICT {
				return &domain.Error{Code: domain.ECONFLICT, Message: "同一上级单位下已有同名单位",
					Fields: []domain.FieldError{domain.FieldFailed("name", domain.CodeTakenUnderParent)}}
			}
			return translate(err, "unit")
		}
		out = row.domain()
		return s.audit(ctx, tx, p.Username, "unit.create", "unit", row.ID, row.Path, nil,
			unitAudit{Name: row.Name, Net: row.Net, Kind: row.Kind, ParentID: row.ParentID})
	})
	return out, err
}

// GetUnit returns a unit the caller may view; others are ENOTFOUND.
func (s *Store) GetUnit(ctx context.Context, p domain.Principal, id string) (domain.Unit, error) {
	var r unitRow
	if err := scoped(s.db.WithContext(ctx).Where("id = ?", id), "path", p).Take(&r).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	return r.domain(), nil
}

// UnitFilter narrows a unit list.
type UnitFilter struct {
	Net        domain.Net
	Kind       domain.UnitKind
	ParentID   string // "" = any
	Name       string // exact name
	WithMerged bool   // also units merged into others
	Page       Page
}

// ListUnits lists the units the caller may view, in creation order.
func (s *Store) ListUnits(ctx context.Context, p domain.Principal, f UnitFilter) ([]domain.Unit, string, error) {
	q := scoped(s.db.WithContext(ctx).Model(&unitRow{}), "path", p)
	if !f.WithMerged {
		q = q.Where("merged_into IS NULL")
	}
	if f.Net != "" {
		q = q.Where("net = ?", f.Net)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.ParentID != "" {
		q = q.Where("parent_id = ?", f.ParentID)
	}
	if f.Name != "" {
		q = q.Where("name = ?", f.Name)
	}
	q, err := pageByID(q, "id", f.Page)
	if err != nil {
		return nil, "", err
	}
	var rows []unitRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "units")
	}
	rows, next := nextCursor(rows, f.Page, func(r unitRow) string { return r.ID })
	out := make([]domain.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// ParentUnit returns a unit's parent, or the unit itself for a root.
func (s *Store) ParentUnit(ctx context.Context, unitID string) (domain.Unit, error) {
	var u unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", unitID).Take(&u).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	if u.ParentID == nil {
		return u.domain(), nil
	}
	var parent unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", *u.ParentID).Take(&parent).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	return parent.domain(), nil
}

// DepartmentUnits lists the member departments of the joint meeting (units of the department
// net), which deliver an extract every month.
func (s *Store) DepartmentUnits(ctx context.Context) ([]domain.Unit, error) {
	var rows []unitRow
	if err := s.db.WithContext(ctx).Where("net = ? AND merged_into IS NULL", string(domain.NetDepartment)).Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	out := make([]domain.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Counties lists the county units (the bulletins go to each).
func (s *Store) Counties(ctx context.Context) ([]domain.Unit, error) {
	return s.unitsOfKind(ctx, domain.KindCounty)
}

// Committees lists the industry committees.
func (s *Store) Committees(ctx context.Context) ([]domain.Unit, error) {
	return s.unitsOfKind(ctx, domain.KindCommittee)
}

func (s *Store) unitsOfKind(ctx context.Context, kind domain.UnitKind) ([]domain.Unit, error) {
	var rows []unitRow
	if err := s.db.WithContext(ctx).Where("kind = ? AND merged_into IS NULL", string(kind)).Order("path").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	out := make([]domain.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
