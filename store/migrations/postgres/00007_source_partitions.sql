-- +goose Up
-- What each source says is partitioned by source. An import writes its rows into a table of its
-- own (the staging table), and its merge swaps that table in as the source's partition: the
-- rows are written once, never copied from staging into the roster and never upserted one by
-- one. Sources fed row by row (field visits, registrations) live in the default partition.
ALTER TABLE organization_sources RENAME TO organization_sources_unpartitioned;
ALTER INDEX organization_sources_pkey RENAME TO organization_sources_unpartitioned_pkey;
CREATE TABLE organization_sources (
    uscc        TEXT COLLATE "C" NOT NULL, -- no foreign key: the merge writes sources before their organization
    source      TEXT COLLATE "C" NOT NULL,
    import_id   TEXT NOT NULL,             -- the latest import that delivered these values
    observed_at TIMESTAMPTZ NOT NULL,
    row_number  INTEGER NOT NULL,
    name        TEXT NOT NULL,
    township    TEXT NOT NULL,
    industry    TEXT NOT NULL,
    supervisor  TEXT NOT NULL,
    employees   INTEGER,
    reg_status  TEXT NOT NULL,
    address     TEXT NOT NULL,
    missing     BOOLEAN NOT NULL DEFAULT FALSE, -- absent from this source's latest extract
    PRIMARY KEY (uscc, source)
) PARTITION BY LIST (source);
CREATE TABLE organization_sources_default PARTITION OF organization_sources DEFAULT;
INSERT INTO organization_sources SELECT * FROM organization_sources_unpartitioned;
DROP TABLE organization_sources_unpartitioned;
-- Each import stages into a table of its own now.
DROP TABLE roster_staging;

-- +goose Down
CREATE UNLOGGED TABLE roster_staging (
    import_id  TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    uscc       TEXT COLLATE "C" NOT NULL,
    name       TEXT NOT NULL,
    township   TEXT NOT NULL,
    industry   TEXT NOT NULL,
    supervisor TEXT NOT NULL,
    employees  INTEGER,
    reg_status TEXT NOT NULL,
    address    TEXT NOT NULL
);
CREATE INDEX roster_staging_import ON roster_staging (import_id);
CREATE TABLE organization_sources_unpartitioned (LIKE organization_sources INCLUDING DEFAULTS);
INSERT INTO organization_sources_unpartitioned SELECT * FROM organization_sources;
DROP TABLE organization_sources;
ALTER TABLE organization_sources_unpartitioned RENAME TO organization_sources;
ALTER TABLE organization_sources ADD PRIMARY KEY (uscc, source);
