-- migrations/rollback/002_rollback.sql
-- Rollback of 002_add_deleted_to_person_status_and_rename_name_to_display_name

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_people_email;

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE tags DROP CONSTRAINT IF EXISTS unique_tags_normalized_name;
-- DESTRUCTIVE: drops tags.normalized_name and its data
ALTER TABLE tags DROP COLUMN normalized_name;
-- DESTRUCTIVE: drops people.score and its data
ALTER TABLE people DROP COLUMN score;
-- DESTRUCTIVE: drops people.nickname and its data
ALTER TABLE people DROP COLUMN nickname;
-- people.legacy is no longer deprecated
-- people.age: BIGINT -> INTEGER online (expand, copy, swap)
DO $buildamp$
BEGIN
    DROP TRIGGER IF EXISTS buildamp_sync_people_age ON people;
    DROP FUNCTION IF EXISTS buildamp_sync_people_age();
    ALTER TABLE people DROP COLUMN IF EXISTS age__buildamp_new;
END
$buildamp$;
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
ALTER TABLE people ADD COLUMN age__buildamp_new INTEGER;
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
CREATE FUNCTION buildamp_sync_people_age() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.age__buildamp_new := CAST(NEW.age AS INTEGER);
    RETURN NEW;
END;
$buildamp$;
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
CREATE TRIGGER buildamp_sync_people_age BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_age();
ALTER TABLE people RENAME COLUMN display_name TO name;
-- DESTRUCTIVE: rows holding removed values of person_status fail
ALTER TYPE person_status RENAME TO person_status__buildamp_old;
CREATE TYPE person_status AS ENUM ('Active', 'Suspended');
-- buildamp:lint-ignore BA006
ALTER TABLE people ALTER COLUMN status TYPE person_status USING status::text::person_status;
DROP TYPE person_status__buildamp_old;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
DROP INDEX CONCURRENTLY IF EXISTS unique_tags_normalized_name;
ALTER TABLE people ADD CONSTRAINT chk_people_legacy_not_null CHECK (legacy IS NOT NULL) NOT VALID;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_legacy_not_null;
ALTER TABLE people ALTER COLUMN legacy SET NOT NULL;
ALTER TABLE people DROP CONSTRAINT chk_people_legacy_not_null;
-- buildamp:batch table=people size=1000
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
UPDATE people SET age__buildamp_new = CAST(age AS INTEGER);
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
ALTER TABLE people ADD CONSTRAINT chk_people_age_buildamp_new_not_null CHECK (age__buildamp_new IS NOT NULL) NOT VALID;
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
ALTER TABLE people VALIDATE CONSTRAINT chk_people_age_buildamp_new_not_null;
-- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
DO $buildamp$
BEGIN
    DROP TRIGGER buildamp_sync_people_age ON people;
    DROP FUNCTION buildamp_sync_people_age();
    EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'age__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'age')));
    ALTER TABLE people DROP COLUMN age;
    ALTER TABLE people RENAME COLUMN age__buildamp_new TO age;
    ALTER TABLE people ALTER COLUMN age SET NOT NULL;
    ALTER TABLE people DROP CONSTRAINT chk_people_age_buildamp_new_not_null;
END
$buildamp$;
