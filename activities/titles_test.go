package activities_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// recordingNotifier keeps every notice, and writes it to the in-app list too.
type recordingNotifier struct {
	activities.InAppNotifier
	notices []domain.Notice
}

func (r *recordingNotifier) Notify(ctx context.Context, users []string, n domain.Notice) error {
	r.notices = append(r.notices, n)
	return r.InAppNotifier.Notify(ctx, users, n)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

type titleFixture struct {
	a          *activities.Activities
	n          *recordingNotifier
	st         *store.Store
	county     domain.Unit
	townA      domain.Unit
	townB      domain.Unit
	uscc       string
	orgName    string
	orgAddress string
}

func newTitleFixture(t *testing.T, st *store.Store) titleFixture {
	ctx := context.Background()
	admin := domain.Principal{Username: "admin", Admin: true}
	f := titleFixture{st: st, uscc: "91110108551385082Q", orgName: "青山精密机械有限公司", orgAddress: "青山县东风路8号"}
	f.n = &recordingNotifier{InAppNotifier: activities.InAppNotifier{Store: st}}
	f.a = &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}, Notifier: f.n}
	var err error
	if f.county, err = st.CreateUnit(ctx, admin, domain.Unit{Name: "青山县", Net: domain.NetRegion, Kind: domain.KindCounty}); err != nil {
		t.Fatal(err)
	}
	if f.townA, err = st.CreateUnit(ctx, admin, domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &f.county.ID}); err != nil {
		t.Fatal(err)
	}
	if f.townB, err = st.CreateUnit(ctx, admin, domain.Unit{Name: "西河镇", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &f.county.ID}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name string
		unit domain.Unit
		role domain.Role
	}{{"officer-county", f.county, domain.RoleOfficer}, {"officer-a", f.townA, domain.RoleOfficer}, {"inspector-a", f.townA, domain.RoleInspector}} {
		if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: u.name, PasswordHash: "x",
			Memberships: []domain.Membership{{UnitID: u.unit.ID, Role: u.role}}}); err != nil {
			t.Fatal(err)
		}
	}
	imp, err := st.CreateImport(ctx, admin, "market", "m.csv",
		strings.NewReader("统一社会信用代码,企业名称,住所,所属乡镇\n"+f.uscc+","+f.orgName+","+f.orgAddress+",东风街道\n"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if done, err := f.a.RunImport(ctx, imp.ID); err != nil || done.Status != domain.ImportDone {
		t.Fatalf("import: %+v %v", done, err)
	}
	return f
}

// Titles follow the subject: a score task names the unit assessed, a verification the
// organization and why, a coverage task the formal members the visit recorded; every notice
// names the task in Chinese, links to it, and never carries an API request as its body.
func TestTaskTitlesNameTheirSubject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newTitleFixture(t, st)
		// Two score tasks of one period: each names its own unit (B3).
		var titles []string
		for _, u := range []domain.Unit{f.townA, f.townB} {
			info, err := f.a.CreateTask(ctx, activities.CreateTaskInput{Key: "assess/" + u.ID + "/score/1", WorkflowID: "assess/" + u.ID,
				Kind: "assessment.score", Subject: u.ID, SubjectType: domain.SubjectUnit, Context: domain.TaskContext{Period: "2026-H1"},
				Title: domain.PeriodLabel("2026-H1") + "考核评分", UnitID: f.county.ID, Role: domain.RoleOfficer})
			if err != nil {
				t.Fatal(err)
			}
			task, _ := st.TaskByID(ctx, info.ID)
			if !strings.Contains(task.Title, u.Name) || !strings.Contains(task.Title, "2026年上半年") || task.SubjectType != domain.SubjectUnit {
				t.Fatalf("score task of %s: %q (%s)", u.Name, task.Title, task.SubjectType)
			}
			titles = append(titles, task.Title)
		}
		if titles[0] == titles[1] {
			t.Fatalf("two units' score tasks share the title %q", titles[0])
		}
		// A verification names the organization and why the round chose it (B1).
		info, err := f.a.CreateTask(ctx, activities.CreateTaskInput{Key: "verify/1", WorkflowID: "verify/" + f.uscc, Kind: "census.verify",
			Subject: f.uscc, SubjectType: domain.SubjectOrganization, Context: domain.TaskContext{Why: "名册新增或变更"},
			Title: "摸排实地走访复核", UnitID: f.townA.ID, Role: domain.RoleInspector})
		if err != nil {
			t.Fatal(err)
		}
		verify, _ := st.TaskByID(ctx, info.ID)
		if want := "摸排实地走访复核：" + f.orgName + "（名册新增或变更）"; verify.Title != want {
			t.Fatalf("verify title %q, want %q", verify.Title, want)
		}
		card, err := st.DescribeSubject(ctx, verify.SubjectType, verify.Subject)
		if err != nil || card.Name != f.orgName || card.Address != f.orgAddress || card.Township != "东风街道" {
			t.Fatalf("about card %+v %v", card, err)
		}
		// The visit found 5 formal members: the instructor task says so, not 暂无党员 (B4).
		if err := st.RecordVisit(ctx, store.Visit{TaskID: info.ID, USCC: f.uscc, Inspector: "inspector-a", Operating: true,
			Employees: 300, FormalMembers: 5}); err != nil {
			t.Fatal(err)
		}
		info, err = f.a.CreateTask(ctx, activities.CreateTaskInput{Key: "verify/1/coverage.instructor/1", WorkflowID: "verify/" + f.uscc,
			Kind: "coverage.instructor", Subject: f.uscc, SubjectType: domain.SubjectOrganization,
			Context: domain.TaskContext{Why: "五类大型企业，须同时实现工作覆盖"}, Title: "选派党建指导员（工作覆盖）", UnitID: f.townA.ID, Role: domain.RoleOfficer})
		if err != nil {
			t.Fatal(err)
		}
		cov, _ := st.TaskByID(ctx, info.ID)
		if !strings.Contains(cov.Title, "正式党员5名") || strings.Contains(cov.Title, "暂无") || !strings.Contains(cov.Title, f.orgName) {
			t.Fatalf("coverage title %q", cov.Title)
		}
		// Notices (B5): the task notices, the census round's and the ledger's.
		if err := f.a.NotifyLedgers(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		if len(f.n.notices) < 4 {
			t.Fatalf("notices %+v", f.n.notices)
		}
		for _, n := range f.n.notices {
			if !hasHan(n.Title) || !hasHan(n.Body) || strings.Contains(n.Body, "/api/") || strings.Contains(n.Body, "GET ") || n.Link == "" {
				t.Errorf("notice %s: title %q body %q link %q", n.Kind, n.Title, n.Body, n.Link)
			}
			if n.Kind == "roster.ledger" && (!strings.Contains(n.Title, "2026年10月") || !strings.Contains(n.Title, f.county.Name)) {
				t.Errorf("ledger notice %q does not name the period and county", n.Title)
			}
		}
		ns, _, err := st.ListNotifications(ctx, domain.Principal{Username: "officer-county"}, false, store.Page{})
		if err != nil || len(ns) == 0 || ns[0].Link == "" {
			t.Fatalf("stored notifications %+v %v", ns, err)
		}
	})
}

