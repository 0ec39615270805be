package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/calendar"
	"tandem/domain"
)

// Analysis is the quarterly analysis of a county or an industry committee.
type Analysis struct {
	PeriodID    string
	UnitID      string
	UnitPath    string
	Figures     string
	Problems    string
	Text        string
	Status      string // drafting | published
	PublishedAt *time.Time
	CreatedAt   time.Time
}

func (Analysis) TableName() string { return "analyses" }

// Problem is one problem the quarterly analysis finds in the data.
type Problem struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
	Detail string `json:"detail,omitempty"`
	// Organizations names the organizations the problem is about (the first
	// domain.MaxProblemOrganizations by credit code; Count says how many there are in all).
	Organizations []ProblemOrganization `json:"organizations,omitempty"`
}

// ProblemOrganization is an organization a problem names.
type ProblemOrganization struct {
	USCC string `json:"uscc"`
	Name string `json:"name"`
}

// QuarterFigures are a unit's coverage (on its net) at the quarter's window close and at the
// previous quarter's.
type QuarterFigures struct {
	Now      CoverageCounts  `json:"now"`
	Previous *CoverageCounts `json:"previous"` // nil when the previous quarter was not analysed
	Rate     float64         `json:"organization_coverage"`
	PrevRate *float64        `json:"previous_organization_coverage"`
	Coverage domain.Rate     `json:"organization_coverage_rate"` // Rate with its numerator and denominator
	AsOf     *domain.AsOf    `json:"as_of,omitempty"`            // nil in analyses made before it was recorded
}

// QuarterFigures decodes an analysis's figures; those stored before the figures had JSON names
// ("Operating", "Single") decode too, since encoding/json matches names case-insensitively.
func (a Analysis) QuarterFigures() (QuarterFigures, error) {
	var f QuarterFigures
	if err := json.Unmarshal([]byte(a.Figures), &f); err != nil {
		return f, err
	}
	f.Coverage = domain.RateOf(f.Now.Single+f.Now.Joint, f.Now.Operating)
	if f.AsOf != nil {
		f.AsOf.At = f.AsOf.At.In(calendar.Shanghai)
	}
	return f, nil
}

// UnverifiedDays is how old a visit may be before the analysis lists the organization.
const UnverifiedDays = 180

