// Package api is Tandem's HTTP API: a gin router under /api/v1 with bearer-token
// authentication, problem-details errors, cursor pagination and an OpenAPI document kept true
// by a test. Handlers are thin: bind, validate, call, render.
package api

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/activities"
	"tandem/app"
	"tandem/auth"
	"tandem/calendar"
	"tandem/diskspace"
	"tandem/store"
)

// Server holds what the handlers need.
type Server struct {
	Store *store.Store
	Auth  *auth.Service
	// App is the application layer: every operation that starts, signals or updates a workflow
	// goes through it (api imports no Temporal client). Nil: Handler builds one on Store and
	// Calendar with no workflow engine (those operations then answer 503).
	App      *app.App
	Calendar *activities.CalendarCache
	Log      *slog.Logger
	// PublicURL is the base URL printed on prompt letters (serve requires it, dev defaults to
	// its own address); "" prints relative links.
	PublicURL string
	// Uploads is how long uploaded files are kept (housekeeping) and each uploader's quota.
	Uploads store.UploadPolicy
	// TrustedProxies (CIDRs or IPs) are the proxies whose X-Forwarded-For / X-Real-IP name the
	// client address that login and survey throttling count; none: the TCP peer is the client.
	TrustedProxies []string
	// UI serves the web UI (package web) for GET and HEAD outside /api/; nil: no UI (those
	// paths answer 404 problem details like any unknown path).
	UI http.Handler
	// Middleware runs on every request right after the request ID is set, before the access
	// log (cmd/tandem adds metrics and tracing here; api imports neither).
	Middleware []gin.HandlerFunc
}

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() *gin.Engine {
	if s.App == nil {
		s.App = app.New(app.Config{Store: s.Store, Calendar: s.Calendar, Log: s.Log})
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		// cmd/tandem checks the list at start; a bad list here trusts no proxy at all.
		s.Log.Error("bad trusted proxies: trusting none", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(requestID())
	r.Use(s.Middleware...)
	r.Use(accessLog(s.Log), recovery(s.Log), checkParameters())
	// gin refuses a catch-all beside /healthz and /survey/:token, so the UI is served from here:
	// every GET or HEAD outside /api/ that no route took. /api/ paths keep their problem 404.
	r.NoRoute(func(c *gin.Context) {
		if s.UI != nil && servesUI(c.Request) {
			s.UI.ServeHTTP(c.Writer, c.Request)
			return
		}
		writeProblem(c, http.StatusNotFound, "没有该接口")
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, http.StatusMethodNotAllowed, "该接口不支持此请求方法")
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)

	// The enterprise's survey link: no account, the token is the key (one answer, expires).
	r.GET("/survey/:token", s.surveyForm)
	r.POST("/survey/:token", s.answerSurvey)

	v1 := r.Group("/api/v1")
	v1.GET("/openapi.yaml", serveOpenAPI)
	v1.POST("/auth/login", s.login)

	a := v1.Group("", s.authenticate(), s.idempotency())
	s.accountRoutes(a)
	s.unitRoutes(a)
	s.userRoutes(a)
	s.taskRoutes(a)
	s.drillRoutes(a)
	s.notificationRoutes(a)
	s.calendarRoutes(a)
	s.rosterRoutes(a)
	s.registrationRoutes(a)
	s.censusRoutes(a)
	s.cycleRoutes(a)
	s.formationRoutes(a)
	s.inspectionRoutes(a)
	s.demonstrationRoutes(a)
	s.inspectionUIRoutes(a)
	s.systemRoutes(a)
	s.viewRoutes(a)
	s.formRoutes(a)
	return r
}

func (s *Server) accountRoutes(a *gin.RouterGroup) {
	a.POST("/auth/logout", s.logout)
	a.GET("/me", s.me)
	a.POST("/me/password", s.changePassword)
}

func (s *Server) unitRoutes(a *gin.RouterGroup) {
	a.GET("/units", s.listUnits)
	a.GET("/units/tree", s.unitTree)
	a.POST("/units", s.createUnit)
	a.POST("/units/import", s.importUnits)
	a.GET("/units/:id", s.getUnit)
	a.PATCH("/units/:id", s.changeUnit)
	a.POST("/units/:id/merge", adminOnly, s.mergeUnit)
	a.GET("/units/:id/aliases", s.listAliases)
	a.POST("/units/:id/aliases", s.addAlias)
}

func (s *Server) userRoutes(a *gin.RouterGroup) {
	a.GET("/users", s.listUsers)
	a.POST("/users", adminOnly, s.createUser)
	a.GET("/users/:username", s.getUser)
	a.POST("/users/:username/password", adminOnly, s.resetPassword)
	a.POST("/users/:username/disable", adminOnly, s.disableUser)
	a.POST("/users/:username/enable", adminOnly, s.enableUser)
	a.POST("/users/:username/unlock", adminOnly, s.unlockUser)
}

func (s *Server) taskRoutes(a *gin.RouterGroup) {
	a.GET("/tasks", s.listTasks)
	a.GET("/tasks/counts", s.countTasks)
	a.POST("/tasks/bulk/claim", s.bulkClaim)
	a.POST("/tasks/bulk/assign", s.bulkAssign)
	a.GET("/tasks/:id", s.getTask)
	a.POST("/tasks/:id/claim", s.claimTask)
	a.POST("/tasks/:id/unclaim", s.unclaimTask)
	a.POST("/tasks/:id/assign", s.assignTask)
	a.POST("/tasks/:id/delegate", s.delegateTask)
	a.GET("/tasks/:id/delegates", s.listDelegates)
	a.POST("/tasks/:id/resolve", s.resolveTask)
	a.POST("/tasks/:id/complete", s.completeTask)
	a.POST("/tasks/:id/comments", s.addComment)
	a.POST("/tasks/:id/attachments", s.addAttachment)
	a.GET("/tasks/:id/attachments/:attachment", s.getAttachment)
	a.POST("/tasks/:id/deadline-extensions", s.extendDeadline)
	a.GET("/tasks/:id/deadline-extensions", s.listExtensions)
	a.POST("/tasks/:id/deadline-extensions/:extension/decision", s.decideExtension)
}

func (s *Server) drillRoutes(a *gin.RouterGroup) {
	a.POST("/drills", s.startDrill)
	a.GET("/drills/:id", s.getDrill)
}

func (s *Server) notificationRoutes(a *gin.RouterGroup) {
	a.GET("/notifications", s.listNotifications)
	a.POST("/notifications/:id/read", s.readNotification)
}

func (s *Server) calendarRoutes(a *gin.RouterGroup) {
	a.GET("/calendar/overrides", s.listOverrides)
	a.PUT("/calendar/overrides/:date", adminOnly, s.putOverride)
	a.DELETE("/calendar/overrides/:date", adminOnly, s.deleteOverride)
	a.GET("/calendar/deadline", s.deadline)
}

// rosterRoutes: the master roster, its sources and deliveries, matching and reports on it.
func (s *Server) rosterRoutes(a *gin.RouterGroup) {
	a.GET("/industry-mappings", s.listMappings)
	a.PUT("/industry-mappings/:text", adminOnly, s.putMapping)
	a.GET("/sources", s.listSources)
	a.PUT("/sources/:source", adminOnly, s.putSource)
	a.GET("/sources/:source/conflicts", s.listSourceConflicts)
	a.POST("/roster-imports", s.createImport)
	a.GET("/roster-imports", s.listImports)
	a.GET("/roster-imports/:id", s.getImport)
	a.GET("/roster-imports/:id/rejects", s.importRejects)
	a.GET("/organizations", s.listOrganizations)
	a.GET("/organizations/:uscc", s.getOrganization)
	a.POST("/organizations/:uscc/resolutions", s.resolveConflict)
	a.PUT("/organizations/:uscc/tags", s.setTags)
	a.GET("/tags", s.listTags)
	a.PUT("/tags/:code", adminOnly, s.putTag)
	a.GET("/reports/responsibility", s.responsibility)
	a.GET("/reports/coverage", s.coverageReport)
	a.GET("/reports/coverage/trend", s.coverageTrend)
}

func (s *Server) registrationRoutes(a *gin.RouterGroup) {
	a.POST("/registrations", s.reportRegistration)
	a.GET("/registrations/:id", s.getRegistration)
	a.GET("/registrations/:id/letter", s.registrationLetter)
}

func (s *Server) censusRoutes(a *gin.RouterGroup) {
	a.GET("/census-rounds", s.listRounds)
	a.POST("/census-rounds", s.startRound)
	a.GET("/census-rounds/:id", s.getRound)
	a.GET("/census-rounds/:id/skipped-organizations", s.listSkipped)
	a.POST("/census-rounds/:id/cancel", s.cancelRound)
}

// cycleRoutes: the cycles' periods, bulletins, ledgers and assessments.
func (s *Server) cycleRoutes(a *gin.RouterGroup) {
	a.POST("/cycles/:kind/:period/run", adminOnly, s.runCycle)
	a.GET("/periods", s.listPeriods)
	a.GET("/periods/:id", s.getPeriod)
	a.GET("/periods/:id/bulletins/:county", s.getBulletin)
	a.GET("/ledgers/:unit", s.getLedger)
	a.GET("/assessment-scheme", s.getScheme)
	a.PUT("/assessment-scheme", adminOnly, s.putScheme)
	a.GET("/periods/:id/assessments", s.listAssessments)
	a.GET("/periods/:id/analyses", s.listAnalyses)
	a.GET("/assessments/:id", s.getAssessment)
	a.POST("/assessments/:id/reopen", adminOnly, s.reopenAssessment)
	a.POST("/assessments/:id/adjustments", s.adjustAssessment)
}

// formationRoutes: formations, the party organizations they found, and their members.
func (s *Server) formationRoutes(a *gin.RouterGroup) {
	a.POST("/formations", s.startFormation)
	a.GET("/formations", s.listFormations)
	a.GET("/formations/:id", s.getFormation)
	a.POST("/formations/:id/cancel", s.cancelFormation)
	a.GET("/organizations/:uscc/members", s.listMembers)
	a.GET("/party-orgs/:id", s.getPartyOrg)
	a.GET("/party-orgs/:id/transfers", s.listTransfers)
	a.GET("/party-orgs/:id/transfers/:transfer/letter", s.transferLetter)
	a.POST("/party-orgs/:id/dissolution", s.requestDissolution)
	a.POST("/party-orgs/:id/adjustment", s.requestAdjustment)
	a.POST("/party-orgs/:id/reelection-date", s.requestReschedule)
}

func (s *Server) systemRoutes(a *gin.RouterGroup) {
	a.GET("/audit", s.listAudit)
	a.POST("/system/self-check", adminOnly, s.selfCheck)
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers 200 when the database and Temporal both answer and the data folder's disk (if
// watched: tandem dev) is not full; a disk nearly full stays 200, with the warning in "disk".
func (s *Server) readyz(c *gin.Context) {
	r := s.App.System.Ready(c.Request.Context())
	if !r.Ready() {
		detail := "依赖的服务暂不可用（数据库或 Temporal）"
		if r.Database && r.Engine {
			detail = diskDetail(r.Disk)
		}
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, Problem{
			Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
			Detail: detail, Instance: c.Request.URL.Path, RequestID: c.GetString(requestIDKey),
		})
		return
	}
	checks := gin.H{"database": "ok", "temporal": "ok"}
	out := gin.H{"status": "ready", "checks": checks}
	if d := r.Disk; d != nil {
		disk := gin.H{"path": d.Path, "free_bytes": d.FreeBytes, "total_bytes": d.TotalBytes,
			"free_percent": math.Round(1000*d.FreeShare()) / 10}
		if !d.Checked.IsZero() {
			disk["checked_at"] = d.Checked.In(calendar.Shanghai).Format(time.RFC3339)
		}
		switch {
		case d.Err != nil || d.Checked.IsZero():
			checks["disk"] = "unknown"
			disk["detail"] = "无法读取数据目录所在磁盘的剩余空间"
		case d.Low:
			checks["disk"] = "low"
			disk["detail"] = diskDetail(d)
		default:
			checks["disk"] = "ok"
		}
		out["disk"] = disk
	}
	c.JSON(http.StatusOK, out)
}

// diskDetail says in Chinese how much room the data folder's disk has left.
func diskDetail(d *diskspace.Status) string {
	what := "剩余空间不足"
	if d.Full {
		what = "已满"
	}
	return fmt.Sprintf("数据目录 %s 所在磁盘%s：剩余 %.1f GiB（%.1f%%），请清理磁盘或扩容", d.Path, what,
		float64(d.FreeBytes)/(1<<30), 100*d.FreeShare())
}

// now is the one clock of the API: the store's, which the activities read too, so that a
// clock injected for tests (TANDEM_TEST_CLOCK) moves every due date and expiry alike.
func (s *Server) now() time.Time { return s.Store.Now() }

// servesUI reports whether a request that matched no route is the UI's: a GET or HEAD outside
// /api/ (and not /api itself).
func servesUI(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return p != "/api" && !strings.HasPrefix(p, "/api/")
}
