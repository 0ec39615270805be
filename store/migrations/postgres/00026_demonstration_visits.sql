-- +goose Up
-- When a demonstration point was visited and scored (demonstration.visit): the points visited in
-- a year (Asia/Shanghai) are ranked by their score. Points scored before this column are dated
-- from their visit's audit record.
ALTER TABLE demonstration_points ADD COLUMN visited_at TIMESTAMPTZ;
UPDATE demonstration_points SET visited_at = (SELECT MIN(a.at) FROM audit_events a
    WHERE a.subject_type = 'demonstration_point' AND a.subject_id = demonstration_points.id AND a.action = 'demonstration.visit')
    WHERE score IS NOT NULL;
CREATE INDEX demonstration_points_visited ON demonstration_points (visited_at);

-- +goose Down
DROP INDEX demonstration_points_visited;
ALTER TABLE demonstration_points DROP COLUMN visited_at;
