-- +goose Up
-- A user's saved inbox views (我的视图, #18): a name and the inbox's filter and sort as JSON
-- (domain.TaskQuery, checked by the API). Only the owner reads them; at most
-- domain.MaxViewsPerUser each.
CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    query      TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX saved_views_user_name ON saved_views (user_id, name);

-- The inbox's counts per status (GET /tasks/counts) read a user's tasks of every status; the
-- inbox's own indexes hold active tasks only (measured on 1,000,000 tasks: docs/performance.md).
CREATE INDEX tasks_assignee_status ON tasks (assignee, status);
CREATE INDEX tasks_unit_role_status ON tasks (unit_id, role, status);

-- +goose Down
DROP INDEX tasks_unit_role_status;
DROP INDEX tasks_assignee_status;
DROP TABLE saved_views;
