package diskspace_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"tandem/diskspace"
)

// TestWatchWarnsOncePerCrossing: free space falling below the threshold is logged once, however
// many checks see it low; coming back is logged once; below 64 MiB is full; a failing statfs is
// reported, not taken for a full disk.
func TestWatchWarnsOncePerCrossing(t *testing.T) {
	var free uint64
	var fail error
	var log bytes.Buffer
	w := &diskspace.Watch{Path: "/data", MinFree: diskspace.Threshold{Bytes: 1 << 30, Share: 0.05},
		Log: slog.New(slog.NewTextHandler(&log, nil)),
		Statfs: func(path string, st *syscall.Statfs_t) error {
			if path != "/data" {
				t.Fatalf("statfs of %q", path)
			}
			st.Bsize, st.Blocks, st.Bavail = 4096, (100<<30)/4096, free/4096
			return fail
		}}
	count := func(s string) int { return strings.Count(log.String(), s) }
	for _, c := range []struct {
		name      string
		free      uint64
		fail      error
		low, full bool
		warnings  int
	}{
		{"plenty", 50 << 30, nil, false, false, 0},
		{"under 5 %", 4 << 30, nil, true, false, 1},
		{"still under: no second warning", 3 << 30, nil, true, false, 1},
		{"under 1 GiB as well", 900 << 20, nil, true, false, 1},
		{"full", 10 << 20, nil, true, true, 1},
		{"room again", 20 << 30, nil, false, false, 1},
		{"under again: a new warning", 2 << 30, nil, true, false, 2},
		{"statfs fails", 2 << 30, errors.New("EIO"), false, false, 2},
	} {
		free, fail = c.free, c.fail
		s := w.Check()
		if s.Low != c.low || s.Full != c.full || (s.Err != nil) != (c.fail != nil) {
			t.Fatalf("%s: %+v", c.name, s)
		}
		if n := count("nearly full"); n != c.warnings {
			t.Fatalf("%s: %d warnings, want %d:\n%s", c.name, n, c.warnings, log.String())
		}
		if w.Last() != s {
			t.Fatalf("%s: Last %+v, Check %+v", c.name, w.Last(), s)
		}
	}
	if count("has room again") != 1 || count("cannot read the free disk space") != 1 {
		t.Fatalf("log:\n%s", log.String())
	}
	if s := (diskspace.Status{FreeBytes: 1, TotalBytes: 4}); s.FreeShare() != 0.25 {
		t.Fatalf("free share %v", s.FreeShare())
	}
}

// TestWatchRealFileSystem asks the real file system of the test's folder.
func TestWatchRealFileSystem(t *testing.T) {
	w := &diskspace.Watch{Path: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	if s := w.Check(); s.Err != nil || s.TotalBytes == 0 || s.FreeBytes > s.TotalBytes {
		t.Fatalf("%+v", s)
	}
}
