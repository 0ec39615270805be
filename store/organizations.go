package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

// OrganizationRow is an organization of the master roster.
type OrganizationRow struct {
	USCC           string `gorm:"column:uscc;primaryKey"`
	Name           string
	Township       string
	Industry       string
	Supervisor     string
	Employees      *int
	RegStatus      string
	Address        string
	ConflictFields string
	RegionUnitID   *string
	RegionPath     string
	RegionOwners   int
	IndustryUnitID *string
	IndustryPath   string
	IndustryOwners int
	Coverage       string
	Operating      *bool // domain.OperatingState: what decided it is OperatingBasis, observed at OperatingObservedAt
	Missing        bool
	// OperatingBasis is domain.OperatingBasis ("" while nothing is known).
	OperatingBasis      string
	OperatingObservedAt *time.Time
	TemporaryBranch     bool   // covered by an active 临时党支部 (coverage regional, never single)
	RegionScopePath     string // region_owners <> 1: the unit path whose officers resolve it
	CreatedAt           time.Time
	UpdatedAt           time.Time
	// What the last field visit found (the census), or the enterprise declared.
	VisitedAt           *time.Time
	VisitedBy           string
	VisitedOperating    *bool
	FormalMembers       *int
	ProbationaryMembers *int
	FixedPremises       *bool
	OwnerIsMember       *bool
	Instructor          string
}

func (OrganizationRow) TableName() string { return "organizations" }

// SourceValues is what one source says of an organization, with its provenance.
type SourceValues struct {
	USCC       string `gorm:"column:uscc"`
	Source     string
	ImportID   string
	ObservedAt time.Time
	RowNumber  int
	Name       string
	Township   string
	Industry   string
	Supervisor string
	Employees  *int
	RegStatus  string
	Address    string
	Missing    bool
}

func (SourceValues) TableName() string { return "organization_sources" }

// Resolution is an officer's choice for a disputed field.
type Resolution struct {
	USCC       string `gorm:"column:uscc;primaryKey"`
	Field      string `gorm:"primaryKey"`
	Value      string
	Reason     string
	ResolvedBy string
	ResolvedAt time.Time
}

func (Resolution) TableName() string { return "organization_resolutions" }

