package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tandem/calendar"
)

// TestInspectionEndToEnd runs a special inspection round (#19) against the real binary on both
// databases: the plan is returned once and approved (never by its drafter), a member from a
// target's own township is refused with 422, three targets are visited with five findings (one
// fixed on the spot), the feedback reaches the targets' officers and is copied to the unit
// above, and the report's figures equal a hand count of the findings entered; the township's
// rectification item is extended once and signed off by the sponsor's officer, while the
// township's own officer gets 403 on its verify task.
func TestInspectionEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		city := admin.unit("青山市两新工委", "region", "city", nil)
		countyA := admin.unit("青山县", "region", "county", city)
		town := admin.unit("东风街道", "region", "township", countyA)
		countyB := admin.unit("北城县", "region", "county", city)
		committee := admin.unit("市非公企业党委", "industry", "committee", city)
		for _, u := range []struct{ name, unit, role string }{
			{"drafter", city, "officer"}, {"reviewer", city, "officer"}, {"leader-1", committee, "inspector"},
			{"member-1", committee, "inspector"}, {"town-staff", town, "inspector"}, {"town-officer", town, "officer"}, {"town-officer-2", town, "officer"},
			{"county-a-officer", countyA, "officer"}, {"county-b-officer", countyB, "officer"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		drafter, reviewer, leader, townOfficer, countyA1, countyB1 := login("drafter"), login("reviewer"), login("leader-1"),
			login("town-officer"), login("county-a-officer"), login("county-b-officer")

		// Field days: the next working day and the third, on the server's calendar.
		workingDay := func(n int) string {
			d := admin.must(200, "GET", fmt.Sprintf("/calendar/deadline?working_days=%d", n), nil)
			due, _ := time.Parse(time.RFC3339, d["due_at"].(string))
			return due.Add(-time.Second).In(calendar.Shanghai).Format(time.DateOnly)
		}
		draft := map[string]any{"title": "两新组织双同步专项督查", "theme": "党组织覆盖", "targets": []string{town, countyB, committee},
			"methods": []string{"听取汇报", "查阅台账", "实地走访"}, "field_from": workingDay(1), "field_to": workingDay(3), "plan": "一、督查内容\n二、督查安排"}
		bad := map[string]any{}
		for k, v := range draft {
			bad[k] = v
		}
		bad["methods"], bad["title"] = []string{"暗访"}, ""
		if status, body := drafter.call("POST", "/inspection-rounds", bad); status != 422 || !strings.Contains(fmt.Sprint(body), "methods[0]") ||
			!strings.Contains(fmt.Sprint(body), "必填") {
			t.Fatalf("bad draft: %d %v", status, body)
		}
		id := drafter.must(201, "POST", "/inspection-rounds", draft)["id"].(string)
		round := func() map[string]any { return drafter.must(200, "GET", "/inspection-rounds/"+id, nil) }
		waitStatus := func(want string) {
			t.Helper()
			waitFor(t, func() bool { return round()["status"] == want })
		}

		// The drafter may not review their own plan; another officer returns it, then approves
		// the edit.
		review := nextTask(t, reviewer, "inspection.plan_review")
		if status, _ := drafter.call("POST", "/tasks/"+review["id"].(string)+"/claim", nil); status != 403 {
			t.Fatalf("the drafter claimed the plan's review: %d", status)
		}
		doTask(t, reviewer, review, map[string]any{"decision": "return", "reason": "请补充督查安排"})
		waitStatus("returned")
		if r := round(); r["return_reason"] != "请补充督查安排" {
			t.Fatalf("returned round %v", r)
		}
		draft["plan"] = "一、督查内容\n二、督查安排：三天"
		drafter.must(200, "PUT", "/inspection-rounds/"+id, draft)
		waitFor(t, func() bool {
			items := reviewer.must(200, "GET", "/tasks?kind=inspection.plan_review", nil)["items"].([]any)
			return len(items) == 1 && items[0].(map[string]any)["id"] != review["id"]
		})
		doTask(t, reviewer, nextTask(t, reviewer, "inspection.plan_review"), map[string]any{"decision": "approve", "reference": "青两新督〔2026〕3号"})
		waitStatus("team")

		// A member from a target's own township is refused, naming the member, the target and the rule.
		team := []map[string]any{
			{"username": "leader-1", "post": "leader", "targets": []string{town, countyB}},
			{"username": "member-1", "post": "member", "targets": []string{town}},
			{"username": "reviewer", "post": "leader", "targets": []string{committee}},
		}
		withTownStaff := append(append([]map[string]any(nil), team...), map[string]any{"username": "town-staff", "post": "member", "targets": []string{town}})
		status, body := drafter.call("PUT", "/inspection-rounds/"+id+"/team", map[string]any{"members": withTownStaff})
		fields := fmt.Sprint(body["errors"])
		if status != 422 || !strings.Contains(fields, "members[3].targets[0]") || !strings.Contains(fields, "rule.avoid_own_unit") ||
			!strings.Contains(fields, "town-staff") || !strings.Contains(fields, "东风街道") {
			t.Fatalf("member from the target's own township: %d %v", status, body)
		}
		drafter.must(200, "PUT", "/inspection-rounds/"+id+"/team", map[string]any{"members": team})
		waitStatus("field")

		// Five findings over three targets, one fixed on the spot.
		findings := map[string][]map[string]any{
			town: {{"category": "组织建设", "severity": "一般", "description": "党员名册未及时更新", "fixed_on_the_spot": true},
				{"category": "组织建设", "severity": "严重", "description": "党支部逾期未换届", "fixed_on_the_spot": false}},
			countyB: {{"category": "阵地建设", "severity": "较重", "description": "活动室挪作他用", "fixed_on_the_spot": false},
				{"category": "组织建设", "severity": "一般", "description": "三会一课记录不全", "fixed_on_the_spot": false}},
			committee: {{"category": "阵地建设", "severity": "一般", "description": "未悬挂党组织标牌", "fixed_on_the_spot": false}},
		}
		visitBy := map[string]*session{town: leader, countyB: leader, committee: reviewer}
		for _, target := range []string{town, countyB, committee} {
			task := taskAbout(t, visitBy[target], "inspection.visit", target)
			doTask(t, visitBy[target], task, map[string]any{"methods_done": []string{"听取汇报", "实地走访"}, "notes": "座谈 6 人",
				"findings": findings[target]})
		}
		waitStatus("feedback")
		for _, target := range []string{town, countyB, committee} {
			doTask(t, visitBy[target], taskAbout(t, visitBy[target], "inspection.feedback", target), map[string]any{"feedback": "请于四十个工作日内完成整改"})
		}
		waitStatus("rectification")

		// The feedback went to the township's officers and was copied to the county above it.
		hasNotice := func(s *session, kind string) bool {
			for _, n := range s.must(200, "GET", "/notifications", nil)["items"].([]any) {
				if n.(map[string]any)["kind"] == kind {
					return true
				}
			}
			return false
		}
		if !hasNotice(townOfficer, "inspection.feedback") || !hasNotice(countyA1, "inspection.feedback_cc") || !hasNotice(countyB1, "inspection.feedback") {
			t.Fatal("the feedback or its copy 抄告 did not arrive")
		}
		// The township's feedback prints for its officer with the issuing unit and the 文号, 抄告
		// the county above; the team's leader may not print it (403).
		fbRes, err := http.DefaultClient.Do(authed(townOfficer, "GET", "/inspection-rounds/"+id+"/targets/"+town+"/feedback?format=html"))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(fbRes.Body)
		fbRes.Body.Close()
		if fbRes.StatusCode != 200 || !strings.Contains(string(page), "青山市两新工委") || !strings.Contains(string(page), "青两新督〔2026〕3号") ||
			!strings.Contains(string(page), "抄告：") {
			t.Fatalf("the township's feedback: %d %.300s", fbRes.StatusCode, page)
		}
		if status, _ := leader.call("GET", "/inspection-rounds/"+id+"/targets/"+town+"/feedback", nil); status != 403 {
			t.Fatalf("the team's leader reads the township's feedback: %d", status)
		}

		// The report's figures equal a hand count of what was entered.
		var want struct{ findings, general, major, severe, fixed, items int }
		for _, fs := range findings {
			for _, f := range fs {
				want.findings++
				switch f["severity"] {
				case "一般":
					want.general++
				case "较重":
					want.major++
				case "严重":
					want.severe++
				}
				if f["fixed_on_the_spot"] == true {
					want.fixed++
				} else {
					want.items++
				}
			}
		}
		rep := reviewer.must(200, "GET", "/inspection-rounds/"+id+"/report", nil)
		total := rep["total"].(map[string]any)
		got := fmt.Sprint(total["findings"], total["general"], total["major"], total["severe"], total["fixed_on_the_spot"], total["items"])
		if w := fmt.Sprint(want.findings, want.general, want.major, want.severe, want.fixed, want.items); got != w || w != "5 3 1 1 1 4" {
			t.Fatalf("report totals %s, hand count %s", got, w)
		}
		rate := total["rectification_rate"].(map[string]any)
		if rate["numerator"] != float64(1) || rate["denominator"] != float64(5) {
			t.Fatalf("rectification rate %v", rate)
		}
		for _, tf := range rep["targets"].([]any) {
			tf := tf.(map[string]any)
			if n := len(findings[tf["unit_id"].(string)]); tf["findings"] != float64(n) || tf["visited"] != true {
				t.Fatalf("target %v: want %d findings", tf, n)
			}
		}
		detail := round()
		if detail["findings"].(map[string]any)["total"] != float64(5) || detail["items"].(map[string]any)["planning"] != float64(4) ||
			len(detail["team"].([]any)) != 3 || len(detail["targets"].([]any)) != 3 {
			t.Fatalf("round detail %v", detail)
		}
		for _, format := range []string{"html", "xlsx"} {
			res, err := http.DefaultClient.Do(authed(reviewer, "GET", "/inspection-rounds/"+id+"/report?format="+format))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || format == "html" && (!strings.Contains(string(b), "青山市两新工委") || !strings.Contains(string(b), "青两新督〔2026〕3号")) ||
				format == "xlsx" && !strings.HasPrefix(string(b), "PK") {
				t.Fatalf("report as %s: %d %.200s", format, res.StatusCode, b)
			}
		}

		// Rectification items: the sponsor sees all four, each target its own.
		count := func(s *session, query string) int {
			return len(s.must(200, "GET", "/rectifications?"+query, nil)["items"].([]any))
		}
		if n := count(reviewer, "round="+id+"&status=planning"); n != 4 {
			t.Fatalf("the sponsor sees %d items", n)
		}
		if n, m := count(townOfficer, ""), count(countyB1, "round="+id); n != 1 || m != 2 {
			t.Fatalf("the township sees %d items, county B %d", n, m)
		}
		if status, _ := townOfficer.call("GET", "/rectifications?status=nope", nil); status != 400 {
			t.Fatalf("a bad status filter: %d", status)
		}

		// The township's item through its chain: a plan beyond the round's limit is refused, the
		// plan accepted by the sponsor, the report extended once (the township asks, the sponsor
		// grants: the task's and the item's due dates move together), checked by another officer
		// of the township, and signed off by the sponsor's officer, while the township's own
		// officer reads the item (200) but gets 403 on its verify task.
		townOfficer2 := login("town-officer-2")
		items := townOfficer.must(200, "GET", "/rectifications?round="+id, nil)["items"].([]any)
		item := items[0].(map[string]any)["id"].(string)
		plan := taskAbout(t, townOfficer, "rectification.plan", town)
		if title := plan["title"].(string); !strings.Contains(title, "两新组织双同步专项督查") || !strings.Contains(title, "东风街道") || !strings.Contains(title, "党支部逾期未换届") {
			t.Fatalf("plan task title %q", title)
		}
		townOfficer.must(200, "POST", "/tasks/"+plan["id"].(string)+"/claim", nil)
		if status, body := townOfficer.call("POST", "/tasks/"+plan["id"].(string)+"/complete", map[string]any{"result": map[string]any{
			"measures": "按期完成换届", "responsible": "王五", "deadline_working_days": 41}}); status != 422 || !strings.Contains(fmt.Sprint(body), "deadline_working_days") {
			t.Fatalf("a plan beyond the limit: %d %v", status, body)
		}
		townOfficer.must(200, "POST", "/tasks/"+plan["id"].(string)+"/complete", map[string]any{"result": map[string]any{
			"measures": "按期完成换届", "responsible": "王五", "deadline_working_days": 20}})
		doTask(t, reviewer, taskAbout(t, reviewer, "rectification.plan_review", town), map[string]any{"decision": "approve"})
		report := taskAbout(t, townOfficer, "rectification.report", town)
		reportID := report["id"].(string)
		rect := func(s *session) map[string]any {
			return s.must(200, "GET", "/rectifications/"+item, nil)["item"].(map[string]any)
		}
		if it := rect(townOfficer); it["status"] != "in_progress" || !sameInstant(it["due_at"], report["due_at"]) || it["measures"] != "按期完成换届" {
			t.Fatalf("item %v, report due %v", it, report["due_at"])
		}
		ext := townOfficer.must(202, "POST", "/tasks/"+reportID+"/deadline-extensions", map[string]any{"working_days": 5, "reason": "需上级党委批复换届"})
		if ext["status"] != "requested" {
			t.Fatalf("extension %v", ext)
		}
		reviewer.must(200, "POST", "/tasks/"+reportID+"/deadline-extensions/"+ext["id"].(string)+"/decision", map[string]any{"decision": "grant"})
		var movedDue any
		waitFor(t, func() bool {
			movedDue = townOfficer.must(200, "GET", "/tasks/"+reportID, nil)["due_at"]
			return !sameInstant(movedDue, report["due_at"]) && sameInstant(rect(townOfficer)["due_at"], movedDue)
		})
		// The evidence is an uploaded attachment (an ID that is not one is a 422 on evidence[0]).
		bogus := map[string]any{"done": true, "summary": "已完成换届选举", "evidence": []string{"att-election"}, "statement": "属实", "signed": true}
		if status, body := townOfficer.call("POST", "/tasks/"+reportID+"/complete", map[string]any{"result": bogus}); status != 422 ||
			!strings.Contains(fmt.Sprint(body), "evidence[0]") {
			t.Fatalf("a report naming no uploaded attachment: %d %v", status, body)
		}
		var evidence map[string]any
		if status, body := townOfficer.post("/tasks/"+reportID+"/attachments", "换届选举结果.txt", []byte("换届选举结果")); status != 201 ||
			json.Unmarshal(body, &evidence) != nil {
			t.Fatalf("the report's evidence: %d %s", status, body)
		}
		doTask(t, townOfficer, report, map[string]any{"done": true, "summary": "已完成换届选举", "evidence": []string{evidence["id"].(string)},
			"statement": "以上情况属实，特此承诺", "signed": true})
		selfCheck := taskAbout(t, townOfficer2, "rectification.self_check", town)
		if status, _ := townOfficer.call("POST", "/tasks/"+selfCheck["id"].(string)+"/claim", nil); status != 403 {
			t.Fatalf("the reporter claimed the self-check: %d", status)
		}
		doTask(t, townOfficer2, selfCheck, map[string]any{"decision": "approve"})
		verify := taskAbout(t, reviewer, "rectification.verify", town)
		if status, body := townOfficer.call("POST", "/tasks/"+verify["id"].(string)+"/complete", map[string]any{"result": map[string]any{"decision": "approve"}}); status != 403 {
			t.Fatalf("the township's officer on the verify task: %d %v", status, body)
		}
		doTask(t, reviewer, verify, map[string]any{"decision": "approve"})
		waitFor(t, func() bool { return rect(townOfficer)["status"] == "signed_off" })
		read := townOfficer.must(200, "GET", "/rectifications/"+item, nil)
		if it := read["item"].(map[string]any); it["signed_off_by"] != "reviewer" || !sameInstant(it["due_at"], movedDue) {
			t.Fatalf("signed off item %v", it)
		}
		var actions []string
		for _, e := range read["history"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		if strings.Join(actions, ",") != "rectification.plan,rectification.plan_review,rectification.extended,rectification.report,rectification.self_check,rectification.verify" {
			t.Fatalf("history %v", actions)
		}
		if status, _ := countyB1.call("GET", "/rectifications/"+item, nil); status != 404 {
			t.Fatalf("another county read the item: %d", status)
		}
		res, err := http.DefaultClient.Do(authed(townOfficer, "GET", "/rectification-ledger?unit="+town))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(string(b), "PK") {
			t.Fatalf("the township's ledger: %d %.200s", res.StatusCode, b)
		}
	})
}

// taskAbout waits for the caller's task of a kind about a subject (a unit).
func taskAbout(t *testing.T, s *session, kind, subject string) map[string]any {
	t.Helper()
	var task map[string]any
	waitFor(t, func() bool {
		for _, it := range s.must(200, "GET", "/tasks?kind="+kind, nil)["items"].([]any) {
			if it := it.(map[string]any); it["subject"] == subject && (it["status"] == "open" || it["status"] == "claimed") {
				task = it
				return true
			}
		}
		return false
	})
	return task
}

// sameInstant compares two RFC 3339 times of JSON answers as instants (offsets may differ).
func sameInstant(a, b any) bool {
	as, _ := a.(string)
	bs, _ := b.(string)
	ta, errA := time.Parse(time.RFC3339, as)
	tb, errB := time.Parse(time.RFC3339, bs)
	return errA == nil && errB == nil && ta.Equal(tb)
}
