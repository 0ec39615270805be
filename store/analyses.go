package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
}

// QuarterFigures are a unit's coverage (on its net) now and at the end of the previous quarter.
type QuarterFigures struct {
	Now      CoverageCounts  `json:"now"`
	Previous *CoverageCounts `json:"previous"` // nil when the previous quarter was not analysed
	Rate     float64         `json:"organization_coverage"`
	PrevRate *float64        `json:"previous_organization_coverage"`
}

// UnverifiedDays is how old a visit may be before the analysis lists the organization.
const UnverifiedDays = 180

// MakeAnalysis stores the figures and the problems found from the data for a quarter of a
// county (its region subtree) or an industry committee (its industry subtree); the quarter's
// coverage snapshot is taken under its key, e.g. 2026-Q3. Making it again returns the stored
// one.
func (s *Store) MakeAnalysis(ctx context.Context, periodID, quarter, previousQuarter, unitID string) (Analysis, error) {
	var a Analysis
	if err := s.db.WithContext(ctx).Where("period_id = ? AND unit_id = ?", periodID, unitID).Limit(1).Find(&a).Error; err != nil {
		return a, translate(err, "analysis")
	}
	if a.PeriodID != "" {
		return a, nil
	}
	if _, err := s.TakeCoverageSnapshot(ctx, quarter); err != nil {
		return a, err
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
	sum := func(key string) (*CoverageCounts, error) {
		var snaps []snapshotRow
		if err := s.db.WithContext(ctx).Table("coverage_snapshots s").Joins("JOIN units u ON u.id = s.unit_id").
			Where(`s.month = ? AND s.net = ? AND u.path LIKE ? ESCAPE '\'`, key, string(net), escapeLike(unit.Path)+"%").
			Select("s.*").Find(&snaps).Error; err != nil {
			return nil, translate(err, "coverage snapshot")
		}
		if len(snaps) == 0 {
			return nil, nil
		}
		var c CoverageCounts
		for _, sn := range snaps {
			c.add(sn.CoverageCounts)
		}
		return &c, nil
	}
	cur, err := sum(quarter)
	if err != nil {
		return a, err
	}
	f := QuarterFigures{}
	if cur != nil {
		f.Now = *cur
	}
	f.Rate = rateOf(f.Now.Single+f.Now.Joint, f.Now.Operating)
	if f.Previous, err = sum(previousQuarter); err != nil {
		return a, err
	}
	if f.Previous != nil {
		r := rateOf(f.Previous.Single+f.Previous.Joint, f.Previous.Operating)
		f.PrevRate = &r
	}
	in := escapeLike(unit.Path) + "%"
	count := func(q string, args ...any) (int, error) {
		var n int64
		err := s.db.WithContext(ctx).Raw(q, args...).Scan(&n).Error
		return int(n), translate(err, "analysis")
	}
	var problems []Problem
	add := func(code, label string, n int, err error) error {
		if err == nil && n > 0 {
			problems = append(problems, Problem{Code: code, Label: label, Count: n})
		}
		return err
	}
	// No responsible unit: such organizations belong to no unit of the net yet, so the figure is
	// the city's.
	n, err := count(`SELECT count(*) FROM organizations o WHERE NOT o.missing AND o.` + ownersCol + ` <> 1`)
	if err := add("no_responsible_unit", "无"+netLabel+"责任单位或多头负责的组织（全市）", n, err); err != nil {
		return a, err
	}
	// A formation belongs to its unit on the region net, and to its lead organization's
	// committee on the industry net.
	formationIn := `f.unit_path LIKE ? ESCAPE '\'`
	if net == domain.NetIndustry {
		formationIn = `EXISTS (SELECT 1 FROM organizations o WHERE o.uscc = f.lead_uscc AND o.industry_path LIKE ? ESCAPE '\')`
	}
	n, err = count(`SELECT count(*) FROM formations f WHERE f.status = 'running' AND `+formationIn+`
		AND EXISTS (SELECT 1 FROM tasks t WHERE t.workflow_id = f.workflow_id AND t.status IN ('open', 'claimed') AND t.due_at < ?)`, in, now)
	if err := add("formations_overdue", "党组织组建逾期", n, err); err != nil {
		return a, err
	}
	if f.PrevRate != nil && f.Rate < *f.PrevRate {
		problems = append(problems, Problem{Code: "coverage_fallen", Label: "组织覆盖率下降", Count: 1,
			Detail: jsonText(map[string]float64{"now": f.Rate, "previous": *f.PrevRate})})
	}
	n, err = count(`SELECT count(*) FROM organizations o WHERE NOT o.missing AND o.`+pathCol+` LIKE ? ESCAPE '\'
		AND (o.visited_at IS NULL OR o.visited_at < ?)`, in, now.AddDate(0, 0, -UnverifiedDays))
	if err := add("unverified", "超过180天未核实的组织", n, err); err != nil {
		return a, err
	}
	n, err = count(`SELECT count(*) FROM organizations o WHERE NOT o.missing AND o.`+pathCol+` LIKE ? ESCAPE '\'
		AND EXISTS (SELECT 1 FROM organization_tags g WHERE g.uscc = o.uscc)
		AND (o.coverage NOT IN ('single', 'joint') OR o.instructor = '')`, in)
	if err := add("large_without_both", "五类大型企业未实现“两个覆盖”", n, err); err != nil {
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
