package api_test

import "testing"

// Without a workflow engine (these tests run none), what needs one answers 503 with a problem
// naming what failed, and readiness says Temporal is not reachable.
func TestNoEngine(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	status, _, body := admin.do("POST", "/api/v1/system/self-check", "")
	if status != 503 || body["code"] != "unavailable" || body["detail"] != "无法启动自检流程" {
		t.Fatalf("self-check: %d %v", status, body)
	}
	status, _, body = admin.do("GET", "/readyz", "")
	if status != 503 || body["detail"] != "a dependency is not reachable" {
		t.Fatalf("readyz: %d %v", status, body)
	}
	status, _, body = admin.do("POST", "/api/v1/cycles/monthly/2020-01/run", "")
	if status != 503 || body["detail"] != "无法启动该周期的流程，请稍后重试" {
		t.Fatalf("cycle run: %d %v", status, body)
	}
}
