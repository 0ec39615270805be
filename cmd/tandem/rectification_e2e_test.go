package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/store"
)

// TestRectificationCrashEndToEnd runs one rectification item 整改销号 (#19) against the real binary
// on both databases, killing the process with SIGKILL three times along the chain and starting
// it again on the same data folder: right after the plan's review is completed (its next step's
// activity in flight), while the overdue report climbs the escalation ladder, and while the
// verification's task is open (the same task takes its completion after the restart).
// The report is not done in time, so the item climbs the ladder (逾期提示 and 限期催办 as
// notifications to the officers of the county above and of the township, 约谈 as an escalation
// task for the county's officers), shown in the item's history and in their notifications and
// inbox; the report done, the open escalation task is cancelled; the item is signed off. After
// the last restart nothing is lost or duplicated: one task per step, each step once in the
// history, one row per rung, one notification per rung and person.
//
// The engine's timers run on the wall clock, so the run takes a demonstration day
// (TANDEM_RECTIFICATION_DEMO_DAY=2s): the plan's 8 working days are 16 seconds after the visit,
// and the ladder's rungs 2 seconds apart (TANDEM_RECTIFICATION_LADDER=reminder:0,chase:1,talk:1:task).
// The report task comes some seconds before its due, or already overdue when the first kill
// caught the review's next activity in flight (it is retried after its 30-second timeout):
// either way no rung is taken before the due. Those spans are on the wall clock Temporal's
// timers follow, so the binary here runs on the real clock even when TANDEM_TEST_DATE shifts
// the tests' day (TANDEM_TEST_CLOCK left empty): a shifted store clock would put the report's
// due date days away from the timers.
func TestRectificationCrashEndToEnd(t *testing.T) {
	const day = 2 * time.Second
	const planDays = 8
	env := []string{"TANDEM_RECTIFICATION_DEMO_DAY=" + day.String(), "TANDEM_RECTIFICATION_LADDER=reminder:0,chase:1,talk:1:task",
		"TANDEM_RECTIFICATION_RECHECK=0:0", "TANDEM_TEST_CLOCK="}
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		data := t.TempDir()
		p := startDev(t, data, dbURL, env...)
		admin := loginAs(t, p.base, "admin", adminPassword)
		city := admin.unit("青山市两新工委", "region", "city", nil)
		county := admin.unit("青山县", "region", "county", city)
		town := admin.unit("东风街道", "region", "township", county)
		for _, u := range []struct{ name, unit, role string }{
			{"drafter", city, "officer"}, {"reviewer", city, "officer"}, {"leader-1", city, "inspector"},
			{"town-officer", town, "officer"}, {"town-officer-2", town, "officer"}, {"county-officer", county, "officer"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		drafter, reviewer, leader, townOfficer, townOfficer2, countyOfficer := login("drafter"), login("reviewer"), login("leader-1"),
			login("town-officer"), login("town-officer-2"), login("county-officer")
		sessions := []*session{admin, drafter, reviewer, leader, townOfficer, townOfficer2, countyOfficer}
		restart := func() {
			t.Helper()
			p.kill(t)
			p = startDev(t, data, dbURL, env...)
			for _, s := range sessions {
				s.base = p.base // the tokens outlive the process
			}
		}

		// A round with one target and one finding not fixed on the spot: one item.
		workingDay := func(n int) string {
			d := admin.must(200, "GET", fmt.Sprintf("/calendar/deadline?working_days=%d", n), nil)
			due, _ := time.Parse(time.RFC3339, d["due_at"].(string))
			return due.Add(-time.Second).In(calendar.Shanghai).Format(time.DateOnly)
		}
		id := drafter.must(201, "POST", "/inspection-rounds", map[string]any{"title": "两新组织双同步专项督查", "theme": "党组织覆盖",
			"targets": []string{town}, "methods": []string{"听取汇报", "实地走访"}, "field_from": workingDay(1), "field_to": workingDay(2),
			"plan": "一、督查内容\n二、督查安排"})["id"].(string)
		roundStatus := func(want string) {
			t.Helper()
			waitFor(t, func() bool { return drafter.must(200, "GET", "/inspection-rounds/"+id, nil)["status"] == want })
		}
		doTask(t, reviewer, nextTask(t, reviewer, "inspection.plan_review"), map[string]any{"decision": "approve", "reference": "青两新督〔2026〕5号"})
		roundStatus("team")
		drafter.must(200, "PUT", "/inspection-rounds/"+id+"/team", map[string]any{"members": []map[string]any{
			{"username": "leader-1", "post": "leader", "targets": []string{town}}}})
		doTask(t, leader, taskAbout(t, leader, "inspection.visit", town), map[string]any{"methods_done": []string{"听取汇报", "实地走访"},
			"notes": "座谈 5 人", "findings": []map[string]any{{"category": "组织建设", "severity": "严重", "description": "党支部逾期未换届", "fixed_on_the_spot": false}}})
		doTask(t, leader, taskAbout(t, leader, "inspection.feedback", town), map[string]any{"feedback": "请按期完成整改"})
		roundStatus("rectification")
		items := townOfficer.must(200, "GET", "/rectifications?round="+id, nil)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items %v", items)
		}
		item := items[0].(map[string]any)["id"].(string)
		read := func() (map[string]any, []map[string]any) {
			out := townOfficer.must(200, "GET", "/rectifications/"+item, nil)
			var history []map[string]any
			for _, e := range out["history"].([]any) {
				history = append(history, e.(map[string]any))
			}
			return out["item"].(map[string]any), history
		}
		escalated := func() []map[string]any {
			_, history := read()
			return slices.DeleteFunc(history, func(e map[string]any) bool { return e["action"] != "rectification.escalated" })
		}
		// open counts the caller's active tasks of a kind about the township.
		open := func(s *session, kind string) []map[string]any {
			var out []map[string]any
			for _, it := range s.must(200, "GET", "/tasks?kind="+kind, nil)["items"].([]any) {
				if it := it.(map[string]any); it["subject"] == town {
					out = append(out, it)
				}
			}
			return out
		}

		// The plan, its review, and SIGKILL right after the review is completed.
		doTask(t, townOfficer, taskAbout(t, townOfficer, "rectification.plan", town), map[string]any{
			"measures": "按期完成换届", "responsible": "王五", "deadline_working_days": planDays})
		doTask(t, reviewer, taskAbout(t, reviewer, "rectification.plan_review", town), map[string]any{"decision": "approve"})
		restart()
		resumed := time.Now()
		waitLong(t, func() bool { return len(open(townOfficer, "rectification.report")) == 1 })
		t.Logf("the report task %v after the first restart", time.Since(resumed).Round(100*time.Millisecond))
		report := taskAbout(t, townOfficer, "rectification.report", town)
		it, _ := read()
		if it["status"] != "in_progress" || !sameInstant(it["due_at"], report["due_at"]) || it["due_working_days"] != float64(planDays) {
			t.Fatalf("after the first restart: item %v, report due %v", it, report["due_at"])
		}
		if n := len(open(townOfficer, "rectification.report")); n != 1 {
			t.Fatalf("after the first restart: %d report tasks", n)
		}
		due, _ := time.Parse(time.RFC3339, report["due_at"].(string))
		created, _ := time.Parse(time.RFC3339, report["created_at"].(string))
		t.Logf("the report task created %v before its due (negative: overdue at once)", due.Sub(created).Round(100*time.Millisecond))

		// The report falls overdue: the first rung, then SIGKILL while the ladder climbs.
		waitLong(t, func() bool { return len(escalated()) >= 1 })
		restart()
		resumed = time.Now()
		var talk map[string]any
		waitLong(t, func() bool {
			if tasks := open(countyOfficer, "escalation"); len(tasks) == 1 {
				talk = tasks[0]
				return true
			}
			return false
		})
		t.Logf("the talk task %v after the second restart", time.Since(resumed).Round(100*time.Millisecond))
		if talk["unit_id"] != county || !strings.Contains(talk["title"].(string), "约谈") || !strings.Contains(talk["title"].(string), "东风街道") {
			t.Fatalf("the talk 约谈 task %v", talk)
		}
		rungs := escalated()
		var steps []string
		for i, e := range rungs {
			next := e["new"].(map[string]any)
			steps = append(steps, fmt.Sprint(next["escalation_level"], ":", next["step"]))
			at, _ := time.Parse(time.RFC3339, e["at"].(string))
			if at.Before(due) {
				t.Fatalf("rung %d taken at %v, before the report's due %v", i+1, at, due)
			}
		}
		if strings.Join(steps, ",") != "1:reminder,2:chase,3:talk" {
			t.Fatalf("the item's rungs %v", steps)
		}
		for name, s := range map[string]*session{"county-officer": countyOfficer, "town-officer": townOfficer, "town-officer-2": townOfficer2} {
			var titles []string
			for _, n := range s.must(200, "GET", "/notifications", nil)["items"].([]any) {
				if n := n.(map[string]any); n["kind"] == "rectification.escalation" {
					titles = append(titles, strings.SplitN(n["title"].(string), "：", 2)[0])
				}
			}
			slices.Sort(titles)
			if strings.Join(titles, ",") != "逾期提示,限期催办" {
				t.Fatalf("%s's escalation notices %v", name, titles)
			}
		}
		if n := len(open(reviewer, "escalation")); n != 0 {
			t.Fatalf("the sponsor has %d escalation tasks (the talk is the county's)", n)
		}

		// The report done at last: the talk task is cancelled; the self-check, and SIGKILL while
		// the verification's task is open.
		// The evidence is an uploaded attachment (taskcheck refuses an ID that is not one).
		var evidence map[string]any
		if status, body := townOfficer.post("/tasks/"+report["id"].(string)+"/attachments", "换届选举结果.txt", []byte("换届选举结果")); status != 201 ||
			json.Unmarshal(body, &evidence) != nil {
			t.Fatalf("the report's evidence: %d %s", status, body)
		}
		doTask(t, townOfficer, report, map[string]any{"done": true, "summary": "已完成换届选举", "evidence": []string{evidence["id"].(string)},
			"statement": "以上情况属实，特此承诺", "signed": true})
		waitFor(t, func() bool {
			return countyOfficer.must(200, "GET", "/tasks/"+talk["id"].(string), nil)["status"] == "cancelled"
		})
		doTask(t, townOfficer2, taskAbout(t, townOfficer2, "rectification.self_check", town), map[string]any{"decision": "approve"})
		verify := taskAbout(t, reviewer, "rectification.verify", town)
		time.Sleep(time.Second) // the workflow takes in the task's creation: the kill finds it waiting
		restart()
		// The same verify task, once, takes its completion after the restart.
		if tasks := open(reviewer, "rectification.verify"); len(tasks) != 1 || tasks[0]["id"] != verify["id"] {
			t.Fatalf("after the third restart: verify tasks %v, before %v", tasks, verify["id"])
		}
		reviewer.must(200, "POST", "/tasks/"+verify["id"].(string)+"/claim", nil)
		waitLong(t, func() bool {
			status, body := reviewer.call("POST", "/tasks/"+verify["id"].(string)+"/complete", map[string]any{"result": map[string]any{"decision": "approve"}})
			if status != 200 && status != 503 { // 503: the workflow had not taken in the task yet
				t.Fatalf("the verification after the restart: %d %v", status, body)
			}
			return status == 200
		})
		resumed = time.Now()
		waitLong(t, func() bool { it, _ := read(); return it["status"] == "signed_off" })
		t.Logf("signed off %v after the verification", time.Since(resumed).Round(100*time.Millisecond))
		roundStatus("done")

		// Nothing lost, nothing duplicated.
		it, history := read()
		if it["signed_off_by"] != "reviewer" || it["rectifications"] != float64(1) {
			t.Fatalf("signed off item %v", it)
		}
		var actions []string
		for _, e := range history {
			actions = append(actions, strings.TrimPrefix(e["action"].(string), "rectification."))
		}
		if got := strings.Join(actions, ","); got != "plan,plan_review,escalated,escalated,escalated,report,self_check,verify" {
			t.Fatalf("the item's history %s", got)
		}
		kinds := map[string]int{}
		for _, task := range admin.must(200, "GET", "/tasks?scope=visible&status=all&subject="+town+"&limit=100", nil)["items"].([]any) {
			task := task.(map[string]any)
			kinds[fmt.Sprint(task["kind"], "/", task["status"])]++
		}
		if got := fmt.Sprint(kinds); got != "map[escalation/cancelled:1 inspection.feedback/completed:1 inspection.visit/completed:1 "+
			"rectification.plan/completed:1 rectification.plan_review/completed:1 rectification.report/completed:1 "+
			"rectification.self_check/completed:1 rectification.verify/completed:1]" {
			t.Fatalf("the township's tasks %s", got)
		}
		notices := map[string]int{}
		for _, s := range []*session{countyOfficer, townOfficer, townOfficer2} {
			for _, n := range s.must(200, "GET", "/notifications", nil)["items"].([]any) {
				if n := n.(map[string]any); n["kind"] == "rectification.escalation" {
					notices[n["title"].(string)]++
				}
			}
		}
		if len(notices) != 2 {
			t.Fatalf("escalation notices %v", notices)
		}
		for title, n := range notices {
			if n != 3 { // the county's officer and the township's two, once each
				t.Fatalf("notice %q sent %d times, want 3", title, n)
			}
		}
		// The ladder's rows, straight from the database: one per rung.
		url := dbURL
		if url == "" {
			url = filepath.Join(data, "tandem.db")
		}
		st, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var rows []struct {
			Level int
			Step  string
			N     int
		}
		if err := st.DB().Raw(`SELECT level, step, COUNT(*) AS n FROM rectification_escalations WHERE item_id = ? GROUP BY level, step ORDER BY level`,
			item).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(rows); got != "[{1 reminder 1} {2 chase 1} {3 talk 1}]" {
			t.Fatalf("rectification_escalations %s", got)
		}
	})
}

// waitLong waits up to a minute: a ladder's rungs come on timers, and after a SIGKILL the step
// whose activity was in flight is retried only when its 30-second start-to-close timeout ends.
func waitLong(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached within a minute")
}
