package activities

import (
	"context"
	"encoding/json"
	"fmt"
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

// RankDemonstrationInput asks for a visited point's rank among its city's points of the year.
type RankDemonstrationInput struct {
	PointID    string
	CityUnitID string
}

// DemonstrationRank is a visited point's place in its city's ranking of the year, for the
// decision task: the text its decider reads and the figures as the task's data (under_review).
type DemonstrationRank struct {
	Year, Rank, Of, Score int
	Text                  string
	Data                  json.RawMessage
}

// RankDemonstration ranks a visited point among the points its city visited in the same year
// (Asia/Shanghai) by their site-visit scores, and records the rank on the point.
func (a *Activities) RankDemonstration(ctx context.Context, in RankDemonstrationInput) (DemonstrationRank, error) {
	r, err := a.Store.RankDemonstration(ctx, in.PointID, in.CityUnitID)
	if err != nil {
		return DemonstrationRank{}, nonRetryable(err)
	}
	data, _ := json.Marshal(map[string]int{"year": r.Year, "rank": r.Rank, "of": r.Of, "score": r.Score})
	return DemonstrationRank{Year: r.Year, Rank: r.Rank, Of: r.Of, Score: r.Score, Data: data,
		Text: fmt.Sprintf("实地考察得分 %d 分，在 %d 年考察的 %d 个示范点中排名第 %d", r.Score, r.Year, r.Of, r.Rank)}, nil
}

// OpenObjection is an objection still unanswered, as the point's workflow takes it in.
type OpenObjection struct {
	ID       string
	LodgedBy string
}

// OpenDemonstrationObjections lists a point's unanswered objections, oldest first: the workflow
// takes in any whose signal it never received before the notice ends.
func (a *Activities) OpenDemonstrationObjections(ctx context.Context, pointID string) ([]OpenObjection, error) {
	rows, err := a.Store.DemonstrationObjections(ctx, pointID)
	if err != nil {
		return nil, err
	}
	var out []OpenObjection
	for _, o := range rows {
		if o.AnsweredAt == nil {
			out = append(out, OpenObjection{ID: o.ID, LodgedBy: o.LodgedBy})
		}
	}
	return out, nil
}
