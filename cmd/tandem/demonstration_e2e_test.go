package main_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

// TestDemonstrationEndToEnd runs a demonstration point 示范点 (#19) against the real binary on
// both databases: a county's officer nominates a party organization with its self-assessment
// (a missing checklist item refused with 422), the city's officers review it (never the
// nominator: 403), visit and name it for public notice; during the notice another county's
// officer, outside the point's scope, reads the notice but not the point's files, objects, and
// is told the answer; the objection is dismissed and the point is named when the notice ends.
// The notice lasts 8 seconds here (TANDEM_DEMONSTRATION_NOTICE_DAYS=8s): the engine's timers
// run on the wall clock.
func TestDemonstrationEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		data := t.TempDir()
		p := startDev(t, data, dbURL, "TANDEM_DEMONSTRATION_NOTICE_DAYS=8s")
		admin := loginAs(t, p.base, "admin", adminPassword)
		city := admin.unit("青山市两新工委", "region", "city", nil)
		countyA := admin.unit("青山县", "region", "county", city)
		town := admin.unit("东风街道", "region", "township", countyA)
		countyB := admin.unit("北城县", "region", "county", city)
		for _, u := range []struct{ name, unit, role string }{
			{"city-officer", city, "officer"}, {"city-officer-2", city, "officer"},
			{"county-a-officer", countyA, "officer"}, {"county-b-officer", countyB, "officer"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		// The party organization itself comes out of a formation (TestFormationEndToEnd); here it
		// is written straight into the database as a fixture.
		url := dbURL
		if url == "" {
			url = filepath.Join(data, "tandem.db")
		}
		st, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
			SELECT 'po-e2e', 'branch', '东风科技有限公司党支部', id, path, 'active', 'f-e2e', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM units WHERE id = ?`,
			town).Error; err != nil {
			t.Fatal(err)
		}
		_ = st.Close()
		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		cityOff, cityOff2, countyA1, countyB1 := login("city-officer"), login("city-officer-2"), login("county-a-officer"), login("county-b-officer")

		answers := []map[string]any{}
		for _, item := range domain.DefaultDemonstrationChecklist {
			answers = append(answers, map[string]any{"item": item, "met": true})
		}
		nomination := map[string]any{"party_org_id": "po-e2e", "reasons": "阵地建设规范，党员作用发挥明显", "self_assessment": answers[1:]}
		if status, body := countyA1.call("POST", "/demonstration-points", nomination); status != 422 || !strings.Contains(fmt.Sprint(body), "self_assessment") {
			t.Fatalf("a self-assessment without 有场所: %d %v", status, body)
		}
		if status, _ := countyB1.call("POST", "/demonstration-points", map[string]any{"party_org_id": "po-e2e", "reasons": "好",
			"self_assessment": answers}); status != 422 {
			t.Fatalf("another county nominated the township's party organization: %d", status)
		}
		nomination["self_assessment"] = answers
		id := countyA1.must(201, "POST", "/demonstration-points", nomination)["id"].(string)
		point := func() map[string]any {
			return countyA1.must(200, "GET", "/demonstration-points/"+id, nil)["point"].(map[string]any)
		}
		if status, _ := countyB1.call("GET", "/demonstration-points/"+id, nil); status != 404 {
			t.Fatalf("another county read the point's files: %d", status)
		}

		review := nextTask(t, cityOff, "demonstration.review")
		if title := review["title"].(string); !strings.Contains(title, "东风科技有限公司党支部") || !strings.Contains(title, "东风街道") {
			t.Fatalf("review task title %q", title)
		}
		if status, _ := countyA1.call("POST", "/tasks/"+review["id"].(string)+"/complete", map[string]any{"result": map[string]any{"decision": "pass"}}); status != 403 && status != 404 {
			t.Fatalf("the nominator completed the review: %d", status)
		}
		doTask(t, cityOff, review, map[string]any{"decision": "pass"})
		visit := nextTask(t, cityOff, "demonstration.visit")
		cityOff.must(200, "POST", "/tasks/"+visit["id"].(string)+"/claim", nil)
		if status, body := cityOff.call("POST", "/tasks/"+visit["id"].(string)+"/complete", map[string]any{"result": map[string]any{"score": 101, "notes": "好"}}); status != 422 ||
			!strings.Contains(fmt.Sprint(body), "score") {
			t.Fatalf("a score of 101: %d %v", status, body)
		}
		cityOff.must(200, "POST", "/tasks/"+visit["id"].(string)+"/complete", map[string]any{"result": map[string]any{"score": 93, "notes": "活动阵地规范，制度上墙"}})
		decision := nextTask(t, cityOff2, "demonstration.decision")
		if why := fmt.Sprint(decision["context"]); !strings.Contains(why, "实地考察得分 93 分") || !strings.Contains(why, "排名第 1") {
			t.Fatalf("the decision task does not show the rank: %v", decision)
		}
		doTask(t, cityOff2, decision, map[string]any{"decision": "name", "reason": "考察评分93分，拟命名"})
		waitFor(t, func() bool { return point()["status"] == "public_notice" })

		// The notice: readable by anyone logged in, without the files; an objection by an
		// out-of-scope officer, answered by the city.
		notices := countyB1.must(200, "GET", "/demonstration-points/notices", nil)["items"].([]any)
		if len(notices) != 1 {
			t.Fatalf("notices %v", notices)
		}
		n := notices[0].(map[string]any)
		if n["party_org_name"] != "东风科技有限公司党支部" || n["unit_name"] != "东风街道" || n["reasons"] != nomination["reasons"] || n["notice_to"] == nil {
			t.Fatalf("notice %v", n)
		}
		for _, k := range []string{"self_assessment", "score", "nominated_by"} {
			if _, ok := n[k]; ok {
				t.Fatalf("the notice shows %s: %v", k, n)
			}
		}
		countyB1.must(202, "POST", "/demonstration-points/"+id+"/objections", map[string]any{"reason": "该支部组织生活记录不全"})
		objection := nextTask(t, cityOff, "demonstration.objection")
		doTask(t, cityOff, objection, map[string]any{"decision": "dismiss", "reason": "经核实，组织生活记录齐全"})
		waitFor(t, func() bool {
			for _, it := range countyB1.must(200, "GET", "/notifications", nil)["items"].([]any) {
				if strings.Contains(fmt.Sprint(it), "经核实，组织生活记录齐全") {
					return true
				}
			}
			return false
		})
		waitFor(t, func() bool { return point()["status"] == "named" })
		got := countyA1.must(200, "GET", "/demonstration-points/"+id, nil)
		if pt := got["point"].(map[string]any); pt["named_at"] == nil || pt["score"] != float64(93) {
			t.Fatalf("named point %v", pt)
		}
		actions := fmt.Sprint(got["history"])
		for _, a := range []string{"demonstration.nominate", "demonstration.review", "demonstration.visit", "demonstration.decision",
			"demonstration.objection", "demonstration.objection_answered", "demonstration.named"} {
			if !strings.Contains(actions, a+" ") && !strings.Contains(actions, a+"]") && !strings.Contains(actions, "action:"+a) {
				t.Fatalf("history lacks %s: %v", a, actions)
			}
		}
		if status, _ := countyB1.call("POST", "/demonstration-points/"+id+"/objections", map[string]any{"reason": "再提"}); status != 409 {
			t.Fatalf("an objection after the notice: %d", status)
		}

		// The ranking of the visit's year (Asia/Shanghai), for the city's officers; the decision
		// task showed the rank; the current points list it.
		pt := got["point"].(map[string]any)
		visited, err := time.Parse(time.RFC3339Nano, fmt.Sprint(pt["visited_at"]))
		if err != nil || pt["ranking"] != float64(1) {
			t.Fatalf("visited_at %v ranking %v: %v", pt["visited_at"], pt["ranking"], err)
		}
		year := fmt.Sprint(visited.In(calendar.Shanghai).Year())
		ranking := cityOff.must(200, "GET", "/demonstration-points/ranking?year="+year, nil)
		items := ranking["items"].([]any)
		if len(items) != 1 || ranking["unit_id"] != city {
			t.Fatalf("ranking %v", ranking)
		}
		if it := items[0].(map[string]any); it["rank"] != float64(1) || it["point_id"] != id || it["score"] != float64(93) || it["status"] != "named" ||
			it["party_org_name"] != "东风科技有限公司党支部" {
			t.Fatalf("ranking line %v", it)
		}
		if status, _ := countyA1.call("GET", "/demonstration-points/ranking?unit_id="+city, nil); status != 403 {
			t.Fatalf("a county's officer read the city's ranking: %d", status)
		}
		if status, body := cityOff.call("GET", "/demonstration-points/ranking?year=1999", nil); status != 422 || !strings.Contains(fmt.Sprint(body), "year") {
			t.Fatalf("year 1999: %d %v", status, body)
		}
		if items := cityOff.must(200, "GET", "/demonstration-points/ranking?year="+fmt.Sprint(visited.In(calendar.Shanghai).Year()+1), nil)["items"].([]any); len(items) != 0 {
			t.Fatalf("next year's ranking %v", items)
		}
		cur := countyA1.must(200, "GET", "/demonstration-points?current=true", nil)["items"].([]any)
		if len(cur) != 1 || cur[0].(map[string]any)["id"] != id || cur[0].(map[string]any)["named_at"] == nil {
			t.Fatalf("current points %v", cur)
		}
		if status, _ := countyA1.call("GET", "/demonstration-points?current=maybe", nil); status != 400 {
			t.Fatalf("current=maybe: %d", status)
		}
	})
}
