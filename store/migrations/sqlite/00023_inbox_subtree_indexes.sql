-- +goose Up
-- The same indexes as PostgreSQL's 00023 for a county's subtree inbox and its counts (SQLite
-- has no INCLUDE: the counted columns are keys).
CREATE INDEX tasks_active_due ON tasks (due_at, id) WHERE status IN ('open', 'claimed');
CREATE INDEX tasks_path_status ON tasks (unit_path, status, due_at, kind, unit_id);
CREATE INDEX tasks_active_unit ON tasks (unit_id) WHERE status IN ('open', 'claimed');

-- +goose Down
DROP INDEX tasks_active_unit;
DROP INDEX tasks_path_status;
DROP INDEX tasks_active_due;
