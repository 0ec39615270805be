package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"regexp"
	"testing"
)

// firstScreenBudget is the most the first screen (login and inbox: the scripts and styles
// index.html loads before anything lazy) may weigh, gzip-compressed (issue #18).
const firstScreenBudget = 400 << 10

var assetRef = regexp.MustCompile(`(?:src|href)="/(assets/[^"]+\.(?:js|css))"`)

// TestUIFirstScreenBundleSize fails when the first screen's JS + CSS, gzip, is over budget.
func TestUIFirstScreenBundleSize(t *testing.T) {
	index, err := fs.ReadFile(Bundle(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	total, raw := 0, 0
	for _, m := range assetRef.FindAllSubmatch(index, -1) {
		b, err := fs.ReadFile(Bundle(), string(m[1]))
		if err != nil {
			t.Fatalf("index.html loads %s: %v", m[1], err)
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		_, _ = w.Write(b)
		_ = w.Close()
		t.Logf("%s: %d B, %d B gzip", m[1], len(b), z.Len())
		total += z.Len()
		raw += len(b)
	}
	if total == 0 {
		t.Fatal("index.html loads no script or style")
	}
	t.Logf("first screen: %d B, %.1f KB gzip (budget %d KB)", raw, float64(total)/1024, firstScreenBudget>>10)
	if total > firstScreenBudget {
		t.Fatalf("the first screen is %.1f KB gzip, over the %d KB budget: load more lazily", float64(total)/1024, firstScreenBudget>>10)
	}
}
