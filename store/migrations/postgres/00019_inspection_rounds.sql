-- +goose Up
-- Special inspection rounds 专项督查 (#19): a round drafted by an officer of its sponsoring unit,
-- its plan reviewed (never by the drafter), its team (with each member's targets and declared
-- conflicts), objections of targets against members, one visit per target and its findings.
CREATE TABLE inspection_rounds (
    id              TEXT PRIMARY KEY,
    workflow_id     TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    theme           TEXT NOT NULL DEFAULT '',
    sponsor_unit_id TEXT NOT NULL REFERENCES units (id),
    sponsor_path    TEXT NOT NULL,
    methods         TEXT NOT NULL DEFAULT '[]',
    field_from      TEXT NOT NULL,
    field_to        TEXT NOT NULL,
    plan            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('plan_review', 'returned', 'team', 'field', 'feedback', 'rectification', 'done', 'cancelled', 'failed')),
    return_reason   TEXT NOT NULL DEFAULT '',
    drafted_by      TEXT NOT NULL,
    approved_by     TEXT NOT NULL DEFAULT '',
    reference       TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX inspection_rounds_sponsor ON inspection_rounds (sponsor_path text_pattern_ops);
CREATE TABLE inspection_targets (
    round_id       TEXT NOT NULL REFERENCES inspection_rounds (id),
    unit_id        TEXT NOT NULL REFERENCES units (id),
    unit_path      TEXT NOT NULL,
    position       INTEGER NOT NULL,
    visited_by     TEXT NOT NULL DEFAULT '',
    visited_at     TIMESTAMPTZ,
    methods_done   TEXT NOT NULL DEFAULT '[]',
    notes          TEXT NOT NULL DEFAULT '',
    evidence       TEXT NOT NULL DEFAULT '[]',
    feedback       TEXT NOT NULL DEFAULT '',
    feedback_by    TEXT NOT NULL DEFAULT '',
    feedback_at    TIMESTAMPTZ,
    PRIMARY KEY (round_id, unit_id)
);
CREATE INDEX inspection_targets_path ON inspection_targets (unit_path text_pattern_ops);
-- A team member: their post and the unit they belonged to when named (for the 回避 rules).
CREATE TABLE inspection_team (
    round_id  TEXT NOT NULL REFERENCES inspection_rounds (id),
    username  TEXT NOT NULL,
    post      TEXT NOT NULL CHECK (post IN ('leader', 'deputy', 'member')),
    position  INTEGER NOT NULL,
    PRIMARY KEY (round_id, username)
);
-- Which targets each member inspects; a target has exactly one leader.
CREATE TABLE inspection_assignments (
    round_id       TEXT NOT NULL REFERENCES inspection_rounds (id),
    username       TEXT NOT NULL,
    target_unit_id TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (round_id, username, target_unit_id)
);
CREATE TABLE inspection_declarations (
    round_id       TEXT NOT NULL REFERENCES inspection_rounds (id),
    username       TEXT NOT NULL,
    target_unit_id TEXT NOT NULL REFERENCES units (id),
    reason         TEXT NOT NULL,
    PRIMARY KEY (round_id, username, target_unit_id)
);
-- A target's objection to a member 回避申请, decided by the round's officer.
CREATE TABLE inspection_objections (
    id              TEXT PRIMARY KEY,
    round_id        TEXT NOT NULL REFERENCES inspection_rounds (id),
    target_unit_id  TEXT NOT NULL REFERENCES units (id),
    username        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    lodged_by       TEXT NOT NULL,
    lodged_at       TIMESTAMPTZ NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'replaced', 'overruled')),
    replacement     TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    decision_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inspection_objections_round ON inspection_objections (round_id);
-- A finding 问题 of a visit; severity 一般 / 较重 / 严重; fixed on the spot 立行立改 or not (then
-- a rectification item follows, migration 00020).
CREATE TABLE inspection_findings (
    id                TEXT PRIMARY KEY,
    round_id          TEXT NOT NULL REFERENCES inspection_rounds (id),
    target_unit_id    TEXT NOT NULL REFERENCES units (id),
    position          INTEGER NOT NULL,
    category          TEXT NOT NULL,
    severity          TEXT NOT NULL CHECK (severity IN ('一般', '较重', '严重')),
    description       TEXT NOT NULL,
    evidence          TEXT NOT NULL DEFAULT '',
    fixed_on_the_spot BOOLEAN NOT NULL,
    recorded_by       TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (round_id, target_unit_id, position)
);

-- +goose Down
DROP TABLE inspection_findings;
DROP TABLE inspection_objections;
DROP TABLE inspection_declarations;
DROP TABLE inspection_assignments;
DROP TABLE inspection_team;
DROP TABLE inspection_targets;
DROP TABLE inspection_rounds;
