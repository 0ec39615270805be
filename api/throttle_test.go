package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// testClock is a settable store clock: locks run out without sleeping.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var admin = domain.Principal{Username: domain.SystemActor, Admin: true}

// 2027-03-01 10:00:00 in Beijing.
var throttleStart = time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)

// throttleServer serves st (with admin/admin-password and alice/alice-password) on the store's
// clock set to throttleStart, trusting proxies.
func throttleServer(t *testing.T, st *store.Store, clock *testClock, proxies ...string) *httptest.Server {
	t.Helper()
	st.Now = clock.now
	ctx := context.Background()
	for _, u := range []string{"admin", "alice"} {
		hash, _ := auth.HashPassword(u + "-password")
		if u == "admin" {
			if _, err := st.EnsureAdmin(ctx, "admin", hash); err != nil {
				t.Fatal(err)
			}
		} else if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: u, PasswordHash: hash}); err != nil && !strings.Contains(err.Error(), "taken") {
			t.Fatal(err)
		}
	}
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.DiscardHandler), TrustedProxies: proxies}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func tryLogin(c *client, user, pw string, headers ...string) (int, string, map[string]any) {
	c.t.Helper()
	s, h, b := c.do("POST", "/api/v1/auth/login", `{"username":"`+user+`","password":"`+pw+`"}`, headers...)
	return s, h.Get("Retry-After"), b
}

func TestLoginThrottle(t *testing.T) {
	clock := &testClock{t: throttleStart}
	st := storetest.SQLite(t)
	srv := throttleServer(t, st, clock)
	anon := &client{t: t, base: srv.URL}

	t.Run("SixthWrongPasswordIs429", func(t *testing.T) {
		for i := 1; i <= 5; i++ {
			if s, _, b := tryLogin(anon, "alice", "wrong-password"); s != 401 {
				t.Fatalf("failure %d: %d %v", i, s, b)
			}
			clock.add(5 * time.Second)
		}
		// The 5th failure, at 10:00:20, locked the account for a minute.
		s, retry, b := tryLogin(anon, "alice", "wrong-password")
		if s != 429 || retry != "55" || b["code"] != "too_many" {
			t.Fatalf("6th attempt: %d Retry-After %q %v", s, retry, b)
		}
		if d := b["detail"].(string); !strings.Contains(d, "锁定至 2027-03-01 10:01:20（北京时间）") {
			t.Fatalf("detail does not say until when in Beijing time: %s", d)
		}
		if s, _, _ := tryLogin(anon, "alice", "alice-password"); s != 429 {
			t.Fatalf("the right password during the lock: %d, want 429", s)
		}
	})
	t.Run("UnknownUserAlike", func(t *testing.T) {
		start := clock.now()
		for i := 1; i <= 5; i++ {
			if s, _, b := tryLogin(anon, "nobody", "wrong-password"); s != 401 || b["detail"] != "用户名或密码错误" {
				t.Fatalf("failure %d: %d %v", i, s, b)
			}
			clock.add(5 * time.Second)
		}
		s, retry, b := tryLogin(anon, "nobody", "wrong-password")
		want := start.Add(20 * time.Second).Add(time.Minute).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
		if s != 429 || retry != "55" || !strings.Contains(b["detail"].(string), "锁定至 "+want+"（北京时间）") {
			t.Fatalf("6th attempt for an unknown user: %d Retry-After %q %v", s, retry, b)
		}
	})
	t.Run("AfterTheLockTheRightPasswordWorksAndResets", func(t *testing.T) {
		clock.add(time.Minute)
		if s, _, b := tryLogin(anon, "alice", "alice-password"); s != 200 {
			t.Fatalf("after the lock: %d %v", s, b)
		}
		// The count started over: 4 failures do not lock.
		for i := 1; i <= 4; i++ {
			if s, _, _ := tryLogin(anon, "alice", "wrong-password"); s != 401 {
				t.Fatalf("failure %d after the reset: %d", i, s)
			}
		}
		if s, _, b := tryLogin(anon, "alice", "alice-password"); s != 200 {
			t.Fatalf("after 4 failures: %d %v", s, b)
		}
	})
	t.Run("EachFailureAudited", func(t *testing.T) {
		adm := login(t, srv.URL, "admin", "admin-password")
		_, _, b := adm.do("GET", "/api/v1/audit?subject_type=user&subject=nobody&limit=100", "")
		items, _ := b["items"].([]any)
		if len(items) != 5 {
			t.Fatalf("%d audit records of nobody's failures, want 5: %v", len(items), b)
		}
		e := items[0].(map[string]any)
		rec := e["new"].(map[string]any)
		if e["action"] != "auth.login_failed" || e["actor"] != "anonymous" || rec["address"] != "127.0.0.1" || rec["reason"] != "unknown_user" ||
			rec["locked_until"] != "2027-03-01T02:01:45Z" {
			t.Fatalf("audit record %v", e)
		}
	})
	t.Run("422TooLong", func(t *testing.T) {
		s, h, b := anon.do("POST", "/api/v1/auth/login", `{"username":"`+strings.Repeat("a", 65)+`","password":"`+strings.Repeat("p", 73)+`"}`)
		wantProblem(t, s, h, b, 422)
		if len(b["errors"].([]any)) != 2 {
			t.Fatalf("fields %v", b["errors"])
		}
	})
}

