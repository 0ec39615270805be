package activities_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// seqOrg is one organization of the extracts in TestRosterSequenceGolden.
type seqOrg struct {
	uscc, name, township, industry, supervisor, employees, status, address string
}

func seqCSV(rows []seqOrg, crlf bool) string {
	var b strings.Builder
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	b.WriteString("统一社会信用代码,企业名称,所属乡镇（街道）,行业门类,业务主管单位,从业人数,登记状态,住所" + nl)
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s%s", r.uscc, r.name, r.township, r.industry, r.supervisor, r.employees, r.status, r.address, nl)
	}
	return b.String()
}

// TestRosterSequenceGolden runs a sequence of extracts through the real import (parse, stage,
// merge) and compares the whole state after each (roster, provenance, counts, conflicts, the
// imports' results and issues) with golden files recorded from the code before the
// change-proportional merge (issue #21): first load, a second month with real changes (head
// count, address, trade) and gone and new rows, the same bytes again, the same content
// shuffled with CRLF line ends, a second source over the known roster, a status word the
// normalisation maps onto the same status, a gone organization coming back, and an earlier
// file again after a different one. Both databases must give the same states. Run with
// -update to record them again.
func TestRosterSequenceGolden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		base := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		now := base
		st.Now = func() time.Time { return now }
		admin := domain.Principal{Username: "admin", Admin: true}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		units := map[string]string{} // id → name, for the golden files
		mk := func(name string, net domain.Net, kind domain.UnitKind, parent *domain.Unit) domain.Unit {
			u := domain.Unit{Name: name, Net: net, Kind: kind}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			out, err := st.CreateUnit(ctx, admin, u)
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			units[out.ID] = name
			return out
		}
		county := mk("西城县", domain.NetRegion, domain.KindCounty, nil)
		mk("东街道", domain.NetRegion, domain.KindTownship, &county)
		mk("西街道", domain.NetRegion, domain.KindTownship, &county)
		mk("南街道", domain.NetRegion, domain.KindTownship, &county)
		c1 := mk("制造业党委", domain.NetIndustry, domain.KindCommittee, nil)
		c2 := mk("商贸党委", domain.NetIndustry, domain.KindCommittee, nil)
		for text, id := range map[string]string{"制造业": c1.ID, "批发零售业": c2.ID, "商务局": c2.ID} {
			if _, err := st.PutIndustryMapping(ctx, admin, text, id); err != nil {
				t.Fatal(err)
			}
		}

		towns := []string{"东街道", "西街道", "南街道", "北街道"} // 北街道 names no unit
		trades := []string{"制造业", "批发零售业", "餐饮业"}
		market := make([]seqOrg, 60)
		for i := range market {
			market[i] = seqOrg{uscc: testUSCC(i + 1), name: fmt.Sprintf("企业%02d有限公司", i+1), township: towns[i%4],
				industry: trades[i%3], employees: fmt.Sprint(3 + i), status: "存续", address: fmt.Sprintf("西城县%d号", i+1)}
			if i%7 == 0 {
				market[i].supervisor = "商务局"
			}
			if i%11 == 0 {
				market[i].employees = ""
			}
		}
		market[5].status = "注销"
		first := append([]seqOrg{}, market...)
		// A rejected row, an unreadable head count, and a credit code given twice (the later row wins).
		first = append(first, seqOrg{uscc: "123", name: "坏代码"}, seqOrg{uscc: market[3].uscc, name: market[3].name,
			township: market[3].township, industry: market[3].industry, employees: "八十", status: "存续", address: market[3].address})
		first[3].name = "将被后一行覆盖"

		// The second month: real changes, three gone, three new, and a status word the
		// normalisation maps onto the same status (存续 → 在业).
		month2 := append([]seqOrg{}, market[:57]...)
		for _, i := range []int{1, 8, 15, 22, 29} {
			month2[i].employees = fmt.Sprint(100 + i)
		}
		for _, i := range []int{2, 9, 16, 23, 30} {
			month2[i].address = fmt.Sprintf("东城县新%d号", i)
		}
		for _, i := range []int{4, 10, 17, 24, 31} {
			month2[i].industry = "批发零售业"
		}
		month2[40].status = "在业"
		month2[41].township = "西街道"
		for i := 60; i < 63; i++ {
			month2 = append(month2, seqOrg{uscc: testUSCC(i + 1), name: fmt.Sprintf("新企业%02d", i+1), township: "南街道",
				industry: "制造业", employees: "7", status: "存续", address: "新区1号"})
		}
		shuffled := append([]seqOrg{}, month2...)
		rand.New(rand.NewPCG(21, 21)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

		// Tax over the known roster: some values differ (conflicts), 正常 means 存续, two new.
		var tax []seqOrg
		for i := 0; i < 45; i++ {
			r := month2[i]
			r.status, r.supervisor = "正常", ""
			if i%5 == 0 {
				r.employees = fmt.Sprint(50 + i)
			}
			if i%9 == 0 {
				r.township = "东街道"
			}
			if i == 12 {
				r.name = "企业13（税务名）"
			}
			tax = append(tax, r)
		}
		tax = append(tax, seqOrg{uscc: testUSCC(70), name: "税务独有甲", township: "东街道", status: "正常"},
			seqOrg{uscc: testUSCC(71), name: "税务独有乙", status: "非正常"})

		// The market's third month drops an organization tax also delivers and one only it did,
		// and one gone in the second month comes back.
		month3 := append([]seqOrg{}, month2[2:]...)
		month3 = append(month3, market[58])
		month3[10].employees = "999"

		steps := []struct {
			name, source, file string
			sameAs             string // the earlier import an unchanged extract is reported the same as
			deltaBase          string // the import whose fingerprints a changed extract was compared with
		}{
			{"01-market-first", "market", seqCSV(first, false), "", ""},
			{"02-market-month2", "market", seqCSV(month2, false), "", "01-market-first"},
			{"03-market-month2-same-bytes", "market", seqCSV(month2, false), "02-market-month2", ""},
			{"04-market-month2-shuffled-crlf", "market", seqCSV(shuffled, true), "02-market-month2", ""},
			{"05-tax-first", "tax", seqCSV(tax, false), "", ""},
			{"06-tax-same-bytes", "tax", seqCSV(tax, false), "05-tax-first", ""},
			{"07-market-month3", "market", seqCSV(month3, false), "", "02-market-month2"},
			{"08-market-month2-again", "market", seqCSV(month2, false), "", "07-market-month3"}, // the same bytes as 02, but not as the last
		}
		imports := map[string]string{} // id → step, for the golden files
		for i, step := range steps {
			now = base.Add(time.Duration(i) * 24 * time.Hour)
			imp, err := st.CreateImport(ctx, admin, step.source, step.name+".csv", strings.NewReader(step.file), 1<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			imports[imp.ID] = step.name
			done, err := a.RunImportGated(ctx, imp.ID)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			// Not in the golden files: the state before #21 had no same_as.
			if stored, _ := st.ImportByID(ctx, done.ID); imports[stored.SameAs] != step.sameAs || imports[stored.DeltaBase] != step.deltaBase {
				t.Errorf("%s: same as %q, compared with %q; want %q, %q", step.name, imports[stored.SameAs], imports[stored.DeltaBase],
					step.sameAs, step.deltaBase)
			}
			var notice string
			if err := st.DB().Raw(`SELECT title || ' ' || body FROM notifications WHERE key = ?`, "import-done/"+done.ID).Scan(&notice).Error; err != nil {
				t.Fatal(err)
			}
			if same := strings.Contains(notice, "与上月相同"); same != (step.sameAs != "") ||
				(same && !strings.Contains(notice, step.sameAs+".csv")) {
				t.Errorf("%s: the liaison is told %q", step.name, notice)
			}
			got := rosterState(t, st, units, imports)
			path := filepath.Join("testdata", "roster-sequence", step.name+".txt")
			if *updateGolden && st.Dialect() == store.SQLite {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s: the state differs from %s:\n%s", step.name, path, diffLines(string(want), got))
			}
		}
	})
}

