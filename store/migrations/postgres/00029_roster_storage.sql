-- +goose Up
-- Room on each page for a month's changes (issue #21): a monthly delivery rewrites about a tenth
-- of the organizations and of a source's rows. With full pages every such update moved its row
-- to another page and wrote every index of the table again; with 15% of each page free the new
-- version stays on its page and, when no indexed column changed, no index is written (a HOT
-- update). 200,000 organizations of a million updated: 1.72 s -> 1.10 s. The pages written from
-- now on keep the room (a table is not rewritten); the staging table of an import, which becomes
-- the source's partition of organization_sources, is created with it (store.StartImport).
ALTER TABLE organizations SET (fillfactor = 85);
-- Every partition of organization_sources: the default one and each source's.
-- +goose StatementBegin
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'organization_sources'::regclass LOOP
        EXECUTE format('ALTER TABLE %s SET (fillfactor = 85)', p);
    END LOOP;
END $$;
-- +goose StatementEnd

-- The fingerprints of an extract (00021) are stored as they are: compressing 26 MB of credit codes
-- and hashes took 0.29 s of every import for a 13 MB saving.
ALTER TABLE roster_fingerprints ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose Down
ALTER TABLE roster_fingerprints ALTER COLUMN data SET STORAGE EXTENDED;
-- +goose StatementBegin
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'organization_sources'::regclass LOOP
        EXECUTE format('ALTER TABLE %s RESET (fillfactor)', p);
    END LOOP;
END $$;
-- +goose StatementEnd
ALTER TABLE organizations RESET (fillfactor);
