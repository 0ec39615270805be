-- +goose Up
-- Each import stages into a table of its own now (PostgreSQL also partitions
-- organization_sources by source; SQLite has no partitions and the merge replaces a source's
-- rows instead).
DROP TABLE roster_staging;

-- +goose Down
CREATE TABLE roster_staging (
    import_id  TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    uscc       TEXT NOT NULL,
    name       TEXT NOT NULL,
    township   TEXT NOT NULL,
    industry   TEXT NOT NULL,
    supervisor TEXT NOT NULL,
    employees  INTEGER,
    reg_status TEXT NOT NULL,
    address    TEXT NOT NULL
);
CREATE INDEX roster_staging_import ON roster_staging (import_id);
