package main_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestTasksEndToEnd drives the human-task machinery through the real binary: a drill workflow
// asks township A's inspectors for a task; scoping, the claim race, invalid and double
// completion, and the Idempotency-Key replay are checked over HTTP.
func TestTasksEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		county := admin.unit("青山县", "region", "county", nil)
		townA := admin.unit("东风街道", "region", "township", county)
		townB := admin.unit("南湖镇", "region", "township", county)
		for _, u := range []struct{ name, unit, role string }{
			{"inspector-a", townA, "inspector"}, {"inspector-a2", townA, "inspector"},
			{"inspector-b", townB, "inspector"}, {"officer-a", townA, "officer"},
		} {
			admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
				"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		}
		inspA := loginAs(t, p.base, "inspector-a", "password-inspector-a")
		inspA2 := loginAs(t, p.base, "inspector-a2", "password-inspector-a2")
		inspB := loginAs(t, p.base, "inspector-b", "password-inspector-b")
		officerA := loginAs(t, p.base, "officer-a", "password-officer-a")

		drill := officerA.must(202, "POST", "/drills", map[string]any{"unit_id": townA, "role": "inspector", "note": "演练"})
		var task map[string]any
		deadline := time.Now().Add(20 * time.Second)
		for task == nil && time.Now().Before(deadline) {
			if items := inspA.must(200, "GET", "/tasks", nil)["items"].([]any); len(items) > 0 {
				task = items[0].(map[string]any)
			} else {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if task == nil {
			t.Fatal("the drill's task never reached township A's inbox")
		}
		id := task["id"].(string)
		if task["kind"] != "drill.acknowledge" || task["status"] != "open" || task["assignee"] != nil || task["unit_id"] != townA || task["role"] != "inspector" || task["form"] == nil {
			t.Fatalf("task %v", task)
		}

		// Scoping: township B's inspector neither sees nor completes it.
		if items := inspB.must(200, "GET", "/tasks", nil)["items"].([]any); len(items) != 0 {
			t.Fatalf("inspector of B sees %d tasks", len(items))
		}
		if status, _ := inspB.call("GET", "/tasks/"+id, nil); status != 404 {
			t.Fatalf("inspector of B reads the task: %d", status)
		}
		if status, _ := inspB.call("POST", "/tasks/"+id+"/complete", map[string]any{"result": map[string]any{"acknowledged": true}}); status != 404 {
			t.Fatalf("inspector of B completes the task: %d", status)
		}
		if status, _ := inspB.call("POST", "/tasks/"+id+"/claim", nil); status != 404 {
			t.Fatalf("inspector of B claims the task: %d", status)
		}

		// The claim race: many concurrent claims, exactly one 200.
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		winners := map[string]bool{}
		for i := range 24 {
			wg.Add(1)
			go func(who *session, name string) {
				defer wg.Done()
				status, body := who.call("POST", "/tasks/"+id+"/claim", nil)
				mu.Lock()
				defer mu.Unlock()
				codes[status]++
				if status == 200 {
					winners[name] = true
					if body["assignee"] != name {
						t.Errorf("winner %s, assignee %v", name, body["assignee"])
					}
				}
			}(map[bool]*session{true: inspA, false: inspA2}[i%2 == 0], map[bool]string{true: "inspector-a", false: "inspector-a2"}[i%2 == 0])
		}
		wg.Wait()
		if codes[200] != 1 || codes[409] != 23 {
			t.Fatalf("claim race: %v, want one 200 and 23 409s", codes)
		}
		winner, loser := inspA, inspA2
		if winners["inspector-a2"] {
			winner, loser = inspA2, inspA
		}
		if status, _ := loser.call("POST", "/tasks/"+id+"/complete", map[string]any{"result": map[string]any{"acknowledged": true}}); status != 403 {
			t.Fatalf("the loser completes the winner's task: %d", status)
		}

		// An invalid result: 422 naming the fields, the task stays claimed.
		status, body := winner.call("POST", "/tasks/"+id+"/complete", map[string]any{"result": map[string]any{"acknowledged": false, "colour": "red"}})
		if status != 422 || len(body["errors"].([]any)) == 0 {
			t.Fatalf("invalid result: %d %v", status, body)
		}
		if got := winner.must(200, "GET", "/tasks/"+id, nil); got["status"] != "claimed" {
			t.Fatalf("after a rejected result the task is %v", got["status"])
		}

		// Complete, retry with the same key (same answer), complete again (409).
		first := winner.must(200, "POST", "/tasks/"+id+"/complete", map[string]any{"result": map[string]any{"acknowledged": true, "note": "收到"}}, "Idempotency-Key", "done-1")
		if first["status"] != "completed" || first["completed_by"] == nil {
			t.Fatalf("completed task %v", first)
		}
		again := winner.must(200, "POST", "/tasks/"+id+"/complete", map[string]any{"result": map[string]any{"acknowledged": true, "note": "收到"}}, "Idempotency-Key", "done-1")
		if fmt.Sprint(again) != fmt.Sprint(first) {
			t.Fatalf("replay differs:\n%v\n%v", again, first)
		}
		if status, _ := winner.call("POST", "/tasks/"+id+"/complete", map[string]any{"result": map[string]any{"acknowledged": true}}); status != 409 {
			t.Fatalf("second completion: %d, want 409", status)
		}

		detail := officerA.must(200, "GET", "/tasks/"+id, nil)
		var types []string
		for _, e := range detail["history"].([]any) {
			types = append(types, e.(map[string]any)["type"].(string))
		}
		if fmt.Sprint(types) != "[created claimed completed]" {
			t.Fatalf("history %v", types)
		}
		waitFor(t, func() bool {
			return officerA.must(200, "GET", "/drills/"+drill["id"].(string), nil)["status"] == "done"
		})
		notes := inspA.must(200, "GET", "/notifications", nil)["items"].([]any)
		if len(notes) == 0 || notes[0].(map[string]any)["kind"] != "task.created" {
			t.Fatalf("notifications %v", notes)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached within 20s")
}