// The review task of an assessment carries the score under review and the outcome those marks
// give on the unit's figures (B2), so that the reviewer does not score blind.
func TestAssessmentReviewTaskShowsScoreUnderReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newTitleFixture(t, st)
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		to := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		p, _, err := st.OpenPeriod(ctx, calendar.HalfYear, "2026-H1", "manual", "admin", from, to)
		if err != nil {
			t.Fatal(err)
		}
		assessed, err := st.OpenAssessments(ctx, p.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var as store.Assessed
		for _, a := range assessed {
			if a.UnitID == f.townA.ID {
				as = a
			}
		}
		marks := domain.Marks{Scores: map[string]float64{}}
		for _, code := range domain.DefaultScheme.PeopleCodes() {
			marks.Scores[code] = 80
		}
		under, _ := json.Marshal(activities.AssessmentUnderReview{AssessmentID: as.AssessmentID, Marks: marks, Note: "材料齐全",
			Evidence: "走访台账、会议纪要", From: from, To: to})
		info, err := f.a.CreateTask(ctx, activities.CreateTaskInput{Key: "assess/review/1", WorkflowID: "assess/" + as.AssessmentID,
			Kind: "assessment.review", Subject: f.townA.ID, SubjectType: domain.SubjectUnit,
			Context: domain.TaskContext{Period: "2026-H1", UnderReview: under}, Title: "2026年上半年考核结果审核",
			UnitID: f.county.ID, Role: domain.RoleOfficer})
		if err != nil {
			t.Fatal(err)
		}
		task, _ := st.TaskByID(ctx, info.ID)
		var got activities.AssessmentUnderReview
		if err := json.Unmarshal(task.Context.UnderReview, &got); err != nil {
			t.Fatal(err)
		}
		want := domain.DefaultScheme.Score(mustMetrics(t, st, f.townA.ID, from, to), marks)
		if got.Preview == nil || got.Preview.Total != want.Total || got.Preview.Grade != want.Grade || got.Evidence != "走访台账、会议纪要" ||
			got.Marks.Scores[domain.DefaultScheme.PeopleCodes()[0]] != 80 {
			t.Fatalf("under review %+v, want preview %+v", got, want)
		}
		if !strings.Contains(task.Title, f.townA.Name) {
			t.Fatalf("title %q", task.Title)
		}
	})
}

func mustMetrics(t *testing.T, st *store.Store, unitID string, from, to time.Time) map[string]float64 {
	t.Helper()
	m, _, err := st.Metrics(context.Background(), unitID, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
