package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// inboxFixture: an inspector of township a with nine tasks of a (two kinds, due from three days
// ago to twelve days ahead, priorities 0–2, created a minute apart in a shuffled order) and two
// of township b, on a fixed clock (Wednesday 2026-06-10 10:00 Shanghai).
func inboxFixture(t *testing.T, st *store.Store) (insp domain.Principal, a, b domain.Unit, now time.Time) {
	t.Helper()
	ctx := context.Background()
	_, a, b, _ = nets(t, st)
	now = time.Date(2026, 6, 10, 10, 0, 0, 0, calendar.Shanghai)
	clock := now.Add(-time.Hour)
	st.Now = func() time.Time { return clock.UTC() } // the store keeps UTC (SQLite compares times as text)
	u, err := st.CreateUser(ctx, admin, store.NewUser{Username: "insp-inbox", PasswordHash: "h",
		Memberships: []domain.Membership{{UnitID: a.ID, Role: domain.RoleInspector}, {UnitID: b.ID, Role: domain.RoleInspector}}})
	if err != nil {
		t.Fatal(err)
	}
	insp = domain.Principal{UserID: u.ID, Username: u.Username, Memberships: []domain.Membership{
		{UnitID: a.ID, UnitPath: a.Path, Role: domain.RoleInspector}, {UnitID: b.ID, UnitPath: b.Path, Role: domain.RoleInspector}}}
	day := 24 * time.Hour
	for i, tk := range []struct {
		unit     domain.Unit
		kind     string
		due      time.Duration
		priority int
	}{
		{a, "census.verify", -3 * day, 0}, {a, "census.verify", 12 * day, 2}, {a, "drill.acknowledge", -1 * day, 1},
		{a, "census.verify", 2 * day, 1}, {a, "drill.acknowledge", 5 * day, 0}, {a, "census.verify", 1 * day, 2},
		{a, "census.verify", 9 * day, 0}, {a, "drill.acknowledge", 4 * day, 2}, {a, "census.verify", 2 * day, 0},
		{b, "census.verify", 3 * day, 1}, {b, "drill.acknowledge", -2 * day, 0},
	} {
		clock = now.Add(-time.Hour + time.Duration((i*7)%11)*time.Minute) // created out of due order
		if _, _, err := st.CreateTask(ctx, store.NewTask{Key: fmt.Sprintf("inbox-%d", i), Kind: tk.kind, WorkflowID: "wf",
			UnitID: tk.unit.ID, Role: domain.RoleInspector, Priority: tk.priority, DueAt: now.Add(tk.due)}); err != nil {
			t.Fatal(err)
		}
	}
	clock = now
	return insp, a, b, now
}

func TestInboxSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		insp, _, _, now := inboxFixture(t, st)
		all, _, err := st.ListTasks(ctx, insp, store.TaskFilter{Page: store.Page{Limit: 200}})
		if err != nil || len(all) != 11 {
			t.Fatalf("all: %d %v", len(all), err)
		}
		for _, sortBy := range append([]string{""}, domain.TaskSorts...) {
			for _, overdueFirst := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/overdueFirst=%v", sortBy, overdueFirst), func(t *testing.T) {
					// Page through three at a time: the keyset cursor must give each task once, in order.
					var got []string
					f := store.TaskFilter{Sort: store.TaskSort(sortBy), OverdueFirst: overdueFirst, Page: store.Page{Limit: 3}}
					for range 10 {
						page, next, err := st.ListTasks(ctx, insp, f)
						if err != nil {
							t.Fatal(err)
						}
						for _, tk := range page {
							got = append(got, tk.ID)
						}
						if next == "" {
							break
						}
						f.Page.Cursor = next
					}
					want := slices.Clone(all)
					key := func(tk domain.Task) (int, string) {
						switch strings.TrimPrefix(sortBy, "-") {
						case "priority":
							return tk.Priority, ""
						case "created":
							return 0, tk.CreatedAt.UTC().Format(time.RFC3339Nano)
						}
						return 0, tk.DueAt.UTC().Format(time.RFC3339Nano)
					}
					desc := strings.HasPrefix(sortBy, "-")
					sort.SliceStable(want, func(i, j int) bool {
						if overdueFirst {
							oi, oj := want[i].DueAt.Before(now), want[j].DueAt.Before(now)
							if oi != oj {
								return oi
							}
						}
						ni, si := key(want[i])
						nj, sj := key(want[j])
						less := ni < nj || (ni == nj && (si < sj || (si == sj && want[i].ID < want[j].ID)))
						if desc {
							return !less && !(ni == nj && si == sj && want[i].ID == want[j].ID)
						}
						return less
					})
					wantIDs := make([]string, len(want))
					for i, tk := range want {
						wantIDs[i] = tk.ID
					}
					if !slices.Equal(got, wantIDs) {
						t.Fatalf("order\n got %v\nwant %v", got, wantIDs)
					}
				})
			}
		}
		t.Run("OverdueFirstPutsOverdueOnTop", func(t *testing.T) {
			page, _, err := st.ListTasks(ctx, insp, store.TaskFilter{Sort: store.SortPriorityDesc, OverdueFirst: true})
			if err != nil {
				t.Fatal(err)
			}
			for i, tk := range page {
				if overdue := tk.DueAt.Before(now); overdue != (i < 3) {
					t.Fatalf("task %d due %v: overdue %v", i, tk.DueAt, overdue)
				}
			}
		})
		t.Run("DueAfterAndBefore", func(t *testing.T) {
			after, before := now, now.Add(3*24*time.Hour)
			page, _, err := st.ListTasks(ctx, insp, store.TaskFilter{DueAfter: &after, DueBefore: &before})
			if err != nil || len(page) != 3 { // due in 1, 2 and 2 days (3 days is not before)
				t.Fatalf("due window: %d %v", len(page), err)
			}
		})
		t.Run("ErrBadSort", func(t *testing.T) {
			if _, _, err := st.ListTasks(ctx, insp, store.TaskFilter{Sort: "colour"}); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("ErrCursorOfAnotherSort", func(t *testing.T) {
			_, next, err := st.ListTasks(ctx, insp, store.TaskFilter{Sort: store.SortPriority, OverdueFirst: true, Page: store.Page{Limit: 2}})
			if err != nil || next == "" {
				t.Fatal(err)
			}
			if _, _, err := st.ListTasks(ctx, insp, store.TaskFilter{Page: store.Page{Limit: 2, Cursor: next}}); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("a priority cursor on the due sort: %v", err)
			}
		})
	})
}

func TestInboxCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		insp, a, b, now := inboxFixture(t, st)
		if got := store.WeekEnd(now); !got.Equal(time.Date(2026, 6, 15, 0, 0, 0, 0, calendar.Shanghai)) {
			t.Fatalf("week ends %v", got)
		}
		n, err := st.CountTasks(ctx, insp, store.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// Due by Monday 00:00 (Sunday's end), not yet overdue: in 1, 2, 2, 3 and 4 days.
		if n.Total != 11 || n.Overdue != 3 || n.DueThisWeek != 5 {
			t.Fatalf("totals %+v", n)
		}
		if fmt.Sprint(n.ByKind) != "[{census.verify 7} {drill.acknowledge 4}]" || fmt.Sprint(n.ByStatus) != "[{open 11}]" {
			t.Fatalf("by kind %v, by status %v", n.ByKind, n.ByStatus)
		}
		if len(n.ByUnit) != 2 || n.ByUnit[0] != (store.UnitTaskCount{UnitID: a.ID, UnitName: a.Name, Count: 9}) ||
			n.ByUnit[1] != (store.UnitTaskCount{UnitID: b.ID, UnitName: b.Name, Count: 2}) || n.UnitsTruncated {
			t.Fatalf("by unit %+v", n.ByUnit)
		}
		t.Run("EachDimensionLeavesOutItsOwnFilter", func(t *testing.T) {
			n, err := st.CountTasks(ctx, insp, store.TaskFilter{Kind: "drill.acknowledge", UnitPath: b.Path})
			if err != nil {
				t.Fatal(err)
			}
			if n.Total != 1 || n.Overdue != 1 {
				t.Fatalf("totals %+v", n)
			}
			if fmt.Sprint(n.ByKind) != "[{census.verify 1} {drill.acknowledge 1}]" { // b's kinds
				t.Fatalf("by kind %v", n.ByKind)
			}
			if len(n.ByUnit) != 2 || n.ByUnit[0].Count != 3 || n.ByUnit[1].Count != 1 { // drills per unit
				t.Fatalf("by unit %+v", n.ByUnit)
			}
		})
		t.Run("Scope", func(t *testing.T) {
			other := domain.Principal{UserID: "x", Username: "x", Memberships: []domain.Membership{{UnitID: b.ID, UnitPath: b.Path, Role: domain.RoleInspector}}}
			n, err := st.CountTasks(ctx, other, store.TaskFilter{})
			if err != nil || n.Total != 2 || len(n.ByUnit) != 1 {
				t.Fatalf("b's inspector counts %+v %v", n, err)
			}
		})
	})
}

func TestSavedViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		insp, a, _, _ := inboxFixture(t, st)
		u, err := st.CreateUser(ctx, admin, store.NewUser{Username: "other-inbox", PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		other := domain.Principal{UserID: u.ID, Username: u.Username}
		q := domain.TaskQuery{Kind: "census.verify", Unit: a.ID, Sort: "-priority", Overdue: true}
		v, err := st.CreateSavedView(ctx, insp, "  东街道逾期核查 ", q)
		if err != nil || v.Name != "东街道逾期核查" || v.Query != q {
			t.Fatalf("create: %+v %v", v, err)
		}
		t.Run("OnlyTheOwnerSeesIt", func(t *testing.T) {
			mine, err := st.SavedViews(ctx, insp)
			if err != nil || len(mine) != 1 || mine[0].Query != q {
				t.Fatalf("mine %+v %v", mine, err)
			}
			theirs, err := st.SavedViews(ctx, other)
			if err != nil || len(theirs) != 0 {
				t.Fatalf("theirs %+v %v", theirs, err)
			}
			if _, err := st.UpdateSavedView(ctx, other, v.ID, "x", q); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("update another's: %v", err)
			}
			if err := st.DeleteSavedView(ctx, other, v.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("delete another's: %v", err)
			}
			if _, err := st.CreateSavedView(ctx, other, "东街道逾期核查", q); err != nil {
				t.Fatalf("the same name for another user: %v", err)
			}
		})
		t.Run("Update", func(t *testing.T) {
			q2 := domain.TaskQuery{Status: "all", Sort: "created"}
			got, err := st.UpdateSavedView(ctx, insp, v.ID, "全部", q2)
			if err != nil || got.Name != "全部" || got.Query != q2 || got.ID != v.ID {
				t.Fatalf("update: %+v %v", got, err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				q     domain.TaskQuery
				field string
			}{
				{"", domain.TaskQuery{}, "name"},
				{strings.Repeat("长", domain.MaxViewName+1), domain.TaskQuery{}, "name"},
				{"坏排序", domain.TaskQuery{Sort: "colour"}, "query.sort"},
				{"坏状态", domain.TaskQuery{Status: "open,done"}, "query.status"},
				{"坏时间", domain.TaskQuery{DueBefore: "tomorrow"}, "query.due_before"},
				{"全部", domain.TaskQuery{}, "name"}, // taken
			} {
				_, err := st.CreateSavedView(ctx, insp, tc.name, tc.q)
				var de *domain.Error
				if !asDomain(err, &de) || de.Code != domain.EINVALID || len(de.Fields) != 1 || de.Fields[0].Field != tc.field {
					t.Fatalf("%q %+v: %v, want %s", tc.name, tc.q, err, tc.field)
				}
			}
		})
		t.Run("ErrTooMany", func(t *testing.T) {
			for i := 1; i < domain.MaxViewsPerUser; i++ {
				if _, err := st.CreateSavedView(ctx, insp, fmt.Sprintf("视图%d", i), domain.TaskQuery{}); err != nil {
					t.Fatal(i, err)
				}
			}
			if _, err := st.CreateSavedView(ctx, insp, "再一个", domain.TaskQuery{}); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("view %d: %v", domain.MaxViewsPerUser+1, err)
			}
			mine, _ := st.SavedViews(ctx, insp)
			if len(mine) != domain.MaxViewsPerUser {
				t.Fatalf("%d views", len(mine))
			}
		})
		t.Run("Delete", func(t *testing.T) {
			if err := st.DeleteSavedView(ctx, insp, v.ID); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteSavedView(ctx, insp, v.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("again: %v", err)
			}
		})
	})
}
