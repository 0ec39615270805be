package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

// demonstrationRoutes: demonstration points 示范点 (#19).
func (s *Server) demonstrationRoutes(a *gin.RouterGroup) {
	a.POST("/demonstration-points", s.nominateDemonstration)
	a.GET("/demonstration-points", s.listDemonstrations)
	a.GET("/demonstration-points/notices", s.demonstrationNotices)
	a.GET("/demonstration-points/ranking", s.demonstrationRanking)
	a.GET("/demonstration-points/:id", s.getDemonstration)
	a.POST("/demonstration-points/:id/objections", s.objectToDemonstration)
}

type checklistAnswer struct {
	Item string `json:"item"`
	Met  bool   `json:"met"`
	Note string `json:"note,omitempty" text:"2000,multiline"`
}

type nominationRequest struct {
	NominatingUnitID string            `json:"nominating_unit_id,omitempty"`
	PartyOrgID       string            `json:"party_org_id"`
	Reasons          string            `json:"reasons" text:"2000,multiline"`
	SelfAssessment   []checklistAnswer `json:"self_assessment"`
}

// nominateDemonstration records a nomination by an officer of a county or industry committee and
// starts its workflow (the city reviews, visits, decides; a public notice follows).
func (s *Server) nominateDemonstration(c *gin.Context) {
	var req nominationRequest
	if !bindJSON(c, &req) {
		return
	}
	n := store.Nomination{NominatingUnitID: req.NominatingUnitID, PartyOrgID: req.PartyOrgID, Reasons: req.Reasons}
	for _, a := range req.SelfAssessment {
		n.SelfAssessment = append(n.SelfAssessment, store.ChecklistAnswer{Item: a.Item, Met: a.Met, Note: a.Note})
	}
	pt, err := s.App.Demonstrations.Nominate(c.Request.Context(), principal(c), n)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/demonstration-points/"+pt.ID)
	c.JSON(http.StatusCreated, gin.H{"id": pt.ID, "workflow_id": pt.WorkflowID})
}

// demonstrationNotice is what anyone logged in reads of a point in public notice 公示: never the
// files (the self-assessment, the score, the nominator).
type demonstrationNotice struct {
	ID           string     `json:"id"`
	PartyOrgID   string     `json:"party_org_id"`
	PartyOrgName string     `json:"party_org_name"`
	UnitID       string     `json:"unit_id"`
	UnitName     string     `json:"unit_name"`
	Reasons      string     `json:"reasons"`
	Status       string     `json:"status"`
	StatusLabel  string     `json:"status_label"` // the status in Chinese: 材料审核, 公示中, 已命名, 已摘牌, …
	NoticeFrom   *time.Time `json:"notice_from"`
	NoticeTo     *time.Time `json:"notice_to"`
}

