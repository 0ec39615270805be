package store_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

const day = 24 * time.Hour

// retention is the configured default: 90 days after a merge, 7 after a failure.
var retention = store.UploadPolicy{Retention: 90 * day, FailedRetention: 7 * day}

// blobBytes counts the chunks of the given blobs and their bytes, and the inline bytes of the
// blobs rows.
func blobBytes(t *testing.T, st *store.Store, keys ...string) (chunks, chunkBytes, inline int64) {
	t.Helper()
	var r struct{ N, Bytes int64 }
	if err := st.DB().Raw("SELECT count(*) AS n, COALESCE(SUM(length(data)), 0) AS bytes FROM blob_chunks WHERE key IN ?", keys).Scan(&r).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Raw("SELECT COALESCE(SUM(length(data)), 0) FROM blobs WHERE key IN ?", keys).Scan(&inline).Error; err != nil {
		t.Fatal(err)
	}
	return r.N, r.Bytes, inline
}

func TestRemoveExpiredUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		// A time of day that is no boundary anywhere, on a date that is no test's today.
		t0 := time.Date(2027, 3, 1, 2, 30, 0, 0, time.UTC)
		now := t0
		st.Now = func() time.Time { return now }
		const fileSize = 2*(1<<20) + 12345 // three chunks
		// Incompressible, so that PostgreSQL's TOAST stores every byte.
		file := make([]byte, fileSize)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range file {
			file[i] = byte(rng.Uint32())
		}

		upload := func(name, source string, at time.Time) store.RosterImport {
			t.Helper()
			now = at
			imp, err := st.CreateImport(ctx, admin, source, name, bytes.NewReader(file), 8<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			return imp
		}
		merged := func(name, source string, endedAgo time.Duration) store.RosterImport {
			t.Helper()
			imp := upload(name, source, t0.Add(-endedAgo-time.Hour))
			if err := st.StartImport(ctx, imp.ID); err != nil {
				t.Fatal(err)
			}
			stager := st.NewStager(ctx, imp)
			if err := stager.Row(store.StagedRow{Row: 2, USCC: "91110108551385082Q", Name: "某公司"}); err != nil {
				t.Fatal(err)
			}
			if err := stager.Flush(); err != nil {
				t.Fatal(err)
			}
			stager.Close()
			now = t0.Add(-endedAgo)
			if _, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{Rows: 1, Accepted: 1}); err != nil {
				t.Fatal(err)
			}
			return imp
		}
		failed := func(name string, endedAgo time.Duration) store.RosterImport {
			t.Helper()
			imp := upload(name, "tax", t0.Add(-endedAgo-time.Hour))
			if err := st.StartImport(ctx, imp.ID); err != nil {
				t.Fatal(err)
			}
			now = t0.Add(-endedAgo)
			if err := st.FailImport(ctx, imp.ID, "文件中没有可导入的行", &store.ParseCounts{Rows: 4, Rejected: 4}); err != nil {
				t.Fatal(err)
			}
			return imp
		}
		merged91 := merged("91.csv", "market", 91*day)
		merged89 := merged("89.csv", "civil", 89*day)
		failed8 := failed("failed8.csv", 8*day)
		failed6 := failed("failed6.csv", 6*day)
		running := upload("running.csv", "social", t0.Add(-200*day))
		if err := st.StartImport(ctx, running.ID); err != nil {
			t.Fatal(err)
		}
		pending := upload("pending.csv", "statistics", t0.Add(-200*day))
		all := []store.RosterImport{merged91, merged89, failed8, failed6, running, pending}
		var keys []string
		for _, imp := range all {
			keys = append(keys, imp.BlobKey)
		}
		chunks, stored, _ := blobBytes(t, st, keys...)
		if chunks != 6*3 || stored != 6*fileSize {
			t.Fatalf("before: %d chunks, %d bytes", chunks, stored)
		}
		pgSize := func() int64 {
			if st.Dialect() != store.Postgres {
				return 0
			}
			var n int64
			if err := st.DB().Raw("SELECT pg_total_relation_size('blob_chunks')").Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := pgSize()

		now = t0
		got, err := st.RemoveExpiredUploads(ctx, retention)
		if err != nil {
			t.Fatal(err)
		}
		if got.Files != 2 || got.Bytes != 2*fileSize {
			t.Fatalf("removed %+v, want the merged import of 91 days ago and the failed one of 8", got)
		}
		gone := map[string]bool{merged91.ID: true, failed8.ID: true}
		for _, imp := range all {
			chunks, stored, inline := blobBytes(t, st, imp.BlobKey)
			after, err := st.GetImport(ctx, admin, imp.ID)
			if err != nil {
				t.Fatalf("%s: %v", imp.Filename, err)
			}
			if gone[imp.ID] {
				if chunks != 0 || stored != 0 || inline != 0 {
					t.Fatalf("%s: %d chunks, %d+%d bytes left", imp.Filename, chunks, stored, inline)
				}
				if after.FileRemovedAt == nil || !after.FileRemovedAt.Equal(t0) {
					t.Fatalf("%s: file_removed_at %v", imp.Filename, after.FileRemovedAt)
				}
				// What the import found stays.
				if after.Rows == 0 || after.FileSHA256 != imp.FileSHA256 || after.FinishedAt == nil {
					t.Fatalf("%s lost its record: %+v", imp.Filename, after)
				}
				continue
			}
			if chunks != 3 || stored != fileSize || after.FileRemovedAt != nil {
				t.Fatalf("%s (%s) lost its file: %d chunks, %d bytes, removed %v", imp.Filename, after.Status, chunks, stored, after.FileRemovedAt)
			}
		}
		chunks, stored, _ = blobBytes(t, st, keys...)
		if chunks != 4*3 || stored != 4*fileSize {
			t.Fatalf("after: %d chunks, %d bytes", chunks, stored)
		}
		events, _, err := st.ListAudit(ctx, admin, store.AuditFilter{SubjectType: "roster_import", SubjectID: merged91.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 || events[0].Action != "roster.file_removed" || events[0].Actor != domain.SystemActor ||
			!strings.Contains(events[0].New, `"sha256":"`+merged91.FileSHA256) {
			t.Fatalf("audit: %+v", events)
		}
		if st.Dialect() == store.Postgres {
			deleted := pgSize()
			if err := st.DB().Exec("VACUUM blob_chunks").Error; err != nil {
				t.Fatal(err)
			}
			// PostgreSQL gives the space of deleted rows back for reuse, not (unless they were at
			// the table's end) to the operating system.
			vacuumed := pgSize()
			// Two new files of the same size fit mostly in the space freed.
			upload("new1.csv", "market", t0)
			upload("new2.csv", "market", t0)
			reused := pgSize()
			t.Logf("blob_chunks on PostgreSQL: %d bytes before, %d after the delete, %d after VACUUM, %d after two new uploads; %d bytes of files removed",
				before, deleted, vacuumed, reused, got.Bytes)
			if reused-vacuumed >= got.Bytes {
				t.Fatalf("the new uploads did not reuse the freed space: grew %d bytes", reused-vacuumed)
			}
			now = t0
		}

		t.Run("Again", func(t *testing.T) {
			got, err := st.RemoveExpiredUploads(ctx, retention)
			if err != nil || got.Files != 0 {
				t.Fatalf("a second run removed %+v, %v", got, err)
			}
		})
		t.Run("TwoDaysLater", func(t *testing.T) {
			now = t0.Add(2 * day)
			got, err := st.RemoveExpiredUploads(ctx, retention)
			if err != nil || got.Files != 2 {
				t.Fatalf("removed %+v, %v: want the merge of 89 (now 91) days ago and the failure of 6 (now 8)", got, err)
			}
			for _, imp := range []store.RosterImport{merged89, failed6} {
				if after, _ := st.GetImport(ctx, admin, imp.ID); after.FileRemovedAt == nil {
					t.Fatalf("%s kept its file", imp.Filename)
				}
			}
		})
		t.Run("ZeroPolicyRefused", func(t *testing.T) {
			now = t0.Add(1000 * day)
			if _, err := st.RemoveExpiredUploads(ctx, store.UploadPolicy{}); err == nil {
				t.Fatal("a zero retention was accepted")
			}
			if chunks, _, _ := blobBytes(t, st, running.BlobKey, pending.BlobKey); chunks != 2*3 {
				t.Fatal("a zero retention deleted a file")
			}
		})
	})
}

func TestUploadUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2027, 3, 1, 2, 30, 0, 0, time.UTC)
		now := t0
		st.Now = func() time.Time { return now }
		_, a, _, _ := nets(t, st)
		task, _, err := st.CreateTask(ctx, store.NewTask{Key: "k", Kind: "drill.acknowledge", WorkflowID: "wf-k",
			UnitID: a.ID, Role: domain.RoleInspector, DueAt: t0.Add(400 * day)})
		if err != nil {
			t.Fatal(err)
		}
		roster := func(at time.Time, n int) {
			now = at
			if _, err := st.CreateImport(ctx, admin, "market", "m.csv", bytes.NewReader(make([]byte, n)), 1<<20, ""); err != nil {
				t.Fatal(err)
			}
		}
		evidence := func(at time.Time, n int) {
			now = at
			if _, err := st.AddAttachment(ctx, admin, task.ID, "e.txt", "text/plain", make([]byte, n)); err != nil {
				t.Fatal(err)
			}
		}
		roster(t0.Add(-31*day), 5000) // outside the window
		roster(t0.Add(-20*day), 3000)
		evidence(t0.Add(-10*day), 2000)
		roster(t0.Add(-5*day), 1000)
		evidence(t0.Add(-time.Hour), 500)
		now = t0
		if _, err := st.AddAttachment(ctx, domain.Principal{Username: "other", Admin: true}, task.ID, "o.txt", "text/plain", make([]byte, 9999)); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name        string
			size, quota int64
			freesAt     time.Time
		}{
			{"Fits", 3500, 10000, time.Time{}},
			{"OldestLeaves", 4000, 10000, t0.Add(-20*day + store.QuotaWindow)},
			{"TwoLeave", 7000, 10000, t0.Add(-10*day + store.QuotaWindow)},
			{"AllButNewLeave", 9500, 10000, t0.Add(-5*day + store.QuotaWindow)},
			{"LargerThanQuota", 10001, 10000, time.Time{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				use, err := st.UploadUse(ctx, "admin", tc.size, tc.quota)
				if err != nil {
					t.Fatal(err)
				}
				if use.Used != 6500 || !use.FreesAt.Equal(tc.freesAt) {
					t.Fatalf("used %d, frees at %v; want 6500, %v", use.Used, use.FreesAt, tc.freesAt)
				}
			})
		}
	})
}
