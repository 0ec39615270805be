package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

const (
	requestIDKey = "request_id"
	principalKey = "principal"
)

// requestID takes the caller's X-Request-ID (if sane) or makes one, and echoes it.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if id == "" || len(id) > 128 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Request = c.Request.WithContext(domain.WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		user := ""
		if p, ok := c.Get(principalKey); ok {
			user = p.(domain.Principal).Username
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		// The request ID is added by the log handler from the context (telemetry.ContextHandler),
		// as on every line of the request. A survey link's token is its owner's key: it stays out of the log.
		path := c.Request.URL.Path
		if token := c.Param("token"); token != "" {
			path = strings.Replace(path, token, "[token]", 1)
		}
		log.LogAttrs(c.Request.Context(), level, "http",
			slog.Group("request",
				slog.String("method", c.Request.Method),
				slog.String("path", path),
				slog.String("route", c.FullPath()),
				slog.String("user", user),
			),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", c.Writer.Size()),
			slog.Duration("took", time.Since(start)),
		)
	}
}

// recovery turns a panic into a logged 500 problem.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(c.Request.Context(), "panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				writeProblem(c, http.StatusInternalServerError, "服务器内部错误")
			}
		}()
		c.Next()
	}
}

// authenticate requires a valid bearer token and stores the caller's principal.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		// The scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
		h := c.GetHeader("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			writeProblem(c, http.StatusUnauthorized, "需要 Authorization: Bearer <token> 请求头（请先登录）")
			return
		}
		p, err := s.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
		if err != nil {
			fail(c, err)
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

// principal returns the authenticated caller.
func principal(c *gin.Context) domain.Principal {
	return c.MustGet(principalKey).(domain.Principal)
}

// adminOnly refuses callers that are not admins.
func adminOnly(c *gin.Context) {
	if !principal(c).Admin {
		writeProblem(c, http.StatusForbidden, "只有管理员可以执行此操作")
		return
	}
	c.Next()
}
