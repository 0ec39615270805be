-- +goose Up
-- A task's candidates (#19): people named by the process who may act on the task beside the
-- holders of its role in its unit (the target's team members on the visit and the
-- verification). tasks.candidates is the task's own record (",alice,bob,", as not_by);
-- task_candidates indexes it for the inbox by username.
ALTER TABLE tasks ADD COLUMN candidates TEXT NOT NULL DEFAULT '';
CREATE TABLE task_candidates (
    username TEXT NOT NULL,
    task_id  TEXT NOT NULL REFERENCES tasks (id),
    PRIMARY KEY (username, task_id)
);
CREATE INDEX task_candidates_task ON task_candidates (task_id);

-- +goose Down
DROP TABLE task_candidates;
ALTER TABLE tasks DROP COLUMN candidates;
