package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SourceHashFile is written into dist/ by `make web`: the hash of the sources it was built from.
const SourceHashFile = "SOURCE_HASH"

// sourceRoots are what the bundle is built from, relative to web/.
var sourceRoots = []string{"index.html", "package.json", "package-lock.json", "vite.config.js", "src", "public"}

// SourceHash hashes the UI's sources under dir (the web/ folder): each file's path and bytes,
// in path order.
func SourceHash(dir string) (string, error) {
	var files []string
	for _, root := range sourceRoots {
		err := filepath.WalkDir(filepath.Join(dir, root), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", err
		}
		// CRLF checkouts hash like LF ones.
		b = []byte(strings.ReplaceAll(string(b), "\r\n", "\n"))
		h.Write([]byte(f + "\x00"))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
