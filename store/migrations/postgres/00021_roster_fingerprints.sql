-- +goose Up
-- A compact fingerprint of each organization's row in an import's extract (credit code +
-- a hash of its fields), in 1 MiB chunks: the next extract of the source is compared with it
-- while it is parsed, so that a re-export of the same content (rows shuffled, CRLF) is known
-- without staging or merging (issue #21). Only the source's last merged extract keeps them.
CREATE TABLE roster_fingerprints (
    import_id TEXT NOT NULL REFERENCES roster_imports (id),
    seq       INTEGER NOT NULL,
    data      BYTEA NOT NULL,
    PRIMARY KEY (import_id, seq)
);
-- fingerprints: how many the import stored (0: none); same_as: the earlier import an extract
-- that changed nothing matched (与上月相同); delta_base: the import whose fingerprints the
-- staged extract was compared with (its rows that differ are listed in a table beside the
-- staging table, and the merge classifies only those).
ALTER TABLE roster_imports
    ADD COLUMN fingerprints INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN same_as TEXT NOT NULL DEFAULT '',
    ADD COLUMN delta_base TEXT NOT NULL DEFAULT '';
CREATE INDEX roster_imports_source_done ON roster_imports (source, created_at) WHERE status = 'done';
-- An unchanged extract counts its conflicts from the few disputed organizations.
CREATE INDEX organizations_disputed ON organizations (uscc) WHERE conflict_fields <> '';

-- +goose Down
DROP INDEX organizations_disputed;
DROP INDEX roster_imports_source_done;
ALTER TABLE roster_imports DROP COLUMN delta_base, DROP COLUMN same_as, DROP COLUMN fingerprints;
DROP TABLE roster_fingerprints;
