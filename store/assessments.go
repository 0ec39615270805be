package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/calendar"
	"tandem/domain"
)

type schemeRow struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Scheme    string
	CreatedBy string
	CreatedAt time.Time
}

func (schemeRow) TableName() string { return "assessment_schemes" }

// CurrentScheme returns the newest scheme version, or version 0: the scheme Tandem ships.
func (s *Store) CurrentScheme(ctx context.Context) (int, domain.Scheme, error) {
	var r schemeRow
	err := s.db.WithContext(ctx).Order("version DESC").Limit(1).Find(&r).Error
	if err != nil {
		return 0, domain.Scheme{}, translate(err, "scheme")
	}
	if r.Version == 0 {
		return 0, domain.DefaultScheme, nil
	}
	var sc domain.Scheme
	return r.Version, sc, json.Unmarshal([]byte(r.Scheme), &sc)
}

// SchemeByVersion returns one version of the scheme.
func (s *Store) SchemeByVersion(ctx context.Context, version int) (domain.Scheme, error) {
	if version == 0 {
		return domain.DefaultScheme, nil
	}
	var r schemeRow
	if err := s.db.WithContext(ctx).Where("version = ?", version).Take(&r).Error; err != nil {
		return domain.Scheme{}, translate(err, "scheme")
	}
	var sc domain.Scheme
	return sc, json.Unmarshal([]byte(r.Scheme), &sc)
}

// PutScheme stores a new version of the scheme (admins); assessments under way keep theirs.
func (s *Store) PutScheme(ctx context.Context, p domain.Principal, sc domain.Scheme) (int, error) {
	if err := sc.Validate(); err != nil {
		return 0, err
	}
	var version int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur schemeRow
		if err := tx.Order("version DESC").Limit(1).Find(&cur).Error; err != nil {
			return translate(err, "scheme")
		}
		version = cur.Version + 1
		if err := tx.Create(&schemeRow{Version: version, Scheme: jsonText(sc), CreatedBy: p.Username, CreatedAt: s.Now()}).Error; err != nil {
			return translate(err, "scheme")
		}
		return s.audit(ctx, tx, p.Username, "assessment.scheme", "assessment_scheme", itoa(version), "", nil, sc)
	})
	return version, err
}

// Assessment is one unit's assessment in a half-year period.
type Assessment struct {
	ID            string
	PeriodID      string
	UnitID        string
	UnitPath      string
	SchemeVersion int
	Status        string // running | locked | reopened
	Self          string
	Marks         string
	Metrics       string
	MetricsAsOf   string // JSON domain.AsOf of the metrics; '' before it was recorded
	Outcome       string
	Total         *float64
	Grade         string
	LockedAt      *time.Time
	LockedBy      string
	ScoredBy      string // the officer who scored the locked outcome ("" for one locked before #17)
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (Assessment) TableName() string { return "assessments" }

// Assessed is a unit to assess, with who scores and who reviews.
type Assessed struct {
	AssessmentID   string
	UnitID         string
	ScorerUnitID   string // the parent unit
	ReviewerUnitID string // the unit above the scorer, or the scorer when it is the top (the city)
}

// OpenAssessments records the period's assessments: each county, township (or park) and
// industry committee that has a parent unit to score it. Running it again returns the same.
func (s *Store) OpenAssessments(ctx context.Context, periodID string, version int) ([]Assessed, error) {
	var units []unitRow
	if err := s.db.WithContext(ctx).Where(`parent_id IS NOT NULL AND merged_into IS NULL AND kind IN ?`,
		[]string{string(domain.KindCounty), string(domain.KindTownship), string(domain.KindPark), string(domain.KindCommittee)}).
		Order("path").Find(&units).Error; err != nil {
		return nil, translate(err, "units")
	}
	parentOf := map[string]*string{}
	var all []unitRow
	if err := s.db.WithContext(ctx).Model(&unitRow{}).Select("id, parent_id").Find(&all).Error; err != nil {
		return nil, translate(err, "units")
	}
	for _, u := range all {
		parentOf[u.ID] = u.ParentID
	}
	var out []Assessed
	now := s.Now()
	for _, u := range units {
		a := Assessment{ID: newID(), PeriodID: periodID, UnitID: u.ID, UnitPath: u.Path, SchemeVersion: version, Status: string(domain.AssessmentRunning),
			CreatedAt: now, UpdatedAt: now}
		var existing Assessment
		if err := s.db.WithContext(ctx).Where("period_id = ? AND unit_id = ?", periodID, u.ID).Limit(1).Find(&existing).Error; err != nil {
			return nil, translate(err, "assessment")
		}
		if existing.ID != "" {
			a = existing
		} else if err := s.db.WithContext(ctx).Create(&a).Error; err != nil {
			return nil, translate(err, "assessment")
		}
		scorer := *u.ParentID
		reviewer := scorer
		if p := parentOf[scorer]; p != nil {
			reviewer = *p
		}
		out = append(out, Assessed{AssessmentID: a.ID, UnitID: u.ID, ScorerUnitID: scorer, ReviewerUnitID: reviewer})
	}
	return out, nil
}

// AssessmentByID returns an assessment, unscoped.
func (s *Store) AssessmentByID(ctx context.Context, id string) (Assessment, error) {
	var a Assessment
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&a).Error
	return a, translate(err, "assessment")
}

