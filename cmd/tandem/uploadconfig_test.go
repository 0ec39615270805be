package main

import (
	"strings"
	"testing"
	"time"

	"tandem/store"
)

func TestUploadConfig(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		want := store.UploadPolicy{Retention: 90 * 24 * time.Hour, FailedRetention: 7 * 24 * time.Hour, Quota: 2 << 30, AdminQuota: 2 << 30}
		if err != nil || c.Uploads != want {
			t.Fatalf("%+v %v", c.Uploads, err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"TANDEM_UPLOAD_RETENTION": "30d", "TANDEM_FAILED_UPLOAD_RETENTION": "36h",
			"TANDEM_UPLOAD_QUOTA": "500MiB", "TANDEM_ADMIN_UPLOAD_QUOTA": "off"}))
		want := store.UploadPolicy{Retention: 30 * 24 * time.Hour, FailedRetention: 36 * time.Hour, Quota: 500 << 20}
		if err != nil || c.Uploads != want {
			t.Fatalf("%+v %v", c.Uploads, err)
		}
		if c, _ := loadConfig(env(map[string]string{"TANDEM_UPLOAD_QUOTA": "1048576"})); c.Uploads.Quota != 1<<20 {
			t.Fatalf("plain bytes: %d", c.Uploads.Quota)
		}
	})
	t.Run("ErrNamesTheVariable", func(t *testing.T) {
		_, err := loadConfig(env(map[string]string{"TANDEM_UPLOAD_RETENTION": "0d", "TANDEM_FAILED_UPLOAD_RETENTION": "5m",
			"TANDEM_UPLOAD_QUOTA": "2GB", "TANDEM_ADMIN_UPLOAD_QUOTA": "-1"}))
		if err == nil {
			t.Fatal("accepted bad upload configuration")
		}
		for _, name := range []string{"TANDEM_UPLOAD_RETENTION", "TANDEM_FAILED_UPLOAD_RETENTION", "TANDEM_UPLOAD_QUOTA", "TANDEM_ADMIN_UPLOAD_QUOTA"} {
			if !strings.Contains(err.Error(), name+" must") {
				t.Errorf("error does not name %s: %v", name, err)
			}
		}
	})
}
