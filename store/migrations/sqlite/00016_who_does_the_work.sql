-- +goose Up
-- Four eyes on every path (#17 §5): who may not take a task though their role would let them
-- (the officer who scored an assessment does not review it), as ',alice,bob,' so that the
-- inbox query excludes them; and who scored a locked assessment, so that after a reopen the
-- scorer neither adjusts nor re-locks it.
ALTER TABLE tasks ADD COLUMN not_by TEXT NOT NULL DEFAULT '';
ALTER TABLE assessments ADD COLUMN scored_by TEXT NOT NULL DEFAULT '';
-- An engine task (task.assignment, task.extension) decides about another task of the same
-- workflow: the one to assign, or the one whose deadline an extension would move.
ALTER TABLE tasks ADD COLUMN about_task_id TEXT REFERENCES tasks (id);
CREATE INDEX tasks_about ON tasks (about_task_id) WHERE about_task_id IS NOT NULL;
-- One home for deadline extensions: a request and its decision. An officer over the task's
-- unit who cannot act on it grants at once; whoever could act on it requests, and the
-- approver (by default an officer of the unit above) decides through a task.extension task.
CREATE TABLE deadline_extensions (
    id               TEXT PRIMARY KEY,
    task_id          TEXT NOT NULL REFERENCES tasks (id),
    working_days     INTEGER NOT NULL CHECK (working_days BETWEEN 1 AND 30),
    reason           TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    requested_at     DATETIME NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('requested', 'granted', 'refused')),
    approver_unit_id TEXT REFERENCES units (id),
    approver_role    TEXT NOT NULL DEFAULT '',
    decision_task_id TEXT REFERENCES tasks (id),
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       DATETIME,
    decision_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deadline_extensions_task ON deadline_extensions (task_id, requested_at);

-- +goose Down
DROP TABLE deadline_extensions;
DROP INDEX tasks_about;
ALTER TABLE tasks DROP COLUMN about_task_id;
ALTER TABLE assessments DROP COLUMN scored_by;
ALTER TABLE tasks DROP COLUMN not_by;
