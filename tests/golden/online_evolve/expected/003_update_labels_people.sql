-- migrations/003_update_labels_people.sql
-- Auto-generated from Label, Person type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: person_status - values changed (DESTRUCTIVE)
-- Table: labels - renamed from tags
-- Constraint: unique_labels_normalized_name - renamed from unique_tags_normalized_name on labels
-- Index: idx_people_city - dropped from people
-- Index: idx_people_email - dropped from people
-- Field: people.code - added
-- Field: people.city - default 'nowhere'
-- Field: people.nickname - now NOT NULL, default ''
-- Field: people.score - type INTEGER -> TEXT, default '0'
-- Field: people.legacy - removed (DESTRUCTIVE)
-- buildamp:changes {"tables":["labels","people"],"fields":["people.city","people.code","people.legacy","people.nickname","people.score"]}

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_people_city;
DROP INDEX CONCURRENTLY IF EXISTS idx_people_email;

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: rows holding removed values of person_status fail
ALTER TYPE person_status RENAME TO person_status__buildamp_old;
CREATE TYPE person_status AS ENUM ('Active', 'Suspended');
-- buildamp:lint-ignore BA006
ALTER TABLE people ALTER COLUMN status TYPE person_status USING status::text::person_status;
DROP TYPE person_status__buildamp_old;
ALTER TABLE tags RENAME TO labels;
ALTER TRIGGER trg_tags_updated_at ON labels RENAME TO trg_labels_updated_at;
ALTER TABLE labels RENAME CONSTRAINT unique_tags_normalized_name TO unique_labels_normalized_name;
ALTER TABLE people ADD COLUMN code VARCHAR(50) NOT NULL DEFAULT '';
ALTER TABLE people ALTER COLUMN city SET DEFAULT 'nowhere';
ALTER TABLE people ALTER COLUMN nickname SET DEFAULT '';
-- people.score: INTEGER -> TEXT online (expand, copy, swap)
ALTER TABLE people ADD COLUMN score__buildamp_new TEXT;
CREATE FUNCTION buildamp_sync_people_score() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.score__buildamp_new := CAST(NEW.score AS TEXT);
    RETURN NEW;
END;
$buildamp$;
CREATE TRIGGER buildamp_sync_people_score BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_score();
-- DESTRUCTIVE: drops people.legacy and its data
ALTER TABLE people DROP COLUMN legacy;

-- Validation
DO $buildamp$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'code' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column people.code not created';
    END IF;
END
$buildamp$;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
-- buildamp:batch table=people size=1000
UPDATE people SET nickname = ('') WHERE nickname IS NULL;
ALTER TABLE people ADD CONSTRAINT chk_people_nickname_not_null CHECK (nickname IS NOT NULL) NOT VALID;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_nickname_not_null;
ALTER TABLE people ALTER COLUMN nickname SET NOT NULL;
ALTER TABLE people DROP CONSTRAINT chk_people_nickname_not_null;
-- buildamp:batch table=people size=1000
UPDATE people SET score__buildamp_new = CAST(score AS TEXT);
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
    ALTER TABLE people ALTER COLUMN score SET DEFAULT '0';
END
$buildamp$;

-- Rollback instructions (commented)
-- ALTER TABLE people ADD COLUMN legacy TEXT;
-- -- people.score: TEXT -> INTEGER online (expand, copy, swap)
-- ALTER TABLE people ADD COLUMN score__buildamp_new INTEGER;
-- CREATE FUNCTION buildamp_sync_people_score() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
-- BEGIN
--     NEW.score__buildamp_new := NEW.score::integer;
--     RETURN NEW;
-- END;
-- $buildamp$;
-- CREATE TRIGGER buildamp_sync_people_score BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_score();
-- -- buildamp:batch table=people size=1000
-- UPDATE people SET score__buildamp_new = score::integer;
-- ALTER TABLE people ADD CONSTRAINT chk_people_score_buildamp_new_not_null CHECK (score__buildamp_new IS NOT NULL) NOT VALID;
-- ALTER TABLE people VALIDATE CONSTRAINT chk_people_score_buildamp_new_not_null;
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER buildamp_sync_people_score ON people;
--     DROP FUNCTION buildamp_sync_people_score();
--     ALTER TABLE people DROP COLUMN score;
--     ALTER TABLE people RENAME COLUMN score__buildamp_new TO score;
--     ALTER TABLE people ALTER COLUMN score SET NOT NULL;
--     ALTER TABLE people DROP CONSTRAINT chk_people_score_buildamp_new_not_null;
--     ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
-- END
-- $buildamp$;
-- ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
-- ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
-- ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
-- -- DESTRUCTIVE: drops people.code and its data
-- ALTER TABLE people DROP COLUMN code;
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_city ON people (host, city);
-- ALTER TABLE labels RENAME CONSTRAINT unique_labels_normalized_name TO unique_tags_normalized_name;
-- ALTER TABLE labels RENAME TO tags;
-- ALTER TRIGGER trg_labels_updated_at ON tags RENAME TO trg_tags_updated_at;
-- ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';
