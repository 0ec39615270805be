-- +goose Up
-- The history of organizations keeps only the states that ended; the current state is the
-- organization's row, valid from figures_from (NULL: created_at) and known from
-- figures_known_from (NULL: figures_from). See the PostgreSQL migration of the same number;
-- organization_states is the whole history on both databases.
ALTER TABLE organizations ADD COLUMN figures_from DATETIME;
ALTER TABLE organizations ADD COLUMN figures_known_from DATETIME;
DROP TRIGGER organization_history_insert;
DROP TRIGGER organization_history_update;
UPDATE organizations SET
    figures_from = (SELECT h.valid_from FROM organization_history h WHERE h.uscc = organizations.uscc AND h.valid_to IS NULL),
    figures_known_from = (SELECT CASE WHEN h.known_from <> h.valid_from THEN h.known_from END FROM organization_history h
        WHERE h.uscc = organizations.uscc AND h.valid_to IS NULL)
WHERE EXISTS (SELECT 1 FROM organization_history h WHERE h.uscc = organizations.uscc AND h.valid_to IS NULL
    AND (h.valid_from <> organizations.created_at OR h.known_from <> h.valid_from));
DELETE FROM organization_history WHERE valid_to IS NULL;
DROP INDEX organization_history_open;

-- The state that ends is written to the history, and the organization's row starts its next one.
-- (The inner UPDATE does not fire this trigger again: SQLite's recursive triggers are off, and
-- it changes no figure column.)
-- +goose StatementBegin
CREATE TRIGGER organization_history_update AFTER UPDATE ON organizations
WHEN OLD.region_unit_id IS NOT NEW.region_unit_id OR OLD.industry_unit_id IS NOT NEW.industry_unit_id
    OR OLD.coverage IS NOT NEW.coverage OR OLD.temporary_branch IS NOT NEW.temporary_branch
    OR OLD.missing IS NOT NEW.missing OR OLD.operating IS NOT NEW.operating
    OR OLD.fixed_premises IS NOT NEW.fixed_premises OR OLD.employees IS NOT NEW.employees
BEGIN
    INSERT INTO organization_history (uscc, valid_from, valid_to, known_from, region_unit_id, industry_unit_id, coverage,
        temporary_branch, missing, operating, fixed_premises, employees)
    VALUES (OLD.uscc, COALESCE(OLD.figures_from, OLD.created_at), NEW.updated_at,
        COALESCE(OLD.figures_known_from, OLD.figures_from, OLD.created_at), OLD.region_unit_id, OLD.industry_unit_id,
        OLD.coverage, OLD.temporary_branch, OLD.missing, OLD.operating, OLD.fixed_premises, OLD.employees);
    UPDATE organizations SET figures_from = NEW.updated_at, figures_known_from = NULL WHERE uscc = NEW.uscc;
END;
-- +goose StatementEnd

CREATE VIEW organization_states AS
SELECT uscc, valid_from, valid_to, known_from, region_unit_id, industry_unit_id, coverage, temporary_branch, missing,
    operating, fixed_premises, employees FROM organization_history
UNION ALL
SELECT uscc, COALESCE(figures_from, created_at), NULL, COALESCE(figures_known_from, figures_from, created_at),
    region_unit_id, industry_unit_id, coverage, temporary_branch, missing, operating, fixed_premises, employees FROM organizations;

-- +goose Down
DROP VIEW organization_states;
DROP TRIGGER organization_history_update;
CREATE INDEX organization_history_open ON organization_history (uscc) WHERE valid_to IS NULL;
INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
    temporary_branch, missing, operating, fixed_premises, employees)
SELECT uscc, COALESCE(figures_from, created_at), COALESCE(figures_known_from, figures_from, created_at), region_unit_id,
    industry_unit_id, coverage, temporary_branch, missing, operating, fixed_premises, employees FROM organizations;
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
ALTER TABLE organizations DROP COLUMN figures_known_from;
ALTER TABLE organizations DROP COLUMN figures_from;
