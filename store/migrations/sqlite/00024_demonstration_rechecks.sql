-- +goose Up
-- The yearly re-check of a named demonstration point (demonstration.recheck): how many were made,
-- so a retried step is recorded once, and when the last one was.
ALTER TABLE demonstration_points ADD COLUMN rechecks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE demonstration_points ADD COLUMN rechecked_at DATETIME;

-- +goose Down
ALTER TABLE demonstration_points DROP COLUMN rechecked_at;
ALTER TABLE demonstration_points DROP COLUMN rechecks;
