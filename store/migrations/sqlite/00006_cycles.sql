-- +goose Up
-- A period of a joint-meeting cycle (2026-10, 2026-Q3, 2026-H1): it runs once.
CREATE TABLE periods (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('monthly', 'quarterly', 'half-year')),
    period           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    trigger          TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    window_opens_at  DATETIME NOT NULL,
    window_closes_at DATETIME NOT NULL,
    summary          TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       DATETIME NOT NULL,
    finished_at      DATETIME,
    UNIQUE (kind, period)
);

-- A department's delivery of its monthly extract.
CREATE TABLE deliveries (
    period_id    TEXT NOT NULL REFERENCES periods (id),
    unit_id      TEXT NOT NULL REFERENCES units (id),
    import_id    TEXT NOT NULL REFERENCES roster_imports (id),
    delivered_by TEXT NOT NULL,
    delivered_at DATETIME NOT NULL,
    PRIMARY KEY (period_id, unit_id)
);

-- The monthly bulletin 通报 of a county: its figures as computed when the period closed.
CREATE TABLE bulletins (
    period_id  TEXT NOT NULL REFERENCES periods (id),
    county_id  TEXT NOT NULL REFERENCES units (id),
    figures    TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (period_id, county_id)
);

-- Half-year assessment schemes 考核方案, one row per version (the highest is current).
CREATE TABLE assessment_schemes (
    version    INTEGER PRIMARY KEY,
    scheme     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

-- One unit's assessment in a half-year period.
CREATE TABLE assessments (
    id              TEXT PRIMARY KEY,
    period_id       TEXT NOT NULL REFERENCES periods (id),
    unit_id         TEXT NOT NULL REFERENCES units (id),
    unit_path       TEXT NOT NULL,
    scheme_version  INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running', 'locked', 'reopened')),
    self            TEXT NOT NULL DEFAULT '',  -- the unit's self-assessment (marks and evidence)
    marks           TEXT NOT NULL DEFAULT '',  -- the marks that count: the scorer's, as the reviewer adjusted them
    metrics         TEXT NOT NULL DEFAULT '',  -- the data the indicators were scored from
    outcome         TEXT NOT NULL DEFAULT '',
    total           REAL,
    grade           TEXT NOT NULL DEFAULT '',
    locked_at       DATETIME,
    locked_by       TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (period_id, unit_id)
);
CREATE INDEX assessments_unit_path ON assessments (unit_path);

-- A county's quarterly analysis 每季一分析: the figures and problems found from the data, and
-- the analysis its officers write on top of them.
CREATE TABLE analyses (
    period_id    TEXT NOT NULL REFERENCES periods (id),
    unit_id      TEXT NOT NULL REFERENCES units (id),
    unit_path    TEXT NOT NULL,
    figures      TEXT NOT NULL,
    problems     TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('drafting', 'published')),
    published_at DATETIME,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (period_id, unit_id)
);

-- +goose Down
DROP TABLE analyses;
DROP TABLE assessments;
DROP TABLE assessment_schemes;
DROP TABLE bulletins;
DROP TABLE deliveries;
DROP TABLE periods;
