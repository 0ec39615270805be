package main

import (
	"strings"
	"testing"
	"time"
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
	t.Run("DeliveryDays", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"TANDEM_DELIVERY_WORKING_DAYS": "8"}))
		if err != nil || c.DeliveryDays != 8 {
			t.Fatalf("%+v %v", c, err)
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
