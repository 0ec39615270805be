package store

import (
	"context"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

// AnnualRow is the party-building part of one annual-report row.
type AnnualRow struct {
	ImportID     string
	USCC         string `gorm:"column:uscc"`
	RowNumber    int
	PartyMembers *int
	PartyOrg     string // yes | no | ""
}

func (AnnualRow) TableName() string { return "annual_reports" }

// SaveAnnualRows stores annual-report party fields of an import; a later row of the same
// organization wins, and saving again (a retried activity) changes nothing.
func (s *Store) SaveAnnualRows(ctx context.Context, rows []AnnualRow) error {
	if len(rows) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "import_id"}, {Name: "uscc"}},
		DoUpdates: clause.AssignmentColumns([]string{"row_number", "party_members", "party_org"}),
	}).CreateInBatches(&rows, 500).Error
	return translate(err, "annual reports")
}

// annualDisagrees selects (on annual_reports a joined to organizations o) what an annual
// report says that the roster contradicts: a party organization the roster does not know or
// one it says is missing; a member count other than the last visit's; three or more members
// and no coverage at all.
const annualDisagrees = `((a.party_org = 'yes' AND o.coverage = 'none')
	OR (a.party_org = 'no' AND o.coverage IN ('single', 'joint'))
	OR (a.party_members IS NOT NULL AND o.formal_members IS NOT NULL AND a.party_members <> o.formal_members + COALESCE(o.probationary_members, 0))
	OR (a.party_members >= 3 AND o.coverage = 'none'))`

// AnnualReportRounds turns an annual-report import's disagreements with the roster into census
// rounds, one per root region unit, so that the townships verify them; organizations with no
// single responsible township are left out (the census assigns them). Running it again for
// the same import returns the rounds it made.
func (s *Store) AnnualReportRounds(ctx context.Context, importID, actor string) ([]CensusRound, error) {
	var out []CensusRound
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("selection = ? AND tag = ?", "annual_report", importID).Order("id").Find(&out).Error; err != nil || len(out) > 0 {
			return translate(err, "census rounds")
		}
		var paths []string
		if err := tx.Raw(`SELECT DISTINCT o.region_path FROM annual_reports a JOIN organizations o ON o.uscc = a.uscc
			WHERE a.import_id = ? AND o.region_owners = 1 AND NOT o.missing AND `+annualDisagrees, importID).Scan(&paths).Error; err != nil {
			return translate(err, "annual reports")
		}
		roots := map[string]bool{}
		for _, p := range paths {
			if seg := strings.SplitN(strings.Trim(p, "/"), "/", 2); seg[0] != "" {
				roots[seg[0]] = true
			}
		}
		now := s.Now()
		for root := range roots {
			var u unitRow
			if err := tx.Where("id = ?", root).Take(&u).Error; err != nil {
				return translate(err, "unit")
			}
			r := CensusRound{ID: newID(), UnitID: u.ID, UnitPath: u.Path, Selection: "annual_report", Tag: importID,
				Status: string(domain.RoundRunning), CreatedBy: actor, CreatedAt: now}
			if err := tx.Create(&r).Error; err != nil {
				return translate(err, "census round")
			}
			res := tx.Exec(`INSERT INTO census_members (round_id, uscc, unit_id)
				SELECT ?, o.uscc, o.region_unit_id FROM annual_reports a JOIN organizations o ON o.uscc = a.uscc
				WHERE a.import_id = ? AND o.region_owners = 1 AND NOT o.missing AND o.region_path LIKE ? ESCAPE '\' AND `+annualDisagrees,
				r.ID, importID, escapeLike(u.Path)+"%")
			if res.Error != nil {
				return translate(res.Error, "census round")
			}
			r.Total = int(res.RowsAffected)
			if err := tx.Model(&CensusRound{}).Where("id = ?", r.ID).Update("total", r.Total).Error; err != nil {
				return translate(err, "census round")
			}
			if err := s.audit(ctx, tx, actor, "census.start", "census_round", r.ID, u.Path, nil,
				map[string]any{"select": "annual_report", "import_id": importID, "total": r.Total}); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
