package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestUITaskActions: on the task page an inspector claims a census task and hands it back
// (退回待认领), claims it again, comments, attaches a photo, and delegates it to a colleague
// picked from the list the API offers (its township's inspector and the county's officer, not
// the other township's); then, offline, completes a second task that a colleague completes
// meanwhile: once the network returns the page says 已由 inspector-a2 完成 and keeps the draft.
func TestUITaskActions(t *testing.T) {
	fx := newUIFixture(t)
	fx.admin.must(201, "POST", "/users", map[string]any{"username": "inspector-a2", "password": "password-inspector-a2",
		"memberships": []map[string]string{{"unit_id": fx.townA, "role": "inspector"}}})
	fx.users = append(fx.users, "inspector-a2")
	offCounty, inspA, inspA2 := fx.login("officer-county"), fx.login("inspector-a"), fx.login("inspector-a2")
	offCounty.must(202, "POST", "/census-rounds", map[string]any{"unit_id": fx.county, "select": "all"})
	var tasks []any
	waitFor(t, func() bool {
		tasks = inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)
		return len(tasks) == 2
	})
	first, second := tasks[0].(map[string]any), tasks[1].(map[string]any)
	fid, sid := first["id"].(string), second["id"].(string)
	labels, raw := enumLabels(t, first, "party_org")
	allowed := fx.allowed(append(raw, "photo.png")...)
	status := func(id string) map[string]any { return inspA.must(200, "GET", "/tasks/"+id, nil) }

	b := newBrowser(t, fx.base, phone)
	b.login("inspector-a", "password-inspector-a")
	b.open("/tasks/"+fid, `[data-test=claim]`)
	b.tap(`[data-test=claim]`)
	b.waitText("已认领")
	if got := status(fid); got["assignee"] != "inspector-a" {
		t.Fatalf("after 认领 the task's assignee is %v", got["assignee"])
	}
	b.tap(`[data-test=unclaim]`)
	b.waitText("已退回待认领")
	b.do(chromedp.WaitVisible(`[data-test=claim]`))
	if got := status(fid); got["status"] != "open" || got["assignee"] != nil {
		t.Fatalf("after 退回待认领: %v, %v", got["status"], got["assignee"])
	}
	if h := eval[string](b, `document.querySelector('[data-test=history]').innerText`); !strings.Contains(h, "认领") || !strings.Contains(h, "退回待认领") {
		t.Errorf("the history (type_label from the API) says %q", h)
	}
	b.tap(`[data-test=claim]`)
	b.waitText("办理中")

	// A comment and a photo.
	b.do(chromedp.SendKeys(`[data-test=comments] textarea`, "门牌已更换，现场核实为新址"))
	b.clickText(`[data-test=comments] .el-button`, "发表")
	b.waitText("门牌已更换，现场核实为新址")
	photo := filepath.Join(t.TempDir(), "photo.png")
	// The smallest valid PNG (1×1): the server checks an image's bytes.
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
	if err := os.WriteFile(photo, png, 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.SetUploadFiles(`[data-test=upload]`, []string{photo}))
	b.waitText("photo.png")
	if got := status(fid); len(got["comments"].([]any)) != 1 || len(got["attachments"].([]any)) != 1 {
		t.Fatalf("on the server: %d comments, %d attachments", len(got["comments"].([]any)), len(got["attachments"].([]any)))
	}
	b.look("task-actions", allowed...)

	// Delegate to a colleague picked from the API's list.
	b.tap(`[data-test=delegate]`)
	b.do(chromedp.Click(`[data-test=delegate-pick] .el-select__wrapper`))
	b.waitText("inspector-a2（东风街道 · 摸排人员）")
	options := eval[string](b, `[...document.querySelectorAll('.el-select-dropdown__item')].map((e) => e.innerText).join('\n')`)
	if !strings.Contains(options, "officer-county（青山县 · 干部）") || strings.Contains(options, "inspector-b") || strings.Contains(options, "inspector-a（") {
		t.Errorf("the delegate picker offers %q", options)
	}
	b.look("task-delegate", append(allowed, "admin")...) // admins see every task, so the rule offers them too
	b.clickText(`.el-select-dropdown__item`, "inspector-a2（东风街道 · 摸排人员）")
	b.tap(`[data-test=delegate-confirm]`)
	b.waitText("已委托")
	if got := status(fid); got["assignee"] != "inspector-a2" || got["owner"] != "inspector-a" || got["delegation"] != "pending" {
		t.Fatalf("after 委托: assignee %v, owner %v, delegation %v", got["assignee"], got["owner"], got["delegation"])
	}

	// Offline, the second task is completed here while a colleague completes it there.
	b.open("/tasks/"+sid, `[data-test=complete]`)
	cdpCall(b, network.Enable, network.EnableParams{})
	cdpCall(b, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: fx.base + "/api/v1/tasks/*/complete", Block: true}}})
	b.offline(true)
	b.choose("operating", "是")
	b.fill("employees", "9")
	b.fill("formal_members", "0")
	b.fill("probationary_members", "0")
	b.choose("party_org", labels["none"])
	b.tap(`[data-test=complete]`)
	b.waitText("待发送")
	doTask(t, inspA2, second, map[string]any{"operating": true, "employees": 11, "formal_members": 0,
		"probationary_members": 0, "party_org": "none", "fixed_premises": true, "owner_is_member": false})
	cdpCall(b, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{}})
	b.offline(false)
	b.waitText("已由 inspector-a2 完成")
	b.look("task-taken", allowed...)
	got := status(sid)
	if got["completed_by"] != "inspector-a2" || historyCount(inspA, sid, "completed") != 1 {
		t.Fatalf("the second task: completed by %v, %d completions", got["completed_by"], historyCount(inspA, sid, "completed"))
	}
	if v := eval[string](b, `(document.querySelector('[data-field=employees] input') || {}).value || ''`); v != "9" {
		t.Errorf("the draft is not kept: employees shows %q", v)
	}

	d := newBrowser(t, fx.base, desktop)
	d.login("inspector-a", "password-inspector-a")
	d.open("/tasks/"+fid, `[data-test=history]`)
	d.waitText("委托")
	d.look("task-delegated", allowed...)
	// A completed task's form reads as text (the answers), not as greyed inputs.
	d.open("/tasks/"+sid, `[data-answer]`)
	answers := eval[string](d, `document.querySelector('[data-test=form]').innerText`)
	if !strings.Contains(answers, "11") || !strings.Contains(answers, labels["none"]) ||
		eval[int](d, `document.querySelectorAll('[data-test=form] input, [data-test=form] textarea').length`) != 0 {
		t.Errorf("the completed form shows %q (or still has inputs)", answers)
	}
	d.look("task-completed-answers", allowed...)
}
