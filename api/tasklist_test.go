package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// writeTaskList answers what encoding/json answers for list(items, next): same keys, same
// values, forms spliced in for every kind that has one and null for kinds without.
func TestWriteTaskListMatchesEncodingJSON(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	now := time.Date(2026, 10, 9, 8, 0, 0, 0, time.UTC)
	who := "insp</script>"
	done := now.Add(-time.Hour)
	tasks := []domain.Task{
		{ID: "t1", Kind: "census.verify", Status: domain.TaskClaimed, Assignee: &who, UnitID: "u1", Role: domain.RoleInspector,
			Subject: "91110108551385082Q", Title: "走访 \"甲\" <公司>\n", Priority: 50, DueAt: now.Add(time.Hour), WorkflowID: "w/1", CreatedAt: now},
		{ID: "t2", Kind: "no.such.kind", Status: domain.TaskOpen, DueAt: now.Add(-time.Hour), CreatedAt: now},
		{ID: "t3", Kind: "census.verify", Status: domain.TaskCompleted, Result: json.RawMessage(`{ "operating" : true }`),
			CompletedBy: &who, CompletedAt: &done, DueAt: now, CreatedAt: now},
	}
	for _, tc := range []struct {
		name  string
		tasks []domain.Task
		next  string
	}{{"Empty", nil, ""}, {"Mixed", tasks, "abc\"</x>"}} {
		t.Run(tc.name, func(t *testing.T) {
			out := make([]taskResponse, len(tc.tasks))
			for i, tk := range tc.tasks {
				out[i] = taskFrom(tk, now)
			}
			want, err := json.Marshal(list(out, tc.next))
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			writeTaskList(c, out, tc.next)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("not JSON: %s", w.Body)
			}
			var got, exp any
			_ = json.Unmarshal(w.Body.Bytes(), &got)
			_ = json.Unmarshal(want, &exp)
			if !reflect.DeepEqual(got, exp) {
				t.Fatalf("got  %s\nwant %s", w.Body, want)
			}
			if tc.tasks != nil && !bytes.Contains(w.Body.Bytes(), []byte(`"form":null`)) {
				t.Errorf("a kind without a form should say form: null: %s", w.Body)
			}
		})
	}
}
