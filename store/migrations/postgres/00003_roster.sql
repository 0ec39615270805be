-- +goose Up
-- Large files are stored in 1 MiB chunks, so that they are written and read streaming, never
-- held in memory whole. blobs.data stays empty for them.
CREATE TABLE blob_chunks (
    key  TEXT NOT NULL REFERENCES blobs (key),
    seq  INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (key, seq)
);

CREATE TABLE roster_imports (
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
    created_at  TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);

-- Rejected rows and cell warnings of an import.
CREATE TABLE roster_issues (
    import_id  TEXT NOT NULL REFERENCES roster_imports (id),
    row_number INTEGER NOT NULL,
    field      TEXT NOT NULL,
    severity   TEXT NOT NULL CHECK (severity IN ('reject', 'warning')),
    reason     TEXT NOT NULL,
    message    TEXT NOT NULL,
    raw        TEXT NOT NULL
);
CREATE INDEX roster_issues_import ON roster_issues (import_id, severity, row_number);

-- Rows of an import on their way to the master roster. Unlogged: a crash loses them, and the
-- import is then run again from its file.
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

-- What each source says of each organization: the provenance of every field (source, the
-- import that last delivered it, when).
CREATE TABLE organization_sources (
    uscc        TEXT COLLATE "C" NOT NULL, -- no foreign key: the merge writes sources before their organization
    source      TEXT COLLATE "C" NOT NULL,
    import_id   TEXT NOT NULL,
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
);

ALTER TABLE organizations
    ADD COLUMN township          TEXT NOT NULL DEFAULT '',
    ADD COLUMN industry          TEXT NOT NULL DEFAULT '',
    ADD COLUMN supervisor        TEXT NOT NULL DEFAULT '',
    ADD COLUMN employees         INTEGER,
    ADD COLUMN reg_status        TEXT NOT NULL DEFAULT '',
    ADD COLUMN address           TEXT NOT NULL DEFAULT '',
    ADD COLUMN conflict_fields   TEXT NOT NULL DEFAULT '',
    ADD COLUMN region_unit_id    TEXT REFERENCES units (id),
    ADD COLUMN region_path       TEXT NOT NULL DEFAULT '',
    ADD COLUMN region_owners     INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN industry_unit_id  TEXT REFERENCES units (id),
    ADD COLUMN industry_path     TEXT NOT NULL DEFAULT '',
    ADD COLUMN industry_owners   INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN coverage          TEXT NOT NULL DEFAULT 'none' CHECK (coverage IN ('none', 'single', 'joint', 'regional', 'work')),
    ADD COLUMN operating         BOOLEAN,
    ADD COLUMN missing           BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX organizations_region_path ON organizations (region_path text_pattern_ops);
CREATE INDEX organizations_industry_path ON organizations (industry_path text_pattern_ops);

-- An officer's choice of value for a field the sources disagree on.
CREATE TABLE organization_resolutions (
    uscc        TEXT NOT NULL REFERENCES organizations (uscc),
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (uscc, field)
);

-- The tag set is configurable; it ships with the five categories of large enterprises 五类大型企业.
CREATE TABLE tag_definitions (
    code  TEXT PRIMARY KEY,
    label TEXT NOT NULL
);
INSERT INTO tag_definitions (code, label) VALUES
    ('above_scale', '规上企业'), ('high_tech', '高新技术企业'), ('listed', '上市企业'),
    ('top100', '百强企业'), ('specialized', '专精特新企业');

CREATE TABLE organization_tags (
    uscc TEXT NOT NULL REFERENCES organizations (uscc),
    tag  TEXT NOT NULL,
    PRIMARY KEY (uscc, tag)
);
CREATE INDEX organization_tags_tag ON organization_tags (tag);

-- A unit merged into another (townships merge) stays, for history, pointing at its successor.
ALTER TABLE units ADD COLUMN merged_into TEXT REFERENCES units (id);

-- Other names of a region unit (a township's old name after a merger, a common short name).
CREATE TABLE unit_aliases (
    alias   TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (alias, unit_id)
);

-- Which industry committee is responsible for a trade (行业门类) or a supervising department.
CREATE TABLE industry_mappings (
    text       TEXT PRIMARY KEY,
    unit_id    TEXT NOT NULL REFERENCES units (id),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The names a township text may resolve to: a region unit's name or one of its aliases.
CREATE VIEW region_names AS
    SELECT name, id AS unit_id FROM units WHERE net = 'region' AND merged_into IS NULL
    UNION
    SELECT alias AS name, unit_id FROM unit_aliases;

-- +goose Down
DROP VIEW region_names;
DROP TABLE industry_mappings;
DROP TABLE unit_aliases;
ALTER TABLE units DROP COLUMN merged_into;
DROP TABLE organization_tags;
DROP TABLE tag_definitions;
DROP TABLE organization_resolutions;
ALTER TABLE organizations DROP COLUMN township, DROP COLUMN industry, DROP COLUMN supervisor, DROP COLUMN employees,
    DROP COLUMN reg_status, DROP COLUMN address, DROP COLUMN conflict_fields, DROP COLUMN region_unit_id,
    DROP COLUMN region_path, DROP COLUMN region_owners, DROP COLUMN industry_unit_id, DROP COLUMN industry_path,
    DROP COLUMN industry_owners, DROP COLUMN coverage, DROP COLUMN operating, DROP COLUMN missing;
DROP TABLE organization_sources;
DROP TABLE roster_staging;
DROP TABLE roster_issues;
DROP TABLE roster_imports;
DROP TABLE blob_chunks;
