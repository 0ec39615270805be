-- +goose Up
-- PostgreSQL's 00008 drops the foreign keys from an organization's responsible units to units,
-- because the checks cost more than the rest of a bulk load (a million new organizations: 6.9 s
-- with them, 2.9 s without). SQLite keeps them: the embedded default loads rosters a fraction
-- that size, and SQLite cannot drop a column's REFERENCES clause without rebuilding the
-- organizations table. Units are never deleted and every statement that sets these columns
-- takes the id from a join with units, so the references hold on both databases either way.
-- This version exists so that both databases list the same versions and report the same one;
-- a SQLite database migrated before it existed applies it out of order (Store.Migrate).
SELECT 1;

-- +goose Down
SELECT 1;
