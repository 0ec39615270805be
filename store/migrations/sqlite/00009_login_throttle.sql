-- +goose Up
-- Failure counters of login and survey-token guessing, shared by every API process. One row
-- per subject ("login-user:alice", "login-addr:203.0.113.7", "survey-addr:…"); a row whose
-- expires_at has passed counts as absent (housekeeping deletes it).
CREATE TABLE throttle_counters (
    subject      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until DATETIME,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX throttle_counters_expires_at ON throttle_counters (expires_at);

-- +goose Down
DROP TABLE throttle_counters;
