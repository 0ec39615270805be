package main_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestUIAdminEditors: the admin's editors, at both sizes. A user form with bad input shows the
// API's field errors on its fields; a user created with a membership is read back through the
// API, disabled and enabled again, and given a new password that then logs in; a tag is added
// and renamed; a calendar override is added, listed and deleted. Each result is checked through
// the API, not only on the screen. About 40 s (one dev process, one browser per size).
func TestUIAdminEditors(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	city := admin.unit("青山市两新工委", "region", "city", nil)
	county := admin.unit("青山县", "region", "county", city)
	for i, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			user, tag, date := "new-"+vp.name, "trial-"+vp.name, fmt.Sprintf("2030-01-%02d", 7+i)
			b := newBrowser(t, dev.base, vp)
			b.login("admin", adminPassword)
			b.open("/admin", `[data-test=admin]`)
			b.do(chromedp.Click(`#tab-users`), chromedp.WaitVisible(`[data-test=user-form]`))

			// Bad input: the API's 422 names username, password and the membership's unit; each
			// message shows under its field and nothing is created.
			b.do(chromedp.SendKeys(`[data-test=user-form] input[name=username]`, "x"), chromedp.SendKeys(`[data-test=user-form] input[name=password]`, "1"),
				chromedp.Click(`[data-test=user-create]`))
			waitJS(b, `document.querySelectorAll('[data-test=user-form] .el-form-item__error').length === 3`)
			b.waitText("至少 10 个字符")
			b.check("admin-user-errors", "admin", "new-desktop")
			if status, _ := admin.call("GET", "/users/x", nil); status != 404 {
				t.Fatalf("GET /users/x after a refused form: %d", status)
			}

			// A good user with a membership of 青山县 as officer (the role's default).
			b.do(chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('[data-test=user-form] input[name=username]'); i.value = `+"`"+user+"`"+`; i.dispatchEvent(new Event('input')) })()`),
				chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('[data-test=user-form] input[name=password]'); i.value = 'password-for-new'; i.dispatchEvent(new Event('input')) })()`),
				chromedp.Click(`[data-test=user-form] .el-select__wrapper`))
			waitJS(b, `[...document.querySelectorAll('.el-select-dropdown__item')].some((e) => e.offsetParent && e.textContent.trim() === '青山县')`)
			b.do(chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.el-select-dropdown__item')].find((e) => e.offsetParent && e.textContent.trim() === '青山县').click()`))
			b.do(chromedp.Click(`[data-test=user-create]`))
			b.waitText("已创建用户 " + user)
			got := admin.must(200, "GET", "/users/"+user, nil)
			ms, _ := got["memberships"].([]any)
			if len(ms) != 1 || ms[0].(map[string]any)["unit_id"] != county || ms[0].(map[string]any)["role"] != "officer" || got["disabled"] != false {
				t.Fatalf("the created user: %v", got)
			}
			b.check("admin-user-created", "admin", "new-desktop", "new-phone")

			// Disable, enable, reset the password (the new one logs in).
			b.do(chromedp.Click(`[data-test=disable-` + user + `]`))
			b.waitText(user + " 已停用")
			if got := admin.must(200, "GET", "/users/"+user, nil); got["disabled"] != true {
				t.Fatalf("after 停用: %v", got)
			}
			b.do(chromedp.Click(`[data-test=enable-` + user + `]`))
			b.waitText(user + " 已启用")
			if got := admin.must(200, "GET", "/users/"+user, nil); got["disabled"] != false {
				t.Fatalf("after 启用: %v", got)
			}
			b.do(chromedp.Click(`[data-test=reset-`+user+`]`), chromedp.WaitVisible(`input[name=new-password]`),
				chromedp.SendKeys(`input[name=new-password]`, "another-password-1"), chromedp.Click(`[data-test=reset-submit]`))
			b.waitText("已重置 " + user + " 的密码")
			loginAs(t, dev.base, user, "another-password-1")

			// A tag added (Enter in the form saves it, as 保存 does), then renamed through its 修改 button.
			b.do(chromedp.Click(`#tab-tags`), chromedp.WaitVisible(`[data-test=tag-form]`),
				chromedp.SendKeys(`input[name=tag-code]`, tag), chromedp.SendKeys(`input[name=tag-label]`, "试点企业"+kb.Enter))
			b.waitText("标签「试点企业」已保存")
			b.do(chromedp.Click(`[data-test=tag-edit-`+tag+`]`), chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('input[name=tag-label]'); i.value = '试点示范企业'; i.dispatchEvent(new Event('input')) })()`),
				chromedp.Click(`[data-test=tag-save]`))
			b.waitText("标签「试点示范企业」已保存")
			if !hasItem(admin.must(200, "GET", "/tags", nil), "code", tag, "label", "试点示范企业") {
				t.Fatalf("tag %s not renamed: %v", tag, admin.must(200, "GET", "/tags", nil))
			}
			b.check("admin-tag-saved", "admin", "new-desktop", "new-phone")

			// A calendar override: added (休息, the default), listed, then deleted.
			// The Enter that commits the typed date does not save the override without its 说明.
			b.do(chromedp.Click(`#tab-calendar`), chromedp.WaitVisible(`[data-test=override-form]`))
			sent := b.countPosts()
			b.do(chromedp.SendKeys(`input[name=override-date]`, date+kb.Enter))
			time.Sleep(500 * time.Millisecond)
			if n := sent(); n != 0 {
				t.Errorf("the date's Enter sent %d POSTs: it saved the override", n)
			}
			b.do(chromedp.SendKeys(`input[name=override-name]`, "本市调休"), chromedp.Click(`[data-test=override-save]`))
			b.waitText("已调整为休息")
			b.waitText("本市调休")
			if !hasItem(admin.must(200, "GET", "/calendar/overrides", nil), "date", date, "name", "本市调休") {
				t.Fatalf("override %s not listed by the API", date)
			}
			b.check("admin-override-added", "admin", "new-desktop", "new-phone")
			b.do(chromedp.Click(`[data-test=override-delete-` + date + `]`))
			b.waitText("已取消")
			if hasItem(admin.must(200, "GET", "/calendar/overrides", nil), "date", date, "name", "本市调休") {
				t.Fatalf("override %s still listed after 删除", date)
			}

			// The assessment scheme: a weight of 0 is refused on its row; a new weight is stored as
			// the next version.
			before := admin.must(200, "GET", "/assessment-scheme", nil)
			weight := fmt.Sprint(35 + i)
			b.do(chromedp.Click(`#tab-scheme`), chromedp.WaitVisible(`[data-test=scheme-edit]`), chromedp.Click(`[data-test=scheme-edit]`),
				chromedp.WaitVisible(`[data-test=scheme-form]`))
			setWeight := func(v string) {
				sel := `[data-row="indicators[0]"] .el-input-number input`
				eval[any](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select(); return null })()`, sel))
				b.do(chromedp.SendKeys(sel, v))
				eval[any](b, `(() => { document.activeElement.blur(); return null })()`)
			}
			setWeight("0")
			b.do(chromedp.Click(`[data-test=scheme-save]`), chromedp.WaitVisible(`[data-test=scheme-error]`))
			b.waitText("考核方案有误")
			b.check("admin-scheme-refused", "admin")
			if got := admin.must(200, "GET", "/assessment-scheme", nil)["version"]; jsonNum(got) != jsonNum(before["version"]) {
				t.Fatalf("a refused scheme was stored: version %v", got)
			}
			setWeight(weight)
			b.do(chromedp.Click(`[data-test=scheme-save]`))
			b.waitText("考核方案已保存为第")
			after := admin.must(200, "GET", "/assessment-scheme", nil)
			first := after["scheme"].(map[string]any)["indicators"].([]any)[0].(map[string]any)
			if jsonNum(after["version"]) == jsonNum(before["version"]) || jsonNum(first["weight"]) != weight {
				t.Fatalf("scheme after saving: version %v (was %v), first weight %v, want %s", after["version"], before["version"], first["weight"], weight)
			}
			b.check("admin-scheme-saved", "admin")
		})
	}
}

// waitJS waits until the JavaScript expression is true.
func waitJS(b *browser, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !eval[bool](b, expr) {
		if time.Now().After(deadline) {
			b.shot("failure")
			b.t.Fatalf("browser (%s): never true: %s", b.vp.name, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasItem reports whether a list answer has an item with k1 = v1 and k2 = v2.
func hasItem(list map[string]any, k1, v1, k2, v2 string) bool {
	items, _ := list["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if m[k1] == v1 && m[k2] == v2 {
			return true
		}
	}
	return false
}
