-- +goose Up
-- A user's saved inbox views (我的视图, #18): a name and the inbox's filter and sort as JSON
-- (domain.TaskQuery, checked by the API). Only the owner reads them; at most
-- domain.MaxViewsPerUser each.
CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    query      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX saved_views_user_name ON saved_views (user_id, name);

-- +goose Down
DROP TABLE saved_views;
