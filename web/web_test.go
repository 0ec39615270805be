package web

import (
	"flag"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "write dist/SOURCE_HASH for the current sources (make web does)")

// TestBundleMatchesSources fails when a source of the UI changed but dist/ was not rebuilt with
// `make web` (which writes the sources' hash into dist/ after building). `make web-check`
// rebuilds from scratch and compares the bytes.
func TestBundleMatchesSources(t *testing.T) {
	got, err := SourceHash(".")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(filepath.Join("dist", SourceHashFile), []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := fs.ReadFile(Bundle(), SourceHashFile)
	if err != nil {
		t.Fatalf("dist/%s missing: run make web (%v)", SourceHashFile, err)
	}
	if strings.TrimSpace(string(want)) != got {
		t.Fatalf("web/dist was built from other sources than web/src: run make web and commit dist/")
	}
}

func TestHandlerServesAssetsAndFallsBackToIndex(t *testing.T) {
	h := Handler()
	get := func(p, enc string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, p, nil)
		if enc != "" {
			r.Header.Set("Accept-Encoding", enc)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	index := get("/", "")
	if index.Code != 200 || !strings.Contains(index.Body.String(), `<div id="app">`) {
		t.Fatalf("/: %d %q", index.Code, index.Body.String())
	}
	if cc := index.Header().Get("Cache-Control"); cc != "public, max-age=300, stale-while-revalidate=86400" {
		t.Fatalf("index Cache-Control %q", cc)
	}
	// index.html starts the inbox's request with /early.js (not hashed: cached as index.html is).
	if !strings.Contains(index.Body.String(), `<script src="/early.js"></script>`) {
		t.Fatal("index.html does not load /early.js")
	}
	if w := get("/early.js", ""); w.Code != 200 || !strings.Contains(w.Body.String(), "tandemEarly") || w.Header().Get("Cache-Control") != indexCacheControl ||
		!strings.Contains(w.Header().Get("Content-Type"), "javascript") {
		t.Fatalf("/early.js: %d %q %q", w.Code, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"))
	}
	// A UI route (a reload on /tasks/…) gets index.html.
	if w := get("/tasks/abc", ""); w.Code != 200 || w.Body.String() != index.Body.String() {
		t.Fatalf("/tasks/abc: %d", w.Code)
	}
	// A missing asset is a 404, not index.html.
	if w := get("/assets/nope.js", ""); w.Code != 404 {
		t.Fatalf("/assets/nope.js: %d", w.Code)
	}
	// The hashed script: immutable, and gzip when accepted.
	var js string
	_ = fs.WalkDir(Bundle(), "assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".js") && js == "" {
			js = "/" + p
		}
		return nil
	})
	if js == "" {
		t.Fatal("no script in dist/assets")
	}
	plain, gz := get(js, ""), get(js, "gzip, br")
	if plain.Code != 200 || gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= plain.Body.Len() {
		t.Fatalf("%s: plain %d (%d B), gzip %d %q (%d B)", js, plain.Code, plain.Body.Len(), gz.Code, gz.Header().Get("Content-Encoding"), gz.Body.Len())
	}
	if cc := plain.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Fatalf("asset Cache-Control %q", cc)
	}
	if !strings.Contains(plain.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatal("no CSP")
	}
}