type demonstrationResponse struct {
	demonstrationNotice
	WorkflowID     string          `json:"workflow_id"`
	SelfAssessment json.RawMessage `json:"self_assessment"`
	Score          *int            `json:"score"`
	Ranking        *int            `json:"ranking"`
	NominatedBy    string          `json:"nominated_by"`
	NamedAt        *time.Time      `json:"named_at"`
	Rechecks       int             `json:"rechecks"`
	RecheckedAt    *time.Time      `json:"rechecked_at"`
	VisitedAt      *time.Time      `json:"visited_at"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

func noticeFrom(p store.DemonstrationPoint) demonstrationNotice {
	return demonstrationNotice{ID: p.ID, PartyOrgID: p.PartyOrgID, PartyOrgName: p.PartyOrgName, UnitID: p.UnitID, UnitName: p.UnitName,
		Reasons: p.Reasons, Status: string(p.Status), StatusLabel: p.Status.Label(), NoticeFrom: p.NoticeFrom, NoticeTo: p.NoticeTo}
}

func demonstrationFrom(p store.DemonstrationPoint) demonstrationResponse {
	return demonstrationResponse{demonstrationNotice: noticeFrom(p), WorkflowID: p.WorkflowID, SelfAssessment: json.RawMessage(p.SelfAssessment),
		Score: p.Score, Ranking: p.Ranking, NominatedBy: p.NominatedBy, NamedAt: p.NamedAt, Rechecks: p.Rechecks, RecheckedAt: p.RecheckedAt, VisitedAt: p.VisitedAt, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// listDemonstrations lists the points in the caller's scope (?status=, ?current=true: named or
// warned, the demonstration points now); each point's history is GET /demonstration-points/{id}.
func (s *Server) listDemonstrations(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	current := false
	switch c.Query("current") {
	case "", "false":
	case "true":
		current = true
	default:
		writeProblem(c, http.StatusBadRequest, "current 应为 true 或 false")
		return
	}
	status := domain.DemonstrationStatus(c.Query("status"))
	if status != "" && !status.Valid() {
		writeProblem(c, http.StatusBadRequest, "示范点状态不正确，应为 nominated、file_review、site_visit、decision、public_notice、named、warned、revoked、rejected 之一")
		return
	}
	rows, next, err := s.App.Demonstrations.List(c.Request.Context(), principal(c), store.DemonstrationFilter{Status: status, Current: current, Page: page})
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]demonstrationResponse, len(rows))
	for i, p := range rows {
		out[i] = demonstrationFrom(p)
	}
	c.JSON(http.StatusOK, list(out, next))
}

// demonstrationNotices are the public notices 公示 running now, for anyone logged in.
func (s *Server) demonstrationNotices(c *gin.Context) {
	rows, err := s.App.Demonstrations.Notices(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]demonstrationNotice, len(rows))
	for i, p := range rows {
		out[i] = noticeFrom(p)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

type demonstrationObjectionResponse struct {
	ID         string     `json:"id"`
	LodgedBy   string     `json:"lodged_by"`
	Reason     string     `json:"reason"`
	LodgedAt   time.Time  `json:"lodged_at"`
	TaskID     *string    `json:"task_id"`
	Answer     string     `json:"answer"`
	AnsweredBy string     `json:"answered_by"`
	AnsweredAt *time.Time `json:"answered_at"`
}

// getDemonstration is a point in the caller's scope with its files, history and objections.
func (s *Server) getDemonstration(c *gin.Context) {
	d, err := s.App.Demonstrations.Get(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	history := make([]auditResponse, len(d.History))
	for i, e := range d.History {
		history[i] = auditResponse{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, SubjectType: e.SubjectType,
			SubjectID: e.SubjectID, Old: rawJSON(e.Old), New: rawJSON(e.New), RequestID: e.RequestID}
	}
	obs := make([]demonstrationObjectionResponse, len(d.Objections))
	for i, o := range d.Objections {
		obs[i] = demonstrationObjectionResponse{ID: o.ID, LodgedBy: o.LodgedBy, Reason: o.Reason, LodgedAt: o.LodgedAt, TaskID: o.TaskID,
			Answer: o.Answer, AnsweredBy: o.AnsweredBy, AnsweredAt: o.AnsweredAt}
	}
	c.JSON(http.StatusOK, gin.H{"point": demonstrationFrom(d.Point), "history": history, "objections": obs})
}

type demonstrationObjectionRequest struct {
	Reason string `json:"reason" text:"2000,multiline"`
}

// objectToDemonstration lodges an objection during the notice (anyone logged in); an officer of
// the city answers it through a demonstration.objection task.
func (s *Server) objectToDemonstration(c *gin.Context) {
	var req demonstrationObjectionRequest
	if !bindJSON(c, &req) {
		return
	}
	o, pending, err := s.App.Demonstrations.Object(c.Request.Context(), principal(c), c.Param("id"), req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	if pending { // recorded; the task opens once the engine is back (the reconciler)
		c.JSON(http.StatusAccepted, gin.H{"id": o.ID, "status": "open", "task": "pending", "message": "已记录，稍后生成处理任务"})
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": o.ID, "status": "open", "task": "requested"})
}

type rankingLine struct {
	Rank         int        `json:"rank"`
	PointID      string     `json:"point_id"`
	PartyOrgID   string     `json:"party_org_id"`
	PartyOrgName string     `json:"party_org_name"`
	UnitID       string     `json:"unit_id"`
	UnitName     string     `json:"unit_name"`
	Score        int        `json:"score"`
	VisitedAt    *time.Time `json:"visited_at"`
	Status       string     `json:"status"`
	StatusLabel  string     `json:"status_label"`
}

// demonstrationRanking ranks a city's points visited in a year (Asia/Shanghai; ?year=, default
// this year) by their site-visit score, for the city's officers (?unit_id=, default the caller's
// one city); points sharing a score share a rank.
func (s *Server) demonstrationRanking(c *gin.Context) {
	year := s.Store.Now().In(calendar.Shanghai).Year()
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			fail(c, domain.Invalid("排名查询有误", domain.FieldFailed("year", domain.CodeOutOfRange, 2000, 2100)))
			return
		}
		year = y
	}
	unit, rows, err := s.App.Demonstrations.Ranking(c.Request.Context(), principal(c), c.Query("unit_id"), year)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]rankingLine, len(rows))
	for i, r := range rows {
		p := r.Point
		out[i] = rankingLine{Rank: r.Rank, PointID: p.ID, PartyOrgID: p.PartyOrgID, PartyOrgName: p.PartyOrgName, UnitID: p.UnitID,
			UnitName: p.UnitName, Score: *p.Score, VisitedAt: p.VisitedAt, Status: string(p.Status), StatusLabel: p.Status.Label()}
	}
	c.JSON(http.StatusOK, gin.H{"year": year, "unit_id": unit.ID, "unit_name": unit.Name, "items": out})
}
