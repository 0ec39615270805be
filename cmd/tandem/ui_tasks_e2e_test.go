package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The task work everyone does, in the browser: the inbox, the task page with its form drawn
// from the kind's JSON Schema, offline completion through the outbox, and the 未找到 page for
// a task outside the user's scope.

// clickText clicks the first element matching sel whose text is want.
func (b *browser) clickText(sel, want string) {
	b.t.Helper()
	b.settle()
	js := fmt.Sprintf(`(() => { const e = [...document.querySelectorAll(%q)].find((x) => x.innerText.trim() === %q); if (!e) return false; e.click(); return true })()`, sel, want)
	deadline := time.Now().Add(10 * time.Second)
	for !eval[bool](b, js) {
		if time.Now().After(deadline) {
			b.shot("failure")
			b.t.Fatalf("browser (%s): no %s saying %q; the page says:\n%s", b.vp.name, sel, want, b.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tap waits until no loading mask covers the page (it fades out over what it covered) and
// clicks sel.
func (b *browser) tap(sel string) {
	b.t.Helper()
	b.settle()
	b.do(chromedp.Click(sel))
}

// settle waits until no loading mask is on the page.
func (b *browser) settle() {
	b.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if eval[bool](b, `!document.querySelector('.el-loading-mask')`) {
			return
		}
	}
	b.shot("failure")
	b.t.Fatalf("browser (%s): the page kept loading", b.vp.name)
}

// look waits for the page to settle and checks the screen (check photographs it).
func (b *browser) look(name string, allowed ...string) {
	b.t.Helper()
	b.settle()
	b.check(name, allowed...)
}

// fill types v into the input of form field path and leaves it (so Element Plus commits it).
func (b *browser) fill(path, v string) {
	b.t.Helper()
	sel := fmt.Sprintf(`[data-field=%q] input, [data-field=%q] textarea`, path, path)
	b.do(chromedp.WaitVisible(sel))
	eval[any](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select && e.select(); return null })()`, sel))
	b.do(chromedp.SendKeys(sel, v))
	eval[any](b, `(() => { document.activeElement && document.activeElement.blur(); return null })()`)
}

// countPosts counts the POSTs the page sends from now on; the function it returns reads the count.
func (b *browser) countPosts() func() int {
	b.t.Helper()
	eval[any](b, `(() => { window.__posts = 0; if (!window.__fetch) { window.__fetch = window.fetch;
		window.fetch = (u, o) => { if ((o || {}).method === 'POST') window.__posts++; return window.__fetch(u, o) } } return null })()`)
	return func() int { return eval[int](b, `window.__posts`) }
}

// choose picks the option labelled label of a radio-button field.
func (b *browser) choose(path, label string) {
	b.t.Helper()
	b.clickText(fmt.Sprintf(`[data-field=%q] .el-radio-button`, path), label)
}

// pick opens the select of a field and picks the option labelled label.
func (b *browser) pick(path, label string) {
	b.t.Helper()
	b.do(chromedp.Click(fmt.Sprintf(`[data-field=%q] .el-select__wrapper`, path)))
	b.clickText(`.el-select-dropdown__item`, label)
}

// cdp runs one DevTools command on the tab.
func cdpCall[P, R any](b *browser, cmd cdp.Command[P, R], p P) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cmd, p)
		return err
	})); err != nil {
		b.t.Fatalf("browser (%s) %s: %v", b.vp.name, cmd.Method, err)
	}
}

// emulateByRule is Network.emulateNetworkConditionsByRule in a shape every Chromium we meet
// accepts: Debian bookworm's 148 wants `offline` beside the rules (and refuses the call
// without it), later ones read it inside each rule and ignore the outer one.
var emulateByRule = cdp.Command[emulateByRuleParams, network.EmulateNetworkConditionsByRuleResult]{Method: network.CommandEmulateNetworkConditionsByRule}

type emulateByRuleParams struct {
	Offline                  bool                  `json:"offline"`
	MatchedNetworkConditions []*network.Conditions `json:"matchedNetworkConditions"`
}

// offline cuts the tab's network (and tells the page, as a phone leaving coverage would) or
// gives it back, which fires the page's `online` event.
func (b *browser) offline(off bool) {
	b.t.Helper()
	cdpCall(b, network.Enable, network.EnableParams{})
	cdpCall(b, emulateByRule, emulateByRuleParams{Offline: off,
		MatchedNetworkConditions: []*network.Conditions{{Offline: off, Latency: 0, DownloadThroughput: -1, UploadThroughput: -1}}})
	cdpCall(b, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
}

// enumLabels maps a field's enum values to the labels the form shows: the schema's Chinese
// x-enum-titles, else the value itself (and then the values are English words the screen
// check must allow; the forms' titles come with the ui-api branch).
func enumLabels(t *testing.T, task map[string]any, field ...string) (map[string]string, []string) {
	t.Helper()
	s, _ := task["form"].(map[string]any)["schema"].(map[string]any)
	for _, f := range field {
		s = s["properties"].(map[string]any)[f].(map[string]any)
		if items, ok := s["items"].(map[string]any); ok && len(field) > 1 && f != field[len(field)-1] {
			s = items
		}
	}
	labels := map[string]string{}
	var raw []string
	titles, _ := s["x-enum-titles"].([]any)
	for i, v := range s["enum"].([]any) {
		if i < len(titles) {
			labels[v.(string)] = titles[i].(string)
		} else {
			labels[v.(string)] = v.(string)
			raw = append(raw, v.(string))
		}
	}
	return labels, raw
}

// untitled lists the properties of a form's schema (nested ones too) that have no title, so
// that the form labels them with their names (until the forms' titles of the ui-api branch).
func untitled(task map[string]any) []string {
	var out []string
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		if items, ok := s["items"].(map[string]any); ok {
			walk(items)
		}
		props, _ := s["properties"].(map[string]any)
		for k, p := range props {
			p := p.(map[string]any)
			if _, ok := p["title"]; !ok {
				out = append(out, k)
			}
			walk(p)
		}
	}
	walk(task["form"].(map[string]any)["schema"].(map[string]any))
	return out
}

// historyCount counts a task's history events of one type.
func historyCount(s *session, id, typ string) int {
	n := 0
	for _, h := range s.must(200, "GET", "/tasks/"+id, nil)["history"].([]any) {
		if h.(map[string]any)["type"] == typ {
			n++
		}
	}
	return n
}

// uiFixture is a county with township A (inspector, secretary, officer) and township B
// (inspector), and two organizations of township A on the market regulator's roster.
type uiFixture struct {
	base                 string
	admin                *session
	county, townA, townB string
	org1, org2           string
	users                []string
	login                func(name string) *session
}

func newUIFixture(t *testing.T) *uiFixture {
	t.Helper()
	p := startDev(t, t.TempDir(), "")
	fx := &uiFixture{base: p.base, admin: loginAs(t, p.base, "admin", adminPassword), org1: "91350100M000100Y43", org2: "91110108MA01B2C3D0"}
	fx.county = fx.admin.unit("青山县", "region", "county", nil)
	fx.townA = fx.admin.unit("东风街道", "region", "township", fx.county)
	fx.townB = fx.admin.unit("南湖镇", "region", "township", fx.county)
	for _, u := range []struct{ name, unit, role string }{
		{"inspector-a", fx.townA, "inspector"}, {"inspector-b", fx.townB, "inspector"}, {"officer-a", fx.townA, "officer"},
		{"secretary-a", fx.townA, "secretary"}, {"officer-county", fx.county, "officer"},
	} {
		fx.admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		fx.users = append(fx.users, u.name)
	}
	roster := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(roster, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n"+
		fx.org1+",青山精密机械有限公司,东风街道\n"+fx.org2+",东风物流有限公司,东风街道\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.admin.upload("market", roster)
	fx.login = func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
	return fx
}

// allowed is what a screen may show in Latin letters: the user names the test made.
func (fx *uiFixture) allowed(extra ...string) []string {
	a := append([]string{}, fx.users...)
	a = append(a, extra...)
	sort.Slice(a, func(i, j int) bool { return len(a[i]) > len(a[j]) }) // longest first
	return a
}

// TestUICensusVerification: an inspector on a phone claims and completes a census
// verification task on its page; then, with the network cut, completes another, which waits
// in the outbox (待发送, in the header too) through a reload and a re-login and is sent once
// when the network returns: exactly one completion in the task's history. Township B's
// inspector opening A's task reads 未找到. The screens are checked at both sizes.
func TestUICensusVerification(t *testing.T) {
	fx := newUIFixture(t)
	offCounty, inspA := fx.login("officer-county"), fx.login("inspector-a")
	offCounty.must(202, "POST", "/census-rounds", map[string]any{"unit_id": fx.county, "select": "all"})
	var tasks []any
	waitFor(t, func() bool {
		tasks = inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)
		return len(tasks) == 2
	})
	first, second := tasks[0].(map[string]any), tasks[1].(map[string]any)
	labels, raw := enumLabels(t, first, "party_org")
	allowed := fx.allowed(raw...)

	b := newBrowser(t, fx.base, phone)
	b.login("inspector-a", "password-inspector-a")
	b.waitText(first["title"].(string))
	b.waitText("截止")
	b.look("inbox", allowed...)

	// Online: claim, a refused result shown on its field, then done.
	b.open("/tasks/"+first["id"].(string), `[data-test=claim]`)
	b.look("task-open", allowed...)
	b.tap(`[data-test=claim]`)
	b.waitText("办理中")
	b.choose("operating", "是")
	b.fill("employees", "40")
	b.fill("formal_members", "0")
	b.fill("probationary_members", "0")
	b.choose("party_org", labels["none"])
	b.look("task-filled", allowed...)
	b.tap(`[data-test=complete]`)
	b.waitText("已完成")
	b.look("task-completed", allowed...)
	if n := historyCount(inspA, first["id"].(string), "completed"); n != 1 {
		t.Fatalf("first task: %d completions", n)
	}

	// Offline: the second task, already loaded, is completed without a network.
	sid := second["id"].(string)
	b.open("/inbox", `[data-task]`)
	b.open("/tasks/"+sid, `[data-test=claim]`)
	b.tap(`[data-test=claim]`)
	b.waitText("办理中")
	// The completion request itself fails even once the page is online again, so that the
	// queue must survive a reload and a re-login before it can be sent.
	cdpCall(b, network.Enable, network.EnableParams{})
	cdpCall(b, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: fx.base + "/api/v1/tasks/*/complete", Block: true}}})
	b.offline(true)
	b.choose("operating", "是")
	b.fill("employees", "12")
	b.fill("formal_members", "0")
	b.fill("probationary_members", "0")
	b.choose("party_org", labels["none"])
	b.tap(`[data-test=complete]`)
	b.waitText("待发送")
	b.do(chromedp.WaitVisible(`[data-test=outbox-count]`))
	b.look("task-queued", allowed...)
	b.do(chromedp.Click(`a.back`), chromedp.WaitVisible(`[data-test=inbox]`))
	b.waitText("离线")
	b.look("inbox-offline", allowed...)
	if got := inspA.must(200, "GET", "/tasks/"+sid, nil)["status"]; got != "claimed" {
		t.Fatalf("offline, the task is %v on the server", got)
	}

	b.offline(false)                            // the `online` event: the send is tried, and blocked
	b.open("/tasks/"+sid, `[data-test=queued]`) // a reload keeps the queue
	b.waitText("待发送 1")
	b.clickText(`.top .el-button`, "退出")
	b.do(chromedp.WaitVisible(`input[name=username]`))
	b.login("inspector-a", "password-inspector-a") // a re-login keeps it too
	b.do(chromedp.WaitVisible(`[data-test=outbox-count]`))
	if got := inspA.must(200, "GET", "/tasks/"+sid, nil)["status"]; got != "claimed" {
		t.Fatalf("before the network returns, the task is %v on the server", got)
	}

	// The network returns: sent once.
	cdpCall(b, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{}})
	b.offline(true)
	b.offline(false)
	waitFor(t, func() bool { return inspA.must(200, "GET", "/tasks/"+sid, nil)["status"] == "completed" })
	waitFor(t, func() bool { return !strings.Contains(b.text(), "待发送") })
	b.open("/tasks/"+sid, `[data-test=status]`)
	b.waitText("已完成")
	got := inspA.must(200, "GET", "/tasks/"+sid, nil)
	if n := historyCount(inspA, sid, "completed"); n != 1 || got["completed_by"] != "inspector-a" {
		t.Fatalf("second task: %d completions, by %v", n, got["completed_by"])
	}
	if res, _ := json.Marshal(got["result"]); !strings.Contains(string(res), `"employees":12`) {
		t.Fatalf("second task's result %s", res)
	}

	// The same screens on a desk, and township B's inspector on A's task: 未找到.
	d := newBrowser(t, fx.base, desktop)
	d.login("inspector-a", "password-inspector-a")
	d.waitText("我的待办")
	d.look("inbox", allowed...)
	d.open("/inbox?status=completed", `[data-task]`)
	d.look("inbox-completed", allowed...)
	d.open("/tasks/"+sid, `[data-test=history]`)
	d.waitText("已完成")
	d.look("task-completed", allowed...)
	d.open("/notifications", `[data-test=notifications]`)
	d.look("notifications", allowed...)
	b.open("/notifications", `[data-test=notifications]`)
	b.look("notifications", allowed...)
	b.clickText(`[data-notification] .el-button`, "标为已读")
	waitFor(t, func() bool { return eval[bool](b, `!document.querySelector('[data-test=bell] .badge')`) })
	if unread := inspA.must(200, "GET", "/notifications?unread=true", nil)["items"].([]any); len(unread) != 0 {
		t.Fatalf("after 标为已读: %d unread", len(unread))
	}
	for _, x := range []*browser{b, d} {
		x.clickText(`.top .el-button`, "退出")
		x.do(chromedp.WaitVisible(`input[name=username]`))
		x.login("inspector-b", "password-inspector-b")
		x.open("/tasks/"+sid, `.el-result`)
		x.waitText("未找到")
		x.look("task-out-of-scope", allowed...)
	}
}

// TestUIFormationApplication: a secretary (on a phone) submits a formation application on its
// task page, first with a register that does not match the count (the 422 shows on the field
// it names), an officer (at a desk) returns it with a reason, the secretary resubmits, the
// officer approves.
func TestUIFormationApplication(t *testing.T) {
	fx := newUIFixture(t)
	off, sec := fx.login("officer-a"), fx.login("secretary-a")
	off.must(202, "POST", "/formations", map[string]any{"organization": fx.org1, "kind": "branch"})
	app := nextTask(t, sec, "formation.application")
	kinds, rawKinds := enumLabels(t, app, "kind")
	statuses, rawStatuses := enumLabels(t, app, "members", "status")
	allowed := fx.allowed(append(append(rawKinds, rawStatuses...), untitled(app)...)...)

	s := newBrowser(t, fx.base, phone)
	s.login("secretary-a", "password-secretary-a")
	s.waitText(app["title"].(string))
	s.open("/tasks/"+app["id"].(string), `[data-test=form]`)
	s.look("application", allowed...)
	submitApplication := func(withWrongRegister bool) {
		if eval[bool](s, `!!document.querySelector('[data-test=claim]')`) {
			s.tap(`[data-test=claim]`)
			s.waitText("办理中")
		}
		s.pick("kind", kinds["branch"])
		s.fill("formal_members", "3")
		s.fill("probationary_members", "0")
		s.choose("committee", "否")
		if withWrongRegister {
			s.tap(`[data-field=members] > .el-button`)
			s.fill("members[0].name", "张三")
			s.choose("members[0].status", statuses["formal"])
			// The Enter that commits a date commits the date: it does not send the half-filled
			// form (before, it completed the task's form as 提交 does).
			sent := s.countPosts()
			s.typeDate("members[0].joined_on", time.Date(2020, 7, 1, 0, 0, 0, 0, time.Local))
			time.Sleep(500 * time.Millisecond)
			if n := sent(); n != 0 {
				s.t.Errorf("the date's Enter sent %d POSTs: it submitted the form", n)
			}
			s.tap(`[data-test=complete]`)
			s.waitText("填写有误")
			shown := func() string {
				return eval[string](s, `document.querySelector('[data-field=formal_members] .el-form-item__error')?.innerText || ''`)
			}
			for deadline := time.Now().Add(5 * time.Second); shown() == "" && time.Now().Before(deadline); {
				time.Sleep(100 * time.Millisecond) // the message fades in
			}
			if msg := shown(); !strings.Contains(msg, "正式党员") {
				s.shot("failure")
				s.t.Fatalf("the 422 on formal_members is not shown on that field; the errors shown: %s", eval[string](s,
					`JSON.stringify([...document.querySelectorAll('.el-form-item__error, .err, [role=alert]')].map((e) => (e.closest('[data-field]') || {dataset: {}}).dataset.field + ': ' + e.innerText))`))
			}
			s.look("application-refused", allowed...)
			s.clickText(`[data-field="members[0]"] .el-button`, "删除")
		}
		s.tap(`[data-test=complete]`)
		s.waitText("已完成")
	}
	submitApplication(true)

	o := newBrowser(t, fx.base, desktop)
	o.login("officer-a", "password-officer-a")
	approval := nextTask(t, off, "formation.approval")
	decisions, rawDecisions := enumLabels(t, approval, "decision")
	allowed = append(allowed, fx.allowed(rawDecisions...)...)
	o.waitText(approval["title"].(string))
	o.look("inbox", allowed...)
	o.open("/tasks/"+approval["id"].(string), `[data-test=form]`)
	o.look("approval", allowed...)
	if eval[bool](o, `!!document.querySelector('[data-test=claim]')`) {
		o.tap(`[data-test=claim]`)
		o.waitText("办理中")
	}
	o.choose("decision", decisions["return"])
	o.fill("reason", "请补充党员名册")
	o.tap(`[data-test=complete]`)
	o.waitText("已完成")
	o.look("approval-returned", allowed...)

	again := nextTask(t, sec, "formation.application")
	if again["id"] == app["id"] {
		t.Fatalf("the returned application is the same task %v", again["id"])
	}
	s.open("/inbox", `[data-task]`)
	s.open("/tasks/"+again["id"].(string), `[data-test=form]`)
	submitApplication(false)
	s.look("application-resubmitted", allowed...)

	approval2 := nextTask(t, off, "formation.approval")
	o.open("/tasks/"+approval2["id"].(string), `[data-test=form]`)
	if eval[bool](o, `!!document.querySelector('[data-test=claim]')`) {
		o.tap(`[data-test=claim]`)
		o.waitText("办理中")
	}
	o.choose("decision", decisions["approve"])
	o.fill("reference", "东风街道党工委〔2026〕12号")
	o.tap(`[data-test=complete]`)
	o.waitText("已完成")
	o.look("approval-approved", allowed...)
	waitFor(t, func() bool {
		items := off.must(200, "GET", "/formations?organization="+fx.org1, nil)["items"].([]any)
		return len(items) == 1 && items[0].(map[string]any)["step"] == "election"
	})
	// The other size of each screen.
	s2 := newBrowser(t, fx.base, desktop)
	s2.login("secretary-a", "password-secretary-a")
	s2.open("/tasks/"+again["id"].(string), `[data-test=history]`)
	s2.look("application-resubmitted", allowed...)
	o2 := newBrowser(t, fx.base, phone)
	o2.login("officer-a", "password-officer-a")
	o2.look("inbox", allowed...)
	o2.open("/tasks/"+approval2["id"].(string), `[data-test=history]`)
	o2.look("approval-approved", allowed...)
}

// Chrome DevTools' "Fast 3G" preset (front_end/core/sdk/NetworkManager.ts, called "3G" in
// newer DevTools): 1.6 Mbps down and 750 Kbps up at 90 %, 150 ms × 3.75 latency.
var fast3G = network.Conditions{Latency: 150 * 3.75, DownloadThroughput: 1.6 * 1000 * 1000 / 8 * .9, UploadThroughput: 750 * 1000 / 8 * .9}

// TestUIInboxSpeed measures the time to an interactive inbox on the phone viewport with the
// CPU slowed 4× and the Fast 3G profile: from navigation start to the inbox's list on screen
// (the page's `inbox-ready` mark), median of 5 loads with an empty cache and 5 with a warm one.
// It logs the figures (docs/performance.md); it fails only when the page never gets ready.
func TestUIInboxSpeed(t *testing.T) {
	fx := newUIFixture(t)
	offCounty, inspA := fx.login("officer-county"), fx.login("inspector-a")
	offCounty.must(202, "POST", "/census-rounds", map[string]any{"unit_id": fx.county, "select": "all"})
	waitFor(t, func() bool {
		return len(inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)) == 2
	})
	b := newBrowser(t, fx.base, phone)
	b.login("inspector-a", "password-inspector-a")
	cdpCall(b, network.Enable, network.EnableParams{})
	cdpCall(b, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 4})
	cond := fast3G
	cdpCall(b, emulateByRule, emulateByRuleParams{MatchedNetworkConditions: []*network.Conditions{&cond}})
	measure := func(cold bool) time.Duration {
		cdpCall(b, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: cold})
		ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(b.base+"/inbox"), chromedp.WaitVisible(`[data-task]`)); err != nil {
			t.Fatalf("inbox under throttling: %v", err)
		}
		var ms float64
		for i := 0; i < 100 && ms == 0; i++ {
			ms = eval[float64](b, `(performance.getEntriesByName('inbox-ready')[0] || {startTime: 0}).startTime`)
			time.Sleep(50 * time.Millisecond)
		}
		return time.Duration(ms * float64(time.Millisecond))
	}
	median := func(cold bool) (time.Duration, []time.Duration) {
		var all []time.Duration
		for range 5 {
			all = append(all, measure(cold))
		}
		sorted := append([]time.Duration{}, all...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		return sorted[len(sorted)/2], all
	}
	coldMedian, cold := median(true)
	measure(false) // fill the cache
	warmMedian, warm := median(false)
	t.Logf("inbox interactive on a phone, CPU 4×, Fast 3G (%.1f ms RTT, %.0f B/s down, %.0f B/s up): cold median %v %v; warm median %v %v (target ≤ 1s)",
		fast3G.Latency, fast3G.DownloadThroughput, fast3G.UploadThroughput, coldMedian.Round(time.Millisecond), cold, warmMedian.Round(time.Millisecond), warm)
}
