-- +goose Up
CREATE TABLE tasks (
    id                TEXT PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE, -- workflow ID + step: a retried activity finds its task
    kind              TEXT NOT NULL,
    subject           TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    workflow_id       TEXT NOT NULL,
    unit_id           TEXT NOT NULL REFERENCES units (id),
    unit_path         TEXT NOT NULL,
    role              TEXT NOT NULL,
    assignee          TEXT,
    owner             TEXT,                 -- while delegated: who delegated and gets it back
    delegation        TEXT NOT NULL DEFAULT '' CHECK (delegation IN ('', 'pending', 'resolved')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'completed', 'cancelled')),
    priority          INTEGER NOT NULL DEFAULT 50,
    due_at            DATETIME NOT NULL,
    due_provisional   BOOLEAN NOT NULL DEFAULT FALSE,
    remind_at         DATETIME,
    reminded_at       DATETIME,
    escalated_at      DATETIME,
    escalates_task_id TEXT REFERENCES tasks (id),
    result            TEXT,
    completed_by      TEXT,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    completed_at      DATETIME
);
-- The inbox: a user's active tasks by due date, and the unassigned tasks of a unit and role.
CREATE INDEX tasks_assignee_active ON tasks (assignee, due_at, id) WHERE status IN ('open', 'claimed');
CREATE INDEX tasks_unit_role_active ON tasks (unit_id, role, due_at, id) WHERE status IN ('open', 'claimed');
CREATE INDEX tasks_unit_path ON tasks (unit_path, due_at);
CREATE INDEX tasks_workflow ON tasks (workflow_id);
CREATE INDEX tasks_subject ON tasks (subject);

CREATE TABLE task_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL REFERENCES tasks (id),
    at      DATETIME NOT NULL,
    actor   TEXT NOT NULL,
    type    TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX task_events_task ON task_events (task_id, id);

CREATE TABLE task_comments (
    id         TEXT PRIMARY KEY,
    task_id    TEXT NOT NULL REFERENCES tasks (id),
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX task_comments_task ON task_comments (task_id, id);

CREATE TABLE blobs (
    key          TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   DATETIME NOT NULL
);

CREATE TABLE task_attachments (
    id           TEXT PRIMARY KEY,
    task_id      TEXT NOT NULL REFERENCES tasks (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL REFERENCES blobs (key),
    uploaded_by  TEXT NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX task_attachments_task ON task_attachments (task_id, id);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    key        TEXT NOT NULL, -- dedup: one notification per event and recipient
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    task_id    TEXT,
    read_at    DATETIME,
    created_at DATETIME NOT NULL,
    UNIQUE (username, key)
);
CREATE INDEX notifications_user ON notifications (username, id);

CREATE TABLE calendar_overrides (
    date       TEXT PRIMARY KEY, -- YYYY-MM-DD, a civil date in China
    workday    BOOLEAN NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE calendar_overrides;
DROP TABLE notifications;
DROP TABLE task_attachments;
DROP TABLE blobs;
DROP TABLE task_comments;
DROP TABLE task_events;
DROP TABLE tasks;
