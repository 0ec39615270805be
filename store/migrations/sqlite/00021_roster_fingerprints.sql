-- +goose Up
-- See the PostgreSQL migration of the same number: fingerprints of an import's extract, the
-- earlier import an unchanged extract matched, and the indexes that find both fast.
CREATE TABLE roster_fingerprints (
    import_id TEXT NOT NULL REFERENCES roster_imports (id),
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);
ALTER TABLE roster_imports ADD COLUMN fingerprints INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roster_imports ADD COLUMN same_as TEXT NOT NULL DEFAULT '';
ALTER TABLE roster_imports ADD COLUMN delta_base TEXT NOT NULL DEFAULT '';
CREATE INDEX roster_imports_source_done ON roster_imports (source, created_at) WHERE status = 'done';
CREATE INDEX organizations_disputed ON organizations (uscc) WHERE conflict_fields <> '';

-- +goose Down
DROP INDEX organizations_disputed;
DROP INDEX roster_imports_source_done;
ALTER TABLE roster_imports DROP COLUMN delta_base;
ALTER TABLE roster_imports DROP COLUMN same_as;
ALTER TABLE roster_imports DROP COLUMN fingerprints;
DROP TABLE roster_fingerprints;
