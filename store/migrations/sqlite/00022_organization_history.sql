-- +goose Up
-- The state of each organization over time, as far as the figures read it (issue #17 §4; see the
-- PostgreSQL migration of the same number). Triggers stamp a change with the row's updated_at
-- (Tandem's clock, Store.Now). Backfill: one row per organization from its created_at with its
-- state now; known_from (its updated_at) says from when that state is known.
CREATE TABLE organization_history (
    uscc             TEXT NOT NULL,
    valid_from       DATETIME NOT NULL,
    valid_to         DATETIME,
    known_from       DATETIME NOT NULL,
    region_unit_id   TEXT,
    industry_unit_id TEXT,
    coverage         TEXT NOT NULL,
    temporary_branch BOOLEAN NOT NULL DEFAULT FALSE,
    missing          BOOLEAN NOT NULL DEFAULT FALSE,
    operating        BOOLEAN,
    fixed_premises   BOOLEAN,
    employees        INTEGER
);
CREATE INDEX organization_history_open ON organization_history (uscc) WHERE valid_to IS NULL;
CREATE INDEX organization_history_at ON organization_history (valid_from, valid_to);

INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
    temporary_branch, missing, operating, fixed_premises, employees)
SELECT uscc, created_at, updated_at, region_unit_id, industry_unit_id, coverage, temporary_branch, missing,
    operating, fixed_premises, employees FROM organizations;

-- +goose StatementBegin
CREATE TRIGGER organization_history_insert AFTER INSERT ON organizations
BEGIN
    INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
        temporary_branch, missing, operating, fixed_premises, employees)
    VALUES (NEW.uscc, NEW.updated_at, NEW.updated_at, NEW.region_unit_id, NEW.industry_unit_id, NEW.coverage,
        NEW.temporary_branch, NEW.missing, NEW.operating, NEW.fixed_premises, NEW.employees);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organization_history_update AFTER UPDATE ON organizations
WHEN OLD.region_unit_id IS NOT NEW.region_unit_id OR OLD.industry_unit_id IS NOT NEW.industry_unit_id
    OR OLD.coverage IS NOT NEW.coverage OR OLD.temporary_branch IS NOT NEW.temporary_branch
    OR OLD.missing IS NOT NEW.missing OR OLD.operating IS NOT NEW.operating
    OR OLD.fixed_premises IS NOT NEW.fixed_premises OR OLD.employees IS NOT NEW.employees
BEGIN
    UPDATE organization_history SET valid_to = NEW.updated_at WHERE uscc = NEW.uscc AND valid_to IS NULL;
    INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
        temporary_branch, missing, operating, fixed_premises, employees)
    VALUES (NEW.uscc, NEW.updated_at, NEW.updated_at, NEW.region_unit_id, NEW.industry_unit_id, NEW.coverage,
        NEW.temporary_branch, NEW.missing, NEW.operating, NEW.fixed_premises, NEW.employees);
END;
-- +goose StatementEnd

-- 文号 (issue #17 §6, docs/decisions.md): a unit's document-number prefix (发文字号, e.g. 西党建),
-- '' for the default (its name and the series word), and the prompt letter's number, issued by
-- the organization's responsible unit in a yearly sequence when the letter is first printed.
ALTER TABLE units ADD COLUMN doc_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN letter_unit_id TEXT;
ALTER TABLE registrations ADD COLUMN letter_year INTEGER;
ALTER TABLE registrations ADD COLUMN letter_seq INTEGER;
CREATE UNIQUE INDEX registrations_letter_number ON registrations (letter_unit_id, letter_year, letter_seq);

-- +goose Down
DROP INDEX registrations_letter_number;
ALTER TABLE registrations DROP COLUMN letter_seq;
ALTER TABLE registrations DROP COLUMN letter_year;
ALTER TABLE registrations DROP COLUMN letter_unit_id;
ALTER TABLE units DROP COLUMN doc_prefix;
DROP TRIGGER organization_history_update;
DROP TRIGGER organization_history_insert;
DROP TABLE organization_history;
