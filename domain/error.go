package domain

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in the API.
const (
	ECONFLICT     = "conflict"     // the state forbids it (already completed, duplicate name)
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	EINVALID      = "invalid"      // input fails a rule; Fields says which
	ENOTFOUND     = "not_found"    // absent, or outside what the caller may see
	EGONE         = "gone"         // existed, but no longer usable (an expired link)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EUNAVAILABLE  = "unavailable"  // a dependency is down
	EINTERNAL     = "internal"     // a bug or an unexpected failure; detail never reaches clients
	ESTALESCHEMA  = "stale_schema" // the database schema is older than the binary
	ETOOMANY      = "too_many"     // a limit is reached (login attempts, an upload quota); RetryAfter says until when
)

// FieldError names one failing field of an input and why: Code is stable English for clients
// (a key of the message catalogue, messages.go), Reason the Chinese text for people.
type FieldError struct {
	Field  string `json:"field"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason"`
}

// Error is a domain error with a code that callers can branch on and a message safe to show.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// RetryIn, when set on an ETOOMANY error, is how long until the caller may try again
	// (a duration, not a time, so that it does not depend on whose clock reads it).
	RetryIn time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// TooMany returns an ETOOMANY error: a limit is reached for retryIn more (the message should
// say until when, in Asia/Shanghai time).
func TooMany(retryIn time.Duration, format string, args ...any) *Error {
	return &Error{Code: ETOOMANY, Message: fmt.Sprintf(format, args...), RetryIn: retryIn}
}

// Invalid returns an EINVALID error listing the failing fields.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else EINTERNAL.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an *Error, else a generic text (internal details stay
// in logs).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Validation collects field errors.
type Validation []FieldError

// Add records that field fails for reason. A reason that is a catalogue code ("required")
// becomes that code with its Chinese text; prefer AddCode, which says so.
func (v *Validation) Add(field, reason string) {
	if _, ok := messages[reason]; ok {
		v.AddCode(field, reason)
		return
	}
	*v = append(*v, FieldError{Field: field, Reason: reason})
}

// AddCode records that field fails the rule code; the reason is the catalogue's Chinese text
// with args filled in.
func (v *Validation) AddCode(field, code string, args ...any) {
	*v = append(*v, FieldFailed(field, code, args...))
}

// FieldFailed is the field error for field failing rule code, with the catalogue's text.
func FieldFailed(field, code string, args ...any) FieldError {
	return FieldError{Field: field, Code: code, Reason: Message(code, args...)}
}

// Err returns nil when nothing failed, else an EINVALID *Error.
func (v Validation) Err(message string) error {
	if len(v) == 0 {
		return nil
	}
	return Invalid(message, v...)
}
