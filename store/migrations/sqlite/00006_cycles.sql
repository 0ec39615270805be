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

-- +goose Down
DROP TABLE bulletins;
DROP TABLE deliveries;
DROP TABLE periods;
