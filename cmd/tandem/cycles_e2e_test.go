package main_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCyclesEndToEnd triggers the monthly cycle for a past period through the API: the
// departments' liaisons deliver (one names another's import first and is refused with 422), the
// county's bulletin matches a hand count, downloads as XLSX and prints, and the county's officer
// acknowledges it. Running the period again starts nothing new.
func TestCyclesEndToEnd(t *testing.T) {
	t.Setenv("TANDEM_DELIVERY_WORKING_DAYS", "7") // a run by hand follows it as the schedule does
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		county := admin.unit("青山县", "region", "county", nil)
		admin.unit("东风街道", "region", "township", county)
		tax := admin.unit("县税务局", "department", "department", nil)
		market := admin.unit("县市场监管局", "department", "department", nil)
		for _, u := range []struct{ name, unit, role string }{
			{"liaison-tax", tax, "liaison"}, {"liaison-market", market, "liaison"}, {"officer-county", county, "officer"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		liaisonTax, liaisonMarket, offCounty := login("liaison-tax"), login("liaison-market"), login("officer-county")
		// Each source's department delivers it; a department no source is mapped to gets no task.
		admin.must(200, "PUT", "/sources/tax", map[string]string{"unit_id": tax})
		admin.must(200, "PUT", "/sources/market", map[string]string{"unit_id": market})
		civil := admin.unit("县民政局", "department", "department", nil)
		admin.must(201, "POST", "/users", map[string]any{"username": "liaison-civil", "password": "password-liaison-civil",
			"memberships": []map[string]string{{"unit_id": civil, "role": "liaison"}}})
		liaisonCivil := login("liaison-civil")

		if status, _ := offCounty.call("POST", "/cycles/monthly/2026-10/run", nil); status != 403 {
			t.Fatalf("an officer runs a cycle: %d", status)
		}
		for _, bad := range []string{"/cycles/monthly/2099-01/run", "/cycles/monthly/2026-13/run", "/cycles/weekly/2026-10/run"} {
			if status, _ := admin.call("POST", bad, nil); status != 422 {
				t.Fatalf("POST %s: %d, want 422", bad, status)
			}
		}
		run := admin.must(202, "POST", "/cycles/monthly/2026-10/run", nil)
		id := run["id"].(string)
		if again := admin.must(202, "POST", "/cycles/monthly/2026-10/run", nil); again["id"] != id || again["started"] != false || run["started"] != true {
			t.Fatalf("runs %v then %v", run, again)
		}
		periods := admin.must(200, "GET", "/periods", nil)["items"].([]any)
		if len(periods) != 1 || periods[0].(map[string]any)["kind"] != "monthly" || periods[0].(map[string]any)["period"] != "2026-10" {
			t.Fatalf("periods %v", periods)
		}
		opens := periods[0].(map[string]any)["window_opens_at"].(string)
		window := admin.must(200, "GET", "/calendar/deadline?working_days=7&from="+url.QueryEscape(opens), nil)
		closes, _ := time.Parse(time.RFC3339, periods[0].(map[string]any)["window_closes_at"].(string))
		if want, _ := time.Parse(time.RFC3339, window["due_at"].(string)); !closes.Equal(want) {
			t.Fatalf("the window opened %s closes %v, want 7 working days on: %v", opens, closes, want)
		}

		dir := t.TempDir()
		write := func(name, body string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}
		taxFile := write("tax.csv", "纳税人识别号,纳税人名称,所属街道,从业人数\n91350100M000100Y43,青山精密机械有限公司,东风街道,120\n91110108MA01B2C3D0,东风物流有限公司,东风街道,8\n")
		marketFile := write("market.csv", "统一社会信用代码,企业名称,所属乡镇(街道)\n91110108MA01B2C3D0,东风物流有限公司,东风街道\n91310000MA1FL0000N,东风文化传媒有限公司,东风街道\n")
		taxImport := liaisonTax.upload("tax", taxFile)["id"].(string)
		taxTask := nextTask(t, liaisonTax, "delivery.upload")
		if taxTask["unit_id"] != tax || taxTask["subject"] != "2026-10/tax" || !strings.Contains(fmt.Sprint(taxTask["title"]), "税务名册") {
			t.Fatalf("the tax delivery task %v does not name its source", taxTask)
		}
		doTask(t, liaisonTax, taxTask, map[string]any{"import_id": taxImport})
		if items := liaisonCivil.must(200, "GET", "/tasks?kind=delivery.upload", nil)["items"].([]any); len(items) != 0 {
			t.Fatalf("a department no source is mapped to got %v", items)
		}
		// The market liaison names the tax import (someone else's): refused before it is accepted,
		// 422 naming import_id, the same task still open.
		first := nextTask(t, liaisonMarket, "delivery.upload")
		liaisonMarket.must(200, "POST", "/tasks/"+first["id"].(string)+"/claim", nil)
		if status, out := liaisonMarket.call("POST", "/tasks/"+first["id"].(string)+"/complete",
			map[string]any{"result": map[string]any{"import_id": taxImport}}); status != 422 || !strings.Contains(fmt.Sprint(out["errors"]), "import_id") {
			t.Fatalf("delivering someone else's import: %d %v, want 422 naming import_id", status, out)
		}
		if items := liaisonMarket.must(200, "GET", "/tasks?kind=delivery.upload", nil)["items"].([]any); len(items) != 1 ||
			items[0].(map[string]any)["id"] != first["id"] || items[0].(map[string]any)["status"] != "claimed" {
			t.Fatalf("after the refusal the delivery tasks are %v", items)
		}
		marketImport := liaisonMarket.upload("market", marketFile)["id"].(string)
		liaisonMarket.must(200, "POST", "/tasks/"+first["id"].(string)+"/complete", map[string]any{"result": map[string]any{"import_id": marketImport}})

		waitFor(t, func() bool { return admin.must(200, "GET", "/periods/"+id, nil)["status"] == "done" })
		period := admin.must(200, "GET", "/periods/"+id, nil)
		if len(period["deliveries"].([]any)) != 2 || len(period["bulletins"].([]any)) != 1 {
			t.Fatalf("period %v", period)
		}
		for _, d := range period["deliveries"].([]any) {
			if d := d.(map[string]any); d["unit_id"] == nil || d["import_id"] == nil || d["delivered_at"] == nil || d["UnitID"] != nil {
				t.Fatalf("a delivery without snake_case keys: %v", d)
			}
		}
		// By hand: three organizations in 东风街道, none verified or covered, none overdue.
		b := offCounty.must(200, "GET", "/periods/"+id+"/bulletins/"+county, nil)
		total := b["total"].(map[string]any)
		if jsonNum(total["organizations"]) != "3" || jsonNum(total["verified"]) != "0" || jsonNum(total["operating"]) != "3" ||
			jsonNum(total["organization_coverage"]) != "0" || jsonNum(total["formations_running"]) != "0" {
			t.Fatalf("bulletin %v", b)
		}
		rows := b["rows"].([]any)
		if len(rows) != 1 || rows[0].(map[string]any)["name"] != "东风街道" || jsonNum(rows[0].(map[string]any)["organizations"]) != "3" {
			t.Fatalf("bulletin rows %v", rows)
		}
		for format, ctype := range map[string]string{"xlsx": "spreadsheetml", "html": "text/html"} {
			res, err := http.DefaultClient.Do(authed(offCounty, "GET", "/periods/"+id+"/bulletins/"+county+"?format="+format))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), ctype) || len(body) < 100 {
				t.Fatalf("bulletin as %s: %d %s", format, res.StatusCode, res.Header.Get("Content-Type"))
			}
		}
		res, err := http.DefaultClient.Do(authed(offCounty, "GET", "/ledgers/"+county))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("ledger %d", res.StatusCode)
		}
		ack := nextTask(t, offCounty, "bulletin.acknowledge")
		if ack["unit_id"] != county || ack["subject"] != "2026-10" {
			t.Fatalf("acknowledge task %v", ack)
		}
		doTask(t, offCounty, ack, map[string]any{"acknowledged": true, "note": "已阅，请各街道抓紧核实"})
		audit := admin.must(200, "GET", "/audit?subject_type=period&subject_id="+id, nil)["items"].([]any)
		if len(audit) < 4 { // opened, two deliveries, done
			t.Fatalf("audit of the period: %v", audit)
		}
	})
}

