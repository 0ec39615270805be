package store_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// cachedUser turns the principal cache on, makes an inspector of township A with a token
// valid for an hour, and resolves it once (filling the cache).
func cachedUser(t *testing.T, st *store.Store, a domain.Unit, name, hash string) domain.User {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "h",
		Memberships: []domain.Membership{{UnitID: a.ID, Role: domain.RoleInspector}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, u.ID, hash, st.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p, err := st.PrincipalByToken(ctx, hash); err != nil || p.Username != name {
		t.Fatalf("got %+v %v", p, err)
	}
	return u
}

func cacheOn(t *testing.T, st *store.Store, a domain.Unit) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := st.CachePrincipals(ctx, time.Minute, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	waitListening(t, st, a)
}

// waitListening waits until a PostgreSQL store's listener is up (a cached answer survives a
// token deleted behind the store's back); SQLite's cache is up at once.
func waitListening(t *testing.T, st *store.Store, a domain.Unit) {
	t.Helper()
	ctx := context.Background()
	probe := "probe-" + strconv.Itoa(int(time.Now().UnixNano()%1e9))
	u, err := st.CreateUser(ctx, admin, store.NewUser{Username: probe, PasswordHash: "h",
		Memberships: []domain.Membership{{UnitID: a.ID, Role: domain.RoleInspector}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, u.ID, "probe-hash", st.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := st.PrincipalByToken(ctx, "probe-hash"); err == nil {
			st.DB().Exec("DELETE FROM tokens WHERE hash = 'probe-hash'")
			if _, err := st.PrincipalByToken(ctx, "probe-hash"); err == nil {
				return // answered from the cache
			}
			if err := st.CreateToken(ctx, u.ID, "probe-hash", st.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the principal cache never answered")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func unauthorized(t *testing.T, st *store.Store, hash, what string) {
	t.Helper()
	if p, err := st.PrincipalByToken(context.Background(), hash); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("%s: the token still works (%+v, %v)", what, p, err)
	}
}

// Every change that ends a token or changes a principal shows on the process that made it at
// once, cache or not; entries end at the token's expiry and after the TTL by Store.Now.
func TestPrincipalCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		cacheOn(t, st, a)
		t.Run("Cached", func(t *testing.T) {
			u := cachedUser(t, st, a, "c-cached", "h-cached")
			st.DB().Exec("DELETE FROM tokens WHERE user_id = ?", u.ID) // behind the store's back: no notification
			if _, err := st.PrincipalByToken(ctx, "h-cached"); err != nil {
				t.Fatalf("not answered from the cache: %v", err)
			}
		})
		t.Run("DisableRevokesAtOnce", func(t *testing.T) {
			cachedUser(t, st, a, "c-disable", "h-disable")
			if _, err := st.SetDisabled(ctx, admin, "c-disable", true); err != nil {
				t.Fatal(err)
			}
			unauthorized(t, st, "h-disable", "disabled")
		})
		t.Run("PasswordChangeRevokesAtOnce", func(t *testing.T) {
			cachedUser(t, st, a, "c-password", "h-password")
			if err := st.SetPassword(ctx, admin, "c-password", "new-hash"); err != nil {
				t.Fatal(err)
			}
			unauthorized(t, st, "h-password", "password changed")
		})
		t.Run("LogoutRevokesAtOnce", func(t *testing.T) {
			cachedUser(t, st, a, "c-logout", "h-logout")
			if err := st.DeleteToken(ctx, "h-logout"); err != nil {
				t.Fatal(err)
			}
			unauthorized(t, st, "h-logout", "logged out")
		})
		t.Run("UnitMoveShowsAtOnce", func(t *testing.T) {
			cachedUser(t, st, a, "c-move", "h-move")
			east, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东城县", Net: domain.NetRegion, Kind: domain.KindCounty})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.ChangeUnit(ctx, admin, a.ID, store.UnitChange{ParentID: &east.ID}); err != nil {
				t.Fatal(err)
			}
			moved, err := st.GetUnit(ctx, admin, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			p, err := st.PrincipalByToken(ctx, "h-move")
			if err != nil || len(p.Memberships) != 1 || p.Memberships[0].UnitPath != moved.Path || moved.Path == a.Path {
				t.Fatalf("got %+v %v; the unit moved from %s to %s", p, err, a.Path, moved.Path)
			}
		})
		t.Run("ExpiryAndTTLByStoreNow", func(t *testing.T) {
			u := cachedUser(t, st, a, "c-expiry", "h-expiry")
			st.DB().Exec("DELETE FROM tokens WHERE user_id = ?", u.ID)
			real := st.Now
			t.Cleanup(func() { st.Now = real })
			st.Now = func() time.Time { return real().Add(61 * time.Second) } // past the TTL
			unauthorized(t, st, "h-expiry", "past the cache's TTL")
			u2 := cachedUser(t, st, a, "c-expiry2", "h-expiry2")
			st.DB().Exec("DELETE FROM tokens WHERE user_id = ?", u2.ID)
			st.Now = func() time.Time { return real().Add(time.Hour + 2*time.Minute) } // past the token's expiry
			unauthorized(t, st, "h-expiry2", "expired")
		})
	})
}

// Two processes on one PostgreSQL database: a user disabled through A is refused by B within
// a second; and when B's listener connection dies, B stops trusting its cache at once.
func TestPrincipalCacheAcrossProcesses(t *testing.T) {
	url := storetest.NewPostgresDatabase(t)
	ctx := context.Background()
	open := func() *store.Store {
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := open()
	if err := a.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	b := open()
	_, unit, _, _ := nets(t, a)
	cacheOn(t, a, unit)
	cacheOn(t, b, unit)
	u := cachedUser(t, a, unit, "x-disable", "hx-disable")
	if _, err := b.PrincipalByToken(ctx, "hx-disable"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := a.SetDisabled(ctx, admin, "x-disable", true); err != nil {
		t.Fatal(err)
	}
	unauthorized(t, a, "hx-disable", "disabled, on the process that disabled")
	for {
		_, err := b.PrincipalByToken(ctx, "hx-disable")
		if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("process B still accepts a disabled user's token after %v", time.Since(start))
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("disabled through A, refused by B after %v", time.Since(start))

	// A missed notification: B's listener is cut, and a token goes behind every store's back.
	if _, err := a.SetDisabled(ctx, admin, "x-disable", false); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateToken(ctx, u.ID, "hx-cut", a.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PrincipalByToken(ctx, "hx-cut"); err != nil {
		t.Fatal(err)
	}
	if err := a.DB().Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tandem-principal-listener' AND datname = current_database()").Error; err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	a.DB().Exec("DELETE FROM tokens WHERE hash = 'hx-cut'")
	for {
		_, err := b.PrincipalByToken(ctx, "hx-cut")
		if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("process B trusts its cache %v after its listener died", time.Since(start))
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("listener cut: B stopped trusting its cache after %v", time.Since(start))
}