// GetAssessment returns an assessment of a unit the caller views.
func (s *Store) GetAssessment(ctx context.Context, p domain.Principal, id string) (Assessment, error) {
	var a Assessment
	err := scoped(s.db.WithContext(ctx).Where("id = ?", id), "unit_path", p).Take(&a).Error
	return a, translate(err, "assessment")
}

// ListAssessments lists a period's assessments of units the caller views.
func (s *Store) ListAssessments(ctx context.Context, p domain.Principal, periodID string) ([]Assessment, error) {
	var out []Assessment
	err := scoped(s.db.WithContext(ctx).Where("period_id = ?", periodID), "unit_path", p).Order("unit_path").Find(&out).Error
	return out, translate(err, "assessments")
}

// SaveSelfAssessment stores the unit's self-assessment.
func (s *Store) SaveSelfAssessment(ctx context.Context, id string, self any, actor string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a Assessment
		if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
			return translate(err, "assessment")
		}
		if err := tx.Model(&Assessment{}).Where("id = ?", id).Updates(map[string]any{"self": jsonText(self), "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "assessment")
		}
		return s.audit(ctx, tx, actor, "assessment.self", "assessment", id, a.UnitPath, nil, self)
	})
}

// Metrics computes the data an assessment scores: the unit's coverage rates at the half year's
// close (its last month's figures) and the share of its subtree's tasks of the half year
// completed on time (1 when it had none), with the instant the coverage describes.
func (s *Store) Metrics(ctx context.Context, unitID string, from, to time.Time) (map[string]float64, domain.AsOf, error) {
	var u unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", unitID).Take(&u).Error; err != nil {
		return nil, domain.AsOf{}, translate(err, "unit")
	}
	// The coverage is the half year's last month's, when that month's data was in (docs/figures.md);
	// without that month's snapshot (its monthly cycle did not run), the state now, and as_of says so.
	lastMonth := to.In(calendar.Shanghai).AddDate(0, -1, 0).Format("2006-01")
	counts, asOf, err := s.monthFigures(ctx, lastMonth, domain.Net(u.Net), u.Path)
	if err != nil {
		return nil, domain.AsOf{}, err
	}
	var r BulletinRow
	if counts != nil {
		r.Operating, r.Single, r.Joint, r.Regional, r.Work = counts.Operating, counts.Single, counts.Joint, counts.Regional, counts.Work
	} else {
		region, industry := u.Path, ""
		if u.Net == string(domain.NetIndustry) {
			region, industry = "", u.Path
		}
		if r, err = s.areaFigures(ctx, figureArea{Region: region, Industry: industry}, s.Now()); err != nil {
			return nil, domain.AsOf{}, err
		}
		now := asOfNow(s.Now())
		asOf = &now
	}
	var t struct{ Total, OnTime int }
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) AS total, SUM(CASE WHEN completed_at <= due_at THEN 1 ELSE 0 END) AS on_time
		FROM tasks WHERE unit_path LIKE ? ESCAPE '\' AND status IN ('completed', 'open', 'claimed') AND due_at >= ? AND due_at < ?`,
		escapeLike(u.Path)+"%", from, to).Scan(&t).Error; err != nil {
		return nil, domain.AsOf{}, translate(err, "tasks")
	}
	timely := 1.0
	if t.Total > 0 {
		timely = rateOf(t.OnTime, t.Total)
	}
	return map[string]float64{
		"organization_coverage": rateOf(r.Single+r.Joint, r.Operating),
		"single_establishment":  rateOf(r.Single, r.Operating),
		"work_coverage":         rateOf(r.Single+r.Joint+r.Regional+r.Work, r.Operating),
		"task_timeliness":       timely,
	}, *asOf, nil
}

// LockAssessment records the outcome and locks it: a locked outcome changes only after a
// recorded reopening. The reviewer (actor) locks it; scoredBy, who scored it, is kept so that
// the four eyes hold after a reopen too (AdjustReopened).
func (s *Store) LockAssessment(ctx context.Context, id string, marks domain.Marks, metrics map[string]float64, asOf domain.AsOf, out domain.Outcome, actor, scoredBy string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a Assessment
		if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
			return translate(err, "assessment")
		}
		if a.Status == string(domain.AssessmentLocked) {
			if a.LockedBy == actor && a.Marks == jsonText(marks) {
				return nil // a retried activity
			}
			return domain.Errorf(domain.ECONFLICT, "考核结果已锁定，须由管理员先重新打开")
		}
		now := s.Now()
		total := out.Total
		if scoredBy != "" && scoredBy == actor {
			return domain.Errorf(domain.EFORBIDDEN, "四眼原则：%s 评定了该考核结果，不能再审核并锁定", actor)
		}
		if err := tx.Model(&Assessment{}).Where("id = ?", id).Updates(map[string]any{"status": domain.AssessmentLocked, "marks": jsonText(marks),
			"metrics": jsonText(metrics), "metrics_as_of": jsonText(asOf), "outcome": jsonText(out), "total": total, "grade": out.Grade, "locked_at": now,
			"locked_by": actor, "scored_by": scoredBy, "updated_at": now}).Error; err != nil {
			return translate(err, "assessment")
		}
		return s.audit(ctx, tx, actor, "assessment.lock", "assessment", id, a.UnitPath, map[string]any{"status": a.Status, "grade": a.Grade},
			map[string]any{"total": total, "grade": out.Grade, "marks": marks, "metrics": metrics, "metrics_as_of": asOf})
	})
}

