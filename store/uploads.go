package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// UploadPolicy is how long uploaded files are kept and how much one person may upload.
type UploadPolicy struct {
	// Retention is how long the file of an import that ended merged is kept after it ended.
	Retention time.Duration
	// FailedRetention is the same for an import that failed or was refused.
	FailedRetention time.Duration
	// Quota bounds the bytes one user uploads (roster files and evidence) within QuotaWindow;
	// zero means no quota.
	Quota int64
	// AdminQuota is Quota for admins; zero means none.
	AdminQuota int64
}

// QuotaWindow is the rolling window the upload quota counts.
const QuotaWindow = 30 * 24 * time.Hour

// removeChunkBatch bounds the chunks (of 1 MiB) one statement deletes.
const removeChunkBatch = 32

// RemovedUploads is what one RemoveExpiredUploads call deleted.
type RemovedUploads struct {
	Files int
	Bytes int64
}

// RemoveExpiredUploads deletes the uploaded files of roster imports that ended longer ago than
// their retention: merged ones after p.Retention, failed ones and extracts an admin rejected at the gate after p.FailedRetention. A
// pending, queued, running or held import keeps its file, however old. The chunks go in bounded batches; the
// blobs row stays as a tombstone (size and SHA-256, no content) and the import records
// file_removed_at, with an audit record; its counts, rejects and provenance stay. Several
// processes doing it at once is harmless. Task attachments are evidence and are kept.
func (s *Store) RemoveExpiredUploads(ctx context.Context, p UploadPolicy) (RemovedUploads, error) {
	var out RemovedUploads
	if p.Retention <= 0 || p.FailedRetention <= 0 {
		// A zero policy would delete every ended import's file at once.
		return out, errors.New("store: upload retention not configured")
	}
	now := s.Now().UTC()
	for {
		var due []RosterImport
		err := s.db.WithContext(ctx).Select("id", "blob_key", "status", "finished_at").
			Where("file_removed_at IS NULL AND ((status = ? AND finished_at < ?) OR (status IN ? AND finished_at < ?))",
				domain.ImportDone, now.Add(-p.Retention), []domain.ImportStatus{domain.ImportFailed, domain.ImportRejected}, now.Add(-p.FailedRetention)).
			Order("finished_at, id").Limit(50).Find(&due).Error
		if err != nil {
			return out, translate(err, "imports")
		}
		if len(due) == 0 {
			return out, nil
		}
		for _, imp := range due {
			size, removed, err := s.removeImportFile(ctx, imp, now)
			if err != nil {
				return out, err
			}
			if removed {
				out.Files++
				out.Bytes += size
			}
		}
	}
}

// removeImportFile deletes an ended import's file and marks the import; it reports the file's
// size and whether this call was the one that marked it.
func (s *Store) removeImportFile(ctx context.Context, imp RosterImport, now time.Time) (int64, bool, error) {
	db := s.db.WithContext(ctx)
	for {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		res := db.Exec(`DELETE FROM blob_chunks WHERE key = ? AND seq IN
			(SELECT seq FROM blob_chunks WHERE key = ? ORDER BY seq LIMIT ?)`, imp.BlobKey, imp.BlobKey, removeChunkBatch)
		if res.Error != nil {
			return 0, false, translate(res.Error, "file chunks")
		}
		if res.RowsAffected == 0 {
			break
		}
	}
	var blob blobRow
	removed := false
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("key", "size", "sha256").Where("key = ?", imp.BlobKey).Take(&blob).Error; err != nil {
			return translate(err, "file")
		}
		res := tx.Model(&RosterImport{}).Where("id = ? AND file_removed_at IS NULL", imp.ID).Update("file_removed_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error, "import")
		}
		removed = true
		if err := tx.Model(&blobRow{}).Where("key = ?", imp.BlobKey).Update("data", []byte{}).Error; err != nil {
			return translate(err, "file")
		}
		return s.audit(ctx, tx, domain.SystemActor, "roster.file_removed", "roster_import", imp.ID, "", nil, map[string]any{
			"status": imp.Status, "finished_at": imp.FinishedAt, "size": blob.Size, "sha256": blob.SHA256})
	})
	if err != nil {
		return 0, false, err
	}
	return blob.Size, removed, nil
}

// UploadUse is what one user uploaded within QuotaWindow.
type UploadUse struct {
	Used int64 // bytes uploaded within the window
	// FreesAt, when Used plus the upload asked about passes the quota, is when enough of the
	// counted uploads leave the window for it to fit; zero if it fits now or never can.
	FreesAt time.Time
}

// UploadUse sums the bytes username uploaded (roster files and evidence) in the QuotaWindow
// before now, and when an upload of size would pass quota, when it would fit. Removed files
// count too: the quota bounds what one person can pour in, not what is kept.
func (s *Store) UploadUse(ctx context.Context, username string, size, quota int64) (UploadUse, error) {
	var out UploadUse
	now := s.Now().UTC()
	args := map[string]any{"user": username, "since": now.Add(-QuotaWindow)}
	uploads := `SELECT r.created_at AS at, r.id AS id, b.size AS size FROM roster_imports r JOIN blobs b ON b.key = r.blob_key
			WHERE r.created_by = @user AND r.created_at > @since
		UNION ALL
		SELECT created_at, id, size FROM task_attachments WHERE uploaded_by = @user AND created_at > @since`
	if err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(size), 0) FROM (`+uploads+`) u`, args).Scan(&out.Used).Error; err != nil {
		return out, translate(err, "upload quota")
	}
	need := out.Used + size - quota
	if need <= 0 || size > quota {
		return out, nil
	}
	// The oldest upload whose leaving, with all older ones, frees need bytes.
	args["need"] = need
	var at []time.Time
	err := s.db.WithContext(ctx).Raw(`SELECT at FROM (
			SELECT at, SUM(size) OVER (ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS freed FROM (`+uploads+`) u
		) w WHERE freed >= @need ORDER BY at LIMIT 1`, args).Scan(&at).Error
	if err != nil {
		return out, translate(err, "upload quota")
	}
	if len(at) == 1 {
		out.FreesAt = at[0].Add(QuotaWindow)
	}
	return out, nil
}
