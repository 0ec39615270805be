-- +goose Up
-- The history of organizations (00022), written set by set instead of row by row.
--
-- organization_history.uscc takes the byte-wise collation of organizations.uscc. With the
-- database's default collation, the row trigger's `WHERE uscc = NEW.uscc` compared in "C"
-- (NEW.uscc's) and could not use organization_history_open: every update of an organization
-- scanned the whole history (16 ms a row at 200,000 organizations; a second month re-deriving
-- 28,000 of them took 2 min 47 s in the merge, issue #21). Credit codes are ASCII digits and
-- capitals, which sort alike in both collations.
ALTER TABLE organization_history ALTER COLUMN uscc TYPE TEXT COLLATE "C";

-- And the triggers fire once a statement, with the statement's rows (transition tables): a
-- merge that inserts a million organizations or re-derives 120,000 writes their history in two
-- statements, not two a row. Same rows as before: an insert opens a row; an update that changes
-- a figure column closes the open row at the new updated_at and opens the next.
DROP TRIGGER organization_history_insert ON organizations;
DROP TRIGGER organization_history_update ON organizations;
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
            -- One snapshot: this closes the rows open before the statement, not those it opens.
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

-- +goose Down
DROP TRIGGER organization_history_update ON organizations;
DROP TRIGGER organization_history_insert ON organizations;
DROP FUNCTION organization_history_record_set();
CREATE TRIGGER organization_history_insert AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION organization_history_record();
CREATE TRIGGER organization_history_update AFTER UPDATE ON organizations
    FOR EACH ROW WHEN (OLD.region_unit_id IS DISTINCT FROM NEW.region_unit_id
        OR OLD.industry_unit_id IS DISTINCT FROM NEW.industry_unit_id OR OLD.coverage IS DISTINCT FROM NEW.coverage
        OR OLD.temporary_branch IS DISTINCT FROM NEW.temporary_branch OR OLD.missing IS DISTINCT FROM NEW.missing
        OR OLD.operating IS DISTINCT FROM NEW.operating OR OLD.fixed_premises IS DISTINCT FROM NEW.fixed_premises
        OR OLD.employees IS DISTINCT FROM NEW.employees)
    EXECUTE FUNCTION organization_history_record();
ALTER TABLE organization_history ALTER COLUMN uscc TYPE TEXT COLLATE "default";
