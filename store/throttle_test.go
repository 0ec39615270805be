package store_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

var limit = store.ThrottleLimit{Failures: 5, Window: 15 * time.Minute, Lock: time.Minute, MaxLock: time.Hour}

// fakeClock is a settable clock for st.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock(st ...*store.Store) *fakeClock {
	c := &fakeClock{t: time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)}
	for _, s := range st {
		s.Now = c.Now
	}
	return c
}

func TestThrottleLockFor(t *testing.T) {
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {4, 0}, {5, time.Minute}, {6, 2 * time.Minute}, {8, 8 * time.Minute}, {11, time.Hour}, {1000, time.Hour}} {
		if got := limit.LockFor(tc.failures); got != tc.want {
			t.Errorf("LockFor(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestThrottleCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := newClock(st)
		const subj = "login-user:alice"
		for i := 1; i <= 4; i++ {
			n, until, err := st.RecordFailure(ctx, subj, limit)
			if err != nil || n != i || !until.IsZero() {
				t.Fatalf("failure %d: %d %v %v", i, n, until, err)
			}
		}
		if until, err := st.LockedUntil(ctx, subj); err != nil || !until.IsZero() {
			t.Fatalf("locked after 4 failures: %v %v", until, err)
		}
		t0 := clock.Now()
		if n, until, err := st.RecordFailure(ctx, subj, limit); err != nil || n != 5 || !until.Equal(t0.Add(time.Minute)) {
			t.Fatalf("5th failure: %d %v %v", n, until, err)
		}
		if until, err := st.LockedUntil(ctx, "login-addr:x", subj); err != nil || !until.Equal(t0.Add(time.Minute)) {
			t.Fatalf("locked until %v (%v), want %v", until, err, t0.Add(time.Minute))
		}
		clock.Add(time.Minute)
		if until, _ := st.LockedUntil(ctx, subj); !until.IsZero() {
			t.Fatalf("still locked at its end: %v", until)
		}
		// The next failure doubles the lock.
		if n, until, _ := st.RecordFailure(ctx, subj, limit); n != 6 || !until.Equal(clock.Now().Add(2*time.Minute)) {
			t.Fatalf("6th failure: %d %v", n, until)
		}
		// A window after the lock ends the count starts over.
		clock.Add(2*time.Minute + limit.Window)
		if n, until, _ := st.RecordFailure(ctx, subj, limit); n != 1 || !until.IsZero() {
			t.Fatalf("after the window: %d %v", n, until)
		}
		if err := st.ResetThrottle(ctx, subj); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := st.RecordFailure(ctx, subj, limit); n != 1 {
			t.Fatalf("after a reset: %d", n)
		}
		clock.Add(limit.Window)
		if n, err := st.DeleteExpiredThrottles(ctx); err != nil || n != 1 {
			t.Fatalf("expired counters removed: %d %v", n, err)
		}
	})
}

// Concurrent failures all count: the upsert is atomic.
func TestThrottleConcurrentFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		newClock(st)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := st.RecordFailure(ctx, "login-addr:203.0.113.9", store.ThrottleLimit{Failures: 100, Window: time.Hour, Lock: time.Minute, MaxLock: time.Hour})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, _, _ := st.RecordFailure(ctx, "login-addr:203.0.113.9", limit); n != 17 {
			t.Fatalf("count after 16 concurrent failures and one more: %d", n)
		}
	})
}

// Two stores on one PostgreSQL database (two serve processes) share the counters.
func TestThrottleSharedAcrossProcesses(t *testing.T) {
	url := storetest.NewPostgresDatabase(t)
	ctx := context.Background()
	var stores [2]*store.Store
	for i := range stores {
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	if err := stores[0].Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	newClock(stores[0], stores[1])
	for i := 1; i <= 4; i++ {
		if n, _, err := stores[i%2].RecordFailure(ctx, "login-user:bob", limit); err != nil || n != i {
			t.Fatalf("failure %d: %d %v", i, n, err)
		}
	}
	if _, until, _ := stores[1].RecordFailure(ctx, "login-user:bob", limit); until.IsZero() {
		t.Fatal("5th failure across two stores did not lock")
	}
	if until, _ := stores[0].LockedUntil(ctx, "login-user:bob"); until.IsZero() {
		t.Fatal("the other store does not see the lock")
	}
}

func TestUnlockUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		newClock(st)
		if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: "carol", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if _, err := st.RecordLoginFailure(ctx, store.LoginFailure{Username: "carol", Address: "198.51.100.1", Reason: "wrong_password"}, limit, limit); err != nil {
				t.Fatal(err)
			}
		}
		if until, _ := st.LockedUntil(ctx, store.LoginUserSubject("carol")); until.IsZero() {
			t.Fatal("not locked after 5 failures")
		}
		carol := domain.Principal{UserID: "carol-id", Username: "carol"}
		if err := st.UnlockUser(ctx, carol, "carol"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("non-admin unlock: %v", err)
		}
		if err := st.UnlockUser(ctx, admin, "nobody"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unlock of an unknown user: %v", err)
		}
		if err := st.UnlockUser(ctx, admin, "carol"); err != nil {
			t.Fatal(err)
		}
		if until, _ := st.LockedUntil(ctx, store.LoginUserSubject("carol")); !until.IsZero() {
			t.Fatalf("still locked after unlock: %v", until)
		}
		// The address's lock is not the account's: it stays.
		if until, _ := st.LockedUntil(ctx, store.LoginAddressSubject("198.51.100.1")); until.IsZero() {
			t.Fatal("unlocking a user unlocked the address")
		}
		events, _, err := st.ListAudit(ctx, admin, store.AuditFilter{SubjectType: "user", SubjectID: "carol"})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, e := range events {
			counts[e.Action]++
		}
		if counts["auth.login_failed"] != 5 || counts["user.unlock"] != 1 {
			t.Fatalf("audit %v", counts)
		}
		last := events[0]
		if last.Action != "user.unlock" || last.Actor != "admin" || last.Old == "" {
			t.Fatalf("unlock audit %+v", last)
		}
		failed := events[1]
		if failed.Actor != "anonymous" || failed.New == "" {
			t.Fatalf("failure audit %+v", failed)
		}
	})
}
