-- migrations/rollback/002_rollback.sql
-- Rollback of 002_update_people_tags

BEGIN;

ALTER TABLE tags DROP CONSTRAINT unique_tags_normalized_name;
-- DESTRUCTIVE: drops tags.normalized_name and its data
ALTER TABLE tags DROP COLUMN normalized_name;
DROP INDEX idx_people_email;
-- DESTRUCTIVE: drops people.score and its data
ALTER TABLE people DROP COLUMN score;
-- DESTRUCTIVE: drops people.nickname and its data
ALTER TABLE people DROP COLUMN nickname;
ALTER TABLE people ALTER COLUMN legacy SET NOT NULL;
-- people.legacy is no longer deprecated
-- buildamp:old-type BIGINT
ALTER TABLE people ALTER COLUMN age TYPE INTEGER;
ALTER TABLE people RENAME COLUMN display_name TO name;
-- DESTRUCTIVE: rows holding removed values of person_status fail
ALTER TYPE person_status RENAME TO person_status__buildamp_old;
CREATE TYPE person_status AS ENUM ('Active', 'Suspended');
-- buildamp:lint-ignore BA006
ALTER TABLE people ALTER COLUMN status TYPE person_status USING status::text::person_status;
DROP TYPE person_status__buildamp_old;

COMMIT;
