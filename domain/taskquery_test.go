package domain_test

import (
	"slices"
	"testing"
	"time"

	"tandem/domain"
)

func TestTaskQueryCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		q      domain.TaskQuery
		fields []string
	}{
		{"OKEmpty", domain.TaskQuery{}, nil},
		{"OKFull", domain.TaskQuery{Kind: "census.verify", Status: "open,claimed", Scope: "visible", Assignee: "me", Unit: "u1",
			DueAfter: "2026-12-01", DueBefore: "2026-12-08T00:00:00+08:00", Overdue: true, Sort: "-created"}, nil},
		{"OKAll", domain.TaskQuery{Status: "all"}, nil},
		{"ErrEverything", domain.TaskQuery{Kind: "Census Verify", Status: "open,done", Scope: "mine", Assignee: "bob",
			DueAfter: "next week", DueBefore: "2026-13-01", Sort: "due desc"},
			[]string{"kind", "status", "scope", "assignee", "due_before", "due_after", "sort"}},
		{"ErrWindowBackwards", domain.TaskQuery{DueAfter: "2026-12-08", DueBefore: "2026-12-01"}, []string{"due_after"}},
		{"ErrEmptyStatusItem", domain.TaskQuery{Status: "open,"}, []string{"status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v domain.Validation
			tc.q.Check(&v)
			var got []string
			for _, fe := range v {
				if fe.Code == "" || fe.Reason == "" {
					t.Errorf("field %s without code or reason: %+v", fe.Field, fe)
				}
				got = append(got, fe.Field)
			}
			slices.Sort(got)
			want := slices.Clone(tc.fields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("fields %v, want %v", got, want)
			}
		})
	}
	if at, ok := domain.ParseTaskTime("2026-12-01"); !ok || !at.Equal(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("a date is its 00:00 in Shanghai: %v", at)
	}
}

// FuzzTaskQueryCheck: whatever the text, Check does not panic, and a query it accepts has only
// known statuses, due bounds that parse and a known sort.
func FuzzTaskQueryCheck(f *testing.F) {
	f.Add("census.verify", "open,claimed", "2026-12-01", "2026-12-08T00:00:00+08:00", "-priority")
	f.Add("", "all", "", "", "")
	f.Add("x..y", "open,,", "2026-02-30", "tomorrow", "--due")
	f.Fuzz(func(t *testing.T, kind, status, after, before, sort string) {
		q := domain.TaskQuery{Kind: kind, Status: status, DueAfter: after, DueBefore: before, Sort: sort}
		var v domain.Validation
		q.Check(&v)
		if len(v) > 0 {
			return
		}
		for _, s := range q.Statuses() {
			if s != domain.TaskOpen && s != domain.TaskClaimed && s != domain.TaskCompleted && s != domain.TaskCancelled {
				t.Fatalf("accepted status %q", s)
			}
		}
		for _, d := range []string{after, before} {
			if _, ok := domain.ParseTaskTime(d); d != "" && !ok {
				t.Fatalf("accepted due bound %q", d)
			}
		}
		if sort != "" && !slices.Contains(domain.TaskSorts, sort) {
			t.Fatalf("accepted sort %q", sort)
		}
	})
}
