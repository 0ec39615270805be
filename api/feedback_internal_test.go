package api

import (
	"strings"
	"testing"
	"time"

	"tandem/app"
	"tandem/store"
)

// TestFeedbackPage prints a target's feedback: the issuing unit (the sponsor) and the round's
// 文号 at its head, the target addressed, its paragraphs and findings (escaped), the issuer and
// the date at its foot, 抄告 the unit above; without an approval 文号 one is made from the
// sponsor's name and the year, as the report's.
func TestFeedbackPage(t *testing.T) {
	at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	fb := app.TargetFeedback{
		Round:  store.InspectionRound{Title: "两新组织双同步专项督查", SponsorName: "青山市委两新工委", Reference: "青两新督〔2026〕3号", CreatedAt: at},
		Target: store.InspectionTarget{UnitName: "东风街道", Feedback: "请于四十个工作日内完成整改。\n<b>整改情况</b>书面报送。", FeedbackAt: &at},
		CC:     "青山县委两新工委",
		Findings: []store.Finding{{Category: "组织建设", Severity: "严重", Description: "党支部逾期未换届"},
			{Category: "阵地建设", Severity: "一般", Description: "未挂牌", FixedOnTheSpot: true}},
	}
	var b strings.Builder
	if err := feedbackPage.Execute(&b, feedbackDocOf(fb)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`<p class="head">青山市委两新工委</p>`, "<h1 class=\"head\">关于两新组织双同步专项督查对东风街道的督查反馈意见</h1>",
		`<p class="head">青两新督〔2026〕3号</p>`, "<p>东风街道：</p>", `<p class="body">请于四十个工作日内完成整改。</p>`,
		"&lt;b&gt;整改情况&lt;/b&gt;书面报送。", "<td>党支部逾期未换届</td>", "<td>是</td>", "2026年11月20日", "<p>抄告：青山县委两新工委</p>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Index(page, "青两新督") > strings.Index(page, "东风街道：") {
		t.Error("the 文号 is not at the head")
	}
	fb.Round.Reference, fb.CC = "", ""
	if d := feedbackDocOf(fb); d.Number != roundNumber(fb.Round) || d.Number == "" || d.CC != "" {
		t.Fatalf("without a 文号: %+v", d)
	}
}