// TestAssessmentEndToEnd triggers the half-year assessment: a township self-assesses, the
// county scores, the city's officer adjusts one score with a reason and approves; the grade is
// locked and a later change gets 409 until an admin reopens it; every step is audited.
func TestAssessmentEndToEnd(t *testing.T) {
	p := startDev(t, t.TempDir(), "")
	admin := loginAs(t, p.base, "admin", adminPassword)
	city := admin.unit("青山市", "region", "city", nil)
	county := admin.unit("青山县", "region", "county", city)
	town := admin.unit("东风街道", "region", "township", county)
	for _, u := range []struct{ name, unit string }{{"off-city", city}, {"off-county", county}, {"off-town", town}} {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": u.unit, "role": "officer"}}})
	}
	login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
	offCity, offCounty, offTown := login("off-city"), login("off-county"), login("off-town")
	scheme := admin.must(200, "GET", "/assessment-scheme", nil)
	if scheme["version"] != float64(0) {
		t.Fatalf("scheme %v", scheme)
	}
	period := admin.must(202, "POST", "/cycles/half-year/2026-H1/run", nil)["id"].(string)

	self := nextTask(t, offTown, "assessment.self")
	if self["unit_id"] != town {
		t.Fatalf("self-assessment task %v", self)
	}
	doTask(t, offTown, self, map[string]any{"scores": map[string]any{"census": 95, "meetings": 90}, "evidence": "走访台账12份，联席会议纪要3份"})
	var score map[string]any
	waitFor(t, func() bool {
		for _, x := range offCounty.must(200, "GET", "/tasks?kind=assessment.score", nil)["items"].([]any) {
			if x := x.(map[string]any); x["unit_id"] == county {
				score = x
			}
		}
		return score != nil
	})
	offCounty.must(200, "POST", "/tasks/"+score["id"].(string)+"/claim", nil)
	score["status"] = "claimed"
	if status, out := offCounty.call("POST", "/tasks/"+score["id"].(string)+"/complete",
		map[string]any{"result": map[string]any{"scores": map[string]any{"census": 85}}}); status != 422 || !strings.Contains(jsonNum(out), "scores.meetings") {
		t.Fatalf("incomplete scoring: %d %v", status, out)
	}
	doTask(t, offCounty, score, map[string]any{"scores": map[string]any{"census": 85, "meetings": 80}, "deductions": map[string]any{"late_delivery": 2}})
	var review map[string]any
	waitFor(t, func() bool {
		for _, x := range offCity.must(200, "GET", "/tasks?kind=assessment.review", nil)["items"].([]any) {
			if x := x.(map[string]any); x["workflow_id"] == score["workflow_id"] {
				review = x
			}
		}
		return review != nil
	})
	doTask(t, offCity, review, map[string]any{"decision": "adjust",
		"adjustments": []map[string]any{{"code": "census", "value": 90, "reason": "补充核实了3家单位的走访记录"}}})

	var a map[string]any
	waitFor(t, func() bool {
		for _, x := range admin.must(200, "GET", "/periods/"+period+"/assessments", nil)["items"].([]any) {
			if x := x.(map[string]any); x["unit_id"] == town && x["status"] == "locked" {
				a = x
			}
		}
		return a != nil
	})
	// By hand: no organizations, so the coverage rates are 0 and timeliness 1:
	// 30×0 + 20×0 + 20×100 + 30×(90+80)/2 = 4550 → 45.5, minus 2 = 43.5 → 差.
	if jsonNum(a["total"]) != "43.5" || a["grade"] != "差" || a["locked_by"] != "off-city" {
		t.Fatalf("assessment %v", a)
	}
	id := a["id"].(string)
	change := map[string]any{"code": "meetings", "value": 100, "reason": "复核"}
	if status, _ := offCity.call("POST", "/assessments/"+id+"/adjustments", change); status != 409 {
		t.Fatalf("changing a locked outcome: %d, want 409", status)
	}
	if status, _ := offTown.call("POST", "/assessments/"+id+"/reopen", map[string]any{"reason": "x"}); status != 403 {
		t.Fatalf("a township reopens its own outcome: %d", status)
	}
	admin.must(200, "POST", "/assessments/"+id+"/reopen", map[string]any{"reason": "市委组织部复核意见"})
	if status, _ := offTown.call("POST", "/assessments/"+id+"/adjustments", change); status != 403 {
		t.Fatalf("a township adjusts its own outcome: %d", status)
	}
	after := offCity.must(200, "POST", "/assessments/"+id+"/adjustments", change)
	if after["status"] != "locked" || jsonNum(after["total"]) != "46.5" {
		t.Fatalf("after the reopened adjustment %v", after)
	}
	actions := map[string]bool{}
	for _, e := range admin.must(200, "GET", "/audit?subject_type=assessment&subject_id="+id, nil)["items"].([]any) {
		actions[e.(map[string]any)["action"].(string)] = true
	}
	for _, want := range []string{"assessment.self", "assessment.lock", "assessment.reopen", "assessment.adjust"} {
		if !actions[want] {
			t.Fatalf("audit lacks %s: %v", want, actions)
		}
	}
	// The quarterly analysis: the county and an industry committee each draft on top of their
	// problem list, the city approves both.
	committee := admin.unit("市非公经济组织行业党委", "industry", "committee", city)
	admin.must(201, "POST", "/users", map[string]any{"username": "off-committee", "password": "password-off-committee",
		"memberships": []map[string]string{{"unit_id": committee, "role": "officer"}}})
	offCommittee := login("off-committee")
	quarter := admin.must(202, "POST", "/cycles/quarterly/2026-Q3/run", nil)["id"].(string)
	doTask(t, offCounty, nextTask(t, offCounty, "analysis.draft"), map[string]any{"text": "三季度覆盖率保持稳定，问题与措施如下……"})
	doTask(t, offCity, nextTask(t, offCity, "analysis.review"), map[string]any{"decision": "approve"})
	doTask(t, offCommittee, nextTask(t, offCommittee, "analysis.draft"), map[string]any{"text": "行业党委三季度分析……"})
	doTask(t, offCity, nextTask(t, offCity, "analysis.review"), map[string]any{"decision": "approve"})
	waitFor(t, func() bool { return admin.must(200, "GET", "/periods/"+quarter, nil)["status"] == "done" })
	analyses := offCounty.must(200, "GET", "/periods/"+quarter+"/analyses", nil)["items"].([]any)
	if len(analyses) != 1 || analyses[0].(map[string]any)["status"] != "published" {
		t.Fatalf("the county's analyses %v", analyses)
	}
	all := admin.must(200, "GET", "/periods/"+quarter+"/analyses", nil)["items"].([]any)
	if len(all) != 2 || all[0].(map[string]any)["status"] != "published" || all[1].(map[string]any)["status"] != "published" {
		t.Fatalf("all analyses %v", all)
	}

	res, err := http.DefaultClient.Do(authed(admin, "GET", "/periods/"+period+"/assessments?format=xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export %d", res.StatusCode)
	}
}