func TestAdminUnlocks(t *testing.T) {
	clock := &testClock{t: throttleStart}
	srv := throttleServer(t, storetest.SQLite(t), clock)
	anon := &client{t: t, base: srv.URL}
	for range 5 {
		tryLogin(anon, "alice", "wrong-password")
	}
	if s, _, _ := tryLogin(anon, "alice", "alice-password"); s != 429 {
		t.Fatalf("not locked: %d", s)
	}
	adm := login(t, srv.URL, "admin", "admin-password")
	if s, h, b := adm.do("POST", "/api/v1/users/nobody/unlock", ""); s != 404 {
		wantProblem(t, s, h, b, 404)
	}
	if s, _, b := adm.do("POST", "/api/v1/users/alice/unlock", ""); s != 204 {
		t.Fatalf("unlock: %d %v", s, b)
	}
	alice := login(t, srv.URL, "alice", "alice-password")
	s, h, b := alice.do("POST", "/api/v1/users/admin/unlock", "")
	wantProblem(t, s, h, b, 403)
	_, _, audit := adm.do("GET", "/api/v1/audit?subject_type=user&subject=alice", "")
	if e := audit["items"].([]any)[0].(map[string]any); e["action"] != "user.unlock" || e["actor"] != "admin" || e["old"].(map[string]any)["failures"] != float64(5) {
		t.Fatalf("unlock audit %v", e)
	}
}

func TestLoginAddressLimit(t *testing.T) {
	clock := &testClock{t: throttleStart}
	srv := throttleServer(t, storetest.SQLite(t), clock, "127.0.0.1")
	anon := &client{t: t, base: srv.URL}
	const guesser = "203.0.113.7"
	// 20 failures from one address, each on another username, lock the address.
	for i := range 20 {
		if s, _, _ := tryLogin(anon, "user-"+string(rune('a'+i)), "wrong-password", "X-Forwarded-For", guesser); s != 401 {
			t.Fatalf("failure %d: %d", i+1, s)
		}
	}
	s, retry, b := tryLogin(anon, "alice", "alice-password", "X-Forwarded-For", guesser)
	if s != 429 || retry != "300" || !strings.Contains(b["detail"].(string), "2027-03-01 10:05:00（北京时间）") {
		t.Fatalf("21st attempt from the address: %d %q %v", s, retry, b)
	}
	// The proxy forwards another client: not locked.
	if s, _, b := tryLogin(anon, "alice", "alice-password", "X-Forwarded-For", "198.51.100.20"); s != 200 {
		t.Fatalf("another client behind the trusted proxy: %d %v", s, b)
	}
	clock.add(5 * time.Minute)
	if s, _, b := tryLogin(anon, "alice", "alice-password", "X-Forwarded-For", guesser); s != 200 {
		t.Fatalf("after the address's lock: %d %v", s, b)
	}
}

// Without trusted proxies a forwarded header is ignored: a guesser cannot shed its lock by
// naming another address.
func TestForwardedForIgnoredWithoutTrustedProxy(t *testing.T) {
	clock := &testClock{t: throttleStart}
	srv := throttleServer(t, storetest.SQLite(t), clock)
	anon := &client{t: t, base: srv.URL}
	for i := range 20 {
		tryLogin(anon, "user-"+string(rune('a'+i)), "wrong-password", "X-Forwarded-For", "10.0.0."+string(rune('1'+i%9)))
	}
	if s, _, _ := tryLogin(anon, "alice", "alice-password", "X-Forwarded-For", "198.51.100.20"); s != 429 {
		t.Fatalf("a forged X-Forwarded-For escaped the address lock: %d", s)
	}
}

