-- +goose Up
-- The history of organizations (00022, 00027) keeps only the states that ended; the state an
-- organization is in now is its row of organizations, valid from figures_from (NULL: from its
-- created_at) and known from figures_known_from (NULL: from figures_from; a state backfilled by
-- 00022 is known only from the migration). The view organization_states is the whole history,
-- ended states and current ones, with 00022's columns. Before, inserting an organization also
-- wrote its open history row: a first load of 1,000,000 organizations spent 4.4 s of its 9.1 s
-- insert in the trigger (transition table and two indexes), issue #21. Now an insert writes no
-- history, and an update that changes a figure column writes one row: the state that ended.
ALTER TABLE organizations ADD COLUMN figures_from TIMESTAMPTZ;
ALTER TABLE organizations ADD COLUMN figures_known_from TIMESTAMPTZ;
DROP TRIGGER organization_history_insert ON organizations;
DROP TRIGGER organization_history_update ON organizations;
DROP FUNCTION organization_history_record_set();
UPDATE organizations o SET figures_from = h.valid_from,
    figures_known_from = CASE WHEN h.known_from <> h.valid_from THEN h.known_from END
FROM organization_history h
WHERE h.uscc = o.uscc AND h.valid_to IS NULL AND (h.valid_from <> o.created_at OR h.known_from <> h.valid_from);
DELETE FROM organization_history WHERE valid_to IS NULL;
DROP INDEX organization_history_open;

-- +goose StatementBegin
CREATE FUNCTION organization_history_close() RETURNS trigger AS $$
BEGIN
    INSERT INTO organization_history (uscc, valid_from, valid_to, known_from, region_unit_id, industry_unit_id, coverage,
        temporary_branch, missing, operating, fixed_premises, employees)
    VALUES (OLD.uscc, COALESCE(OLD.figures_from, OLD.created_at), NEW.updated_at,
        COALESCE(OLD.figures_known_from, OLD.figures_from, OLD.created_at), OLD.region_unit_id, OLD.industry_unit_id,
        OLD.coverage, OLD.temporary_branch, OLD.missing, OLD.operating, OLD.fixed_premises, OLD.employees);
    NEW.figures_from := NEW.updated_at;
    NEW.figures_known_from := NULL;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
-- A row trigger with a condition: it runs only for the rows whose figures change (a merge that
-- re-derives a million organizations changes the figures of few), without transition tables.
CREATE TRIGGER organization_history_update BEFORE UPDATE ON organizations
    FOR EACH ROW WHEN (OLD.region_unit_id IS DISTINCT FROM NEW.region_unit_id
        OR OLD.industry_unit_id IS DISTINCT FROM NEW.industry_unit_id OR OLD.coverage IS DISTINCT FROM NEW.coverage
        OR OLD.temporary_branch IS DISTINCT FROM NEW.temporary_branch OR OLD.missing IS DISTINCT FROM NEW.missing
        OR OLD.operating IS DISTINCT FROM NEW.operating OR OLD.fixed_premises IS DISTINCT FROM NEW.fixed_premises
        OR OLD.employees IS DISTINCT FROM NEW.employees)
    EXECUTE FUNCTION organization_history_close();

CREATE VIEW organization_states AS
SELECT uscc, valid_from, valid_to, known_from, region_unit_id, industry_unit_id, coverage, temporary_branch, missing,
    operating, fixed_premises, employees FROM organization_history
UNION ALL
SELECT uscc, COALESCE(figures_from, created_at), CAST(NULL AS TIMESTAMPTZ), COALESCE(figures_known_from, figures_from, created_at),
    region_unit_id, industry_unit_id, coverage, temporary_branch, missing, operating, fixed_premises, employees FROM organizations;

-- +goose Down
DROP VIEW organization_states;
DROP TRIGGER organization_history_update ON organizations;
DROP FUNCTION organization_history_close();
CREATE INDEX organization_history_open ON organization_history (uscc) WHERE valid_to IS NULL;
INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
    temporary_branch, missing, operating, fixed_premises, employees)
SELECT uscc, COALESCE(figures_from, created_at), COALESCE(figures_known_from, figures_from, created_at), region_unit_id,
    industry_unit_id, coverage, temporary_branch, missing, operating, fixed_premises, employees FROM organizations;
-- +goose StatementBegin
CREATE FUNCTION organization_history_record_set() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        WITH changed AS (
            SELECT n.* FROM history_new n JOIN history_old o ON o.uscc = n.uscc
            WHERE o.region_unit_id IS DISTINCT FROM n.region_unit_id OR o.industry_unit_id IS DISTINCT FROM n.industry_unit_id
                OR o.coverage IS DISTINCT FROM n.coverage OR o.temporary_branch IS DISTINCT FROM n.temporary_branch
                OR o.missing IS DISTINCT FROM n.missing OR o.operating IS DISTINCT FROM n.operating
                OR o.fixed_premises IS DISTINCT FROM n.fixed_premises OR o.employees IS DISTINCT FROM n.employees
        ), closed AS (
            UPDATE organization_history h SET valid_to = c.updated_at FROM changed c
            WHERE h.uscc = c.uscc AND h.valid_to IS NULL
        )
        INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
            temporary_branch, missing, operating, fixed_premises, employees)
        SELECT uscc, updated_at, updated_at, region_unit_id, industry_unit_id, coverage, temporary_branch, missing,
            operating, fixed_premises, employees FROM changed;
    ELSE
        INSERT INTO organization_history (uscc, valid_from, known_from, region_unit_id, industry_unit_id, coverage,
            temporary_branch, missing, operating, fixed_premises, employees)
        SELECT uscc, updated_at, updated_at, region_unit_id, industry_unit_id, coverage, temporary_branch, missing,
            operating, fixed_premises, employees FROM history_new;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER organization_history_insert AFTER INSERT ON organizations
    REFERENCING NEW TABLE AS history_new FOR EACH STATEMENT EXECUTE FUNCTION organization_history_record_set();
CREATE TRIGGER organization_history_update AFTER UPDATE ON organizations
    REFERENCING OLD TABLE AS history_old NEW TABLE AS history_new FOR EACH STATEMENT EXECUTE FUNCTION organization_history_record_set();
ALTER TABLE organizations DROP COLUMN figures_known_from;
ALTER TABLE organizations DROP COLUMN figures_from;
