package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/forms"
)

// encodedForms holds each registered form as the JSON of its formResponse, encoded once: the
// registry is fixed at start, so this is derived data, not state.
var encodedForms = sync.OnceValue(func() map[string][]byte {
	out := map[string][]byte{}
	for _, kind := range forms.Kinds() {
		f, _ := forms.Lookup(kind)
		b, err := json.Marshal(formResponse{Kind: f.Kind, Title: f.Title, Schema: f.Schema})
		if err != nil {
			panic("api: form " + kind + " does not encode: " + err.Error()) // a registry bug, caught by any test
		}
		out[kind] = b
	}
	return out
})

// writeTaskList answers 200 with the body list(items, next) would give, but splices each
// task's form in from encodedForms. encoding/json re-scans and compacts every json.RawMessage
// it writes, and an inbox page of 50 census tasks carried the same 1.3 KB schema 50 times:
// that scan was two thirds of the inbox's JSON time and most of what the full stack lost
// against a bare handler (issue 22).
func writeTaskList(c *gin.Context, items []taskResponse, next string) {
	encoded := encodedForms()
	buf := taskListBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // a rare huge page is not kept
			buf.Reset()
			taskListBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	buf.WriteString(`{"items":[`)
	for i := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		t := &items[i]
		form, ok := encoded[t.Kind]
		if t.Form == nil || !ok {
			form = []byte("null")
		}
		if err := enc.Encode(&t.taskFields); err != nil {
			fail(c, err)
			return
		}
		buf.Truncate(buf.Len() - 2) // Encode's "}\n"
		buf.WriteString(`,"form":`)
		buf.Write(form)
		buf.WriteByte('}')
	}
	buf.WriteString(`],"next_cursor":`)
	if err := enc.Encode(next); err != nil {
		fail(c, err)
		return
	}
	buf.Truncate(buf.Len() - 1) // Encode's "\n"
	buf.WriteByte('}')
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
}

// taskListBuffers recycles writeTaskList's buffers (an inbox page is about 100 KB).
var taskListBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (s *Server) formRoutes(a *gin.RouterGroup) {
	a.GET("/forms", s.listForms)
	a.GET("/forms/:kind", s.getForm)
}

// listForms answers every task kind's form (kind, Chinese title, JSON Schema), sorted by kind:
// what a client caches to render a form without its task at hand (offline).
func (s *Server) listForms(c *gin.Context) {
	encoded := encodedForms()
	var buf bytes.Buffer
	buf.WriteString(`{"items":[`)
	for i, kind := range forms.Kinds() {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(encoded[kind])
	}
	buf.WriteString(`],"next_cursor":""}`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
}

// getForm answers one task kind's form; a kind without one is a 404.
func (s *Server) getForm(c *gin.Context) {
	b, ok := encodedForms()[c.Param("kind")]
	if !ok {
		fail(c, domain.Errorf(domain.ENOTFOUND, "没有该任务类型的表单：%q", c.Param("kind")))
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}