// visibleOrgs restricts q (on organizations o) to those responsible to a unit the caller views,
// on either net. An organization without exactly one region unit (no township, or two) is
// seen where it must be resolved: from the lowest unit over its candidate townships, or the
// region root when none matched (region_scope_path, set by recompute), and above.
func visibleOrgs(q *gorm.DB, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	var conds []string
	var args []any
	for _, path := range p.ScopePaths() {
		like := escapeLike(path) + "%"
		conds = append(conds, `o.region_path LIKE ? ESCAPE '\'`, `o.industry_path LIKE ? ESCAPE '\'`,
			`(o.region_owners <> 1 AND o.region_scope_path LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	if len(conds) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// OrganizationFilter narrows the master roster.
type OrganizationFilter struct {
	UnitPath  string // responsible unit in this subtree, on either net
	Coverage  string
	Tag       string
	Text      string // in the name, or a credit-code prefix
	Operating *bool
	Conflicts bool
	Missing   *bool
	Page      Page
}

// ListOrganizations lists the organizations the caller may view, by credit code.
func (s *Store) ListOrganizations(ctx context.Context, p domain.Principal, f OrganizationFilter) ([]OrganizationRow, string, error) {
	q := visibleOrgs(s.db.WithContext(ctx).Table("organizations o"), p)
	if f.UnitPath != "" {
		like := escapeLike(f.UnitPath) + "%"
		q = q.Where(`(o.region_path LIKE ? ESCAPE '\' OR o.industry_path LIKE ? ESCAPE '\')`, like, like)
	}
	if f.Coverage != "" {
		q = q.Where("o.coverage = ?", f.Coverage)
	}
	if f.Tag != "" {
		q = q.Where("EXISTS (SELECT 1 FROM organization_tags t WHERE t.uscc = o.uscc AND t.tag = ?)", f.Tag)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		q = q.Where(`(o.name LIKE ? ESCAPE '\' OR o.uscc LIKE ? ESCAPE '\')`, "%"+escapeLike(t)+"%", escapeLike(strings.ToUpper(t))+"%")
	}
	if f.Operating != nil {
		q = q.Where("o.operating = ?", *f.Operating)
	}
	if f.Conflicts {
		q = q.Where("o.conflict_fields <> ''")
	}
	if f.Missing != nil {
		q = q.Where("o.missing = ?", *f.Missing)
	}
	q, err := pageByID(q, "o.uscc", f.Page)
	if err != nil {
		return nil, "", err
	}
	var rows []OrganizationRow
	if err := q.Select("o.*").Find(&rows).Error; err != nil {
		return nil, "", translate(err, "organizations")
	}
	rows, next := nextCursor(rows, f.Page, func(r OrganizationRow) string { return r.USCC })
	return rows, next, nil
}

// OrganizationDetail is one organization with its provenance.
type OrganizationDetail struct {
	OrganizationRow
	Sources      []SourceValues
	Resolutions  []Resolution
	Tags         []string
	AnnualReport *AnnualReport // nil: no annual report mentions it
}

// GetOrganization returns an organization the caller may view, with what each source says.
func (s *Store) GetOrganization(ctx context.Context, p domain.Principal, uscc string) (OrganizationDetail, error) {
	var d OrganizationDetail
	if err := visibleOrgs(s.db.WithContext(ctx).Table("organizations o").Where("o.uscc = ?", uscc), p).
		Select("o.*").Take(&d.OrganizationRow).Error; err != nil {
		return d, translate(err, "organization")
	}
	if err := s.db.WithContext(ctx).Where("uscc = ?", uscc).Order(sourceOrder).Find(&d.Sources).Error; err != nil {
		return d, translate(err, "organization sources")
	}
	if err := s.db.WithContext(ctx).Where("uscc = ?", uscc).Order("field").Find(&d.Resolutions).Error; err != nil {
		return d, translate(err, "resolutions")
	}
	if err := s.db.WithContext(ctx).Table("organization_tags").Where("uscc = ?", uscc).Order("tag").Pluck("tag", &d.Tags).Error; err != nil {
		return d, translate(err, "tags")
	}
	ar, err := s.AnnualReportOf(ctx, uscc)
	if err != nil {
		return d, err
	}
	d.AnnualReport = ar
	return d, nil
}

var sourceOrder = strings.ReplaceAll(sourceRank, "s.source", "source")

// SourcesOf returns what each source says of the organizations named (at most a page of
// them, which the caller has already read through visibleOrgs), by credit code and in source
// rank: one query for a list's conflict values.
func (s *Store) SourcesOf(ctx context.Context, usccs []string) (map[string][]SourceValues, error) {
	out := map[string][]SourceValues{}
	if len(usccs) == 0 {
		return out, nil
	}
	var rows []SourceValues
	if err := s.db.WithContext(ctx).Where("uscc IN ?", usccs).Order("uscc, " + sourceOrder).Find(&rows).Error; err != nil {
		return nil, translate(err, "organization sources")
	}
	for _, r := range rows {
		out[r.USCC] = append(out[r.USCC], r)
	}
	return out, nil
}

// ResolveConflict records an officer's choice for a field of an organization (admins, or an
// officer over one of its responsible units) and recomputes it.
func (s *Store) ResolveConflict(ctx context.Context, p domain.Principal, uscc, field, value, reason string) (OrganizationDetail, error) {
	d, err := s.GetOrganization(ctx, p, uscc)
	if err != nil {
		return d, err
	}
	if !p.Admin && !(d.RegionPath != "" && p.HoldsRoleOver(domain.RoleOfficer, d.RegionPath)) &&
		!(d.IndustryPath != "" && p.HoldsRoleOver(domain.RoleOfficer, d.IndustryPath)) &&
		!(d.RegionOwners != 1 && d.RegionScopePath != "" && p.HoldsRoleOver(domain.RoleOfficer, d.RegionScopePath)) {
		return d, domain.Errorf(domain.EFORBIDDEN, "只有该组织所在单位的上级组织员可以裁定数据冲突")
	}
	if !slices.Contains(strings.Split(d.ConflictFields, ","), field) &&
		!slices.ContainsFunc(d.Resolutions, func(r Resolution) bool { return r.Field == field }) {
		return d, domain.Invalid("该字段没有待裁定的冲突",
			domain.FieldFailed("field", domain.CodeNoConflict, field))
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old *Resolution
		var cur Resolution
		if tx.Where("uscc = ? AND field = ?", uscc, field).Take(&cur).Error == nil {
			old = &cur
		}
		r := Resolution{USCC: uscc, Field: field, Value: value, Reason: reason, ResolvedBy: p.Username, ResolvedAt: now}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "uscc"}, {Name: "field"}}, UpdateAll: true}).Create(&r).Error; err != nil {
			return translate(err, "resolution")
		}
		if err := s.recomputeSet(tx, now, `SELECT ? AS uscc`, uscc); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "organization.resolve", "organization", uscc, d.RegionPath, old, r)
	})
	if err != nil {
		return d, err
	}
	return s.GetOrganization(ctx, p, uscc)
}

