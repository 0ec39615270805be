package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

var admin = domain.Principal{UserID: "admin-id", Username: "admin", Admin: true}

// nets lays out a county with two townships and an industry committee; it returns them.
func nets(t *testing.T, st *store.Store) (county, a, b, committee domain.Unit) {
	t.Helper()
	ctx := context.Background()
	mk := func(name string, net domain.Net, kind domain.UnitKind, parent *domain.Unit) domain.Unit {
		u := domain.Unit{Name: name, Net: net, Kind: kind}
		if parent != nil {
			u.ParentID = &parent.ID
		}
		out, err := st.CreateUnit(ctx, admin, u)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return out
	}
	county = mk("西城县", domain.NetRegion, domain.KindCounty, nil)
	a = mk("东街道", domain.NetRegion, domain.KindTownship, &county)
	b = mk("西街道", domain.NetRegion, domain.KindTownship, &county)
	committee = mk("非公经济行业党委", domain.NetIndustry, domain.KindCommittee, nil)
	return
}

func member(st *store.Store, t *testing.T, u domain.Unit, role domain.Role) domain.Principal {
	t.Helper()
	return domain.Principal{Username: "m", Memberships: []domain.Membership{{UnitID: u.ID, UnitPath: u.Path, Role: role}}}
}

func TestUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, committee := nets(t, st)

		t.Run("PathNestsUnderParent", func(t *testing.T) {
			if a.Path != county.Path+a.ID+"/" {
				t.Fatalf("township path %q is not under county path %q", a.Path, county.Path)
			}
		})
		t.Run("ErrConflictSiblingName", func(t *testing.T) {
			_, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
			if domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("got %v, want conflict", err)
			}
		})
		t.Run("ErrInvalidKindUnderParent", func(t *testing.T) {
			_, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "x", Net: domain.NetRegion, Kind: domain.KindCounty, ParentID: &a.ID})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
		})
		t.Run("ErrInvalidUnknownParent", func(t *testing.T) {
			missing := "nope"
			_, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "x", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &missing})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
		})
		t.Run("OfficerCreatesInSubtree", func(t *testing.T) {
			off := member(st, t, county, domain.RoleOfficer)
			if _, err := st.CreateUnit(ctx, off, domain.Unit{Name: "科技园", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &a.ID}); err != nil {
				t.Fatal(err)
			}
			insp := member(st, t, county, domain.RoleInspector)
			_, err := st.CreateUnit(ctx, insp, domain.Unit{Name: "科技园2", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &a.ID})
			if domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("inspector: got %v, want forbidden", err)
			}
			offB := member(st, t, b, domain.RoleOfficer)
			_, err = st.CreateUnit(ctx, offB, domain.Unit{Name: "科技园3", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &a.ID})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("officer of another township: got %v, want invalid (parent not visible)", err)
			}
		})
		t.Run("ListIsScopedToSubtree", func(t *testing.T) {
			p := member(st, t, a, domain.RoleInspector)
			units, _, err := st.ListUnits(ctx, p, store.UnitFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range units {
				if u.ID == b.ID || u.ID == county.ID || u.ID == committee.ID {
					t.Fatalf("township A's member sees %s", u.Name)
				}
			}
			if len(units) != 2 { // 东街道 and the park under it
				t.Fatalf("got %d units, want 2", len(units))
			}
			if _, err := st.GetUnit(ctx, p, b.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("get township B: got %v, want not found", err)
			}
		})
		t.Run("Pagination", func(t *testing.T) {
			var seen []string
			page := store.Page{Limit: 2}
			for {
				units, next, err := st.ListUnits(ctx, admin, store.UnitFilter{Page: page})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range units {
					seen = append(seen, u.ID)
				}
				if next == "" {
					break
				}
				page.Cursor = next
			}
			if len(seen) != 5 { // four from nets, the park from OfficerCreatesInSubtree
				t.Fatalf("paged through %d units, want 5", len(seen))
			}
			for i := 1; i < len(seen); i++ {
				if seen[i] <= seen[i-1] {
					t.Fatalf("pages out of order: %v", seen)
				}
			}
		})
	})
}

func TestUsersAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, b, _ := nets(t, st)
		u, err := st.CreateUser(ctx, admin, store.NewUser{Username: "insp-a", PasswordHash: "h",
			Memberships: []domain.Membership{{UnitID: a.ID, Role: domain.RoleInspector}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Memberships) != 1 || u.Memberships[0].UnitPath != a.Path {
			t.Fatalf("memberships %+v", u.Memberships)
		}
		t.Run("ErrConflictUsername", func(t *testing.T) {
			_, err := st.CreateUser(ctx, admin, store.NewUser{Username: "insp-a", PasswordHash: "h"})
			if domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("ErrForbiddenNonAdmin", func(t *testing.T) {
			_, err := st.CreateUser(ctx, member(st, t, a, domain.RoleOfficer), store.NewUser{Username: "x-y-z", PasswordHash: "h"})
			if domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("ErrInvalidUnknownUnitLeavesNoUser", func(t *testing.T) {
			_, err := st.CreateUser(ctx, admin, store.NewUser{Username: "ghost", PasswordHash: "h",
				Memberships: []domain.Membership{{UnitID: "missing", Role: domain.RoleInspector}}})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("got %v", err)
			}
			if _, err := st.CredentialsOf(ctx, "ghost"); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("user left behind by a failed create: %v", err)
			}
		})
		t.Run("VisibilityFollowsMemberships", func(t *testing.T) {
			if _, err := st.GetUser(ctx, member(st, t, b, domain.RoleOfficer), "insp-a"); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("township B sees township A's inspector: %v", err)
			}
			if _, err := st.GetUser(ctx, member(st, t, a, domain.RoleOfficer), "insp-a"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("TokenDiesWhenUserDisabled", func(t *testing.T) {
			if err := st.CreateToken(ctx, u.ID, "hash-1", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			p, err := st.PrincipalByToken(ctx, "hash-1")
			if err != nil || p.Username != "insp-a" {
				t.Fatalf("got %+v %v", p, err)
			}
			if _, err := st.SetDisabled(ctx, admin, "insp-a", true); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PrincipalByToken(ctx, "hash-1"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				t.Fatalf("disabled user's token still works: %v", err)
			}
		})
		t.Run("ExpiredTokensPurged", func(t *testing.T) {
			if err := st.CreateToken(ctx, u.ID, "hash-gone", time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n, err := st.DeleteExpiredTokens(ctx); err != nil || n != 1 {
				t.Fatalf("purged %d tokens, %v; want 1", n, err)
			}
		})
		t.Run("ExpiredTokenRefused", func(t *testing.T) {
			if _, err := st.SetDisabled(ctx, admin, "insp-a", false); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateToken(ctx, u.ID, "hash-old", time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PrincipalByToken(ctx, "hash-old"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				t.Fatalf("expired token accepted: %v", err)
			}
		})
		t.Run("PasswordResetRevokesTokens", func(t *testing.T) {
			if err := st.CreateToken(ctx, u.ID, "hash-2", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := st.SetPassword(ctx, admin, "insp-a", "new-hash"); err != nil {
				t.Fatal(err)
			}
			if _, err := st.PrincipalByToken(ctx, "hash-2"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				t.Fatalf("token survived a password reset: %v", err)
			}
			c, _ := st.CredentialsOf(ctx, "insp-a")
			if c.PasswordHash != "new-hash" {
				t.Fatalf("hash %q", c.PasswordHash)
			}
			if err := st.SetPassword(ctx, member(st, t, a, domain.RoleOfficer), "insp-a", "x"); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("non-admin reset another's password: %v", err)
			}
		})
	})
}

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := domain.WithRequestID(context.Background(), "req-1")
		_, a, b, _ := nets(t, st)
		t.Run("RecordsChangesWithRequest", func(t *testing.T) {
			park, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "园区", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &b.ID})
			if err != nil {
				t.Fatal(err)
			}
			events, _, err := st.ListAudit(ctx, admin, store.AuditFilter{SubjectID: park.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0].Action != "unit.create" || events[0].Actor != "admin" || events[0].RequestID != "req-1" || events[0].New == "" {
				t.Fatalf("events %+v", events)
			}
		})
		t.Run("ScopedToSubtree", func(t *testing.T) {
			events, _, err := st.ListAudit(ctx, member(st, t, a, domain.RoleOfficer), store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				if e.SubjectID == b.ID {
					t.Fatal("township A's officer sees township B's audit")
				}
			}
			if len(events) != 1 {
				t.Fatalf("got %d events, want 1", len(events))
			}
		})
		t.Run("AppendOnly", func(t *testing.T) {
			if err := st.DB().Exec("UPDATE audit_events SET actor = 'mallory'").Error; err == nil {
				t.Fatal("an audit record was updated")
			}
			if err := st.DB().Exec("DELETE FROM audit_events").Error; err == nil {
				t.Fatal("an audit record was deleted")
			}
		})
	})
}

func TestIdempotencyKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, reserved, err := st.ReserveIdempotencyKey(ctx, "u1", "k1", "POST", "/x", "h1")
		if err != nil || !reserved {
			t.Fatalf("first reserve: %v %v", reserved, err)
		}
		got, reserved, err := st.ReserveIdempotencyKey(ctx, "u1", "k1", "POST", "/x", "h1")
		if err != nil || reserved || got.Status != 0 {
			t.Fatalf("second reserve while in flight: %+v %v %v", got, reserved, err)
		}
		if err := st.FinishIdempotencyKey(ctx, "u1", "k1", 201, `{"id":"1"}`); err != nil {
			t.Fatal(err)
		}
		got, _, _ = st.ReserveIdempotencyKey(ctx, "u1", "k1", "POST", "/x", "h1")
		if got.Status != 201 || got.Body != `{"id":"1"}` {
			t.Fatalf("stored answer %+v", got)
		}
		if _, reserved, _ := st.ReserveIdempotencyKey(ctx, "u2", "k1", "POST", "/x", "h1"); !reserved {
			t.Fatal("keys are per user")
		}
		// Housekeeping forgets records past the replay window, and only those.
		if n, err := st.DeleteIdempotencyKeysBefore(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("purge of recent keys: %d %v", n, err)
		}
		if n, err := st.DeleteIdempotencyKeysBefore(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
			t.Fatalf("purge of old keys: %d %v", n, err)
		}
	})
}

func TestCheckSchema(t *testing.T) {
	t.Run("ErrStaleSchemaBeforeMigrate", func(t *testing.T) {
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "new.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.CheckSchema(context.Background()); domain.ErrorCode(err) != domain.ESTALESCHEMA {
			t.Fatalf("got %v, want stale schema", err)
		}
	})
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		if err := st.CheckSchema(context.Background()); err != nil {
			t.Fatalf("migrated store: %v", err)
		}
	})
}
