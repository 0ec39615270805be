package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

// pickStarting opens the select of form field path and picks the options of its own dropdown
// (the listbox its input controls) whose text starts with each prefix (a unit's option reads
// 东风街道（乡镇（街道））); a multiple select stays open between the picks.
func (b *browser) pickStarting(path string, prefixes ...string) {
	b.t.Helper()
	list := fmt.Sprintf(`document.getElementById(document.querySelector('[data-field=%q] input').getAttribute('aria-controls'))`, path)
	if !eval[bool](b, fmt.Sprintf(`(() => { const l = %s; return !!(l && l.offsetParent) })()`, list)) {
		b.do(chromedp.Click(fmt.Sprintf(`[data-field=%q] .el-select__wrapper`, path)))
	}
	for _, prefix := range prefixes {
		js := fmt.Sprintf(`(() => { const l = %s; const e = l && [...l.querySelectorAll('.el-select-dropdown__item')].find((x) => x.offsetParent && x.innerText.trim().startsWith(%q)); if (!e) return false; e.click(); return true })()`, list, prefix)
		deadline := time.Now().Add(10 * time.Second)
		for !eval[bool](b, js) {
			if time.Now().After(deadline) {
				b.shot("failure")
				b.t.Fatalf("browser (%s): no option starting %q for %s", b.vp.name, prefix, path)
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
	}
	eval[any](b, `(() => { document.activeElement && document.activeElement.blur(); document.body.click(); return null })()`)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !eval[bool](b, fmt.Sprintf(`(() => { const l = %s; return !!(l && l.offsetParent) })()`, list)) {
			break
		}
	}
}

// typeTag types v into the filterable select of field path (an allow-create select) and picks
// the option that offers it.
func (b *browser) typeTag(path, v string) {
	b.t.Helper()
	b.do(chromedp.Click(fmt.Sprintf(`[data-field=%q] .el-select__wrapper`, path)), chromedp.SendKeys(fmt.Sprintf(`[data-field=%q] input`, path), v))
	b.pickStarting(path, v)
}

// typeDate types a date (as the picker shows it, 2026年12月3日) into field path's picker, with
// the Enter that commits it.
func (b *browser) typeDate(path string, d time.Time) {
	b.t.Helper()
	b.fill(path, fmt.Sprintf("%d年%d月%d日\r", d.Year(), int(d.Month()), d.Day()))
}

// fieldError is the message Element Plus shows under form field path.
func (b *browser) fieldError(path string) string {
	return eval[string](b, fmt.Sprintf(`(document.querySelector('[data-field=%q] .el-form-item__error') || {}).innerText || ''`, path))
}

// TestUIInspection: #19's screens against the real binary (SQLite). A city officer drafts a
// special inspection round through the form on a phone (an empty draft answers 422 at its
// fields), another approves the plan on the task page, the drafter names a team (a township's
// own inspector is refused with the 回避 message naming them, the target and the rule), the
// team's leader completes the township's visit with a finding on the task page, and the
// township's officer finds the item in their queue, opens its page (history, its plan task) and
// the plan task (申请延期 offered). A county officer nominates a party organization through the
// nomination form (the checklist from the server); once it is in public notice another county's
// officer, outside its scope, reads it on the 公示 page and lodges an objection there.
func TestUIInspection(t *testing.T) {
	data := t.TempDir()
	p := startDev(t, data, "", "TANDEM_DEMONSTRATION_NOTICE_DAYS=10m")
	admin := loginAs(t, p.base, "admin", adminPassword)
	city := admin.unit("青山市两新工委", "region", "city", nil)
	countyA := admin.unit("青山县", "region", "county", city)
	town := admin.unit("东风街道", "region", "township", countyA)
	countyB := admin.unit("北城县", "region", "county", city)
	committee := admin.unit("市非公企业党委", "industry", "committee", city)
	users := []string{}
	for _, u := range []struct{ name, unit, role string }{
		{"drafter", city, "officer"}, {"reviewer", city, "officer"}, {"leader-1", committee, "inspector"},
		{"town-staff", town, "inspector"}, {"town-officer", town, "officer"}, {"town-officer-2", town, "officer"},
		{"county-a-officer", countyA, "officer"}, {"county-b-officer", countyB, "officer"},
	} {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
		users = append(users, u.name)
	}
	// The party organization to nominate comes out of a formation elsewhere; here it is a fixture.
	st, err := store.Open(context.Background(), filepath.Join(data, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
		SELECT 'po-ui', 'branch', '东风科技有限公司党支部', id, path, 'active', 'f-ui', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM units WHERE id = ?`,
		town).Error; err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	login := func(name string) *session { return loginAs(t, p.base, name, "password-"+name) }
	drafter, reviewer, leader, townOfficer, countyA1 := login("drafter"), login("reviewer"), login("leader-1"), login("town-officer"), login("county-a-officer")
	allowed := func(extra ...string) []string { return (&uiFixture{users: users}).allowed(extra...) }

	// Field days: the next working day and the one after, on the server's calendar.
	workingDay := func(n int) time.Time {
		d := admin.must(200, "GET", fmt.Sprintf("/calendar/deadline?working_days=%d", n), nil)
		due, _ := time.Parse(time.RFC3339, d["due_at"].(string))
		return due.Add(-time.Second).In(calendar.Shanghai)
	}

	// The draft, on a phone: an empty one is refused at its fields, then the form is filled.
	b := newBrowser(t, p.base, phone)
	b.login("drafter", "password-drafter")
	b.open("/inspection-rounds", `[data-test=new-round]`)
	b.tap(`[data-test=new-round]`)
	b.tap(`[data-test=submit-round]`)
	b.do(chromedp.WaitVisible(`[data-field=title] .el-form-item__error`))
	if e := b.fieldError("title"); !strings.Contains(e, "必填") {
		t.Errorf("the empty draft's title says %q", e)
	}
	if e := b.fieldError("targets"); e == "" {
		t.Error("the empty draft shows no error at 督查对象")
	}
	b.look("round-draft-422", allowed("YYYY-MM-DD")...) // the server's reason for a missing date names its form
	b.fill("title", "两新组织双同步专项督查")
	b.fill("theme", "党组织覆盖")
	b.pickStarting("targets", "东风街道", "北城县")
	b.clickText(`[data-field=methods] .el-checkbox`, "听取汇报")
	b.clickText(`[data-field=methods] .el-checkbox`, "实地走访")
	b.typeDate("field_from", workingDay(1))
	// The Enter that commits a date does not submit the half-filled form (its 422 would clear
	// the title's error, and once, under load, came back after the plan was typed and swallowed
	// the tap on 提交审核).
	if e := b.fieldError("title"); !strings.Contains(e, "必填") {
		t.Errorf("after the date's Enter the title says %q: the form was submitted", e)
	}
	b.typeDate("field_to", workingDay(2))
	b.fill("plan", "一、督查内容\n二、督查安排")
	b.tap(`[data-test=submit-round]`)
	b.do(chromedp.WaitVisible(`[data-test=round-summary]`))
	b.waitText("方案审核中")
	url := eval[string](b, `location.pathname`)
	id := strings.TrimPrefix(url, "/inspection-rounds/")
	round := func() map[string]any { return drafter.must(200, "GET", "/inspection-rounds/"+id, nil) }
	if r := round(); len(r["targets"].([]any)) != 2 || fmt.Sprint(r["methods"]) != "[听取汇报 实地走访]" {
		t.Fatalf("the round drafted through the form: %v", r)
	}
	b.look("round-plan-review", allowed()...)
	waitStatus := func(want string) {
		t.Helper()
		waitFor(t, func() bool { return round()["status"] == want })
	}

	// Another officer approves the plan on the task page.
	d := newBrowser(t, p.base, desktop)
	d.login("reviewer", "password-reviewer")
	review := nextTask(t, reviewer, "inspection.plan_review")
	d.open("/tasks/"+review["id"].(string), `[data-test=complete]`)
	d.choose("decision", "同意")
	d.fill("reference", "青两新督〔2026〕3号")
	d.tap(`[data-test=complete]`)
	d.waitText("已提交")
	waitStatus("team")

	// The team: the township's own inspector is refused (回避), then the team is named.
	b.open("/inspection-rounds/"+id, `[data-test=team-form]`)
	b.typeTag("members[0].username", "leader-1")
	b.choose("members[0].post", "组长")
	b.clickText(`[data-field="members[0].targets"] .el-checkbox`, "东风街道")
	b.clickText(`[data-field="members[0].targets"] .el-checkbox`, "北城县")
	b.tap(`[data-test=add-member]`)
	b.typeTag("members[1].username", "town-staff")
	b.choose("members[1].post", "组员")
	b.clickText(`[data-field="members[1].targets"] .el-checkbox`, "东风街道")
	b.tap(`[data-test=save-team]`)
	b.do(chromedp.WaitVisible(`[data-test=team-error]`))
	if e := eval[string](b, `document.querySelector('[data-test=team-error]').innerText`); !strings.Contains(e, "town-staff") || !strings.Contains(e, "东风街道") || !strings.Contains(e, "回避") {
		t.Errorf("the 回避 refusal says %q", e)
	}
	if e := eval[string](b, `(document.querySelector('[data-field="members[1]"] [data-test=member-error]') || {}).innerText || ''`); !strings.Contains(e, "town-staff") {
		t.Errorf("the 回避 refusal is not shown at the member's targets: %q", e)
	}
	b.look("round-team-422", allowed()...)
	b.clickText(`[data-field="members[1]"] .el-button`, "删除成员")
	b.tap(`[data-test=save-team]`)
	b.waitText("实地督查中")
	b.do(chromedp.WaitVisible(`[data-test=team]`))
	b.look("round-field", allowed()...)
	// 打开督查报告 shows the printable report in a new tab, fetched with the session's token: the
	// tab is stood in for, and the document it is given is read back.
	eval[any](b, `(() => { window.__tab = { location: '', close() {} }; window.open = () => window.__tab
		const made = URL.createObjectURL; URL.createObjectURL = (x) => { window.__blob = x; return made(x) }; return null })()`)
	b.tap(`[data-test=open-report]`)
	waitFor(t, func() bool { return eval[bool](b, `String(window.__tab.location).startsWith('blob:')`) })
	if doc := eval[string](b, `window.__blob.text()`); !strings.Contains(doc, "青山市两新工委") || !strings.Contains(doc, "青两新督〔2026〕3号") {
		t.Errorf("the report opened from the round page: %.300s", doc)
	}

	// The township's officer asks for the leader's 回避 on the round's page; the sponsor overrules it.
	o := newBrowser(t, p.base, phone)
	o.login("town-officer", "password-town-officer")
	o.open("/inspection-rounds/"+id, fmt.Sprintf(`[data-object=%q]`, town))
	o.tap(fmt.Sprintf(`[data-object=%q]`, town))
	o.typeTag("username", "leader-1")
	o.fill("reason", "组长曾在东风街道挂职")
	o.look("round-objection", allowed()...)
	o.tap(`[data-test=submit-objection]`)
	o.waitText("回避申请已提交")
	objection := nextTask(t, reviewer, "inspection.objection")
	doTask(t, reviewer, objection, map[string]any{"decision": "overrule", "reason": "挂职已满三年，无需回避"})

	// The leader completes the township's visit with a finding, on the task page.
	l := newBrowser(t, p.base, phone)
	l.login("leader-1", "password-leader-1")
	visit := taskAbout(t, leader, "inspection.visit", town)
	l.open("/tasks/"+visit["id"].(string), `[data-test=complete]`)
	l.typeTag("methods_done", "听取汇报")
	l.fill("notes", "座谈 6 人")
	l.clickText(`[data-field=findings] > .el-button`, "添加问题")
	l.fill("findings[0].category", "组织建设")
	l.choose("findings[0].severity", "严重")
	l.fill("findings[0].description", "党支部逾期未换届")
	l.choose("findings[0].fixed_on_the_spot", "否")
	l.look("visit-form", allowed()...)
	l.tap(`[data-test=complete]`)
	l.waitText("已提交")
	doTask(t, leader, taskAbout(t, leader, "inspection.visit", countyB), map[string]any{"methods_done": []string{"听取汇报"}, "findings": []any{}})
	waitStatus("feedback")
	for _, target := range []string{town, countyB} {
		doTask(t, leader, taskAbout(t, leader, "inspection.feedback", target), map[string]any{"feedback": "请于四十个工作日内完成整改"})
	}
	waitStatus("rectification")
	plan := taskAbout(t, townOfficer, "rectification.plan", town)

	// The township's officer prints its feedback from the round's page: issuer, 文号 and 抄告.
	o.open("/inspection-rounds/"+id, fmt.Sprintf(`[data-feedback=%q]`, town))
	eval[any](o, `(() => { window.__tab = { location: '', close() {} }; window.open = () => window.__tab
		const made = URL.createObjectURL; URL.createObjectURL = (x) => { window.__blob = x; return made(x) }; return null })()`)
	o.tap(fmt.Sprintf(`[data-feedback=%q]`, town))
	waitFor(t, func() bool { return eval[bool](o, `String(window.__tab.location).startsWith('blob:')`) })
	if doc := eval[string](o, `window.__blob.text()`); !strings.Contains(doc, "青两新督〔2026〕3号") || !strings.Contains(doc, "抄告：青山县") ||
		!strings.Contains(doc, "请于四十个工作日内完成整改") {
		t.Errorf("the feedback printed from the round page: %.400s", doc)
	}

	// The township's officer: the queue, the item's page with its plan task, the plan task.
	o.open("/rectifications", `[data-item]`)
	o.waitText("党支部逾期未换届")
	o.look("rectification-queue", allowed()...)
	o.tap(`[data-item]`)
	o.do(chromedp.WaitVisible(`[data-test=item-summary]`))
	itemPath := eval[string](o, `location.pathname`)
	o.waitText("制定整改方案")
	o.do(chromedp.WaitVisible(`[data-test=item-task]`))
	o.look("rectification-item", allowed()...)
	o.tap(`[data-test=item-task]`)
	o.do(chromedp.WaitVisible(`[data-test=complete]`))
	if got := eval[string](o, `location.pathname`); got != "/tasks/"+plan["id"].(string) {
		t.Errorf("the item's task link opens %s, not its plan task", got)
	}
	o.do(chromedp.WaitVisible(`[data-test=extend]`), chromedp.WaitVisible(`[data-test=process-link]`))

	// The five rectification forms on the task page. The plan: a deadline past the round's
	// limit is the Update validator's 422 at its field, then the plan is accepted.
	o.fill("measures", "按期完成换届")
	o.fill("responsible", "王五")
	o.fill("deadline_working_days", "41")
	o.tap(`[data-test=complete]`)
	o.do(chromedp.WaitVisible(`[data-field=deadline_working_days] .el-form-item__error`))
	o.look("rectification-plan-422", allowed()...)
	o.fill("deadline_working_days", "20")
	o.tap(`[data-test=complete]`)
	o.waitText("已提交")
	d.open("/tasks/"+taskAbout(t, reviewer, "rectification.plan_review", town)["id"].(string), `[data-test=complete]`)
	d.choose("decision", "同意")
	d.tap(`[data-test=complete]`)
	d.waitText("已提交")
	// The report: 申请延期 (the sponsor's officer grants it), a photo attached and picked as the
	// evidence, the statement signed.
	report := taskAbout(t, townOfficer, "rectification.report", town)
	o.open("/tasks/"+report["id"].(string), `[data-test=extend]`)
	o.tap(`[data-test=extend]`)
	o.fill("reason", "需上级党委批复换届")
	o.tap(`[data-test=extend-confirm]`)
	o.waitText("延期申请已提交，等待审批")
	exts := townOfficer.must(200, "GET", "/tasks/"+report["id"].(string)+"/deadline-extensions", nil)["items"].([]any)
	if len(exts) != 1 || exts[0].(map[string]any)["working_days"] != float64(5) {
		t.Fatalf("the extension asked on the task page: %v", exts)
	}
	reviewer.must(200, "POST", "/tasks/"+report["id"].(string)+"/deadline-extensions/"+exts[0].(map[string]any)["id"].(string)+"/decision", map[string]any{"decision": "grant"})
	photo := filepath.Join(t.TempDir(), "换届照片.png")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
	if err := os.WriteFile(photo, png, 0o644); err != nil {
		t.Fatal(err)
	}
	o.do(chromedp.SetUploadFiles(`[data-test=upload]`, []string{photo}))
	o.waitText("附件已上传")
	o.choose("done", "是")
	o.fill("summary", "已完成换届选举")
	o.pickStarting("evidence", "换届照片.png")
	o.fill("statement", "以上情况属实，特此承诺")
	o.choose("signed", "是")
	o.look("rectification-report", allowed("换届照片.png")...)
	o.tap(`[data-test=complete]`)
	o.waitText("已提交")
	if r := townOfficer.must(200, "GET", "/tasks/"+report["id"].(string), nil)["result"].(map[string]any); len(r["evidence"].([]any)) != 1 {
		t.Fatalf("the report's evidence: %v", r)
	}
	doTask(t, login("town-officer-2"), taskAbout(t, login("town-officer-2"), "rectification.self_check", town), map[string]any{"decision": "approve"})
	d.open("/tasks/"+taskAbout(t, reviewer, "rectification.verify", town)["id"].(string), `[data-test=complete]`)
	d.choose("decision", "同意")
	d.tap(`[data-test=complete]`)
	d.waitText("已提交")
	o.open(itemPath, `[data-test=item-history]`)
	o.waitText("已销号")
	o.waitText("验收销号 · reviewer")
	o.look("rectification-signed-off", allowed()...)

	// A demonstration point nominated through the form, then put into its public notice.
	c := newBrowser(t, p.base, desktop)
	c.login("county-a-officer", "password-county-a-officer")
	c.open("/demonstration-points/new?party_org=po-ui", `[data-field="self_assessment[10]"]`)
	c.waitText("东风科技有限公司党支部")
	if n := eval[int](c, `document.querySelectorAll('[data-field^="self_assessment["]').length`); n != len(domain.DefaultDemonstrationChecklist) {
		t.Errorf("the self-assessment shows %d lines, the checklist has %d", n, len(domain.DefaultDemonstrationChecklist))
	}
	c.tap(`[data-test=submit-nomination]`)
	c.do(chromedp.WaitVisible(`[data-field=reasons] .el-form-item__error`))
	if e := c.fieldError("reasons"); e == "" {
		t.Error("a nomination without reasons shows no error at 推荐理由")
	}
	c.fill("reasons", "阵地建设规范，党员作用发挥明显")
	c.clickText(`[data-field="self_assessment[4]"] .el-radio-button`, "未达到")
	c.look("demonstration-nominate", allowed("po-ui")...)
	c.tap(`[data-test=submit-nomination]`)
	c.do(chromedp.WaitVisible(`[data-test=point-summary]`))
	pid := strings.TrimPrefix(eval[string](c, `location.pathname`), "/demonstration-points/")
	pt := countyA1.must(200, "GET", "/demonstration-points/"+pid, nil)["point"].(map[string]any)
	if !strings.Contains(fmt.Sprint(pt["self_assessment"]), "item:有书报 met:false") {
		t.Errorf("the self-assessment recorded: %v", pt["self_assessment"])
	}
	doTask(t, reviewer, nextTask(t, reviewer, "demonstration.review"), map[string]any{"decision": "pass"})
	doTask(t, reviewer, nextTask(t, reviewer, "demonstration.visit"), map[string]any{"score": 92, "notes": "阵地规范"})
	doTask(t, reviewer, nextTask(t, reviewer, "demonstration.decision"), map[string]any{"decision": "name", "reason": "综合评定优秀"})
	waitFor(t, func() bool {
		return countyA1.must(200, "GET", "/demonstration-points/"+pid, nil)["point"].(map[string]any)["status"] == "public_notice"
	})
	c.open("/demonstration-points/"+pid, `[data-test=point-history]`)
	c.waitText("公示中")
	c.look("demonstration-point", allowed()...)

	// Another county's officer, outside the point's scope, objects on the 公示 page.
	x := newBrowser(t, p.base, phone)
	x.login("county-b-officer", "password-county-b-officer")
	x.open("/demonstration-notices", fmt.Sprintf(`[data-object=%q]`, pid))
	x.waitText("东风科技有限公司党支部")
	if strings.Contains(x.text(), "92") {
		t.Error("the 公示 page shows the point's score")
	}
	x.tap(fmt.Sprintf(`[data-object=%q]`, pid))
	x.tap(`[data-test=submit-objection]`)
	x.do(chromedp.WaitVisible(`[data-field=reason] .el-form-item__error`))
	x.fill("reason", "该支部去年未按期换届")
	x.tap(`[data-test=submit-objection]`)
	x.waitText("已提出异议")
	x.look("demonstration-notice-objected", allowed()...)
	obs := countyA1.must(200, "GET", "/demonstration-points/"+pid, nil)["objections"].([]any)
	if len(obs) != 1 || obs[0].(map[string]any)["lodged_by"] != "county-b-officer" {
		t.Fatalf("objections after the 公示 page: %v", obs)
	}

	// The city's ranking of the year's visited points: the point first, with its score.
	b.open("/demonstration-points", `[data-test=ranking]`)
	b.tap(`[data-test=ranking]`)
	b.do(chromedp.WaitVisible(`[data-test=demonstration-ranking] .el-table__row`))
	b.waitText("东风科技有限公司党支部")
	if got := b.text(); !strings.Contains(got, "92") || !strings.Contains(got, "公示中") {
		t.Errorf("the ranking page: %.400s", got)
	}
	b.look("demonstration-ranking", allowed()...)
}
