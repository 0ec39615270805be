package api

import (
	"time"

	"tandem/domain"
	"tandem/store"
)

// timelineStage is one stage of a formation as the secretary's timeline shows it
// (请示 → 批复 → 组织关系转接 → 党员大会选举 → 选举结果报告 → 审批 → 备案).
type timelineStage struct {
	Stage string `json:"stage"`
	Title string `json:"title"`
	// Status: done | current (a task of it is open) | pending | returned (done, but the
	// formation was sent back to an earlier stage: to be done again) | skipped (a temporary
	// branch has no election) | cancelled (its task was cancelled: the formation stopped).
	Status      string     `json:"status"`
	StatusLabel string     `json:"status_label"` // the status in Chinese (stageStatusLabels)
	Rounds      int        `json:"rounds"`       // its tasks (a return starts another round)
	StartedAt   *time.Time `json:"started_at"`
	DueAt       *time.Time `json:"due_at,omitempty"` // of the open task
	CompletedAt *time.Time `json:"completed_at"`
	TaskID      string     `json:"task_id,omitempty"` // the latest task of the stage
}

// formationStages are the stages in order, with the task kind of each ("" for the transfer of
// members' relations, recorded at the approval).
var formationStages = []struct{ stage, title, kind string }{
	{"application", "成立党组织请示", "formation.application"},
	{"approval", "上级党组织批复", "formation.approval"},
	{"transfer", "组织关系转接", ""},
	{"election", "党员大会选举", "formation.election"},
	{"report", "选举结果报告", "formation.report"},
	{"confirmation", "选举结果批准", "formation.confirmation"},
	{"filing", "报县级组织部门备案", "formation.filing"},
}

// stageStatusLabels are the timeline statuses in Chinese.
var stageStatusLabels = map[string]string{"done": "已完成", "current": "办理中", "pending": "尚未开始",
	"returned": "已退回重办", "skipped": "无需办理", "cancelled": "已取消"}

// stageOf is the stage a formation step's task kind belongs to ("" for a kind of no stage).
func stageOf(kind string) string {
	for _, st := range formationStages {
		if st.kind != "" && st.kind == kind {
			return st.stage
		}
	}
	return ""
}

// timelineOf derives a formation's stages from its tasks (oldest first).
func timelineOf(f store.Formation, tasks []domain.Task) []timelineStage {
	out := make([]timelineStage, len(formationStages))
	lastStarted := -1 // the latest stage with a task
	for i, st := range formationStages {
		out[i] = timelineStage{Stage: st.stage, Title: st.title, Status: "pending"}
		for _, t := range tasks {
			if st.kind == "" || t.Kind != st.kind {
				continue
			}
			s := &out[i]
			s.Rounds++
			if s.StartedAt == nil {
				at := t.CreatedAt
				s.StartedAt = &at
			}
			s.TaskID, s.CompletedAt, s.DueAt = t.ID, t.CompletedAt, nil
			switch {
			case t.Status.Active():
				due := t.DueAt
				s.Status, s.DueAt = "current", &due
			case t.Status == domain.TaskCompleted:
				s.Status = "done"
			default:
				s.Status = "cancelled"
			}
		}
		if out[i].Rounds > 0 {
			lastStarted = i
		}
	}
	temporary := f.Kind == domain.KindTemporary
	for i := range out {
		s := &out[i]
		switch {
		case s.Stage == "transfer":
			// Recorded when the approval approves: done once a later stage has begun.
			if lastStarted > i {
				s.Status, s.StartedAt, s.CompletedAt = "done", out[i-1].CompletedAt, out[i-1].CompletedAt
			}
		case temporary && (s.Stage == "election" || s.Stage == "report" || s.Stage == "confirmation"):
			s.Status = "skipped"
		case s.Status == "done" && laterRoundOpen(out, i):
			s.Status = "returned"
		}
	}
	for i := range out {
		out[i].StatusLabel = stageStatusLabels[out[i].Status]
	}
	return out
}

// laterRoundOpen reports whether a stage before i holds an open task: the formation was sent back
// to it (a return), so stage i, done, is to be done again.
func laterRoundOpen(out []timelineStage, i int) bool {
	for j := 0; j < i; j++ {
		if out[j].Status == "current" {
			return true
		}
	}
	return false
}
