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

	"tandem/calendar"
	"tandem/testclock"
)

// TestFormationEndToEnd runs scenarios 5 and 6 of acceptance.md against the real binary: a
// formation's application is returned once and approved, the election is checked against the
// rules, the process is killed with SIGKILL in the middle and started again, and the
// organization's coverage becomes single when the last step is done.
func TestFormationEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		data := t.TempDir()
		p := startDev(t, data, dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		county := admin.unit("青山县", "region", "county", nil)
		townA := admin.unit("东风街道", "region", "township", county)
		townB := admin.unit("南湖镇", "region", "township", county)
		users := []struct{ name, unit, role string }{
			{"secretary-a", townA, "secretary"}, {"officer-a", townA, "officer"},
			{"officer-county", county, "officer"}, {"inspector-b", townB, "inspector"},
		}
		for _, u := range users {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		roster := filepath.Join(t.TempDir(), "market.csv")
		const org, other = "91350100M000100Y43", "91110108MA01B2C3D0"
		if err := os.WriteFile(roster, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n"+
			org+",青山精密机械有限公司,东风街道\n"+other+",东风物流有限公司,东风街道\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		admin.upload("market", roster)

		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		sec, off, _, inspB := login("secretary-a"), login("officer-a"), login("officer-county"), login("inspector-b")

		// The township's officer starts the formation; a second start for the same
		// organization is refused while the first runs.
		id := off.must(202, "POST", "/formations", map[string]any{"organization": org, "kind": "branch"})["id"].(string)
		if status, _ := off.call("POST", "/formations", map[string]any{"organization": org, "kind": "branch"}); status != 409 {
			t.Fatalf("second formation: %d, want 409", status)
		}
		if status, _ := inspB.call("GET", "/formations/"+id, nil); status != 404 {
			t.Fatalf("township B sees the formation: %d", status)
		}

		// Application, returned once with a reason, resubmitted, approved.
		app := map[string]any{"kind": "branch", "formal_members": 3, "probationary_members": 1, "committee": false,
			"members": []map[string]string{
				{"name": "张三", "status": "formal"}, {"name": "李四", "status": "formal"},
				{"name": "王五", "status": "formal", "home_org": "中共某区人才服务中心支部"}, {"name": "赵六", "status": "probationary"},
			}}
		task := nextTask(t, sec, "formation.application")
		if task["subject"] != org || task["unit_id"] != townA || task["role"] != "secretary" {
			t.Fatalf("application task %v", task)
		}
		doTask(t, sec, task, app)
		approval := nextTask(t, off, "formation.approval")
		// Due within one calendar month of its creation, on the server's working-day calendar
		// (computed for the day the test runs: a month from 2 December lands after New Year).
		want := off.must(200, "GET", "/calendar/deadline?months=1&from="+url.QueryEscape(approval["created_at"].(string)), nil)
		created, _ := time.Parse(time.RFC3339, approval["created_at"].(string))
		if testclock.Shifted() && created.In(calendar.Shanghai).Format(time.DateOnly) != testclock.Day(time.Now()).In(calendar.Shanghai).Format(time.DateOnly) {
			t.Fatalf("TANDEM_TEST_CLOCK did not reach the binary: the approval was created %v", created)
		}
		// The election and the first meeting are dated today, and a date after today is refused.
		// The workflow's validator reads Temporal's clock, which TANDEM_TEST_CLOCK does not move:
		// today is the earlier of the server's day and the real one.
		today := created.In(calendar.Shanghai).Format(time.DateOnly)
		if real := time.Now().In(calendar.Shanghai).Format(time.DateOnly); real < today {
			today = real
		}
		due, _ := time.Parse(time.RFC3339, approval["due_at"].(string))
		if wantDue, _ := time.Parse(time.RFC3339, want["due_at"].(string)); due.IsZero() || !due.Equal(wantDue) {
			t.Fatalf("approval due %v, want one calendar month after %v: %v", approval["due_at"], approval["created_at"], want["due_at"])
		}
		doTask(t, off, approval, map[string]any{"decision": "return", "reason": "请补充党员名册"})
		doTask(t, sec, nextTask(t, sec, "formation.application"), app)
		doTask(t, off, nextTask(t, off, "formation.approval"), map[string]any{"decision": "approve", "reference": "东风街道党工委〔2026〕12号"})

		// The approval moved the members' relations into the new branch.
		var f map[string]any
		waitFor(t, func() bool {
			f = sec.must(200, "GET", "/formations/"+id, nil)
			return f["step"] == "election"
		})
		poID := f["party_org_id"].(string)
		transfers := sec.must(200, "GET", "/party-orgs/"+poID+"/transfers", nil)["items"].([]any)
		letters := 0
		for _, tr := range transfers {
			if tr := tr.(map[string]any); tr["needs_letter"] == true {
				letters++
				res, err := http.DefaultClient.Do(authed(sec, "GET", "/party-orgs/"+poID+"/transfers/"+tr["id"].(string)+"/letter"))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.Contains(string(body), "王五") || !strings.Contains(string(body), "介绍信") {
					t.Fatalf("letter %d %s", res.StatusCode, body)
				}
			}
		}
		if len(transfers) != 4 || letters != 1 {
			t.Fatalf("transfers %v", transfers)
		}

		// Scenario 6: SIGKILL in the middle of the formation, with the election task open,
		// and start again on the same data.
		openElection := nextTask(t, sec, "formation.election")
		p.kill(t)
		p = startDev(t, data, dbURL)
		admin = loginAs(t, p.base, "admin", adminPassword)
		sec, off, offCounty := loginAs(t, p.base, "secretary-a", "password-secretary-a"),
			loginAs(t, p.base, "officer-a", "password-officer-a"), loginAs(t, p.base, "officer-county", "password-officer-county")
		f = sec.must(200, "GET", "/formations/"+id, nil)
		kinds := map[string]int{}
		for _, s := range f["steps"].([]any) {
			kinds[s.(map[string]any)["kind"].(string)+"/"+s.(map[string]any)["status"].(string)]++
		}
		if fmt.Sprint(kinds) != "map[formation.application/completed:2 formation.approval/completed:2 formation.election/open:1]" {
			t.Fatalf("after restart: steps %v", kinds)
		}

		// The election is checked against the rules; each refusal names the rule and leaves
		// the task as it was.
		election := nextTask(t, sec, "formation.election")
		if election["id"] != openElection["id"] {
			t.Fatalf("the election task changed over the restart: %v then %v", openElection["id"], election["id"])
		}
		sec.must(200, "POST", "/tasks/"+election["id"].(string)+"/claim", nil)
		election["status"] = "claimed"
		for _, bad := range []struct {
			result map[string]any
			field  string
		}{
			{map[string]any{"voting_members": 3, "present": 2, "seats": 1, "candidates": 1,
				"elected": []map[string]any{{"name": "张三", "post": "secretary", "votes": 2}}}, "present"},
			{map[string]any{"voting_members": 3, "present": 3, "seats": 2, "candidates": 2,
				"elected": []map[string]any{{"name": "张三", "post": "secretary", "votes": 3}, {"name": "赵六", "post": "deputy_secretary", "votes": 3}}}, "elected[1].name"},
			{map[string]any{"voting_members": 4, "present": 4, "seats": 1, "candidates": 1,
				"elected": []map[string]any{{"name": "张三", "post": "secretary", "votes": 4}}}, "voting_members"},
		} {
			status, out := sec.call("POST", "/tasks/"+election["id"].(string)+"/complete", map[string]any{"result": bad.result})
			if status != 422 || !strings.Contains(fmt.Sprint(out["errors"], out["fields"], out["invalid_params"], out), bad.field) ||
				!strings.Contains(fmt.Sprint(out), "rule") {
				t.Fatalf("breaking %s: %d %v", bad.field, status, out)
			}
		}
		if got := sec.must(200, "GET", "/tasks/"+election["id"].(string), nil); got["status"] != "claimed" {
			t.Fatalf("after refusals the election task is %v", got["status"])
		}
		doTask(t, sec, election, map[string]any{"voting_members": 3, "present": 3, "seats": 2, "candidates": 2, "held_on": today,
			"elected": []map[string]any{{"name": "张三", "post": "secretary", "votes": 3}, {"name": "李四", "post": "deputy_secretary", "votes": 2}}})
		doTask(t, sec, nextTask(t, sec, "formation.report"), map[string]any{"first_meeting_on": today})
		doTask(t, off, nextTask(t, off, "formation.confirmation"), map[string]any{"decision": "approve"})
		filing := nextTask(t, offCounty, "formation.filing")
		if filing["unit_id"] != county {
			t.Fatalf("filing task %v", filing)
		}
		doTask(t, offCounty, filing, map[string]any{"reference": "青组备〔2026〕3号"})

		waitFor(t, func() bool { return sec.must(200, "GET", "/formations/"+id, nil)["status"] == "active" })
		if o := sec.must(200, "GET", "/organizations/"+org, nil); o["coverage"] != "single" {
			t.Fatalf("coverage %v, want single", o["coverage"])
		}
		if o := sec.must(200, "GET", "/organizations/"+other, nil); o["coverage"] != "none" {
			t.Fatalf("the other organization's coverage %v", o["coverage"])
		}
		po := sec.must(200, "GET", "/party-orgs/"+poID, nil)
		termDue, _ := time.Parse(time.RFC3339, fmt.Sprint(po["term_due_at"]))
		termStarted, _ := time.Parse(time.RFC3339, fmt.Sprint(po["term_started_at"]))
		if po["status"] != "active" || fmt.Sprint(po["officers"]) != "[map[name:张三 post:secretary] map[name:李四 post:deputy_secretary]]" ||
			termStarted.IsZero() || !termDue.Equal(termStarted.AddDate(3, 0, 0)) {
			t.Fatalf("party organization %v", po)
		}
		// Nothing was duplicated by the restart: one task per step and round.
		kinds = map[string]int{}
		for _, s := range sec.must(200, "GET", "/formations/"+id, nil)["steps"].([]any) {
			kinds[s.(map[string]any)["kind"].(string)+"/"+s.(map[string]any)["status"].(string)]++
		}
		if fmt.Sprint(kinds) != "map[formation.application/completed:2 formation.approval/completed:2 formation.confirmation/completed:1 formation.election/completed:1 formation.filing/completed:1 formation.report/completed:1]" {
			t.Fatalf("steps %v", kinds)
		}
		audit := admin.must(200, "GET", "/audit?subject_type=formation&subject_id="+id, nil)["items"].([]any)
		if len(audit) < 8 {
			t.Fatalf("audit of the formation: %d records", len(audit))
		}

		// The secretary asks to become a general branch; the township's officer approves.
		sec.must(202, "POST", "/party-orgs/"+poID+"/adjustment", map[string]any{"kind": "general_branch", "reason": "党员将增至50人以上"})
		if status, _ := sec.call("POST", "/party-orgs/"+poID+"/adjustment", map[string]any{"add": []string{other}, "reason": "x"}); status != 422 {
			t.Fatalf("a general branch taking a second organization: %d", status)
		}
		doTask(t, off, nextTask(t, off, "party_org.adjustment"), map[string]any{"decision": "approve"})
		waitFor(t, func() bool { return sec.must(200, "GET", "/party-orgs/"+poID, nil)["kind"] == "general_branch" })

		// The next market extract no longer lists the organization: the township's officer
		// is asked whether to dissolve the branch, and keeps it with a reason.
		if err := os.WriteFile(roster, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n"+other+",东风物流有限公司,东风街道\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// One of the source's two organizations gone is more than the 20% gate lets through: the
		// county's officer (an officer of the net's root, not the uploader) confirms it.
		held := admin.uploadNoWait("market", roster)
		doTask(t, offCounty, nextTask(t, offCounty, "roster.confirm_missing"), map[string]any{"decision": "confirm", "reason": "企业迁出，名册属实"})
		waitFor(t, func() bool { return admin.must(200, "GET", "/roster-imports/"+held, nil)["status"] == "done" })
		review := nextTask(t, off, "party_org.dissolution")
		if review["subject"] != org || !strings.Contains(review["title"].(string), "不在部门名册") {
			t.Fatalf("dissolution task %v", review)
		}
		doTask(t, off, review, map[string]any{"decision": "return", "reason": "企业迁址，仍在经营，待下月名册核实"})
		time.Sleep(300 * time.Millisecond)
		if po := sec.must(200, "GET", "/party-orgs/"+poID, nil); po["status"] != "active" {
			t.Fatalf("kept branch is %v", po["status"])
		}

		// The township's officer decides a dissolution: the coverage goes back to none.
		off.must(202, "POST", "/party-orgs/"+poID+"/dissolution", map[string]any{"reason": "企业注销", "decided": true})
		waitFor(t, func() bool { return sec.must(200, "GET", "/party-orgs/"+poID, nil)["status"] == "dissolved" })
		if o := sec.must(200, "GET", "/organizations/"+org, nil); o["coverage"] != "none" {
			t.Fatalf("coverage after dissolution %v", o["coverage"])
		}
	})
}

// nextTask waits for the caller's first active task of a kind.
func nextTask(t *testing.T, s *session, kind string) map[string]any {
	t.Helper()
	var task map[string]any
	waitFor(t, func() bool {
		items := s.must(200, "GET", "/tasks?kind="+kind, nil)["items"].([]any)
		if len(items) == 0 {
			return false
		}
		task = items[0].(map[string]any)
		return true
	})
	return task
}

// doTask claims (when open) and completes a task.
func doTask(t *testing.T, s *session, task map[string]any, result map[string]any) {
	t.Helper()
	id := task["id"].(string)
	if task["status"] == "open" {
		s.must(200, "POST", "/tasks/"+id+"/claim", nil)
	}
	s.must(200, "POST", "/tasks/"+id+"/complete", map[string]any{"result": result})
}

func authed(s *session, method, path string) *http.Request {
	req, _ := http.NewRequest(method, s.base+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	return req
}