// recomputeSet recomputes the organizations selected by query.
func (s *Store) recomputeSet(tx *gorm.DB, now time.Time, query string, args ...any) error {
	if err := tx.Exec("DROP TABLE IF EXISTS recompute").Error; err != nil {
		return translate(err, "recompute")
	}
	if err := tx.Exec("CREATE TEMP TABLE recompute AS "+query, args...).Error; err != nil {
		return translate(err, "recompute")
	}
	if err := s.recompute(tx, now, "organization_sources"); err != nil {
		return err
	}
	return translate(tx.Exec("DROP TABLE recompute").Error, "recompute")
}

// TagDefinition is one tag of the configurable tag set.
type TagDefinition struct {
	Code  string `gorm:"primaryKey"`
	Label string
}

func (TagDefinition) TableName() string { return "tag_definitions" }

// TagDefinitions lists the tag set.
func (s *Store) TagDefinitions(ctx context.Context) ([]TagDefinition, error) {
	var out []TagDefinition
	return out, translate(s.db.WithContext(ctx).Order("code").Find(&out).Error, "tags")
}

// PutTagDefinition adds or relabels a tag (admins only).
func (s *Store) PutTagDefinition(ctx context.Context, p domain.Principal, code, label string) (TagDefinition, error) {
	if !p.Admin {
		return TagDefinition{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以修改标签集")
	}
	t := TagDefinition{Code: code, Label: label}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, UpdateAll: true}).Create(&t).Error; err != nil {
			return translate(err, "tag")
		}
		return s.audit(ctx, tx, p.Username, "tag.put", "tag", code, "", nil, t)
	})
	return t, err
}

// SetOrganizationTags replaces an organization's tags (admins, or an officer over one of its
// responsible units); every tag must be in the tag set.
func (s *Store) SetOrganizationTags(ctx context.Context, p domain.Principal, uscc string, tags []string) (OrganizationDetail, error) {
	d, err := s.GetOrganization(ctx, p, uscc)
	if err != nil {
		return d, err
	}
	if !p.Admin && !(d.RegionPath != "" && p.HoldsRoleOver(domain.RoleOfficer, d.RegionPath)) &&
		!(d.IndustryPath != "" && p.HoldsRoleOver(domain.RoleOfficer, d.IndustryPath)) {
		return d, domain.Errorf(domain.EFORBIDDEN, "只有该组织所在单位的上级组织员可以为其加标签")
	}
	defs, err := s.TagDefinitions(ctx)
	if err != nil {
		return d, err
	}
	known := map[string]bool{}
	for _, t := range defs {
		known[t.Code] = true
	}
	var v domain.Validation
	for i, t := range tags {
		if !known[t] {
			v.Add("tags["+strconv.Itoa(i)+"]", "not in the tag set")
		}
	}
	if err := v.Err("有未定义的标签"); err != nil {
		return d, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM organization_tags WHERE uscc = ?", uscc).Error; err != nil {
			return translate(err, "tags")
		}
		for _, t := range tags {
			if err := tx.Exec("INSERT INTO organization_tags (uscc, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", uscc, t).Error; err != nil {
				return translate(err, "tags")
			}
		}
		return s.audit(ctx, tx, p.Username, "organization.tags", "organization", uscc, d.RegionPath, d.Tags, tags)
	})
	if err != nil {
		return d, err
	}
	return s.GetOrganization(ctx, p, uscc)
}

// SourceConflicts lists the organizations whose disputed fields involve what source says (its
// current row reports them), by credit code: what a department's liaison sees of the conflicts
// their extract caused. Only those who may deliver the source (its department's liaisons, or an
// admin) may ask; they see these organizations whatever their units, as their extract named them.
func (s *Store) SourceConflicts(ctx context.Context, p domain.Principal, source string, page Page) ([]OrganizationRow, string, error) {
	if _, err := s.MayDeliver(ctx, p, source); err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Table("organizations o").Where(`o.conflict_fields <> '' AND EXISTS (SELECT 1 FROM organization_sources s
		WHERE s.uscc = o.uscc AND s.source = ? AND NOT s.missing)`, source)
	q, err := pageByID(q, "o.uscc", page)
	if err != nil {
		return nil, "", err
	}
	var rows []OrganizationRow
	if err := q.Select("o.*").Find(&rows).Error; err != nil {
		return nil, "", translate(err, "organizations")
	}
	rows, next := nextCursor(rows, page, func(r OrganizationRow) string { return r.USCC })
	return rows, next, nil
}