// Two API servers over one PostgreSQL database share the counters.
func TestLoginThrottleAcrossServers(t *testing.T) {
	url := storetest.NewPostgresDatabase(t)
	clock := &testClock{t: throttleStart}
	var bases [2]string
	for i := range bases {
		st, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background(), slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		bases[i] = throttleServer(t, st, clock).URL
	}
	for i := 1; i <= 5; i++ {
		if s, _, _ := tryLogin(&client{t: t, base: bases[i%2]}, "alice", "wrong-password"); s != 401 {
			t.Fatalf("failure %d: %d", i, s)
		}
	}
	for _, base := range bases {
		if s, retry, _ := tryLogin(&client{t: t, base: base}, "alice", "wrong-password"); s != 429 || retry != "60" {
			t.Fatalf("6th attempt on %s: %d %q", base, s, retry)
		}
	}
}

func TestSurveyGuessingThrottled(t *testing.T) {
	clock := &testClock{t: throttleStart}
	srv := throttleServer(t, storetest.SQLite(t), clock)
	anon := &client{t: t, base: srv.URL}
	for i := range 20 {
		method := "GET"
		if i%2 == 1 {
			method = "POST"
		}
		s, _, b := anon.do(method, "/survey/guess-"+string(rune('a'+i)), `{"formal_members":1,"probationary_members":0,"party_org":"none"}`, "Content-Type", "application/json")
		if s != 404 {
			t.Fatalf("guess %d: %d %v", i+1, s, b)
		}
	}
	for _, method := range []string{"GET", "POST"} {
		s, h, b := anon.do(method, "/survey/guess-z", `{"formal_members":1,"probationary_members":0,"party_org":"none"}`, "Content-Type", "application/json")
		if s != 429 || h.Get("Retry-After") != "300" || !strings.Contains(b["detail"].(string), "2027-03-01 10:05:00（北京时间）") {
			t.Fatalf("21st guess (%s): %d %q %v", method, s, h.Get("Retry-After"), b)
		}
	}
	clock.add(5 * time.Minute)
	if s, _, _ := anon.do("GET", "/survey/guess-z", ""); s != 404 {
		t.Fatalf("after the lock: %d", s)
	}
	// The 21st miss locks again, for twice as long.
	if s, h, _ := anon.do("GET", "/survey/guess-y", ""); s != 429 || h.Get("Retry-After") != "600" {
		t.Fatalf("after the next miss: %d %q", s, h.Get("Retry-After"))
	}
}

// An unknown user and a wrong password take about as long: both compare a bcrypt hash and
// write the same counters and audit record. Medians of 9 answers each; without the dummy
// comparison the unknown user answers about 100 times faster (measured: 1.5 ms vs 179 ms).
func TestLoginTimingAlike(t *testing.T) {
	clock := &testClock{t: throttleStart}
	st := storetest.SQLite(t)
	srv := throttleServer(t, st, clock)
	anon := &client{t: t, base: srv.URL}
	// Interleaved, so that a busy moment of the machine hits both alike.
	var wrongs, unknowns []time.Duration
	for i := range 9 {
		for _, user := range []string{"alice", "ghost-" + string(rune('a'+i))} {
			start := time.Now()
			if s, _, _ := tryLogin(anon, user, "wrong-password"); s != 401 {
				t.Fatalf("%s: %d", user, s)
			}
			if user == "alice" {
				wrongs = append(wrongs, time.Since(start))
			} else {
				unknowns = append(unknowns, time.Since(start))
			}
		}
		clock.add(16 * time.Minute) // past the window: no lock ever starts
	}
	median := func(ds []time.Duration) time.Duration {
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		return ds[len(ds)/2]
	}
	wrong, unknown := median(wrongs), median(unknowns)
	t.Logf("median answer: wrong password %v, unknown user %v", wrong, unknown)
	// A ratio, not a time: without the dummy comparison the gap is about 100x (1.5 ms against
	// 179 ms); a factor of 4 either way leaves room for a busy machine without hiding that.
	if ratio := float64(unknown) / float64(wrong); ratio < 0.25 || ratio > 4 {
		t.Fatalf("unknown user %v vs wrong password %v", unknown, wrong)
	}
}
