-- +goose Up
-- A month's coverage snapshot keeps, beside its regional count, how many of those organizations
-- are covered by a temporary branch 临时党支部 (never 单建; shown as its own column, #17 §4).
-- Snapshots taken before this hold 0.
ALTER TABLE coverage_snapshots ADD COLUMN temporary INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE coverage_snapshots DROP COLUMN temporary;
