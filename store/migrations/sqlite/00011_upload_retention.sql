-- +goose Up
-- An uploaded roster file is kept for a while after its import ended, then housekeeping
-- deletes its chunks. The blobs row stays as a tombstone (size, SHA-256, no content), so that
-- the import keeps its provenance and its foreign key; file_removed_at says when it went.
ALTER TABLE roster_imports ADD COLUMN file_removed_at DATETIME;
-- Housekeeping's scan: ended imports whose file is still stored.
CREATE INDEX roster_imports_file_kept ON roster_imports (finished_at) WHERE file_removed_at IS NULL;
-- The upload quota sums what one person uploaded in the last 30 days.
CREATE INDEX roster_imports_uploader ON roster_imports (created_by, created_at);
CREATE INDEX task_attachments_uploader ON task_attachments (uploaded_by, created_at);

-- +goose Down
DROP INDEX task_attachments_uploader;
DROP INDEX roster_imports_uploader;
DROP INDEX roster_imports_file_kept;
ALTER TABLE roster_imports DROP COLUMN file_removed_at;
