package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/store/storetest"
	"tandem/web"
)

// TestUIServedOutsideAPI: the web UI answers GET and HEAD on paths no route takes outside
// /api/; /api/ paths and other methods keep their problem-details 404, and the routes beside
// the UI (/healthz, /survey/:token) stay theirs.
func TestUIServedOutsideAPI(t *testing.T) {
	st := storetest.SQLite(t)
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.DiscardHandler), UI: web.Handler()}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	cases := []struct {
		method, path string
		status       int
		ui           bool
	}{
		{"GET", "/", 200, true},
		{"GET", "/inbox", 200, true},
		{"GET", "/tasks/0190-abc", 200, true},
		{"HEAD", "/inbox", 200, false},
		{"GET", "/api/v1/nope", 404, false},
		{"GET", "/api", 404, false},
		{"POST", "/inbox", 404, false},
		{"GET", "/healthz", 200, false},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		isUI := strings.Contains(string(b), `<div id="app">`)
		if res.StatusCode != c.status || isUI != c.ui {
			t.Errorf("%s %s: %d ui=%v, want %d ui=%v (%.80s)", c.method, c.path, res.StatusCode, isUI, c.status, c.ui, b)
		}
		if c.status == 404 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: Content-Type %q, want problem details", c.method, c.path, res.Header.Get("Content-Type"))
		}
	}
}
