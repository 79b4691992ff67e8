-- migrations/rollback/003_rollback.sql
-- Rollback of 003_update_labels_people

-- buildamp:no-transaction
SET lock_timeout = '1s';
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE people ADD COLUMN legacy TEXT;
-- people.score: TEXT -> INTEGER online (expand, copy, swap)
ALTER TABLE people ADD COLUMN score__buildamp_new INTEGER;
CREATE FUNCTION buildamp_sync_people_score() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.score__buildamp_new := NEW.score::integer;
    RETURN NEW;
END;
$buildamp$;
CREATE TRIGGER buildamp_sync_people_score BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_score();
ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
-- DESTRUCTIVE: drops people.code and its data
ALTER TABLE people DROP COLUMN code;
ALTER TABLE labels RENAME CONSTRAINT unique_labels_normalized_name TO unique_tags_normalized_name;
ALTER TABLE labels RENAME TO tags;
ALTER TRIGGER trg_labels_updated_at ON tags RENAME TO trg_tags_updated_at;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
-- buildamp:batch table=people size=1000
UPDATE people SET score__buildamp_new = score::integer;
ALTER TABLE people ADD CONSTRAINT chk_people_score_buildamp_new_not_null CHECK (score__buildamp_new IS NOT NULL) NOT VALID;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_score_buildamp_new_not_null;
DO $buildamp$
BEGIN
    DROP TRIGGER buildamp_sync_people_score ON people;
    DROP FUNCTION buildamp_sync_people_score();
    ALTER TABLE people DROP COLUMN score;
    ALTER TABLE people RENAME COLUMN score__buildamp_new TO score;
    ALTER TABLE people ALTER COLUMN score SET NOT NULL;
    ALTER TABLE people DROP CONSTRAINT chk_people_score_buildamp_new_not_null;
    ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
END
$buildamp$;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_city ON people (host, city);
