package main_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestCensusEndToEnd runs scenario 4 of acceptance.md against the real binary and follows the
// verifications into coverage: a round over the county gives township A's inspector exactly
// township A's tasks; a visit with 3 formal members starts a formation; 1 member gives the
// township's officer an attachment task, none an instructor task; township B's inspector gets
// 404; a second completion 409; a negative count 422; an organization without a township is
// assigned by the county first; a second round duplicates nothing; a round can be cancelled.
func TestCensusEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		county := admin.unit("青山县", "region", "county", nil)
		townA := admin.unit("东风街道", "region", "township", county)
		townB := admin.unit("南湖镇", "region", "township", county)
		for _, u := range []struct{ name, unit, role string }{
			{"inspector-a", townA, "inspector"}, {"inspector-b", townB, "inspector"}, {"officer-a", townA, "officer"},
			{"secretary-a", townA, "secretary"}, {"officer-county", county, "officer"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		const (
			a1, a2, a3 = "91350100M000100Y43", "91110108MA01B2C3D0", "91310000MA1FL0000N"
			b1, lost   = "91440300MA5F00001A", "91320500MA1N000022"
		)
		roster := filepath.Join(t.TempDir(), "market.csv")
		if err := os.WriteFile(roster, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n"+
			a1+",青山精密机械有限公司,东风街道\n"+a2+",东风物流有限公司,东风街道\n"+a3+",东风文化传媒有限公司,东风街道\n"+
			b1+",南湖食品有限公司,南湖镇\n"+lost+",无名贸易有限公司,不存在街道\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		admin.upload("market", roster)
		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		inspA, inspB, offA, secA, offCounty := login("inspector-a"), login("inspector-b"), login("officer-a"), login("secretary-a"), login("officer-county")

		if status, _ := inspA.call("POST", "/census-rounds", map[string]any{"unit_id": townA, "select": "all"}); status != 403 {
			t.Fatalf("an inspector starts a round: %d", status)
		}
		coverage := func() map[string]any {
			items := offCounty.must(200, "GET", "/reports/coverage?unit="+county, nil)["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("coverage rows %v", items)
			}
			return items[0].(map[string]any)
		}
		if c := coverage(); c["operating"] != float64(4) || jsonNum(c["work_coverage"]) != `{"denominator":4,"numerator":0,"rate":0}` {
			t.Fatalf("coverage before the census %v", c)
		}
		round := offCounty.must(202, "POST", "/census-rounds", map[string]any{"unit_id": county, "select": "all"})
		id := round["id"].(string)
		if round["total"] != float64(5) {
			t.Fatalf("round total %v, want 5", round["total"])
		}
		// The organization without a township goes to the county's officers first.
		assign := nextTask(t, offCounty, "census.assign")
		if assign["subject"] != lost {
			t.Fatalf("assign task %v", assign)
		}
		// A unit that cannot be responsible (none, or an industry committee) is refused before it
		// is accepted: 422 naming unit_id, the same task still open, nothing asked again.
		committee := admin.unit("青山县非公企业党委", "industry", "committee", nil)
		for _, bad := range []string{"nonexistent", committee} {
			status, out := offCounty.call("POST", "/tasks/"+assign["id"].(string)+"/complete",
				map[string]any{"result": map[string]any{"unit_id": bad, "reason": "x"}})
			if status != 422 || !strings.Contains(fmt.Sprint(out["errors"]), "unit_id") {
				t.Fatalf("assign to %s: %d %v, want 422 naming unit_id", bad, status, out)
			}
		}
		if again := nextTask(t, offCounty, "census.assign"); again["id"] != assign["id"] || again["status"] != "open" {
			t.Fatalf("after the refusals the assign task is %v", again)
		}
		doTask(t, offCounty, assign, map[string]any{"unit_id": townB, "reason": "实地核实位于南湖镇"})

		var tasksA []any
		waitFor(t, func() bool {
			tasksA = inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)
			return len(tasksA) == 3
		})
		var subjects []string
		byOrg := map[string]map[string]any{}
		for _, x := range tasksA {
			task := x.(map[string]any)
			if task["unit_id"] != townA || task["role"] != "inspector" {
				t.Fatalf("task %v", task)
			}
			subjects = append(subjects, task["subject"].(string))
			byOrg[task["subject"].(string)] = task
		}
		if sortedJoin(subjects...) != sortedJoin(a1, a2, a3) {
			t.Fatalf("township A's inspector sees %v", subjects)
		}
		waitFor(t, func() bool {
			return len(inspB.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)) == 2
		})

		// Township B cannot see or complete A's task; the result is checked; a task is
		// completed once.
		first := byOrg[a1]
		fid := first["id"].(string)
		if status, _ := inspB.call("GET", "/tasks/"+fid, nil); status != 404 {
			t.Fatalf("township B reads A's task: %d", status)
		}
		visit := map[string]any{"operating": true, "employees": 40, "formal_members": 3, "probationary_members": 1, "party_org": "none",
			"fixed_premises": true, "owner_is_member": false}
		if status, _ := inspB.call("POST", "/tasks/"+fid+"/complete", map[string]any{"result": visit}); status != 404 && status != 403 {
			t.Fatalf("township B completes A's task: %d", status)
		}
		inspA.must(200, "POST", "/tasks/"+fid+"/claim", nil)
		bad := map[string]any{"operating": true, "employees": 40, "formal_members": -1, "probationary_members": 0, "party_org": "none"}
		if status, out := inspA.call("POST", "/tasks/"+fid+"/complete", map[string]any{"result": bad}); status != 422 ||
			!strings.Contains(jsonNum(out), "formal_members") {
			t.Fatalf("negative count: %d %v", status, out)
		}
		if got := inspA.must(200, "GET", "/tasks/"+fid, nil); got["status"] != "claimed" {
			t.Fatalf("after 422 the task is %v", got["status"])
		}
		inspA.must(200, "POST", "/tasks/"+fid+"/complete", map[string]any{"result": visit})
		if status, _ := inspA.call("POST", "/tasks/"+fid+"/complete", map[string]any{"result": visit}); status != 409 {
			t.Fatalf("second completion: %d", status)
		}

		// Three formal members and no party organization: a formation starts.
		var formations []any
		waitFor(t, func() bool {
			formations = offA.must(200, "GET", "/formations?organization="+a1, nil)["items"].([]any)
			return len(formations) == 1
		})
		if f := formations[0].(map[string]any); f["origin"] != "census" || f["kind"] != "branch" || f["status"] != "running" {
			t.Fatalf("formation %v", f)
		}
		if app := nextTask(t, secA, "formation.application"); app["subject"] != a1 {
			t.Fatalf("application task %v", app)
		}
		org := inspA.must(200, "GET", "/organizations/"+a1, nil)
		visitBy := ""
		if v, ok := org["visit"].(map[string]any); ok {
			visitBy, _ = v["by"].(string)
		}
		if org["employees"] != float64(40) || visitBy != "inspector-a" || org["formal_members"] != float64(3) ||
			org["three_haves"].(map[string]any)["fixed_premises"] != true {
			t.Fatalf("roster after the visit: %v", org)
		}

		// One formal member: attach; none: work coverage.
		doTask(t, inspA, byOrg[a2], map[string]any{"operating": true, "employees": 8, "formal_members": 1, "probationary_members": 0, "party_org": "none"})
		doTask(t, inspA, byOrg[a3], map[string]any{"operating": true, "employees": 5, "formal_members": 0, "probationary_members": 0, "party_org": "none"})
		doTask(t, offA, nextTask(t, offA, "coverage.attach"), map[string]any{"method": "regional", "regional_org": "东风街道商圈党委"})
		doTask(t, offA, nextTask(t, offA, "coverage.instructor"), map[string]any{"means": "instructor", "instructor": "刘指导"})
		waitFor(t, func() bool {
			return inspA.must(200, "GET", "/organizations/"+a2, nil)["coverage"] == "regional" &&
				inspA.must(200, "GET", "/organizations/"+a3, nil)["coverage"] == "work"
		})

		if c := coverage(); jsonNum(c["work_coverage"]) != `{"denominator":5,"numerator":2,"rate":0.4}` ||
			jsonNum(c["organization_coverage"]) != `{"denominator":5,"numerator":0,"rate":0}` {
			t.Fatalf("coverage after the visits %v", c)
		}
		if status, _ := offCounty.call("GET", "/reports/coverage?as_of=2026-02-30", nil); status != 422 {
			t.Fatalf("bad as_of: %d", status)
		}
		if status, _ := offCounty.call("GET", "/reports/coverage?as_of=2020-01", nil); status != 404 {
			t.Fatalf("a month without a snapshot: %d", status)
		}

		// The annual report says 文化传媒 has 4 party members where the visit found none:
		// the disagreement goes back to township A as a verification.
		annual := filepath.Join(t.TempDir(), "annual.csv")
		if err := os.WriteFile(annual, []byte("统一社会信用代码,企业名称,党员人数,是否建立党组织\n"+
			a3+",东风文化传媒有限公司,4,否\n"+a2+",东风物流有限公司,1,否\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		admin.upload("annual_report", annual)
		waitFor(t, func() bool {
			items := inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)
			return len(items) == 1 && items[0].(map[string]any)["subject"] == a3
		})

		// Progress by unit; a second round over the county starts nothing twice.
		r := offCounty.must(200, "GET", "/census-rounds/"+id, nil)
		if r["completed"] != float64(3) || r["created"] != float64(5) || r["status"] != "running" {
			t.Fatalf("round %v", r)
		}
		second := offCounty.must(202, "POST", "/census-rounds", map[string]any{"unit_id": county, "select": "all"})["id"].(string)
		waitFor(t, func() bool { return offCounty.must(200, "GET", "/census-rounds/"+second, nil)["started"] == float64(5) })
		// b1, the assigned one and 文化传媒 (re-verified for the annual report) are in
		// verifications already.
		if r := offCounty.must(200, "GET", "/census-rounds/"+second, nil); r["skipped"] != float64(3) || r["status"] != "running" {
			t.Fatalf("second round %v", r)
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(inspB.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)); n != 2 {
			t.Fatalf("after a second round township B has %d verification tasks, want 2", n)
		}

		// Registration-time sync: market supervision reports a new enterprise; the prompt
		// letter carries a one-time survey link the enterprise answers without an account.
		dept := admin.unit("市场监管局", "department", "department", nil)
		admin.must(201, "POST", "/users", map[string]any{"username": "liaison-market", "password": "password-liaison-market",
			"memberships": []map[string]string{{"unit_id": dept, "role": "liaison"}}})
		liaison := login("liaison-market")
		if status, _ := inspA.call("POST", "/registrations", map[string]any{"uscc": "91440300MA5F00001A", "name": "x", "event": "new"}); status != 403 {
			t.Fatalf("an inspector reports a registration: %d", status)
		}
		const fresh = "911101085513850285"
		reg := liaison.must(201, "POST", "/registrations", map[string]any{"uscc": fresh, "name": "新设科技有限公司", "township": "东风街道", "event": "new"})
		if o := inspA.must(200, "GET", "/organizations/"+fresh, nil); o["region_unit_id"] != townA {
			t.Fatalf("registered organization %v", o)
		}
		res, err := http.DefaultClient.Do(authed(offA, "GET", "/registrations/"+reg["id"].(string)+"/letter"))
		if err != nil {
			t.Fatal(err)
		}
		letter, _ := io.ReadAll(res.Body)
		res.Body.Close()
		survey := reg["survey_url"].(string)
		if res.StatusCode != 200 || !strings.Contains(string(letter), survey) || !strings.Contains(string(letter), "data:image/png;base64,") {
			t.Fatalf("letter %d %s", res.StatusCode, letter)
		}
		answer := func() int {
			req, _ := http.NewRequest("POST", survey, strings.NewReader(`{"formal_members":2,"probationary_members":1,"party_org":"none"}`))
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if first, second := answer(), answer(); first != 200 || second != 409 {
			t.Fatalf("survey answers: %d then %d, want 200 then 409", first, second)
		}
		if r := offA.must(200, "GET", "/registrations/"+reg["id"].(string), nil); r["status"] != "answered" {
			t.Fatalf("registration %v", r)
		}
		// The answer (2 formal members, no party organization: an attachment) starts the
		// organization's verification at once, not when the link expires days later (#17 §4).
		waitFor(t, func() bool {
			for _, it := range inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any) {
				if it.(map[string]any)["subject"] == fresh {
					return true
				}
			}
			return false
		})

		// Cancelling the first round cancels its open verifications.
		offCounty.must(202, "POST", "/census-rounds/"+id+"/cancel", nil)
		waitFor(t, func() bool { return offCounty.must(200, "GET", "/census-rounds/"+id, nil)["status"] == "cancelled" })
		waitFor(t, func() bool {
			return len(inspB.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)) == 0
		})
	})
}

func sortedJoin(s ...string) string {
	sort.Strings(s)
	return strings.Join(s, " ")
}
