package main_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"tandem/store/storetest"
)

// TestRevocationAcrossServeProcesses runs two `serve` processes on one PostgreSQL database
// (each caching principals) against an external Temporal (a `tandem dev` plays it): a user
// disabled through A is refused at once by A and within a second by B; likewise after an
// admin resets their password through A.
func TestRevocationAcrossServeProcesses(t *testing.T) {
	db := storetest.NewPostgresDatabase(t)
	temporalPort := freePort(t)
	clusterDB := storetest.NewPostgresDatabase(t)
	cluster := exec.Command(binary, "dev", "--addr", freeAddr(t), "--data", t.TempDir(), "--temporal-port", strconv.Itoa(temporalPort), "--ui-port", "0")
	cluster.Env = append(os.Environ(), "DATABASE_URL="+clusterDB, "TANDEM_ADMIN_PASSWORD=cluster-password")
	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cluster.Process.Kill(); _ = cluster.Wait() }()
	env := []string{"DATABASE_URL=" + db, "TEMPORAL_ADDRESS=127.0.0.1:" + strconv.Itoa(temporalPort), "TANDEM_ADMIN_PASSWORD=" + adminPassword,
		"TANDEM_PUBLIC_URL=https://tandem.example.gov.cn", "TANDEM_AUTH_CACHE_TTL=1h"} // the TTL cannot be what ends the token
	migrate := tandemCmd(env...)
	migrate.Args = append(migrate.Args, "migrate", "up")
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	startServe := func() (string, *bytes.Buffer) {
		addr := freeAddr(t)
		serve := tandemCmd(append(env, "TANDEM_ADDR="+addr)...)
		serve.Args = append(serve.Args, "serve")
		var out bytes.Buffer
		serve.Stdout, serve.Stderr = &out, &out
		if err := serve.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
		return "http://" + addr, &out
	}
	a, aout := startServe()
	b, bout := startServe()
	for _, base := range []string{a, b} {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			if res, err := http.Get(base + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve not ready:\nA:\n%s\nB:\n%s", aout, bout)
			}
		}
	}
	admin := loginAs(t, a, "admin", adminPassword)
	town := admin.unit("回收镇", "region", "township", nil)
	admin.must(201, "POST", "/users", map[string]any{"username": "leaver", "password": "password-123",
		"memberships": []map[string]string{{"unit_id": town, "role": "inspector"}}})

	// refusedWithin polls B with the user's token until it answers 401; it returns how long
	// that took after the change (through A) returned.
	refusedWithin := func(user *session, changed time.Time) time.Duration {
		t.Helper()
		for {
			status, _ := user.call("GET", "/me", nil)
			if status == 401 {
				return time.Since(changed)
			}
			if status != 200 || time.Since(changed) > time.Second {
				t.Fatalf("B answered %d %v after the change", status, time.Since(changed))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	onA := func(s *session) *session { return &session{t: t, base: a, token: s.token} }

	// B does cache: a token deleted behind every process's back (no notification) still works
	// on B, which resolved it before, and not on A, which never did.
	t.Run("BCaches", func(t *testing.T) {
		user := loginAs(t, b, "leaver", "password-123")
		user.must(200, "GET", "/me", nil)
		user.must(200, "GET", "/me", nil)
		sql, err := gorm.Open(postgres.Open(db), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if sqlDB, err := sql.DB(); err == nil {
			defer sqlDB.Close()
		}
		if err := sql.Exec("DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE username = 'leaver')").Error; err != nil {
			t.Fatal(err)
		}
		user.must(200, "GET", "/me", nil)
		onA(user).must(401, "GET", "/me", nil)
	})
	t.Run("Disable", func(t *testing.T) {
		user := loginAs(t, b, "leaver", "password-123")
		user.must(200, "GET", "/me", nil)
		user.must(200, "GET", "/me", nil) // now cached on B
		admin.must(200, "POST", "/users/leaver/disable", nil)
		changed := time.Now()
		onA(user).must(401, "GET", "/me", nil)
		took := refusedWithin(user, changed)
		t.Logf("disabled through A: refused by A at once, by B after %v", took)
		admin.must(200, "POST", "/users/leaver/enable", nil)
	})
	t.Run("PasswordReset", func(t *testing.T) {
		user := loginAs(t, b, "leaver", "password-123")
		user.must(200, "GET", "/me", nil)
		user.must(200, "GET", "/me", nil)
		admin.must(204, "POST", "/users/leaver/password", map[string]string{"password": "password-456"})
		changed := time.Now()
		onA(user).must(401, "GET", "/me", nil)
		took := refusedWithin(user, changed)
		t.Logf("password reset through A: refused by A at once, by B after %v", took)
	})
}
