package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tandem/domain"
)

// TestRosterDeliveryEndToEnd: who may deliver a source's extract, and the mass-missing gate.
// A township officer's one-row market file (renaming another township's organization into
// theirs) is a 403 and changes nothing; so is the tax liaison's; the market bureau's liaison
// delivers. A truncated extract is held for confirmation, a later one of the same source queues
// behind it; an admin rejects it (nothing changes) and the queued one merges; a second
// truncated one the admin confirms, and the organizations left out are flagged missing.
func TestRosterDeliveryEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		city := admin.unit("青山市两新工委", "region", "city", nil)
		county := admin.unit("青山县", "region", "county", city)
		townA := admin.unit("东风街道", "region", "township", county)
		admin.unit("西湖街道", "region", "township", county)
		market := admin.unit("市场监管局", "department", "department", city)
		tax := admin.unit("税务局", "department", "department", city)
		for _, u := range []struct{ name, unit, role string }{
			{"officer-a", townA, "officer"}, {"inspector-b", county, "inspector"}, {"liaison-market", market, "liaison"}, {"liaison-tax", tax, "liaison"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
		officer, liaisonMarket, liaisonTax := login("officer-a"), login("liaison-market"), login("liaison-tax")
		admin.must(200, "PUT", "/sources/market", map[string]string{"unit_id": market})

		dir := t.TempDir()
		var codes []string
		for i := 0; i < 10; i++ {
			codes = append(codes, string(domain.CompleteUSCC(fmt.Sprintf("91350100MA2XY%04d", i))))
		}
		write := func(name string, rows []string) string {
			path := filepath.Join(dir, name)
			body := "统一社会信用代码,企业名称,所属乡镇(街道)\n" + strings.Join(rows, "\n") + "\n"
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}
		var full []string
		for i, c := range codes {
			town := "西湖街道"
			if i < 3 {
				town = "东风街道"
			}
			full = append(full, fmt.Sprintf("%s,企业%d有限公司,%s", c, i, town))
		}
		first := liaisonMarket.upload("market", write("full.csv", full))
		wantCounts(t, "first load", counts(first), map[string]int{"new": 10})
		roster := func() string {
			items := admin.must(200, "GET", "/organizations?limit=100", nil)["items"].([]any)
			var out []string
			for _, it := range items {
				o := it.(map[string]any)
				out = append(out, fmt.Sprint(o["uscc"], o["name"], o["region_unit_id"], o["missing"]))
			}
			return strings.Join(out, ";")
		}
		before := roster()

		// An officer cannot speak for the market source, nor can another department.
		hijack := write("hijack.csv", []string{codes[5] + ",被改名的企业,东风街道"})
		for _, s := range []*session{officer, liaisonTax} {
			status, body := s.uploadStatus("market", hijack)
			if status != 403 || !strings.Contains(fmt.Sprint(body["detail"]), "市场监管名册只能由市场监管局的联络员或管理员上报") {
				t.Fatalf("a stranger's market upload: %d %v", status, body)
			}
		}
		if status, body := liaisonMarket.uploadStatus("tax", hijack); status != 403 || !strings.Contains(fmt.Sprint(body["detail"]), "尚未指定对接部门") {
			t.Fatalf("the market's liaison uploads tax: %d %v", status, body)
		}
		if after := roster(); after != before {
			t.Fatalf("refused uploads changed the roster:\n%s\n%s", before, after)
		}
		if status, _ := officer.call("GET", "/roster-imports/"+first["id"].(string), nil); status != 404 {
			t.Fatalf("an officer reads the market's import: %d", status)
		}
		if status, _ := officer.call("GET", "/roster-imports/"+first["id"].(string)+"/rejects", nil); status != 404 {
			t.Fatalf("an officer reads the market's rejects: %d", status)
		}

		// A truncated extract is held; the next one of the source queues behind it.
		truncated := write("truncated.csv", full[:1])
		heldID := liaisonMarket.uploadNoWait("market", truncated)
		var held map[string]any
		waitFor(t, func() bool {
			held = liaisonMarket.must(200, "GET", "/roster-imports/"+heldID, nil)
			return held["status"] == "awaiting_confirmation"
		})
		wantCounts(t, "held", counts(held), map[string]int{"missing": 9, "source_organizations": 10})
		if d := fmt.Sprint(held["detail"]); !strings.Contains(d, "等待确认") || !strings.Contains(d, "管理员") {
			t.Fatalf("held detail %q", d)
		}
		changed := append([]string{codes[0] + ",企业0改名有限公司,东风街道"}, full[1:]...)
		queuedID := liaisonMarket.uploadNoWait("market", write("next.csv", changed))
		waitFor(t, func() bool {
			q := liaisonMarket.must(200, "GET", "/roster-imports/"+queuedID, nil)
			return q["status"] == "queued" && q["waiting_for"] == heldID && strings.Contains(fmt.Sprint(q["detail"]), "排队")
		})
		if after := roster(); after != before {
			t.Fatalf("a held extract changed the roster")
		}

		confirmTask := func() map[string]any {
			var task map[string]any
			waitFor(t, func() bool {
				items := admin.must(200, "GET", "/tasks?scope=visible&kind=roster.confirm_missing&status=open", nil)["items"].([]any)
				if len(items) == 1 {
					task = items[0].(map[string]any)
				}
				return task != nil
			})
			if task["unit_id"] != city || !strings.Contains(fmt.Sprint(task["title"]), "市场监管") {
				t.Fatalf("confirmation task %v", task)
			}
			admin.must(200, "POST", "/tasks/"+task["id"].(string)+"/assign", map[string]string{"assignee": "admin"})
			return task
		}
		task := confirmTask()
		if status, _ := admin.call("POST", "/tasks/"+task["id"].(string)+"/complete", map[string]any{"result": map[string]any{"decision": "maybe"}}); status != 422 {
			t.Fatalf("a bad decision: %d", status)
		}
		admin.must(200, "POST", "/tasks/"+task["id"].(string)+"/complete", map[string]any{"result": map[string]any{"decision": "reject", "reason": "文件被截断"}})
		waitFor(t, func() bool {
			return liaisonMarket.must(200, "GET", "/roster-imports/"+heldID, nil)["status"] == "rejected"
		})
		// The queued delivery merges once the held one is decided.
		waitFor(t, func() bool {
			return liaisonMarket.must(200, "GET", "/roster-imports/"+queuedID, nil)["status"] == "done"
		})
		next := liaisonMarket.must(200, "GET", "/roster-imports/"+queuedID, nil)
		wantCounts(t, "queued then merged", counts(next), map[string]int{"changed": 1, "missing": 0})
		if o := admin.must(200, "GET", "/organizations/"+codes[0], nil); o["name"] != "企业0改名有限公司" {
			t.Fatalf("after the queued merge: %v", o)
		}
		if o := admin.must(200, "GET", "/organizations/"+codes[5], nil); o["missing"] != false || o["name"] != "企业5有限公司" {
			t.Fatalf("the rejected extract changed an organization: %v", o)
		}

		// Truncated again: the admin confirms, and the nine are flagged missing.
		againID := liaisonMarket.uploadNoWait("market", truncated)
		task = confirmTask()
		admin.must(200, "POST", "/tasks/"+task["id"].(string)+"/complete", map[string]any{"result": map[string]any{"decision": "confirm", "reason": "部门确认九家已迁出"}})
		waitFor(t, func() bool {
			return liaisonMarket.must(200, "GET", "/roster-imports/"+againID, nil)["status"] == "done"
		})
		done := liaisonMarket.must(200, "GET", "/roster-imports/"+againID, nil)
		wantCounts(t, "confirmed", counts(done), map[string]int{"missing": 9})
		if done["decided_by"] != "admin" {
			t.Fatalf("confirmed import %v", done)
		}
		if o := admin.must(200, "GET", "/organizations/"+codes[5], nil); o["missing"] != true {
			t.Fatalf("a confirmed truncated extract left %v", o)
		}
	})
}
