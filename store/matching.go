package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

// AddUnitAlias registers another name of a region unit and re-resolves the organizations whose
// township text is that name.
func (s *Store) AddUnitAlias(ctx context.Context, p domain.Principal, unitID, alias string) error {
	u, err := s.GetUnit(ctx, p, unitID)
	if err != nil {
		return err
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, u.Path) {
		return domain.Errorf(domain.EFORBIDDEN, "只有管理员或该单位的上级组织员可以添加别名")
	}
	if u.Net != domain.NetRegion {
		return domain.Invalid("别名只用于区域网单位", domain.FieldFailed("unit_id", domain.CodeNotRegionUnit))
	}
	alias = strings.TrimSpace(alias)
	if alias == "" {
		return domain.Invalid("别名为空", domain.FieldFailed("alias", domain.CodeRequired))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO unit_aliases (alias, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING", alias, u.ID).Error; err != nil {
			return translate(err, "alias")
		}
		if err := s.recomputeSet(tx, s.Now(), "SELECT DISTINCT uscc FROM organization_sources WHERE township = ?", alias); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "unit.alias", "unit", u.ID, u.Path, nil, map[string]string{"alias": alias})
	})
}

// UnitAliases lists a unit's aliases.
func (s *Store) UnitAliases(ctx context.Context, unitID string) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Table("unit_aliases").Where("unit_id = ?", unitID).Order("alias").Pluck("alias", &out).Error
	return out, translate(err, "aliases")
}

// IndustryMapping says which committee is responsible for a trade or supervising department.
type IndustryMapping struct {
	Text      string `gorm:"primaryKey"`
	UnitID    string
	UpdatedBy string
	UpdatedAt time.Time
}

func (IndustryMapping) TableName() string { return "industry_mappings" }

// PutIndustryMapping maps a trade text to an industry committee (admins) and re-resolves the
// organizations that name it.
func (s *Store) PutIndustryMapping(ctx context.Context, p domain.Principal, text, unitID string) (IndustryMapping, error) {
	if !p.Admin {
		return IndustryMapping{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以修改行业对应关系")
	}
	u, err := s.GetUnit(ctx, p, unitID)
	if err != nil {
		return IndustryMapping{}, domain.Invalid("单位不存在", domain.FieldFailed("unit_id", domain.CodeNoSuchUnit))
	}
	if u.Net != domain.NetIndustry {
		return IndustryMapping{}, domain.Invalid("该单位不是行业党委", domain.FieldFailed("unit_id", domain.CodeNotIndustryNet))
	}
	m := IndustryMapping{Text: strings.TrimSpace(text), UnitID: u.ID, UpdatedBy: p.Username, UpdatedAt: s.Now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "text"}}, UpdateAll: true}).Create(&m).Error; err != nil {
			return translate(err, "industry mapping")
		}
		if err := s.recomputeSet(tx, m.UpdatedAt, "SELECT DISTINCT uscc FROM organization_sources WHERE industry = ? OR supervisor = ?", m.Text, m.Text); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "industry_mapping.put", "industry_mapping", m.Text, u.Path, nil, map[string]string{"unit_id": u.ID})
	})
	return m, err
}

// IndustryMappings lists every mapping.
func (s *Store) IndustryMappings(ctx context.Context) ([]IndustryMapping, error) {
	var out []IndustryMapping
	return out, translate(s.db.WithContext(ctx).Order("text").Find(&out).Error, "industry mappings")
}
