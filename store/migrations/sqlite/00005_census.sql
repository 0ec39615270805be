-- +goose Up
-- What the last field visit (or the enterprise's own survey) found.
ALTER TABLE organizations ADD COLUMN visited_at DATETIME;
ALTER TABLE organizations ADD COLUMN visited_by TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN visited_operating BOOLEAN;
ALTER TABLE organizations ADD COLUMN formal_members INTEGER;
ALTER TABLE organizations ADD COLUMN probationary_members INTEGER;
ALTER TABLE organizations ADD COLUMN fixed_premises BOOLEAN;
ALTER TABLE organizations ADD COLUMN owner_is_member BOOLEAN;
ALTER TABLE organizations ADD COLUMN instructor TEXT NOT NULL DEFAULT '';

-- A census round 摸排: one verification per selected organization.
CREATE TABLE census_rounds (
    id          TEXT PRIMARY KEY,
    unit_id     TEXT NOT NULL REFERENCES units (id),
    unit_path   TEXT NOT NULL,
    selection   TEXT NOT NULL,              -- all | changed | unverified | tag
    since       DATETIME,
    tag         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled')),
    total       INTEGER NOT NULL DEFAULT 0,
    started     INTEGER NOT NULL DEFAULT 0, -- organizations the fan-out has passed so far
    skipped     INTEGER NOT NULL DEFAULT 0, -- of those, already in a verification of another round
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    finished_at DATETIME
);
CREATE INDEX census_rounds_unit_path ON census_rounds (unit_path);

-- The organizations a round selected, fixed when it starts.
CREATE TABLE census_members (
    round_id TEXT NOT NULL REFERENCES census_rounds (id),
    uscc     TEXT NOT NULL REFERENCES organizations (uscc),
    unit_id  TEXT REFERENCES units (id), -- the responsible region unit; null: the county assigns first
    PRIMARY KEY (round_id, uscc)
);

-- Every verification result, kept as given.
CREATE TABLE census_visits (
    task_id    TEXT PRIMARY KEY REFERENCES tasks (id),
    uscc       TEXT NOT NULL REFERENCES organizations (uscc),
    round_id   TEXT NOT NULL DEFAULT '',
    inspector  TEXT NOT NULL,
    result     TEXT NOT NULL,
    decision   TEXT NOT NULL DEFAULT '',
    visited_at DATETIME NOT NULL
);
CREATE INDEX census_visits_uscc ON census_visits (uscc);

-- Coverage figures as of a month-end, per unit of either net.
CREATE TABLE coverage_snapshots (
    month     TEXT NOT NULL, -- YYYY-MM
    unit_id   TEXT NOT NULL REFERENCES units (id),
    net       TEXT NOT NULL,
    operating INTEGER NOT NULL,
    single    INTEGER NOT NULL,
    joint     INTEGER NOT NULL,
    regional  INTEGER NOT NULL,
    work      INTEGER NOT NULL,
    taken_at  DATETIME NOT NULL,
    PRIMARY KEY (month, unit_id)
);

-- Registration-time sync 登记时同步: a prompt letter and a one-time survey link per registration.
CREATE TABLE registrations (
    id          TEXT PRIMARY KEY,
    uscc        TEXT NOT NULL REFERENCES organizations (uscc),
    event       TEXT NOT NULL CHECK (event IN ('new', 'changed')),
    token       TEXT NOT NULL UNIQUE, -- the one-time survey link; printed on the prompt letter
    expires_at  DATETIME NOT NULL,
    answered_at DATETIME,
    answer      TEXT,
    reported_by TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX registrations_uscc ON registrations (uscc);

-- Party-building fields of annual reports 年报党建信息, per import (the rest of the row goes
-- through the roster merge as the source annual_report).
CREATE TABLE annual_reports (
    import_id     TEXT NOT NULL REFERENCES roster_imports (id),
    uscc          TEXT NOT NULL,
    row_number    INTEGER NOT NULL,
    party_members INTEGER,
    party_org     TEXT NOT NULL DEFAULT '', -- yes | no | '' (not said)
    PRIMARY KEY (import_id, uscc)
);

-- +goose Down
DROP TABLE annual_reports;
DROP TABLE registrations;
DROP TABLE coverage_snapshots;
DROP TABLE census_visits;
DROP TABLE census_members;
DROP TABLE census_rounds;
ALTER TABLE organizations DROP COLUMN visited_at;
ALTER TABLE organizations DROP COLUMN visited_by;
ALTER TABLE organizations DROP COLUMN visited_operating;
ALTER TABLE organizations DROP COLUMN formal_members;
ALTER TABLE organizations DROP COLUMN probationary_members;
ALTER TABLE organizations DROP COLUMN fixed_premises;
ALTER TABLE organizations DROP COLUMN owner_is_member;
ALTER TABLE organizations DROP COLUMN instructor;
