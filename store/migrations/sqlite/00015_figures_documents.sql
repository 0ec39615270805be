-- +goose Up
-- The half-year assessment records which instant its data metrics describe (docs/figures.md):
-- a JSON domain.AsOf, '' for assessments locked before it was recorded.
ALTER TABLE assessments ADD COLUMN metrics_as_of TEXT NOT NULL DEFAULT '';
-- A rejected or warned row keeps the organization's name beside its code, so that the rejects
-- file says which organization a bad credit code belongs to.
ALTER TABLE roster_issues ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE roster_issues DROP COLUMN name;
ALTER TABLE assessments DROP COLUMN metrics_as_of;
