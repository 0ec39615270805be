-- +goose Up
-- A county's subtree inbox (scope=visible&unit=, #18) at 1,000,000 tasks: the list took 0.7 s
-- (a bitmap scan over the ~50,000 tasks of the county's paths, then a sort) and its counts
-- 2.2 s (every count read the heap). Measured with EXPLAIN ANALYZE: docs/performance.md.
--
-- The list by due date walks the active tasks in due order and stops at the page, keeping
-- those of the subtree (about one in twenty for a county).
CREATE INDEX tasks_active_due ON tasks (due_at, id) WHERE status IN ('open', 'claimed');
-- The counts of a subtree (totals, per kind, per status: every status) read this index alone:
-- the path range, then status and due date, with what the visibility rule and the counts need.
CREATE INDEX tasks_path_status ON tasks (unit_path text_pattern_ops, status, due_at) INCLUDE (kind, unit_id, assignee, owner);
-- The counts per unit (the unit filter left out) count the active tasks per unit in this index.
CREATE INDEX tasks_active_unit ON tasks (unit_id) WHERE status IN ('open', 'claimed');

-- +goose Down
DROP INDEX tasks_active_unit;
DROP INDEX tasks_path_status;
DROP INDEX tasks_active_due;
