-- +goose Up
-- A task names what its subject is (organization, unit, period, import, party organization,
-- formation) and carries its context as JSON: why it was asked, the reason a previous round was
-- returned or refused, what is under review. One place (activities.CreateTask) turns subject and
-- context into the Chinese title; the task detail reads the subject's card at request time.
ALTER TABLE tasks ADD COLUMN subject_type TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN context TEXT NOT NULL DEFAULT '{}';
-- A notification names its subject and links to it (a UI/API path), never in the body.
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN subject_type TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN subject TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notifications DROP COLUMN subject;
ALTER TABLE notifications DROP COLUMN subject_type;
ALTER TABLE notifications DROP COLUMN link;
ALTER TABLE tasks DROP COLUMN context;
ALTER TABLE tasks DROP COLUMN subject_type;
