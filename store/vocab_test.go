package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"tandem/domain"
)

var (
	tableLine = regexp.MustCompile(`(?i)^\s*(?:CREATE|ALTER) TABLE (\w+)`)
	checkIn   = regexp.MustCompile(`CHECK \((\w+) IN \(([^)]*)\)\)`)
)

// checkConstraints reads the CHECK (column IN (...)) constraints of one dialect's migrations,
// Up sections only, in order: the last one of a table's column is the one in force.
func checkConstraints(t *testing.T, dialect string) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations for %s: %v", dialect, err)
	}
	slices.Sort(files)
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		table := ""
		for line := range strings.Lines(up) {
			if m := tableLine.FindStringSubmatch(line); m != nil {
				table = strings.TrimSuffix(m[1], "_new") // SQLite rebuilds a table as x_new
			}
			for _, m := range checkIn.FindAllStringSubmatch(line, -1) {
				var values []string
				for v := range strings.SplitSeq(m[2], ",") {
					values = append(values, strings.Trim(strings.TrimSpace(v), "'"))
				}
				out[table+"."+m[1]] = values
			}
		}
	}
	return out
}

func asStrings[T ~string](xs ...T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestVocabulariesMatchSchema: each status vocabulary in domain lists exactly the values the
// column's CHECK constraint allows, on both databases.
func TestVocabulariesMatchSchema(t *testing.T) {
	want := map[string][]string{
		"formations.status":      asStrings(domain.FormationStatuses...),
		"party_orgs.status":      asStrings(domain.PartyOrgStatuses...),
		"party_orgs.kind":        asStrings(domain.PartyOrgKinds...),
		"periods.status":         asStrings(domain.PeriodStatuses...),
		"census_rounds.status":   asStrings(domain.RoundStatuses...),
		"assessments.status":     asStrings(domain.AssessmentStatuses...),
		"analyses.status":        asStrings(domain.AnalysisDrafting, domain.AnalysisPublished),
		"roster_imports.status":  asStrings(domain.ImportStatuses...),
		"organizations.coverage": asStrings(domain.Coverages...),
		"tasks.delegation":       asStrings(domain.DelegationNone, domain.DelegationPending, domain.DelegationResolved),
		"tasks.status":           asStrings(domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted, domain.TaskCancelled),
		"party_members.status":   asStrings(domain.MemberFormal, domain.MemberProbationary),
	}
	want["organizations.operating_basis"] = asStrings(domain.OperatingBases...)
	want["deadline_extensions.status"] = asStrings(domain.ExtensionStatuses...) // #17 §5 (its own line: merges stay easy)
	want["inspection_rounds.status"] = asStrings(domain.InspectionStatuses...)  // #19
	want["inspection_team.post"] = asStrings(domain.TeamPosts...)
	want["inspection_findings.severity"] = domain.Severities
	want["rectification_items.status"] = asStrings(domain.RectificationStatuses...)
	want["rectification_escalations.step"] = domain.EscalationSteps
	want["demonstration_points.status"] = asStrings(domain.DemonstrationStatuses...)
	for _, dialect := range []string{"postgres", "sqlite"} {
		got := checkConstraints(t, dialect)
		for col, values := range want {
			g := slices.Clone(got[col])
			w := slices.Clone(values)
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Errorf("%s %s: the schema allows %v, domain lists %v", dialect, col, got[col], values)
			}
		}
	}
}
