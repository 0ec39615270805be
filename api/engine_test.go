package api_test

import (
	"strconv"
	"testing"

	"tandem/api"
)

// Without a workflow engine (these tests run none), what needs one answers 503 with a problem
// naming what failed and a Retry-After, and readiness says Temporal is not reachable.
func TestNoEngine(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	status, h, body := admin.do("POST", "/api/v1/system/self-check", "")
	if status != 503 || body["code"] != "unavailable" || body["detail"] != "无法启动自检流程" ||
		h.Get("Retry-After") != strconv.Itoa(api.UnavailableRetryAfter) {
		t.Fatalf("self-check: %d Retry-After %q %v", status, h.Get("Retry-After"), body)
	}
	status, _, body = admin.do("GET", "/readyz", "")
	if status != 503 || body["detail"] != "依赖的服务暂不可用（数据库或 Temporal）" {
		t.Fatalf("readyz: %d %v", status, body)
	}
	status, h, body = admin.do("POST", "/api/v1/cycles/monthly/2020-01/run", "")
	if status != 503 || body["detail"] != "无法启动该周期的流程，请稍后重试" || h.Get("Retry-After") == "" {
		t.Fatalf("cycle run: %d Retry-After %q %v", status, h.Get("Retry-After"), body)
	}
}
