-- +goose NO TRANSACTION
-- +goose Up
-- Which department delivers each file source (market → 市场监管局 …): only that department's
-- liaisons (and admins) deliver and read the source's extracts, and the monthly delivery task
-- of the source goes to it. An admin sets it (PUT /api/v1/sources/{source}).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE source_departments (
    source     TEXT PRIMARY KEY,
    unit_id    TEXT NOT NULL REFERENCES units (id),
    updated_by TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

-- An import records the department it was delivered for (the mapping at upload time), what it
-- waits for (queued behind an earlier import of its source, or an admin's confirmation of the
-- organizations it would flag missing) and who decided. SQLite cannot change a CHECK
-- constraint: the table is built again the way SQLite documents (foreign keys off, outside a
-- transaction, so that those of roster_issues, deliveries and census rounds go on naming
-- roster_imports; the migration is one explicit transaction).
CREATE TABLE roster_imports_new (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    filename    TEXT NOT NULL,
    blob_key    TEXT NOT NULL REFERENCES blobs (key),
    file_sha256 TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'running', 'awaiting_confirmation', 'done', 'failed', 'rejected')),
    encoding    TEXT NOT NULL DEFAULT '',
    sheet       TEXT NOT NULL DEFAULT '',
    header_row  INTEGER NOT NULL DEFAULT 0,
    mapping     TEXT NOT NULL DEFAULT '',
    options     TEXT NOT NULL DEFAULT '',
    rows        INTEGER NOT NULL DEFAULT 0,
    accepted    INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    warnings    INTEGER NOT NULL DEFAULT 0,
    new_orgs    INTEGER NOT NULL DEFAULT 0,
    changed     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    conflicts   INTEGER NOT NULL DEFAULT 0,
    missing     INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    started_at  DATETIME,
    finished_at DATETIME,
    unit_id              TEXT NOT NULL DEFAULT '',
    source_organizations INTEGER NOT NULL DEFAULT 0,
    waiting_for          TEXT NOT NULL DEFAULT '',
    decided_by           TEXT NOT NULL DEFAULT '',
    decision_reason      TEXT NOT NULL DEFAULT ''
);
INSERT INTO roster_imports_new (id, source, filename, blob_key, file_sha256, status, encoding, sheet, header_row, mapping,
    options, rows, accepted, rejected, warnings, new_orgs, changed, unchanged, conflicts, missing, error, created_by,
    created_at, started_at, finished_at)
SELECT id, source, filename, blob_key, file_sha256, status, encoding, sheet, header_row, mapping,
    options, rows, accepted, rejected, warnings, new_orgs, changed, unchanged, conflicts, missing, error, created_by,
    created_at, started_at, finished_at FROM roster_imports;
DROP TABLE roster_imports;
ALTER TABLE roster_imports_new RENAME TO roster_imports;
CREATE INDEX roster_imports_source_open ON roster_imports (source, created_at)
    WHERE status NOT IN ('done', 'failed', 'rejected');

-- A department may deliver several sources (market supervision: the market roster and the
-- annual reports), each its own delivery of a period.
CREATE TABLE deliveries_new (
    period_id    TEXT NOT NULL REFERENCES periods (id),
    unit_id      TEXT NOT NULL REFERENCES units (id),
    import_id    TEXT NOT NULL REFERENCES roster_imports (id),
    delivered_by TEXT NOT NULL,
    delivered_at DATETIME NOT NULL,
    source       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (period_id, unit_id, source)
);
INSERT INTO deliveries_new (period_id, unit_id, import_id, delivered_by, delivered_at)
SELECT period_id, unit_id, import_id, delivered_by, delivered_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN;
DROP INDEX roster_imports_source_open;
CREATE TABLE roster_imports_old (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    filename    TEXT NOT NULL,
    blob_key    TEXT NOT NULL REFERENCES blobs (key),
    file_sha256 TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    encoding    TEXT NOT NULL DEFAULT '',
    sheet       TEXT NOT NULL DEFAULT '',
    header_row  INTEGER NOT NULL DEFAULT 0,
    mapping     TEXT NOT NULL DEFAULT '',
    options     TEXT NOT NULL DEFAULT '',
    rows        INTEGER NOT NULL DEFAULT 0,
    accepted    INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    warnings    INTEGER NOT NULL DEFAULT 0,
    new_orgs    INTEGER NOT NULL DEFAULT 0,
    changed     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    conflicts   INTEGER NOT NULL DEFAULT 0,
    missing     INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    started_at  DATETIME,
    finished_at DATETIME
);
INSERT INTO roster_imports_old SELECT id, source, filename, blob_key, file_sha256,
    CASE status WHEN 'queued' THEN 'pending' WHEN 'awaiting_confirmation' THEN 'failed' WHEN 'rejected' THEN 'failed' ELSE status END,
    encoding, sheet, header_row, mapping, options, rows, accepted, rejected, warnings, new_orgs, changed, unchanged, conflicts,
    missing, error, created_by, created_at, started_at, finished_at FROM roster_imports;
DROP TABLE roster_imports;
ALTER TABLE roster_imports_old RENAME TO roster_imports;
DROP TABLE source_departments;
CREATE TABLE deliveries_old (
    period_id    TEXT NOT NULL REFERENCES periods (id),
    unit_id      TEXT NOT NULL REFERENCES units (id),
    import_id    TEXT NOT NULL REFERENCES roster_imports (id),
    delivered_by TEXT NOT NULL,
    delivered_at DATETIME NOT NULL,
    PRIMARY KEY (period_id, unit_id)
);
INSERT OR IGNORE INTO deliveries_old SELECT period_id, unit_id, import_id, delivered_by, delivered_at FROM deliveries ORDER BY source;
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
COMMIT;
PRAGMA foreign_keys = ON;
