package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProbe: `tandem probe` succeeds on 2xx only, and refuses what is not an http(s) URL.
func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	for _, c := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"OK", []string{"probe", srv.URL + "/readyz"}, 0, "200 OK"},
		{"ErrUnavailable", []string{"probe", srv.URL + "/other"}, 1, "503 Service Unavailable"},
		{"ErrNotHTTP", []string{"probe", "file:///etc/passwd"}, 1, "not an http(s) URL"},
		{"ErrNoURL", []string{"probe"}, 1, "usage: tandem probe"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), c.args, env(nil), &stdout, &stderr)
			if code != c.code || !strings.Contains(stdout.String()+stderr.String(), c.out) {
				t.Fatalf("exit %d (want %d), output %q %q", code, c.code, stdout.String(), stderr.String())
			}
		})
	}
}
