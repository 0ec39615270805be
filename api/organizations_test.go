package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tandem/domain"
	"tandem/store"
)

var storeAdmin = domain.Principal{Username: "admin", Admin: true}

// importInto merges rows as an import of source straight through the store (no workflow).
func importInto(t *testing.T, st *store.Store, source string, rows ...store.StagedRow) {
	t.Helper()
	ctx := context.Background()
	imp, err := st.CreateImport(ctx, storeAdmin, source, source+".csv", strings.NewReader("x"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	stager := st.NewStager(ctx, imp)
	for _, r := range rows {
		if err := stager.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := stager.Flush(); err != nil {
		t.Fatal(err)
	}
	stager.Close()
	if _, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{Rows: len(rows), Accepted: len(rows)}); err != nil {
		t.Fatal(err)
	}
}

func mkUnit(t *testing.T, st *store.Store, name string, net domain.Net, kind domain.UnitKind, parent *domain.Unit) domain.Unit {
	t.Helper()
	u := domain.Unit{Name: name, Net: net, Kind: kind}
	if parent != nil {
		u.ParentID = &parent.ID
	}
	out, err := st.CreateUnit(context.Background(), storeAdmin, u)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// recordVisit records a field visit through a census.verify task.
func recordVisit(t *testing.T, st *store.Store, unit domain.Unit, uscc string, operating bool) {
	t.Helper()
	ctx := context.Background()
	task, _, err := st.CreateTask(ctx, store.NewTask{Key: "visit-" + uscc, Kind: "census.verify", Subject: uscc, WorkflowID: "wf-" + uscc,
		UnitID: unit.ID, Role: domain.RoleInspector, DueAt: st.Now().Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordVisit(ctx, store.Visit{TaskID: task.ID, USCC: uscc, Inspector: "insp", Operating: operating, Employees: 9,
		Result: "{}", Decision: domain.DecideWork}); err != nil {
		t.Fatal(err)
	}
}

// TestListShowsConflictValues (#17 §4 C2): the list shows each disputed field with what each
// source says (it answered "values":null), and sources saying the same status in their own
// words (market 存续, tax 正常) are no conflict.
func TestListShowsConflictValues(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	county := mkUnit(t, st, "西城县", domain.NetRegion, domain.KindCounty, nil)
	mkUnit(t, st, "东街道", domain.NetRegion, domain.KindTownship, &county)
	const x, y = "91110108551385082Q", "9144030071526726XG"
	importInto(t, st, "market",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续", Employees: new(12)},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "存续"})
	importInto(t, st, "tax",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "正常", Employees: new(15)},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "正常"})
	status, _, body := admin.do("GET", "/api/v1/organizations", "")
	if status != 200 {
		t.Fatalf("list: %d %v", status, body)
	}
	items := body["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("%d organizations listed, want 2", len(items))
	}
	for _, it := range items {
		o := it.(map[string]any)
		conflicts := o["conflicts"].([]any)
		switch o["uscc"] {
		case x:
			if len(conflicts) != 1 {
				t.Fatalf("x conflicts %v, want employees only (存续 and 正常 agree)", conflicts)
			}
			cf := conflicts[0].(map[string]any)
			values, _ := cf["values"].([]any)
			if cf["field"] != "employees" || len(values) != 2 {
				t.Fatalf("x conflict %v: want employees with the two sources' values", cf)
			}
			got := map[string]float64{}
			for _, v := range values {
				m := v.(map[string]any)
				got[m["source"].(string)] = m["value"].(float64)
			}
			if got["market"] != 12 || got["tax"] != 15 {
				t.Errorf("x employees values %v, want market 12 and tax 15", got)
			}
		case y:
			if len(conflicts) != 0 {
				t.Errorf("y: market 存续 and tax 正常 listed as a conflict: %v", conflicts)
			}
		}
	}
}

// TestLedgerShowsDeregisteredNotOperating (#17 §4 C5): the ledger said 是 (operating) for an
// organization deregistered (注销) after a visit had found it operating.
func TestLedgerShowsDeregisteredNotOperating(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	county := mkUnit(t, st, "西城县", domain.NetRegion, domain.KindCounty, nil)
	town := mkUnit(t, st, "东街道", domain.NetRegion, domain.KindTownship, &county)
	const x, y = "91110108551385082Q", "9144030071526726XG"
	importInto(t, st, "market",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续"},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "存续"})
	recordVisit(t, st, town, x, true)
	recordVisit(t, st, town, y, false)
	importInto(t, st, "market",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "注销"},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "存续"})

	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/ledgers/"+county.ID, nil)
	req.Header.Set("Authorization", "Bearer "+admin.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("ledger: %d %s", res.StatusCode, raw)
	}
	x2, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x2.GetRows("台账")
	if err != nil {
		t.Fatal(err)
	}
	// The document's heading lines (title, export time) come before the header row.
	col, header := -1, -1
	for j, r := range rows {
		for i, h := range r {
			if h == "是否运营" {
				col, header = i, j
			}
		}
	}
	if col < 0 || len(rows) != header+3 {
		t.Fatalf("ledger rows %v", rows)
	}
	want := map[string]string{x: "否", y: "否"} // x: 注销 wins over the visit; y: the visit wins over 存续
	for _, r := range rows[header+1:] {
		if r[col] != want[r[0]] {
			t.Errorf("ledger says %s 是否运营 = %s, want %s", r[1], r[col], want[r[0]])
		}
	}
	// The organization itself says the same, with the basis.
	_, _, o := admin.do("GET", "/api/v1/organizations/"+x, "")
	if o["operating"] != false || o["operating_basis"] != "deregistration" {
		t.Errorf("organization x: operating %v basis %v, want false by deregistration", o["operating"], o["operating_basis"])
	}
	if th := o["three_haves"].(map[string]any); th["result"] != "fail" {
		t.Errorf("x 三有 %v, want fail (not operating)", th)
	}
}

// TestOrganizationShowsAnnualReport (#17 §4 C6): annual-report figures were read but shown
// nowhere; the organization shows the latest annual report's party fields and the
// contradictions with the roster.
func TestOrganizationShowsAnnualReport(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	county := mkUnit(t, st, "西城县", domain.NetRegion, domain.KindCounty, nil)
	mkUnit(t, st, "东街道", domain.NetRegion, domain.KindTownship, &county)
	const x, y = "91110108551385082Q", "9144030071526726XG"
	importInto(t, st, "market",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续"},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", RegStatus: "存续"})
	ctx := context.Background()
	imp, err := st.CreateImport(ctx, storeAdmin, "annual_report", "nb.csv", strings.NewReader("x"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveAnnualRows(ctx, []store.AnnualRow{{ImportID: imp.ID, USCC: x, RowNumber: 2, PartyMembers: new(4), PartyOrg: "no"}}); err != nil {
		t.Fatal(err)
	}
	_, _, o := admin.do("GET", "/api/v1/organizations/"+x, "")
	ar, ok := o["annual_report"].(map[string]any)
	if !ok {
		t.Fatalf("organization x shows no annual report: %v", o["annual_report"])
	}
	if ar["import_id"] != imp.ID || ar["party_members"] != float64(4) || ar["party_org"] != "no" {
		t.Errorf("annual report %v", ar)
	}
	if at, _ := ar["reported_at"].(string); !strings.HasSuffix(at, "+08:00") {
		t.Errorf("reported_at %q is not shown in Asia/Shanghai", at)
	}
	dis, _ := ar["disagrees"].([]any)
	if len(dis) != 1 || dis[0].(map[string]any)["code"] != "members_uncovered" || dis[0].(map[string]any)["text"] == "" {
		t.Errorf("disagrees %v, want members_uncovered with its text", dis)
	}
	_, _, o = admin.do("GET", "/api/v1/organizations/"+y, "")
	if o["annual_report"] != nil {
		t.Errorf("y has no annual report, shows %v", o["annual_report"])
	}
}

// TestRoundListsSkippedOrganizationsAPI (#17 §4 C7): the round names the organizations it
// skipped, with the round whose verification had each.
func TestRoundListsSkippedOrganizationsAPI(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	county := mkUnit(t, st, "西城县", domain.NetRegion, domain.KindCounty, nil)
	const x, y = "91110108551385082Q", "9144030071526726XG"
	importInto(t, st, "market",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "西城县", RegStatus: "存续"},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "西城县", RegStatus: "存续"})
	ctx := context.Background()
	first, err := st.CreateRound(ctx, storeAdmin, store.RoundStart{UnitID: county.ID})
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.CreateRound(ctx, storeAdmin, store.RoundStart{UnitID: county.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.MarkSkipped(ctx, second.ID, []string{x}); err != nil {
		t.Fatal(err)
	}
	status, _, body := admin.do("GET", "/api/v1/census-rounds/"+second.ID+"/skipped-organizations", "")
	if status != 200 {
		t.Fatalf("skipped: %d %v", status, body)
	}
	items := body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("skipped %v, want %s", items, x)
	}
	if m := items[0].(map[string]any); m["uscc"] != x || m["name"] != "甲科技有限公司" || m["skipped_by"] != first.ID {
		t.Errorf("skipped %v, want %s 甲科技有限公司 by %s", m, x, first.ID)
	}
}
