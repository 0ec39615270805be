package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
)

func TestFormationTimeline(t *testing.T) {
	day0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	task := func(kind string, day int, status domain.TaskStatus) domain.Task {
		tk := domain.Task{ID: fmt.Sprintf("%s-%d", kind, day), Kind: kind, Status: status, CreatedAt: day0.AddDate(0, 0, day), DueAt: day0.AddDate(0, 0, day+10)}
		if status == domain.TaskCompleted {
			at := day0.AddDate(0, 0, day+1)
			tk.CompletedAt = &at
		}
		return tk
	}
	show := func(stages []timelineStage) string {
		var b []string
		for _, s := range stages {
			b = append(b, fmt.Sprintf("%s:%s/%d", s.Stage, s.Status, s.Rounds))
		}
		return strings.Join(b, " ")
	}
	for _, tc := range []struct {
		name  string
		kind  domain.PartyOrgKind
		tasks []domain.Task
		want  string
	}{
		{"JustStarted", domain.KindBranch, []domain.Task{task("formation.application", 0, domain.TaskOpen)},
			"application:current/1 approval:pending/0 transfer:pending/0 election:pending/0 report:pending/0 confirmation:pending/0 filing:pending/0"},
		{"ReturnedAtApproval", domain.KindBranch, []domain.Task{task("formation.application", 0, domain.TaskCompleted),
			task("formation.approval", 1, domain.TaskCompleted), task("formation.application", 2, domain.TaskClaimed)},
			"application:current/2 approval:returned/1 transfer:pending/0 election:pending/0 report:pending/0 confirmation:pending/0 filing:pending/0"},
		{"Electing", domain.KindBranch, []domain.Task{task("formation.application", 0, domain.TaskCompleted),
			task("formation.approval", 1, domain.TaskCompleted), task("formation.election", 2, domain.TaskOpen)},
			"application:done/1 approval:done/1 transfer:done/0 election:current/1 report:pending/0 confirmation:pending/0 filing:pending/0"},
		{"TemporaryFiling", domain.KindTemporary, []domain.Task{task("formation.application", 0, domain.TaskCompleted),
			task("formation.approval", 1, domain.TaskCompleted), task("formation.filing", 2, domain.TaskOpen)},
			"application:done/1 approval:done/1 transfer:done/0 election:skipped/0 report:skipped/0 confirmation:skipped/0 filing:current/1"},
		{"Cancelled", domain.KindBranch, []domain.Task{task("formation.application", 0, domain.TaskCancelled)},
			"application:cancelled/1 approval:pending/0 transfer:pending/0 election:pending/0 report:pending/0 confirmation:pending/0 filing:pending/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := timelineOf(store.Formation{Kind: tc.kind}, tc.tasks)
			if show(got) != tc.want {
				t.Fatalf("\n got %s\nwant %s", show(got), tc.want)
			}
			if tc.name == "Electing" {
				if tr := got[2]; tr.CompletedAt == nil || !tr.CompletedAt.Equal(*got[1].CompletedAt) {
					t.Fatalf("transfer dated %v, want the approval's %v", tr.CompletedAt, got[1].CompletedAt)
				}
				if el := got[3]; el.DueAt == nil || el.StartedAt == nil || el.TaskID != "formation.election-2" {
					t.Fatalf("election %+v", el)
				}
			}
		})
	}
}
