// Package diskspace watches the free space of the file system under a folder (the data folder
// of `tandem dev`): a warning in the log when it falls below a threshold (once per crossing,
// not at every check) and a status for /readyz.
package diskspace

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"
)

// FullBytes is the free space under which the disk counts as full: SQLite's next checkpoint or
// an upload may fail, so /readyz answers 503.
const FullBytes = 64 << 20

// Threshold says when free space is low: below Bytes, or below Share of the file system
// (0 turns that part off; both 0: never low, only full).
type Threshold struct {
	Bytes uint64
	Share float64
}

// Status is the outcome of one check.
type Status struct {
	Path       string
	Checked    time.Time
	FreeBytes  uint64 // available to an unprivileged process
	TotalBytes uint64
	Low, Full  bool
	Err        error // the file system could not be asked; Low and Full are then false
}

// FreeShare is the free part of the file system, 0 to 1.
func (s Status) FreeShare() float64 {
	if s.TotalBytes == 0 {
		return 0
	}
	return float64(s.FreeBytes) / float64(s.TotalBytes)
}

// Watch checks one folder's file system.
type Watch struct {
	Path    string
	MinFree Threshold
	Log     *slog.Logger
	// Statfs asks the file system; nil = syscall.Statfs (tests inject one).
	Statfs func(path string, st *syscall.Statfs_t) error
	// Now is the clock of Status.Checked; nil = time.Now.
	Now func() time.Time

	mu   sync.Mutex
	last Status
}

// Check asks the file system once, logs a crossing of the threshold (a warning going below, a
// line coming back above) and keeps the status for Last.
func (w *Watch) Check() Status {
	statfs, now := w.Statfs, w.Now
	if statfs == nil {
		statfs = syscall.Statfs
	}
	if now == nil {
		now = time.Now
	}
	s := Status{Path: w.Path, Checked: now()}
	var st syscall.Statfs_t
	if err := statfs(w.Path, &st); err != nil {
		s.Err = fmt.Errorf("statfs %s: %w", w.Path, err)
	} else {
		s.FreeBytes, s.TotalBytes = st.Bavail*uint64(st.Bsize), st.Blocks*uint64(st.Bsize)
		s.Full = s.FreeBytes < FullBytes
		s.Low = s.Full || (w.MinFree.Bytes > 0 && s.FreeBytes < w.MinFree.Bytes) ||
			(w.MinFree.Share > 0 && s.FreeShare() < w.MinFree.Share)
	}
	w.mu.Lock()
	prev := w.last
	w.last = s
	w.mu.Unlock()
	switch {
	case s.Err != nil && prev.Err == nil:
		w.Log.Warn("cannot read the free disk space of the data folder", "path", w.Path, "error", s.Err)
	case s.Low && !prev.Low:
		w.Log.Warn("the data folder's disk is nearly full", "path", w.Path, "free_bytes", s.FreeBytes,
			"total_bytes", s.TotalBytes, "free_percent", fmt.Sprintf("%.1f", 100*s.FreeShare()), "full", s.Full)
	case !s.Low && prev.Low && s.Err == nil:
		w.Log.Info("the data folder's disk has room again", "path", w.Path, "free_bytes", s.FreeBytes)
	}
	return s
}

// Last is the status of the latest check (zero before the first).
func (w *Watch) Last() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Run checks at once, then every interval until ctx ends.
func (w *Watch) Run(ctx context.Context, interval time.Duration) {
	w.Check()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.Check()
		}
	}
}
