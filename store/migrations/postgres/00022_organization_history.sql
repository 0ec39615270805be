-- +goose Up
-- The state of each organization over time, as far as the figures read it (issue #17 §4: "as of
-- a date" is the state at that instant, from the history). A row holds the figure columns of
-- organizations from valid_from until valid_to (NULL: still current). Triggers on organizations
-- write it, so no writer can forget; they stamp a change with the row's updated_at, which every
-- writer sets from Tandem's one clock (Store.Now), not with the database's clock.
-- Backfill: one row per organization from its created_at with its state now. Changes made before
-- this migration were not recorded: known_from says from when a row's state is known (its
-- updated_at); before that instant the figures take the state at the migration, and the coverage
-- report counts such organizations (as_of.approximate).
CREATE TABLE organization_history (
    uscc             TEXT NOT NULL,
    valid_from       TIMESTAMPTZ NOT NULL,
    valid_to         TIMESTAMPTZ,
    known_from       TIMESTAMPTZ NOT NULL,
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
CREATE FUNCTION organization_history_record() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE organization_history SET valid_to = NEW.updated_at WHERE uscc = NEW.uscc AND valid_to IS NULL;
    END IF;
    INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
        temporary_branch, missing, operating, fixed_premises, employees)
    VALUES (NEW.uscc, NEW.updated_at, NEW.updated_at, NEW.region_unit_id, NEW.industry_unit_id, NEW.coverage,
        NEW.temporary_branch, NEW.missing, NEW.operating, NEW.fixed_premises, NEW.employees);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER organization_history_insert AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION organization_history_record();
CREATE TRIGGER organization_history_update AFTER UPDATE ON organizations
    FOR EACH ROW WHEN (OLD.region_unit_id IS DISTINCT FROM NEW.region_unit_id
        OR OLD.industry_unit_id IS DISTINCT FROM NEW.industry_unit_id OR OLD.coverage IS DISTINCT FROM NEW.coverage
        OR OLD.temporary_branch IS DISTINCT FROM NEW.temporary_branch OR OLD.missing IS DISTINCT FROM NEW.missing
        OR OLD.operating IS DISTINCT FROM NEW.operating OR OLD.fixed_premises IS DISTINCT FROM NEW.fixed_premises
        OR OLD.employees IS DISTINCT FROM NEW.employees)
    EXECUTE FUNCTION organization_history_record();

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
DROP TRIGGER organization_history_update ON organizations;
DROP TRIGGER organization_history_insert ON organizations;
DROP FUNCTION organization_history_record();
DROP TABLE organization_history;
