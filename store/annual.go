package store

import (
	"context"
	"strings"
	"time"

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
var annualDisagrees = func() string {
	parts := make([]string, len(annualDisagreements))
	for i, d := range annualDisagreements {
		parts[i] = "(" + d.cond + ")"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}()

// annualDisagreements are annualDisagrees's clauses, each with a code and the words an officer
// reads on the organization.
var annualDisagreements = []struct{ code, text, cond string }{
	{"party_org_unknown", "年报填报有党组织，名册中该组织未覆盖", `a.party_org = 'yes' AND o.coverage = 'none'`},
	{"party_org_missing", "年报填报无党组织，名册中该组织已单独或联合组建", `a.party_org = 'no' AND o.coverage IN ('single', 'joint')`},
	{"members_differ", "年报党员人数与最近一次核实的党员人数不一致",
		`a.party_members IS NOT NULL AND o.formal_members IS NOT NULL AND a.party_members <> o.formal_members + COALESCE(o.probationary_members, 0)`},
	{"members_uncovered", "年报党员3名以上，该组织尚未覆盖", `a.party_members >= 3 AND o.coverage = 'none'`},
}

// AnnualReport is what the latest annual report says of an organization's party building,
// and where the roster contradicts it.
type AnnualReport struct {
	ImportID     string
	ReportedAt   time.Time // when the annual-report extract was uploaded
	PartyMembers *int
	PartyOrg     string // yes | no | ""
	Disagrees    []AnnualDisagreement
}

// AnnualDisagreement is one contradiction between the annual report and the roster.
type AnnualDisagreement struct{ Code, Text string }

// AnnualReportOf returns the latest annual report of an organization (the caller has read the
// organization through visibleOrgs), or nil when none mentions it.
func (s *Store) AnnualReportOf(ctx context.Context, uscc string) (*AnnualReport, error) {
	codes := make([]string, len(annualDisagreements))
	for i, d := range annualDisagreements {
		codes[i] = "CASE WHEN " + d.cond + " THEN '," + d.code + "' ELSE '' END"
	}
	var rows []struct {
		ImportID     string
		ReportedAt   time.Time
		PartyMembers *int
		PartyOrg     string
		Disagrees    string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT a.import_id, i.created_at AS reported_at, a.party_members, a.party_org, `+
		strings.Join(codes, " || ")+` AS disagrees FROM annual_reports a
		JOIN organizations o ON o.uscc = a.uscc JOIN roster_imports i ON i.id = a.import_id
		WHERE a.uscc = ? ORDER BY i.created_at DESC, a.import_id DESC LIMIT 1`, uscc).Scan(&rows).Error; err != nil {
		return nil, translate(err, "annual report")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	out := &AnnualReport{ImportID: r.ImportID, ReportedAt: r.ReportedAt, PartyMembers: r.PartyMembers, PartyOrg: r.PartyOrg,
		Disagrees: []AnnualDisagreement{}}
	for _, d := range annualDisagreements {
		if strings.Contains(r.Disagrees+",", ","+d.code+",") {
			out.Disagrees = append(out.Disagrees, AnnualDisagreement{Code: d.code, Text: d.text})
		}
	}
	return out, nil
}

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
