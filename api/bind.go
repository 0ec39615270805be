package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/store"
)

const maxJSONBody = 1 << 20

// bindJSON decodes the request body strictly into v: malformed JSON, a wrong type or an
// unknown field is a 400 with a specific message; a text that breaks its field's rule (a
// control character, too long; see checkBody) is a 422 naming the field. It reports whether
// the body was accepted.
func bindJSON(c *gin.Context, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	if err != nil {
		writeProblem(c, http.StatusRequestEntityTooLarge, "请求体不能超过 1 MiB")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(c, http.StatusBadRequest, describeJSONError(err))
		return false
	}
	if dec.More() {
		writeProblem(c, http.StatusBadRequest, "请求体含有多于一个 JSON 值")
		return false
	}
	if err := capErrors(checkBody(v)).Err("请求含有不允许的文字"); err != nil {
		fail(c, err)
		return false
	}
	return true
}

func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "请求体为空：应为一个 JSON 对象"
	case errors.As(err, &syntax):
		return fmt.Sprintf("JSON 格式不正确（第 %d 字节）：%v", syntax.Offset, syntax)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON 格式不正确：请求体提前结束"
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("字段 %q 应为 JSON %s", typ.Field, typ.Type.Kind())
		}
		return "请求体应为一个 JSON 对象"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "未知字段 " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "JSON 格式不正确：" + err.Error()
}

// pageFrom reads limit and cursor query parameters.
func pageFrom(c *gin.Context) (store.Page, error) {
	p := store.Page{Cursor: c.Query("cursor")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > domain.MaxPageSize {
			return p, domain.Invalid("limit 参数不正确", domain.FieldFailed("limit", domain.CodeOutOfRange, 1, domain.MaxPageSize))
		}
		p.Limit = n
	}
	return p, nil
}

// listResponse is the shape of every list.
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func list[T any](items []T, next string) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items, NextCursor: next}
}

// unitFilter resolves the optional ?unit= query parameter to that unit's path, within what the
// caller may view (an unknown or hidden unit is a 404).
func (s *Server) unitFilter(c *gin.Context, p domain.Principal) (string, error) {
	unitID := c.Query("unit")
	if unitID == "" {
		return "", nil
	}
	u, err := s.Store.GetUnit(c.Request.Context(), p, unitID)
	if err != nil {
		return "", err
	}
	return u.Path, nil
}

// usccParam reads the {uscc} path parameter the way imports read a code: full-width forms
// folded, spaces dropped, upper case (so /organizations/９１… finds what the roster holds).
func usccParam(c *gin.Context) string { return domain.NormalizeUSCC(c.Param("uscc")) }