// rosterState renders everything an import decides, with ids replaced by names.
func rosterState(t *testing.T, st *store.Store, units, imports map[string]string) string {
	t.Helper()
	db := st.DB()
	name := func(s string) string {
		for id, n := range units {
			s = strings.ReplaceAll(s, id, n)
		}
		for id, n := range imports {
			s = strings.ReplaceAll(s, id, n)
		}
		return s
	}
	ts := func(v any) string {
		switch x := v.(type) {
		case nil:
			return "-"
		case time.Time:
			return x.UTC().Format(time.RFC3339)
		case *time.Time:
			if x == nil {
				return "-"
			}
			return x.UTC().Format(time.RFC3339)
		case string:
			// A view's column has no declared type on SQLite: its times come as the stored text.
			if t, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", x); err == nil {
				return t.UTC().Format(time.RFC3339)
			}
		}
		return fmt.Sprint(v)
	}
	var b strings.Builder
	dump := func(title, q string, cols int) {
		rows, err := db.Raw(q).Rows()
		if err != nil {
			t.Fatalf("%s: %v", title, err)
		}
		defer rows.Close()
		fmt.Fprintf(&b, "## %s\n", title)
		for rows.Next() {
			vals := make([]any, cols)
			ptrs := make([]any, cols)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, cols)
			for i, v := range vals {
				switch x := v.(type) {
				case []byte:
					parts[i] = string(x)
				case bool:
					parts[i] = fmt.Sprint(x)
				case int64, int32, float64:
					parts[i] = fmt.Sprint(x)
				default:
					parts[i] = ts(v)
				}
			}
			b.WriteString(name(strings.Join(parts, "|")) + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Booleans and times are compared as text the same way on both databases.
	boolText := func(c string) string {
		return "CASE WHEN " + c + " THEN 'true' WHEN " + c + " IS NULL THEN '-' ELSE 'false' END"
	}
	dump("organizations", `SELECT uscc, name, township, industry, supervisor, reg_status, address, COALESCE(CAST(employees AS TEXT), '-'),
		conflict_fields, region_owners, COALESCE(region_unit_id, '-'), region_path, industry_owners, COALESCE(industry_unit_id, '-'),
		industry_path, `+boolText("operating")+`, `+boolText("missing")+`, operating_basis, operating_observed_at, region_scope_path, created_at, updated_at
		FROM organizations ORDER BY uscc`, 22)
	dump("organization_sources", `SELECT source, uscc, import_id, observed_at, row_number, name, township, industry, supervisor,
		COALESCE(CAST(employees AS TEXT), '-'), reg_status, address, `+boolText("missing")+` FROM organization_sources ORDER BY source, uscc`, 13)
	// The figures' history of each organization (organization_states: the ended states a trigger
	// wrote, and the current ones on the organizations' rows): the same rows on both.
	dump("organization_history", `SELECT uscc, valid_from, valid_to, known_from, COALESCE(region_unit_id, '-'),
		COALESCE(industry_unit_id, '-'), coverage, `+boolText("temporary_branch")+`, `+boolText("missing")+`, `+boolText("operating")+`,
		`+boolText("fixed_premises")+`, COALESCE(CAST(employees AS TEXT), '-') FROM organization_states ORDER BY uscc, valid_from, valid_to`, 12)
	dump("roster_imports", `SELECT filename, source, status, rows, accepted, rejected, warnings, new_orgs, changed, unchanged,
		conflicts, missing, source_organizations, encoding, header_row, mapping, error, started_at, finished_at
		FROM roster_imports ORDER BY created_at, filename`, 19)
	dump("roster_issues", `SELECT i.filename, r.row_number, r.field, r.severity, r.reason, r.message, r.raw, r.name
		FROM roster_issues r JOIN roster_imports i ON i.id = r.import_id ORDER BY i.created_at, r.row_number, r.field`, 8)
	dump("audit", `SELECT action, subject_id, actor, at, new_value FROM audit_events WHERE action LIKE 'roster.%' ORDER BY at, id`, 5)
	return b.String()
}

// diffLines shows the lines of want missing from got and those added.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	in := func(xs []string) map[string]int {
		m := map[string]int{}
		for _, x := range xs {
			m[x]++
		}
		return m
	}
	wm, gm := in(w), in(g)
	var b strings.Builder
	for _, x := range w {
		if gm[x] == 0 {
			b.WriteString("- " + x + "\n")
		}
	}
	for _, x := range g {
		if wm[x] == 0 {
			b.WriteString("+ " + x + "\n")
		}
	}
	return b.String()
}

func testUSCC(i int) string { return string(domain.CompleteUSCC(fmt.Sprintf("91110108%09d", i))) }
