package activities

import (
	"context"
	"time"

	"tandem/domain"
	"tandem/store"
)

// DemonstrationWorkflowID names a point's workflow (workflows.DemonstrationWorkflowID).
func DemonstrationWorkflowID(pointID string) string { return store.DemonstrationWorkflowID(pointID) }

// AdvanceDemonstrationInput is one step of a point's workflow; NoticeWorkingDays > 0 opens the
// public notice 公示 now, for that many working days on the calendar.
type AdvanceDemonstrationInput struct {
	PointID           string
	Action            string
	Actor             string
	To                domain.DemonstrationStatus
	Score             *int
	NoticeWorkingDays int
	NoticeFor         time.Duration // replaces the working days when set (demonstration runs, tests)
	Rechecks          int           // a re-check: the point's count after it
	Detail            map[string]any
}

// DemonstrationInfo is a point as its workflow needs it.
type DemonstrationInfo struct {
	Status     domain.DemonstrationStatus
	NoticeFrom time.Time `json:",omitzero"`
	NoticeTo   time.Time `json:",omitzero"`
	// NoticeLeft is how long the notice still runs on the store's clock, which the workflow
	// waits on its own (the two clocks may differ: TANDEM_TEST_CLOCK moves only the store's).
	NoticeLeft time.Duration
}

// AdvanceDemonstration records a step of a point's workflow and returns the point.
func (a *Activities) AdvanceDemonstration(ctx context.Context, in AdvanceDemonstrationInput) (DemonstrationInfo, error) {
	st := store.DemonstrationStep{Action: in.Action, Actor: in.Actor, To: in.To, Score: in.Score, Rechecks: in.Rechecks, Detail: in.Detail}
	if in.NoticeWorkingDays > 0 {
		cal, err := a.Calendar.Calendar(ctx)
		if err != nil {
			return DemonstrationInfo{}, err
		}
		from := a.Store.Now()
		to := cal.DueAfterWorkingDays(from, in.NoticeWorkingDays).At
		if in.NoticeFor > 0 {
			to = from.Add(in.NoticeFor)
		}
		st.NoticeFrom, st.NoticeTo = &from, &to
	}
	pt, err := a.Store.AdvanceDemonstration(ctx, in.PointID, st)
	if err != nil {
		return DemonstrationInfo{}, nonRetryable(err)
	}
	out := DemonstrationInfo{Status: pt.Status}
	if pt.NoticeFrom != nil {
		out.NoticeFrom, out.NoticeTo = *pt.NoticeFrom, *pt.NoticeTo
		out.NoticeLeft = max(pt.NoticeTo.Sub(a.Store.Now()), 0)
	}
	return out, nil
}

// AnswerDemonstrationObjectionInput is the city officer's answer to an objection.
type AnswerDemonstrationObjectionInput struct {
	ObjectionID string
	TaskID      string
	Actor       string
	Decision    string // uphold | dismiss
	Answer      string
	Title       string // the point's name for the objector's notice
}

// AnswerDemonstrationObjection records the answer and tells the objector.
func (a *Activities) AnswerDemonstrationObjection(ctx context.Context, in AnswerDemonstrationObjectionInput) error {
	o, err := a.Store.AnswerDemonstrationObjection(ctx, in.ObjectionID, in.Actor, in.Decision, in.Answer, in.TaskID)
	if err != nil {
		return nonRetryable(err)
	}
	verdict := "异议不成立，公示继续"
	if in.Decision == "uphold" {
		verdict = "异议成立，不予命名"
	}
	pt, err := a.Store.DemonstrationByID(ctx, o.PointID)
	if err != nil {
		return nonRetryable(err)
	}
	return a.Notifier.Notify(ctx, []string{o.LodgedBy}, domain.Notice{Key: "demonstration-objection/" + o.ID, Kind: "demonstration.objection_answered",
		Title: "示范点公示异议答复：" + in.Title, Body: verdict + "。答复意见：" + in.Answer,
		SubjectType: domain.SubjectPartyOrg, Subject: pt.PartyOrgID})
}
