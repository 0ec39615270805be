-- +goose Up
-- PostgreSQL's 00027 gives organization_history.uscc the byte-wise collation of
-- organizations.uscc, so that the history trigger finds an organization's open row by its index,
-- and writes the history once a statement (transition tables). SQLite compares text byte-wise
-- already and has no statement triggers: its row triggers (00022) stay. This version exists so that both databases list the
-- same versions and report the same one.
SELECT 1;

-- +goose Down
SELECT 1;
