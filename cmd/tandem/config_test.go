package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"tandem/diskspace"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.TemporalAddress != "127.0.0.1:7233" || c.TemporalNamespace != "default" || c.Addr != ":8080" || c.TokenTTL != 12*time.Hour || c.LogFormat != "text" ||
			c.DeliveryDays != 5 {
			t.Fatalf("defaults %+v", c)
		}
	})
	t.Run("EmbeddedDisk", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil || c.TemporalRetention != 7*day || c.DiskMinFree != (diskspace.Threshold{Bytes: 1 << 30}) {
			t.Fatalf("defaults %v %+v %v", c.TemporalRetention, c.DiskMinFree, err)
		}
		for _, ok := range []struct {
			retention, minFree string
			wantRetention      time.Duration
			wantMinFree        diskspace.Threshold
		}{
			{"30d", "5%", 30 * day, diskspace.Threshold{Share: 0.05}},
			{"72h", "500MiB", 72 * time.Hour, diskspace.Threshold{Bytes: 500 << 20}},
			{"2m", "off", 2 * time.Minute, diskspace.Threshold{}},
			{"1m", "0.5%", time.Minute, diskspace.Threshold{Share: 0.005}},
		} {
			c, err := loadConfig(env(map[string]string{"TANDEM_TEMPORAL_RETENTION": ok.retention, "TANDEM_DISK_MIN_FREE": ok.minFree}))
			if err != nil || c.TemporalRetention != ok.wantRetention || c.DiskMinFree != ok.wantMinFree {
				t.Fatalf("%s %s: %v %+v %v", ok.retention, ok.minFree, c.TemporalRetention, c.DiskMinFree, err)
			}
		}
		for _, bad := range []struct{ retention, minFree string }{
			{"30s", "0%"}, {"0d", "100%"}, {"week", "lots"}, {"-1h", "-5%"}, {"1h-", "0"},
		} {
			_, err := loadConfig(env(map[string]string{"TANDEM_TEMPORAL_RETENTION": bad.retention, "TANDEM_DISK_MIN_FREE": bad.minFree}))
			if err == nil || !strings.Contains(err.Error(), "TANDEM_TEMPORAL_RETENTION must be") || !strings.Contains(err.Error(), "TANDEM_DISK_MIN_FREE must be") {
				t.Fatalf("%s %s: %v, want both named", bad.retention, bad.minFree, err)
			}
		}
	})
	t.Run("DeliveryDays", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"TANDEM_DELIVERY_WORKING_DAYS": "8"}))
		if err != nil || c.DeliveryDays != 8 {
			t.Fatalf("%+v %v", c, err)
		}
	})
	t.Run("Inspection", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil || c.RectificationDays != 40 || c.InspectionMethods != nil {
			t.Fatalf("defaults %+v %v", c, err)
		}
		c, err = loadConfig(env(map[string]string{"TANDEM_RECTIFICATION_WORKING_DAYS": "60", "TANDEM_INSPECTION_METHODS": "满意度测评, 暗访",
			"TANDEM_RECTIFICATION_LADDER": "reminder:0,talk:2:task", "TANDEM_RECTIFICATION_RECHECK": "20:50"}))
		if err != nil || c.RectificationDays != 60 || strings.Join(c.InspectionMethods, "|") != "满意度测评|暗访" || len(c.RectificationLadder) != 2 ||
			!c.RectificationLadder[1].Task || c.RecheckWorkingDays != 20 || c.RecheckPercent != 50 {
			t.Fatalf("%+v %v", c, err)
		}
		_, err = loadConfig(env(map[string]string{"TANDEM_RECTIFICATION_WORKING_DAYS": "0", "TANDEM_INSPECTION_METHODS": "a,,b",
			"TANDEM_RECTIFICATION_LADDER": "talk:2,reminder:0", "TANDEM_RECTIFICATION_RECHECK": "20"}))
		if err == nil || !strings.Contains(err.Error(), "TANDEM_RECTIFICATION_WORKING_DAYS") || !strings.Contains(err.Error(), "TANDEM_INSPECTION_METHODS") ||
			!strings.Contains(err.Error(), "TANDEM_RECTIFICATION_LADDER") || !strings.Contains(err.Error(), "TANDEM_RECTIFICATION_RECHECK") {
			t.Fatalf("bad values: %v", err)
		}
		// The demonstration run's working day: a duration from 1s to 1h, nothing else.
		if c, err = loadConfig(env(map[string]string{"TANDEM_RECTIFICATION_DEMO_DAY": "3s"})); err != nil || c.RectificationDemoDay != 3*time.Second {
			t.Fatalf("demo day: %v %v", c.RectificationDemoDay, err)
		}
		for _, bad := range []string{"3", "500ms", "2h", "-3s", "3 days"} {
			if _, err := loadConfig(env(map[string]string{"TANDEM_RECTIFICATION_DEMO_DAY": bad})); err == nil || !strings.Contains(err.Error(), "TANDEM_RECTIFICATION_DEMO_DAY") {
				t.Fatalf("demo day %q: %v", bad, err)
			}
		}
	})
	t.Run("Throttle", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil || c.TrustedProxies != nil || c.LoginAccountLimit != 5 || c.LoginAddressLimit != 20 || c.SurveyAddressLimit != 20 {
			t.Fatalf("defaults %+v %v", c, err)
		}
		c, err = loadConfig(env(map[string]string{"TANDEM_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.7,::1 ", "TANDEM_LOGIN_ADDRESS_LIMIT": "100"}))
		if err != nil || strings.Join(c.TrustedProxies, " ") != "10.0.0.0/8 192.168.1.7 ::1" || c.LoginAddressLimit != 100 {
			t.Fatalf("%+v %v", c, err)
		}
	})
	t.Run("ErrThrottle", func(t *testing.T) {
		_, err := loadConfig(env(map[string]string{"TANDEM_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local", "TANDEM_LOGIN_ACCOUNT_LIMIT": "0", "TANDEM_SURVEY_ADDRESS_LIMIT": "many"}))
		for _, want := range []string{`TANDEM_TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs such as 10.0.0.0/8; "proxy.local"`, "TANDEM_LOGIN_ACCOUNT_LIMIT", "TANDEM_SURVEY_ADDRESS_LIMIT"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %s: %v", want, err)
			}
		}
	})
	t.Run("AuthCacheTTL", func(t *testing.T) {
		for v, want := range map[string]time.Duration{"": time.Minute, "0": 0, "30s": 30 * time.Second} {
			c, err := loadConfig(env(map[string]string{"TANDEM_AUTH_CACHE_TTL": v}))
			if err != nil || c.AuthCacheTTL != want {
				t.Errorf("%q: %v %v, want %v", v, c.AuthCacheTTL, err, want)
			}
		}
		for _, v := range []string{"-1s", "2h", "soon"} {
			if _, err := loadConfig(env(map[string]string{"TANDEM_AUTH_CACHE_TTL": v})); err == nil || !strings.Contains(err.Error(), "TANDEM_AUTH_CACHE_TTL") {
				t.Errorf("%q: %v", v, err)
			}
		}
	})
	t.Run("ErrEveryBadValueAtOnce", func(t *testing.T) {
		_, err := loadConfig(env(map[string]string{
			"TEMPORAL_TLS": "maybe", "TANDEM_TOKEN_TTL": "soon", "TANDEM_LOG_LEVEL": "loud",
			"TANDEM_LOG_FORMAT": "xml", "TEMPORAL_TLS_CERT": "cert.pem", "TANDEM_DELIVERY_WORKING_DAYS": "0",
		}))
		if err == nil {
			t.Fatal("accepted bad configuration")
		}
		for _, name := range []string{"TEMPORAL_TLS ", "TANDEM_TOKEN_TTL", "TANDEM_LOG_LEVEL", "TANDEM_LOG_FORMAT", "TEMPORAL_TLS_KEY", "TANDEM_DELIVERY_WORKING_DAYS"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error does not name %s: %v", name, err)
			}
		}
	})
}

