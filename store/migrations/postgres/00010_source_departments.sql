-- +goose Up
-- Which department delivers each file source (market → 市场监管局 …): only that department's
-- liaisons (and admins) deliver and read the source's extracts, and the monthly delivery task
-- of the source goes to it. An admin sets it (PUT /api/v1/sources/{source}).
CREATE TABLE source_departments (
    source     TEXT PRIMARY KEY,
    unit_id    TEXT NOT NULL REFERENCES units (id),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- An import records the department it was delivered for (the mapping at upload time), what it
-- waits for (queued behind an earlier import of its source, or an admin's confirmation of the
-- organizations it would flag missing) and who decided.
ALTER TABLE roster_imports
    ADD COLUMN unit_id TEXT NOT NULL DEFAULT '',
    ADD COLUMN source_organizations INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN waiting_for TEXT NOT NULL DEFAULT '',
    ADD COLUMN decided_by TEXT NOT NULL DEFAULT '',
    ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '',
    DROP CONSTRAINT roster_imports_status_check,
    ADD CONSTRAINT roster_imports_status_check
        CHECK (status IN ('pending', 'queued', 'running', 'awaiting_confirmation', 'done', 'failed', 'rejected'));
CREATE INDEX roster_imports_source_open ON roster_imports (source, created_at)
    WHERE status NOT IN ('done', 'failed', 'rejected');

-- A department may deliver several sources (market supervision: the market roster and the
-- annual reports), each its own delivery of a period.
ALTER TABLE deliveries ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey, ADD PRIMARY KEY (period_id, unit_id, source);

-- +goose Down
DELETE FROM deliveries WHERE (period_id, unit_id, source) NOT IN
    (SELECT period_id, unit_id, min(source) FROM deliveries GROUP BY period_id, unit_id);
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey, ADD PRIMARY KEY (period_id, unit_id);
ALTER TABLE deliveries DROP COLUMN source;
DROP INDEX roster_imports_source_open;
UPDATE roster_imports SET status = 'failed' WHERE status IN ('rejected', 'awaiting_confirmation');
UPDATE roster_imports SET status = 'pending' WHERE status = 'queued';
ALTER TABLE roster_imports
    DROP CONSTRAINT roster_imports_status_check,
    ADD CONSTRAINT roster_imports_status_check CHECK (status IN ('pending', 'running', 'done', 'failed')),
    DROP COLUMN unit_id,
    DROP COLUMN source_organizations,
    DROP COLUMN waiting_for,
    DROP COLUMN decided_by,
    DROP COLUMN decision_reason;
DROP TABLE source_departments;
