package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tandem/testclock"
)

// TestUIPeriodScreens: a county officer's 普查轮次 screens over rounds started through the API:
// a round over the county (one verification completed in 东风街道) and a second one over 东风街道
// that skips the organizations the first already has. The list names both rounds; a round's
// page shows each township's progress and the skipped organizations, at both sizes. Then the
// 工作周期 screens over a monthly cycle the tax department delivered: the list, and the period's
// page with the county's bulletin figures and its ledger downloaded from the page.
func TestUIPeriodScreens(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	admin := loginAs(t, dev.base, "admin", adminPassword)
	county := admin.unit("青山县", "region", "county", nil)
	townA := admin.unit("东风街道", "region", "township", county)
	townB := admin.unit("南湖镇", "region", "township", county)
	for _, u := range []struct{ name, unit, role string }{{"off-county", county, "officer"}, {"inspector-a", townA, "inspector"}} {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": u.unit, "role": u.role}}})
	}
	const a1, a2, b1 = "91350100M000100Y43", "91110108MA01B2C3D0", "91440300MA5F00001A"
	roster := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(roster, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n"+
		a1+",青山精密机械有限公司,东风街道\n"+a2+",东风物流有限公司,东风街道\n"+b1+",南湖食品有限公司,南湖镇\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	admin.upload("market", roster)
	off, insp := loginAs(t, dev.base, "off-county", "password-off-county"), loginAs(t, dev.base, "inspector-a", "password-inspector-a")
	first := off.must(202, "POST", "/census-rounds", map[string]any{"unit_id": county, "select": "all"})["id"].(string)
	var verifyA []any
	waitFor(t, func() bool {
		verifyA = insp.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)
		return len(verifyA) == 2
	})
	doTask(t, insp, verifyA[0].(map[string]any), map[string]any{"operating": true, "employees": 12, "formal_members": 0,
		"probationary_members": 0, "party_org": "none", "fixed_premises": true, "owner_is_member": false})
	second := off.must(202, "POST", "/census-rounds", map[string]any{"unit_id": townA, "select": "all"})["id"].(string)
	waitFor(t, func() bool {
		r := off.must(200, "GET", "/census-rounds/"+second, nil)
		return r["total"].(float64) > 0 && r["started"] == r["total"] // started counts the skipped too
	})
	r1 := off.must(200, "GET", "/census-rounds/"+first, nil)
	var progA map[string]any
	for _, u := range r1["by_unit"].([]any) {
		if u := u.(map[string]any); u["unit_id"] == townA {
			progA = u
		}
	}
	if progA == nil || progA["completed"] != float64(1) || progA["unit_name"] != "东风街道" {
		t.Fatalf("the first round's progress in 东风街道 %v", r1["by_unit"])
	}
	// A monthly cycle: the tax department delivers its extract, the county's bulletin is issued.
	tax := admin.unit("县税务局", "department", "department", nil)
	admin.must(201, "POST", "/users", map[string]any{"username": "liaison-tax", "password": "password-liaison-tax",
		"memberships": []map[string]string{{"unit_id": tax, "role": "liaison"}}})
	admin.must(200, "PUT", "/sources/tax", map[string]string{"unit_id": tax})
	liaison := loginAs(t, dev.base, "liaison-tax", "password-liaison-tax")
	period := admin.must(202, "POST", "/cycles/monthly/2026-10/run", nil)["id"].(string)
	taxFile := filepath.Join(t.TempDir(), "tax.csv")
	if err := os.WriteFile(taxFile, []byte("纳税人识别号,纳税人名称,所属街道,从业人数\n"+a1+",青山精密机械有限公司,东风街道,120\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	taxImport := liaison.upload("tax", taxFile)["id"].(string)
	doTask(t, liaison, nextTask(t, liaison, "delivery.upload"), map[string]any{"import_id": taxImport})
	waitFor(t, func() bool { return admin.must(200, "GET", "/periods/"+period, nil)["status"] == "done" })
	if p := off.must(200, "GET", "/periods/"+period, nil); p["period_label"] != "2026年10月" || p["status_label"] != "已完成" {
		t.Fatalf("the period's labels: %v, %v", p["period_label"], p["status_label"])
	}
	orgs := jsonNum(off.must(200, "GET", "/periods/"+period+"/bulletins/"+county, nil)["total"].(map[string]any)["organizations"])

	skipped := off.must(200, "GET", "/census-rounds/"+second+"/skipped-organizations", nil)["items"].([]any)
	if len(skipped) == 0 {
		t.Fatal("the second round skipped nothing")
	}

	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			b.login("off-county", "password-off-county")
			b.open("/census-rounds", `[data-test=census-rounds]`)
			b.waitText("东风街道")
			b.waitText("青山县")
			b.waitGone(`[data-test=census-rounds] .el-loading-mask`)
			for _, id := range []string{first, second} {
				if n := eval[int](b, `document.querySelectorAll('[data-round="`+id+`"]').length`); n != 1 {
					t.Errorf("the list shows round %s %d times", id, n)
				}
			}
			// The words are the API's (status_label, select_label): the UI keeps no table of them.
			if got := eval[string](b, `document.querySelector('[data-test=census-rounds] .el-table__body').innerText`); !strings.Contains(got, "全部组织") || !strings.Contains(got, "进行中") {
				t.Errorf("the rounds list %q lacks 全部组织 or 进行中", got)
			}
			b.check("census-rounds", "off-county")

			b.open("/census-rounds/"+first, `[data-test=by-unit]`)
			b.waitText("南湖镇")
			b.waitText("青山县") // the round's unit, named
			b.waitGone(`[data-test=census-round] .el-loading-mask`)
			if got := eval[string](b, `(document.querySelector('[data-completed="`+townA+`"]') || {}).innerText || ''`); strings.TrimSpace(got) != "1" {
				t.Errorf("东风街道's completed count on the page is %q, want 1", got)
			}
			if s := eval[string](b, `document.querySelector('[data-test=round-summary]').innerText`); !strings.Contains(s, "1 / 3") || !strings.Contains(s, "进行中") {
				t.Errorf("the round's summary %q lacks 1 / 3 verified or 进行中", s)
			}
			b.check("census-round", "off-county", townA, townB)

			b.open("/census-rounds/"+second, `[data-test=skipped]`)
			name := skipped[0].(map[string]any)["name"].(string)
			b.waitText(name)
			b.waitGone(`[data-test=census-round] .el-loading-mask`)
			b.waitText("跳过的组织（" + fmt.Sprint(len(skipped)) + "）")
			b.check("census-round-skipped", "off-county", skipped[0].(map[string]any)["uscc"].(string))

			b.open("/periods", `[data-test=periods]`)
			b.waitText("2026年10月")
			b.waitGone(`[data-test=periods] .el-loading-mask`)
			if got := eval[string](b, `document.querySelector('[data-test=periods]').innerText`); !strings.Contains(got, "月度") || !strings.Contains(got, "已完成") {
				t.Errorf("the periods list %q lacks 月度 (kind_label) or 已完成 (status_label)", got)
			}
			b.check("periods", "off-county")
			b.open("/periods/"+period, `[data-test=bulletins]`)
			b.waitText("打开通报")
			b.waitGone(`[data-test=period] .el-loading-mask`)
			if got := eval[string](b, `(document.querySelector('[data-organizations="`+county+`"]') || {}).innerText || ''`); strings.TrimSpace(got) != orgs {
				t.Errorf("青山县's bulletin shows %q organizations, want %s", got, orgs)
			}
			b.check("period", "off-county")
			downloads := b.allowDownloads()
			shanghai := time.FixedZone("CST", 8*3600)
			before := testclock.Day(time.Now()).In(shanghai).Format("2006-01") // the binary's clock (make test-dates moves it)
			b.do(chromedp.Click(`[data-ledger="` + county + `"]`))
			after := testclock.Day(time.Now()).In(shanghai).Format("2006-01") // the click may cross a month's end
			// The name is the server's Content-Disposition one (filename*, in Chinese).
			if data := b.downloaded(downloads, "青山县-台账-"+before+".xlsx", "青山县-台账-"+after+".xlsx"); !strings.HasPrefix(string(data), "PK") {
				t.Errorf("the downloaded ledger is not a workbook: %q", data[:min(len(data), 40)])
			}
		})
	}
}
