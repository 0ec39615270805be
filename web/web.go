// Package web is Tandem's web UI: a Vue 3 + Element Plus (zh-cn) application built by Vite
// into dist/, which is committed and embedded here so that `go build` needs no Node. `make web`
// rebuilds dist/ from the sources with `npm ci`; TestBundleMatchesSources fails when the
// committed bundle was not rebuilt after a source changed.
//
// Handler serves the bundle: files under dist/ as they are (hashed assets cached for a year,
// gzip-compressed once in memory for clients that accept it), and index.html for every other
// path, so that the UI's own routes (/inbox, /tasks/…) survive a reload.
package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed all:dist
var dist embed.FS

// Bundle is the built UI (the contents of dist/).
func Bundle() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time; a missing folder fails the build first
	}
	return sub
}

// contentSecurityPolicy allows only the UI's own origin: it runs on intranets, with no CDN.
// Element Plus sets inline styles, hence style-src 'unsafe-inline'.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"

// indexCacheControl is how long a browser keeps index.html without asking again.
const indexCacheControl = "public, max-age=300, stale-while-revalidate=86400"

type file struct {
	body, gz    []byte
	contentType string
	immutable   bool
}

// Handler serves the UI. Only GET and HEAD reach it (the API's router answers the rest).
func Handler() http.Handler {
	return &handler{fsys: Bundle()}
}

type handler struct {
	fsys  fs.FS
	once  sync.Once
	files map[string]*file
	err   error
}

func (h *handler) load() {
	h.files = map[string]*file{}
	h.err = fs.WalkDir(h.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(h.fsys, p)
		if err != nil {
			return err
		}
		f := &file{body: body, contentType: mime.TypeByExtension(path.Ext(p)), immutable: strings.HasPrefix(p, "assets/")}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		if compressible(f.contentType) && len(body) > 1024 {
			var b bytes.Buffer
			w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = w.Write(body)
			_ = w.Close()
			f.gz = b.Bytes()
		}
		h.files[p] = f
		return nil
	})
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") || strings.Contains(ct, "svg")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.load)
	if h.err != nil {
		http.Error(w, "界面文件损坏", http.StatusInternalServerError)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f, ok := h.files[p]
	if !ok {
		if strings.HasPrefix(p, "assets/") || path.Ext(p) != "" {
			// A missing asset is a 404 (an old page asking for a replaced chunk reloads).
			http.Error(w, "未找到", http.StatusNotFound)
			return
		}
		f = h.files["index.html"]
		if f == nil {
			http.Error(w, "界面未构建（make web）", http.StatusNotFound)
			return
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("Referrer-Policy", "same-origin")
	if f.immutable {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// index.html (and the few unhashed files) for five minutes without asking, then served
		// while revalidating: a warm load costs no round trip before the inbox's request. Every
		// asset index.html names is content-hashed, so a cached index.html is consistent; an
		// upgrade reaches a tab within max-age (docs/ui.md, "Caching").
		hd.Set("Cache-Control", indexCacheControl)
	}
	body := f.body
	if f.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			hd.Set("Content-Encoding", "gzip")
			body = f.gz
		}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