// MakeAnalysis stores the figures and the problems found from the data for a quarter of a
// county (its region subtree) or an industry committee (its industry subtree). The figures are
// the quarter's last month's (docs/figures.md); without them the state now is kept as the
// quarter's snapshot, e.g. 2026-Q3, and as_of says so. Making it again returns the stored one.
func (s *Store) MakeAnalysis(ctx context.Context, periodID, quarter, previousQuarter, unitID string) (Analysis, error) {
	var a Analysis
	if err := s.db.WithContext(ctx).Where("period_id = ? AND unit_id = ?", periodID, unitID).Limit(1).Find(&a).Error; err != nil {
		return a, translate(err, "analysis")
	}
	if a.PeriodID != "" {
		return a, nil
	}
	var unit unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", unitID).Take(&unit).Error; err != nil {
		return a, translate(err, "unit")
	}
	// The unit's net decides which responsibility the organizations are counted by.
	net, pathCol, ownersCol, netLabel := domain.NetRegion, "region_path", "region_owners", "属地"
	if domain.Net(unit.Net) == domain.NetIndustry {
		net, pathCol, ownersCol, netLabel = domain.NetIndustry, "industry_path", "industry_owners", "行业"
	}
	now := s.Now()
	// A quarter's figures are those of its last month, when that month's data was in; a quarter
	// analysed before that rule has its own snapshot.
	figuresOf := func(key string) (*CoverageCounts, *domain.AsOf, error) {
		if p, err := calendar.ParsePeriod(calendar.Quarterly, key); err == nil {
			if c, at, err := s.monthFigures(ctx, p.LastMonth(), net, unit.Path); err != nil || c != nil {
				return c, at, err
			}
		}
		return s.monthFigures(ctx, key, net, unit.Path)
	}
	cur, asOf, err := figuresOf(quarter)
	if err != nil {
		return a, err
	}
	if cur == nil {
		// No month's figures to use (the monthly cycle did not run for it): the state now, kept as
		// the quarter's snapshot, and said so.
		if _, err := s.TakeCoverageSnapshot(ctx, quarter); err != nil {
			return a, err
		}
		if cur, _, err = s.monthFigures(ctx, quarter, net, unit.Path); err != nil {
			return a, err
		}
		now := asOfNow(now)
		asOf = &now
	}
	f := QuarterFigures{AsOf: asOf}
	if cur != nil {
		f.Now = *cur
	}
	f.Coverage = domain.RateOf(f.Now.Single+f.Now.Joint, f.Now.Operating)
	f.Rate = f.Coverage.Value
	if f.Previous, _, err = figuresOf(previousQuarter); err != nil {
		return a, err
	}
	if f.Previous != nil {
		r := rateOf(f.Previous.Single+f.Previous.Joint, f.Previous.Operating)
		f.PrevRate = &r
	}
	in := escapeLike(unit.Path) + "%"
	var problems []Problem
	// orgProblem lists the organizations matched by from (a FROM … WHERE … clause whose rows are
	// organizations, selected as uscc and name) as one problem, when there are any.
	orgProblem := func(code, label, cols, from string, args ...any) error {
		var n int64
		if err := s.db.WithContext(ctx).Raw(`SELECT count(*) `+from, args...).Scan(&n).Error; err != nil {
			return translate(err, "analysis")
		}
		if n == 0 {
			return nil
		}
		orgs := []ProblemOrganization{}
		if err := s.db.WithContext(ctx).Raw(`SELECT `+cols+` `+from+` ORDER BY 1 LIMIT ?`, append(args, domain.MaxProblemOrganizations)...).
			Scan(&orgs).Error; err != nil {
			return translate(err, "analysis")
		}
		problems = append(problems, Problem{Code: code, Label: label, Count: int(n), Organizations: orgs})
		return nil
	}
	const orgCols = `o.uscc AS uscc, o.name AS name`
	// No responsible unit: such organizations belong to no unit of the net yet, so the figure is
	// the city's.
	if err := orgProblem("no_responsible_unit", "无"+netLabel+"责任单位或多头负责的组织（全市）", orgCols,
		`FROM organizations o WHERE NOT o.missing AND o.`+ownersCol+` <> 1`); err != nil {
		return a, err
	}
	// A formation belongs to its unit on the region net, and to its lead organization's
	// committee on the industry net; it is named by its lead organization.
	formationIn := `f.unit_path LIKE ? ESCAPE '\'`
	if net == domain.NetIndustry {
		formationIn = `EXISTS (SELECT 1 FROM organizations o WHERE o.uscc = f.lead_uscc AND o.industry_path LIKE ? ESCAPE '\')`
	}
	if err := orgProblem("formations_overdue", "党组织组建逾期", `f.lead_uscc AS uscc, COALESCE(l.name, '') AS name`,
		`FROM formations f LEFT JOIN organizations l ON l.uscc = f.lead_uscc WHERE f.status = 'running' AND `+formationIn+`
		AND EXISTS (SELECT 1 FROM tasks t WHERE t.workflow_id = f.workflow_id AND t.status IN ('open', 'claimed') AND t.due_at < ?)`, in, now); err != nil {
		return a, err
	}
	if f.PrevRate != nil && f.Rate < *f.PrevRate {
		problems = append(problems, Problem{Code: "coverage_fallen", Label: "组织覆盖率下降", Count: 1,
			Detail: jsonText(map[string]float64{"now": f.Rate, "previous": *f.PrevRate})})
	}
	if err := orgProblem("unverified", "超过180天未核实的组织", orgCols, `FROM organizations o WHERE NOT o.missing AND o.`+pathCol+` LIKE ? ESCAPE '\'
		AND (o.visited_at IS NULL OR o.visited_at < ?)`, in, now.AddDate(0, 0, -UnverifiedDays)); err != nil {
		return a, err
	}
	if err := orgProblem("large_without_both", "五类大型企业未实现“两个覆盖”", orgCols, `FROM organizations o WHERE NOT o.missing
		AND o.`+pathCol+` LIKE ? ESCAPE '\' AND EXISTS (SELECT 1 FROM organization_tags g WHERE g.uscc = o.uscc)
		AND (o.coverage NOT IN ('single', 'joint') OR o.instructor = '')`, in); err != nil {
		return a, err
	}
	if problems == nil {
		problems = []Problem{}
	}
	a = Analysis{PeriodID: periodID, UnitID: unit.ID, UnitPath: unit.Path, Figures: jsonText(f), Problems: jsonText(problems),
		Status: string(domain.AnalysisDrafting), CreatedAt: now}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&a).Error
	return a, translate(err, "analysis")
}

// PublishAnalysis publishes a unit's approved analysis text.
func (s *Store) PublishAnalysis(ctx context.Context, periodID, unitID, text, actor string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a Analysis
		if err := tx.Where("period_id = ? AND unit_id = ?", periodID, unitID).Take(&a).Error; err != nil {
			return translate(err, "analysis")
		}
		if a.Status == string(domain.AnalysisPublished) {
			return nil
		}
		now := s.Now()
		if err := tx.Model(&Analysis{}).Where("period_id = ? AND unit_id = ?", periodID, unitID).
			Updates(map[string]any{"text": text, "status": domain.AnalysisPublished, "published_at": now}).Error; err != nil {
			return translate(err, "analysis")
		}
		return s.audit(ctx, tx, actor, "analysis.publish", "period", periodID, a.UnitPath, nil, map[string]string{"unit_id": unitID})
	})
}

// ListAnalyses lists a period's analyses of the units the caller views.
func (s *Store) ListAnalyses(ctx context.Context, p domain.Principal, periodID string) ([]Analysis, error) {
	var out []Analysis
	err := scoped(s.db.WithContext(ctx).Where("period_id = ?", periodID), "unit_path", p).Order("unit_path").Find(&out).Error
	return out, translate(err, "analyses")
}

// AnalysisProblems decodes an analysis's problems.
func (a Analysis) AnalysisProblems() []Problem {
	var ps []Problem
	_ = json.Unmarshal([]byte(a.Problems), &ps)
	return ps
}
