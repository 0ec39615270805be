package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"tandem/domain"
)

// The screens of each user group, driven in the browser against the real binary: a liaison's
// delivery with rejects, an officer's assessment review. Fixtures go through the API.

// allowDownloads saves the tab's downloads into a fresh folder and returns it.
func (b *browser) allowDownloads() string {
	b.t.Helper()
	dir := b.t.TempDir()
	b.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	return dir
}

// downloaded waits for a finished download named name (or one of names) in dir and returns its
// bytes.
func (b *browser) downloaded(dir, name string, names ...string) []byte {
	b.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, n := range append([]string{name}, names...) {
			if data, err := os.ReadFile(filepath.Join(dir, n)); err == nil && len(data) > 0 {
				return data
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	b.t.Fatalf("browser (%s): no download %s in %v", b.vp.name, name, entries)
	return nil
}

// waitGone waits until nothing visible on the page matches sel.
func (b *browser) waitGone(sel string) {
	b.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if !eval[bool](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].some((e) => e.offsetParent !== null)`, sel)) {
			return
		}
	}
	b.shot("failure")
	b.t.Fatalf("browser (%s): %s still shown", b.vp.name, sel)
}

// TestUIRosterRejects: a market-bureau liaison uploads an extract with a bad credit code and a
// missing one on the 名册报送 screen (with its progress), reads the counts and the rejected
// rows in Chinese, and downloads the rejects, whose bytes name the bad rows.
func TestUIRosterRejects(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	city := admin.unit("青山市两新工委", "region", "city", nil)
	county := admin.unit("青山县", "region", "county", city)
	admin.unit("东风街道", "region", "township", county)
	market := admin.unit("市场监管局", "department", "department", city)
	admin.must(201, "POST", "/users", map[string]any{"username": "liaison-market", "password": "password-liaison",
		"memberships": []map[string]string{{"unit_id": market, "role": "liaison"}}})
	admin.must(200, "PUT", "/sources/market", map[string]string{"unit_id": market})

	good1 := string(domain.CompleteUSCC("91350100MA2XY0001"))
	good2 := string(domain.CompleteUSCC("91350100MA2XY0002"))
	bad := good1[:17] + map[bool]string{true: "1", false: "2"}[good1[17] != '1'] // a wrong check character
	other := string(domain.CompleteUSCC("91350100MA2XY0003"))
	csv := "统一社会信用代码,企业名称,所属乡镇(街道),从业人数\n" +
		good1 + ",青山机械有限公司,东风街道,12\n" +
		bad + ",错码贸易有限公司,东风街道,3\n" +
		",缺码物流有限公司,东风街道,4\n" +
		good2 + ",青山软件有限公司,东风街道,8\n"
	file := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	// Conflicts: tax disagrees with the market on good1's employees (the liaison's to see), and
	// with social security on another organization the market does not list (not theirs).
	for src, body := range map[string]string{
		"tax":    "纳税人识别号,纳税人名称,所属街道,从业人数\n" + good1 + ",青山机械有限公司,东风街道,50\n" + other + ",青山电子有限公司,东风街道,30\n",
		"social": "统一社会信用代码,单位名称,所属乡镇(街道),从业人数\n" + other + ",青山电子有限公司,东风街道,40\n",
	} {
		f := filepath.Join(t.TempDir(), src+".csv")
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		admin.upload(src, f)
	}

	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			downloads := b.allowDownloads()
			b.login("liaison-market", "password-liaison")
			b.open("/deliveries", `[data-test=deliveries]`)
			b.waitText("市场监管") // the source, preselected as the liaison's department's
			b.check("deliveries", "liaison-market", "market.csv", "csv")
			b.do(chromedp.SetUploadFiles(`input[data-test=roster-file]`, []string{file}), chromedp.Click(`[data-test=upload]`))
			b.waitText("已完成")
			b.waitText("退回的行（2）")
			rows := eval[string](b, `document.querySelector('[data-test=rejects] tbody').innerText`)
			if !strings.Contains(rows, "3") || !strings.Contains(rows, "4") || !strings.Contains(rows, bad) || !strings.Contains(rows, "统一社会信用代码缺失") {
				t.Errorf("the rejects on the page: %q", rows)
			}
			if p := eval[string](b, `document.querySelector('[data-test=progress]').innerText`); !strings.Contains(p, "已上传 100%") {
				t.Errorf("upload progress shows %q, want 100%%", p)
			}
			if vp.name == desktop.name { // the first import makes the conflict (the second repeats it)
				b.waitText("存在冲突的组织")
				shown := eval[string](b, `[...document.querySelectorAll('[data-conflict]')].map((e) => e.dataset.conflict + ' ' + e.innerText).join('\n')`)
				if !strings.Contains(shown, good1) || !strings.Contains(shown, "从业人数") || !strings.Contains(shown, "50") || !strings.Contains(shown, "12") {
					t.Errorf("the market's conflict on %s is not shown with both values: %q", good1, shown)
				}
				if strings.Contains(shown, other) {
					t.Errorf("the liaison sees a conflict between tax and social security: %q", shown)
				}
			}
			b.check("deliveries-import", "liaison-market", "market.csv", "csv", bad, good1)
			b.do(chromedp.Click(`[data-test=download-rejects]`))
			imports := admin.must(200, "GET", "/roster-imports", nil)["items"].([]any)
			id := imports[len(imports)-1].(map[string]any)["id"].(string)
			data := string(b.downloaded(downloads, "导入退回行-"+id+".csv"))
			for _, want := range []string{"行号", "错码贸易有限公司", "缺码物流有限公司", bad, "3,", "4,"} {
				if !strings.Contains(data, want) {
					t.Errorf("the downloaded rejects lack %q:\n%s", want, data)
				}
			}
			if strings.Contains(data, "青山机械有限公司") || strings.Contains(data, "青山软件有限公司") {
				t.Errorf("the downloaded rejects name an accepted row:\n%s", data)
			}
		})
	}
}

// TestUIAssessmentReview: the half-year assessment runs to the city officer's review through the
// API (two townships: one reviewed at each size); on the 考核审核 screen the officer sees each
// indicator's marks and the evidence, an adjustment without a reason is refused on its row, one
// with a reason is approved, and the outcome then shows as locked, as the API says.
func TestUIAssessmentReview(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	city := admin.unit("青山市", "region", "city", nil)
	county := admin.unit("青山县", "region", "county", city)
	towns := map[string]string{desktop.name: admin.unit("东风街道", "region", "township", county), phone.name: admin.unit("南湖镇", "region", "township", county)}
	users := []struct{ name, unit string }{{"off-city", city}, {"off-county", county}, {"off-desktop", towns[desktop.name]}, {"off-phone", towns[phone.name]}}
	for _, u := range users {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": u.unit, "role": "officer"}}})
	}
	login := func(name string) *session { return loginAs(t, dev.base, name, "password-"+name) }
	offCounty := login("off-county")
	offCity := login("off-city")
	admin.must(202, "POST", "/cycles/half-year/2026-H1/run", nil)
	reviews := map[string]string{} // viewport → review task
	for _, vp := range []viewport{desktop, phone} {
		town, off := towns[vp.name], login("off-"+vp.name)
		doTask(t, off, nextTask(t, off, "assessment.self"), map[string]any{"scores": map[string]any{"census": 95, "meetings": 90}, "evidence": "走访台账12份，联席会议纪要3份"})
		var score map[string]any
		waitFor(t, func() bool {
			for _, x := range offCounty.must(200, "GET", "/tasks?kind=assessment.score", nil)["items"].([]any) {
				if x := x.(map[string]any); x["subject"] == town && x["status"] != "completed" {
					score = x
				}
			}
			return score != nil
		})
		doTask(t, offCounty, score, map[string]any{"scores": map[string]any{"census": 85, "meetings": 80}, "note": "走访记录不全"})
		waitFor(t, func() bool {
			for _, x := range offCity.must(200, "GET", "/tasks?kind=assessment.review", nil)["items"].([]any) {
				if x := x.(map[string]any); x["subject"] == town {
					reviews[vp.name] = x["id"].(string)
				}
			}
			return reviews[vp.name] != ""
		})
	}

	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			b.login("off-city", "password-off-city")
			b.open("/assessments", `[data-test=assessment-review]`)
			b.waitText("考核结果审核")
			b.check("assessment-list", "off-city")
			b.do(chromedp.Click(fmt.Sprintf(`[data-review="%s"]`, reviews[vp.name])), chromedp.WaitVisible(`[data-test=marks]`))
			b.waitText("走访台账12份")
			b.waitText("摸排核实质量")
			b.check("assessment-review", "off-city", "off-county")

			// A new value without its reason: refused on that row, nothing sent on.
			b.do(chromedp.SendKeys(`input[name=value-census]`, "90"), chromedp.Click(`[data-test=adjust]`),
				chromedp.WaitVisible(`tr[data-code=census] .err`))
			b.check("assessment-refused", "off-city", "off-county")
			b.do(chromedp.SendKeys(`input[name=reason-census]`, "补充核实了3家单位的走访记录"), chromedp.Click(`[data-test=adjust]`),
				chromedp.WaitVisible(`[data-test=locked]`))
			b.waitText("考核结果已锁定")
			b.check("assessment-locked", "off-city", "off-county")

			id := admin.must(200, "GET", "/tasks/"+reviews[vp.name], nil)["context"].(map[string]any)["under_review"].(map[string]any)["assessment_id"].(string)
			a := admin.must(200, "GET", "/assessments/"+id, nil)
			marks := a["marks"].(map[string]any)["scores"].(map[string]any)
			if a["status"] != "locked" || a["locked_by"] != "off-city" || jsonNum(marks["census"]) != "90" || jsonNum(marks["meetings"]) != "80" {
				t.Fatalf("the reviewed assessment %v", a)
			}
			if !strings.Contains(b.text(), "等次 "+a["grade"].(string)) {
				t.Errorf("the page does not show the grade %v:\n%s", a["grade"], b.text())
			}
			if row := eval[string](b, `document.querySelector('tr[data-code=census]').innerText`); !strings.Contains(row, "90") {
				t.Errorf("the locked outcome's census row %q lacks the adjusted 90", row)
			}
			if n := eval[int](b, `document.querySelectorAll('input[name^=value-]').length`); n != 0 {
				t.Errorf("a locked outcome still offers %d inputs", n)
			}
		})
	}
}

// TestUIOfficerScreens: a county officer's screens over a roster the admin imported (a market
// and a tax extract that disagree): the two nets as trees, the registry searched by name, an
// organization with each field's source and its conflicts, one of which the officer resolves
// with a reason on the desktop; coverage with its numerators and the trend chart; the
// responsibility gaps.
func TestUIOfficerScreens(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	city := admin.unit("青山市两新工委", "region", "city", nil)
	county := admin.unit("青山县", "region", "county", city)
	for _, name := range []string{"东风街道", "南湖镇"} {
		admin.unit(name, "region", "township", county)
	}
	admin.unit("市非公经济组织行业党委", "industry", "committee", city)
	admin.must(201, "POST", "/users", map[string]any{"username": "off-county", "password": "password-off-county",
		"memberships": []map[string]string{{"unit_id": county, "role": "officer"}}})
	const dir = "../../roster/testdata/"
	admin.upload("market", dir+"market-gbk.csv")
	admin.upload("tax", dir+"tax-header-row2.xlsx")
	disputed := admin.must(200, "GET", "/organizations?conflicts=true", nil)["items"].([]any)
	if len(disputed) == 0 {
		t.Fatal("the fixture has no conflicts")
	}
	org := disputed[0].(map[string]any)
	uscc := org["uscc"].(string)
	field := org["conflicts"].([]any)[0].(map[string]any)["field"].(string)

	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			b.login("off-county", "password-off-county")
			b.open("/units", `[data-test=units]`)
			b.waitText("东风街道")
			b.check("units", "off-county")

			b.open("/organizations", `[data-test=organizations]`)
			b.waitText(uscc)
			b.check("organizations", "off-county", uscc, "HYPERLINK") // a fixture's hostile name
			b.do(chromedp.SendKeys(`input[name=q]`, "物流\n"))
			b.waitText("南湖物流有限公司")
			b.check("organizations-search", "off-county")

			b.open("/organizations/"+uscc, `[data-test=fields]`)
			b.waitText("名册第")
			if vp == desktop {
				b.waitText("待核定的冲突")
			}
			b.check("organization", "off-county", uscc)
			if vp == desktop {
				b.do(chromedp.Click(fmt.Sprintf(`[data-conflict=%s] [data-value=tax]`, field)),
					chromedp.SendKeys(fmt.Sprintf(`input[name=reason-%s]`, field), "经实地走访核实"),
					chromedp.Click(fmt.Sprintf(`[data-conflict=%s] button[type=submit]`, field)))
				b.waitText("核定记录")
				b.waitText("经实地走访核实")
				b.check("organization-resolved", "off-county", uscc)
				after := admin.must(200, "GET", "/organizations/"+uscc, nil)
				var resolved bool
				for _, r := range after["resolutions"].([]any) {
					r := r.(map[string]any)
					resolved = resolved || (r["field"] == field && r["resolved_by"] == "off-county" && r["reason"] == "经实地走访核实")
				}
				if !resolved {
					t.Fatalf("the resolution did not reach the API: %v", after["resolutions"])
				}
			}

			b.open("/coverage", `[data-test=coverage]`)
			b.waitText("青山县")
			b.waitText("组织覆盖率")
			b.waitGone(`[data-test=coverage] .el-loading-mask`) // the report is in: the button takes the click
			b.do(chromedp.Click(fmt.Sprintf(`[data-trend="%s"]`, county)))
			b.waitText("近几个月末组织覆盖率")
			b.do(chromedp.WaitVisible(`[data-test=trend] canvas`))
			b.check("coverage", "off-county")

			b.open("/responsibility", `[data-test=responsibility]`)
			b.waitText("无责任单位")
			b.check("responsibility", "off-county")
		})
	}
}

// TestUISecretaryScreens: a township secretary's formation as a timeline: the application they
// submitted (through the API) done, the approval under way at the township's officer, the
// later stages not begun; each step links to its task.
func TestUISecretaryScreens(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	county := admin.unit("青山县", "region", "county", nil)
	town := admin.unit("东风街道", "region", "township", county)
	for _, u := range []struct{ name, role string }{{"secretary-a", "secretary"}, {"officer-a", "officer"}} {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": town, "role": u.role}}})
	}
	roster := filepath.Join(t.TempDir(), "market.csv")
	const org = "91350100M000100Y43"
	if err := os.WriteFile(roster, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n"+org+",青山精密机械有限公司,东风街道\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	admin.upload("market", roster)
	sec, off := loginAs(t, dev.base, "secretary-a", "password-secretary-a"), loginAs(t, dev.base, "officer-a", "password-officer-a")
	off.must(202, "POST", "/formations", map[string]any{"organization": org, "kind": "branch"})
	doTask(t, sec, nextTask(t, sec, "formation.application"), map[string]any{"kind": "branch", "formal_members": 3, "probationary_members": 0, "committee": false,
		"members": []map[string]string{{"name": "张三", "status": "formal"}, {"name": "李四", "status": "formal"}, {"name": "王五", "status": "formal"}}})
	approval := nextTask(t, off, "formation.approval")

	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			b.login("secretary-a", "password-secretary-a")
			b.open("/formations", `[data-test=timeline]`)
			b.waitText("上级党组织批复")
			b.waitText("secretary-a 于")
			stage := func(key string) string {
				return eval[string](b, fmt.Sprintf(`document.querySelector('[data-stage=%s]').innerText`, key))
			}
			if s := stage("application"); !strings.Contains(s, "已完成") {
				t.Errorf("the application stage says %q", s)
			}
			if s := stage("approval"); !strings.Contains(s, "待认领") && !strings.Contains(s, "办理中") {
				t.Errorf("the approval stage says %q", s)
			}
			if s := stage("election"); !strings.Contains(s, "尚未开始") {
				t.Errorf("the election stage says %q", s)
			}
			if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll('a[href="/tasks/%s"]').length`, approval["id"])); n != 1 {
				t.Errorf("the approval step links to its task %d times", n)
			}
			b.check("formations", "secretary-a", "officer-a", org)
		})
	}
}

