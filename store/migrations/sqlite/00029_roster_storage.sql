-- +goose Up
-- PostgreSQL's 00029 leaves room on the roster's pages for a month's updates (fillfactor) and
-- stores fingerprints uncompressed; SQLite has neither setting. This version exists so that both
-- databases list the same versions and report the same one.
SELECT 1;

-- +goose Down
SELECT 1;
