-- +goose Up
CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    net        TEXT NOT NULL CHECK (net IN ('region', 'industry', 'department')),
    kind       TEXT NOT NULL,
    parent_id  TEXT REFERENCES units (id),
    path       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX units_parent_id ON units (parent_id);
CREATE INDEX units_path ON units (path text_pattern_ops);
-- one name per parent and net, so "东城街道" means one thing within its county
CREATE UNIQUE INDEX units_sibling_name ON units (COALESCE(parent_id, ''), net, name);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id),
    unit_id TEXT NOT NULL REFERENCES units (id),
    role    TEXT NOT NULL CHECK (role IN ('officer', 'secretary', 'inspector', 'liaison')),
    PRIMARY KEY (user_id, unit_id, role)
);
CREATE INDEX memberships_unit_id ON memberships (unit_id);

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE organizations (
    uscc       TEXT COLLATE "C" PRIMARY KEY CHECK (length(uscc) = 18), -- codes compare bytewise: faster keys
    name       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    unit_path    TEXT NOT NULL DEFAULT '',
    old_value    TEXT NOT NULL DEFAULT '',
    new_value    TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);

-- The audit trail is append-only: the database itself refuses to change or delete a record.
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only;
DROP TABLE organizations;
DROP TABLE tokens;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE units;