// TestUIAdminScreens: the admin imports units from a file with a bad row (the result counts and
// names it), then reads the users with their memberships, the tags, the calendar and the
// assessment scheme.
func TestUIAdminScreens(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	city := admin.unit("青山市两新工委", "region", "city", nil)
	admin.must(201, "POST", "/users", map[string]any{"username": "off-city", "password": "password-off-city",
		"memberships": []map[string]string{{"unit_id": city, "role": "officer"}}})
	file := filepath.Join(t.TempDir(), "units.csv")
	if err := os.WriteFile(file, []byte("名称,网,类型,上级\n青山县,区域,县,青山市两新工委\n东风街道,区域,街道,青山市两新工委/青山县\n坏单位,区域,星球,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			b.login("admin", adminPassword)
			b.open("/admin", `[data-test=admin]`)
			b.waitText("从文件导入单位")
			b.do(chromedp.SetUploadFiles(`input[data-test=units-file]`, []string{file}), chromedp.Click(`[data-test=units-import]`),
				chromedp.WaitVisible(`[data-test=units-result]`))
			want := "新建 2 个，已存在 0 个，退回 1 行"
			if vp == phone {
				want = "新建 0 个，已存在 2 个，退回 1 行" // the desktop imported them first
			}
			b.waitText(want)
			b.waitText("第 4 行")
			b.waitText("东风街道")
			b.check("admin-units", "admin", "units.csv", "csv")
			for _, tab := range []struct{ name, text string }{{"users", "干部"}, {"tags", "专精特新"}, {"calendar", "法定节假日"}, {"scheme", "摸排核实质量"}} {
				b.do(chromedp.Click(`#tab-` + tab.name))
				b.waitText(tab.text)
				b.check("admin-"+tab.name, "admin", "off-city")
			}
		})
	}
}
