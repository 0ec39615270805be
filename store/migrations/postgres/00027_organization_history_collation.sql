-- +goose Up
-- organization_history.uscc takes the byte-wise collation of organizations.uscc (00003). With
-- the database's default collation, the history trigger's `WHERE uscc = NEW.uscc` compared in
-- "C" (NEW.uscc's) and could not use organization_history_open: every update of an organization
-- scanned the whole history (16 ms a row at 200,000 organizations; a second month re-deriving
-- 28,000 of them took 2 min 47 s in the merge, issue #21). Credit codes are ASCII digits and
-- capitals, which sort alike in both collations.
ALTER TABLE organization_history ALTER COLUMN uscc TYPE TEXT COLLATE "C";

-- +goose Down
ALTER TABLE organization_history ALTER COLUMN uscc TYPE TEXT COLLATE "default";