// serve prints survey links under TANDEM_PUBLIC_URL and never under the caller's Host header:
// it refuses to start without one, and the value must be a plain http(s) base URL.
func TestPublicURL(t *testing.T) {
	t.Run("ServeRequiresIt", func(t *testing.T) {
		err := runServe(t.Context(), Config{DatabaseURL: "postgres://unused"}, nil)
		if err == nil || !strings.Contains(err.Error(), "TANDEM_PUBLIC_URL is required") {
			t.Fatalf("serve without TANDEM_PUBLIC_URL: %v", err)
		}
	})
	t.Run("ErrBadValue", func(t *testing.T) {
		for _, v := range []string{"tandem.example.gov.cn", "ftp://x", "https://", "https://x/?a=1"} {
			if _, err := loadConfig(env(map[string]string{"TANDEM_PUBLIC_URL": v})); err == nil || !strings.Contains(err.Error(), "TANDEM_PUBLIC_URL") {
				t.Errorf("TANDEM_PUBLIC_URL=%s: %v", v, err)
			}
		}
		c, err := loadConfig(env(map[string]string{"TANDEM_PUBLIC_URL": "https://tandem.example.gov.cn/"}))
		if err != nil || c.PublicURL != "https://tandem.example.gov.cn" {
			t.Fatalf("%q %v", c.PublicURL, err)
		}
	})
	t.Run("DevDefaultsToItsAddress", func(t *testing.T) {
		for addr, want := range map[string]string{"127.0.0.1:8080": "127.0.0.1:8080", "0.0.0.0:9000": "127.0.0.1:9000", "[::]:80": "127.0.0.1:80"} {
			a, _ := net.ResolveTCPAddr("tcp", addr)
			if got := reachableAddr(a); got != want {
				t.Errorf("%s: %s, want %s", addr, got, want)
			}
		}
	})
}
