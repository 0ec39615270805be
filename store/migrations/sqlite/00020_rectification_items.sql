-- +goose Up
-- Rectification 整改销号 (#19): each finding not fixed on the spot becomes an item owned by the
-- target unit. This migration creates the items (in status planning) and the tables the
-- rectification chain, the escalation ladder and demonstration points will use; only the
-- items are written so far (see docs/inspection.md, "not yet").
CREATE TABLE rectification_items (
    id               TEXT PRIMARY KEY,
    round_id         TEXT NOT NULL REFERENCES inspection_rounds (id),
    finding_id       TEXT NOT NULL UNIQUE REFERENCES inspection_findings (id),
    unit_id          TEXT NOT NULL REFERENCES units (id),
    unit_path        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('planning', 'plan_review', 'in_progress', 'self_check', 'verifying', 'signed_off', 'returned', 'reopened')),
    due_working_days INTEGER NOT NULL CHECK (due_working_days BETWEEN 1 AND 250),
    due_at           DATETIME NOT NULL,
    workflow_id      TEXT NOT NULL DEFAULT '',
    measures         TEXT NOT NULL DEFAULT '',
    responsible      TEXT NOT NULL DEFAULT '',
    escalation_level INTEGER NOT NULL DEFAULT 0,
    rectifications   INTEGER NOT NULL DEFAULT 1,
    signed_off_by    TEXT NOT NULL DEFAULT '',
    signed_off_at    DATETIME,
    rechecked_at     DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);
CREATE INDEX rectification_items_round ON rectification_items (round_id, status);
CREATE INDEX rectification_items_unit ON rectification_items (unit_path, status);
-- The escalation ladder's steps taken for an overdue item (reminder → chase → bulletin → talk →
-- warning), each a notification or a task for the unit above.
CREATE TABLE rectification_escalations (
    item_id  TEXT NOT NULL REFERENCES rectification_items (id),
    level    INTEGER NOT NULL,
    step     TEXT NOT NULL CHECK (step IN ('reminder', 'chase', 'bulletin', 'talk', 'warning')),
    unit_id  TEXT NOT NULL REFERENCES units (id),
    task_id  TEXT REFERENCES tasks (id),
    at       DATETIME NOT NULL,
    PRIMARY KEY (item_id, level)
);
-- Demonstration points 示范点: nomination → file review → site visit → decision → public notice
-- 公示 (objections) → named; a yearly re-check keeps, warns or revokes 摘牌.
CREATE TABLE demonstration_points (
    id              TEXT PRIMARY KEY,
    workflow_id     TEXT NOT NULL UNIQUE,
    party_org_id    TEXT NOT NULL REFERENCES party_orgs (id),
    unit_id         TEXT NOT NULL REFERENCES units (id),
    unit_path       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('nominated', 'file_review', 'site_visit', 'decision', 'public_notice', 'named', 'warned', 'revoked', 'rejected')),
    reasons         TEXT NOT NULL DEFAULT '',
    self_assessment TEXT NOT NULL DEFAULT '{}',
    score           INTEGER,
    ranking         INTEGER,
    notice_from     DATETIME,
    notice_to       DATETIME,
    nominated_by    TEXT NOT NULL,
    named_at        DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX demonstration_points_unit ON demonstration_points (unit_path, status);
CREATE TABLE demonstration_objections (
    id          TEXT PRIMARY KEY,
    point_id    TEXT NOT NULL REFERENCES demonstration_points (id),
    lodged_by   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    lodged_at   DATETIME NOT NULL,
    task_id     TEXT REFERENCES tasks (id),
    answer      TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    answered_at DATETIME
);

-- +goose Down
DROP TABLE demonstration_objections;
DROP TABLE demonstration_points;
DROP TABLE rectification_escalations;
DROP TABLE rectification_items;