// ReopenAssessment unlocks an outcome (admins), with the reason recorded.
func (s *Store) ReopenAssessment(ctx context.Context, p domain.Principal, id, reason string) (Assessment, error) {
	var a Assessment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
			return translate(err, "assessment")
		}
		if a.Status != string(domain.AssessmentLocked) {
			return domain.Errorf(domain.ECONFLICT, "考核状态为 %s，未锁定", a.Status)
		}
		if err := tx.Model(&Assessment{}).Where("id = ?", id).Updates(map[string]any{"status": domain.AssessmentReopened, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "assessment")
		}
		a.Status = string(domain.AssessmentReopened)
		return s.audit(ctx, tx, p.Username, "assessment.reopen", "assessment", id, a.UnitPath, map[string]string{"status": string(domain.AssessmentLocked)},
			map[string]string{"status": string(domain.AssessmentReopened), "reason": reason})
	})
	return a, err
}

// AdjustReopened changes one mark of a reopened assessment, re-scores it with the stored data
// and locks it again. A locked outcome is a conflict (reopen it first); one still in review is
// adjusted through its review task. Only an admin or an officer of a unit above the assessed
// one adjusts, and never the officer who scored it (four eyes, on this path too).
func (s *Store) AdjustReopened(ctx context.Context, p domain.Principal, id, code string, value float64, reason string) (Assessment, error) {
	var a Assessment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := scoped(tx.Where("id = ?", id), "unit_path", p).Take(&a).Error; err != nil {
			return translate(err, "assessment")
		}
		parent := a.UnitPath[:strings.LastIndex(strings.TrimSuffix(a.UnitPath, "/"), "/")+1]
		if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, parent) { // the unit's own officers hold no role over its parent
			return domain.Errorf(domain.EFORBIDDEN, "只有被考核单位上级单位的干部才能调整其考核结果")
		}
		if a.ScoredBy != "" && a.ScoredBy == p.Username {
			return domain.Errorf(domain.EFORBIDDEN, "四眼原则：%s 评定了该考核结果，重新开放后不能再调整并锁定；请由上级单位的其他干部调整", p.Username)
		}
		switch a.Status {
		case string(domain.AssessmentLocked):
			return domain.Errorf(domain.ECONFLICT, "考核结果已锁定，须由管理员写明理由重新打开后才能修改")
		case string(domain.AssessmentRunning):
			return domain.Errorf(domain.ECONFLICT, "考核仍在审核中：请在审核任务中调整")
		}
		var scheme domain.Scheme
		if a.SchemeVersion == 0 {
			scheme = domain.DefaultScheme
		} else {
			var r schemeRow
			if err := tx.Where("version = ?", a.SchemeVersion).Take(&r).Error; err != nil {
				return translate(err, "scheme")
			}
			if err := json.Unmarshal([]byte(r.Scheme), &scheme); err != nil {
				return err
			}
		}
		var marks domain.Marks
		var metrics map[string]float64
		if err := json.Unmarshal([]byte(a.Marks), &marks); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(a.Metrics), &metrics); err != nil {
			return err
		}
		var v domain.Validation
		if !scheme.Adjust(&marks, code, value) {
			v.AddCode("code", domain.CodeNotInScheme)
		}
		if len([]rune(reason)) == 0 {
			v.AddCode("reason", domain.CodeRequired)
		}
		scheme.CheckMarks(marks, true, &v)
		if err := v.Err("调整不正确"); err != nil {
			return err
		}
		out := scheme.Score(metrics, marks)
		now := s.Now()
		old := map[string]any{"total": a.Total, "grade": a.Grade}
		a.Status, a.Marks, a.Outcome, a.Total, a.Grade, a.LockedAt, a.LockedBy = string(domain.AssessmentLocked), jsonText(marks), jsonText(out), &out.Total, out.Grade, &now, p.Username
		if err := tx.Model(&Assessment{}).Where("id = ?", id).Updates(map[string]any{"status": domain.AssessmentLocked, "marks": a.Marks, "outcome": a.Outcome,
			"total": out.Total, "grade": out.Grade, "locked_at": now, "locked_by": p.Username, "updated_at": now}).Error; err != nil {
			return translate(err, "assessment")
		}
		return s.audit(ctx, tx, p.Username, "assessment.adjust", "assessment", id, a.UnitPath, old,
			map[string]any{"code": code, "value": value, "reason": reason, "total": out.Total, "grade": out.Grade})
	})
	return a, err
}
