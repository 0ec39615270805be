package api

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	Code      string              `json:"code,omitempty"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// statusOf maps each domain error code to one HTTP status.
// UnavailableRetryAfter is the Retry-After, in seconds, of a 503: about how long a restarting
// Temporal server or a failing-over database takes to answer again.
const UnavailableRetryAfter = 5

var statusOf = map[string]int{
	domain.ECONFLICT:     http.StatusConflict,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.EGONE:         http.StatusGone,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.ESTALESCHEMA:  http.StatusServiceUnavailable,
	domain.ETOOMANY:      http.StatusTooManyRequests,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// writeProblem renders status with a detail message.
func writeProblem(c *gin.Context, status int, detail string, fields ...domain.FieldError) {
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="tandem"`)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(status, Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Instance:  c.Request.URL.Path,
		Errors:    fields,
		RequestID: c.GetString(requestIDKey),
	})
}

// fail renders err as problem details. Internal errors are logged and hidden from the client.
func fail(c *gin.Context, err error) {
	code := domain.ErrorCode(err)
	status := statusOf[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		slog.ErrorContext(c.Request.Context(), "request failed", "error", err)
	}
	var de *domain.Error
	if errors.As(err, &de) {
		c.Header("Content-Type", "application/problem+json")
		p := Problem{
			Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: de.Message,
			Instance: c.Request.URL.Path, Code: de.Code, Errors: de.Fields, RequestID: c.GetString(requestIDKey),
		}
		if status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="tandem"`)
		}
		if de.Code == domain.ETOOMANY {
			// Whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3).
			secs := int64(math.Ceil(de.RetryIn.Seconds()))
			c.Header("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		}
		if status == http.StatusServiceUnavailable {
			// The workflow engine or the database is away (a Temporal restart takes seconds):
			// tell clients when to try again rather than leave them to guess.
			c.Header("Retry-After", strconv.Itoa(UnavailableRetryAfter))
		}
		c.AbortWithStatusJSON(status, p)
		return
	}
	writeProblem(c, status, domain.ErrorMessage(err))
}
