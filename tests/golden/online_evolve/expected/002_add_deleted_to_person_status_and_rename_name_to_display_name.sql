-- migrations/002_add_deleted_to_person_status_and_rename_name_to_display_name.sql
-- Auto-generated from Person, Tag type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: person_status - values changed
-- Field: people.display_name - renamed from name (Person)
-- Field: people.age - type INTEGER -> BIGINT (Person)
-- Field: people.legacy - now nullable, deprecated (Person)
-- Field: people.nickname - added (Person)
-- Field: people.score - added (Person)
-- Index: idx_people_email - added index on people
-- Field: tags.normalized_name - added (Tag)
-- Constraint: unique_tags_normalized_name - added unique on tags
-- buildamp:changes {"tables":["people","tags"],"fields":["people.age","people.display_name","people.legacy","people.nickname","people.score","tags.normalized_name"]}

-- buildamp:no-transaction
SET lock_timeout = '1s';
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
ALTER TABLE people RENAME COLUMN name TO display_name;
-- people.age: INTEGER -> BIGINT online (expand, copy, swap)
DO $buildamp$
BEGIN
    DROP TRIGGER IF EXISTS buildamp_sync_people_age ON people;
    DROP FUNCTION IF EXISTS buildamp_sync_people_age();
    ALTER TABLE people DROP COLUMN IF EXISTS age__buildamp_new;
END
$buildamp$;
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
ALTER TABLE people ADD COLUMN age__buildamp_new BIGINT;
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
CREATE FUNCTION buildamp_sync_people_age() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.age__buildamp_new := CAST(NEW.age AS BIGINT);
    RETURN NEW;
END;
$buildamp$;
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
CREATE TRIGGER buildamp_sync_people_age BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_age();
ALTER TABLE people ALTER COLUMN legacy DROP NOT NULL;
-- people.legacy is deprecated (kept, now nullable)
ALTER TABLE people DROP CONSTRAINT IF EXISTS chk_people_legacy_not_null;
ALTER TABLE people ADD COLUMN nickname TEXT;
ALTER TABLE people ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN normalized_name TEXT;

-- Validation
DO $buildamp$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'nickname' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column people.nickname not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'score' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column people.score not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'tags'::regclass AND attname = 'normalized_name' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column tags.normalized_name not created';
    END IF;
END
$buildamp$;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=people size=1000
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
UPDATE people SET age__buildamp_new = CAST(age AS BIGINT);
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
ALTER TABLE people ADD CONSTRAINT chk_people_age_buildamp_new_not_null CHECK (age__buildamp_new IS NOT NULL) NOT VALID;
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
ALTER TABLE people VALIDATE CONSTRAINT chk_people_age_buildamp_new_not_null;
-- buildamp:when-type {"table":"people","column":"age","type":"INTEGER"}
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
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
-- buildamp:batch table=tags size=1000
UPDATE tags SET normalized_name = (lower(pg_catalog.btrim(name))) WHERE normalized_name IS NULL;
ALTER TABLE tags ADD CONSTRAINT chk_tags_normalized_name_not_null CHECK (normalized_name IS NOT NULL) NOT VALID;
-- buildamp:batch table=tags size=1000
UPDATE tags SET normalized_name = (lower(pg_catalog.btrim(name))) WHERE normalized_name IS NULL;
ALTER TABLE tags VALIDATE CONSTRAINT chk_tags_normalized_name_not_null;
ALTER TABLE tags ALTER COLUMN normalized_name SET NOT NULL;
ALTER TABLE tags DROP CONSTRAINT chk_tags_normalized_name_not_null;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS unique_tags_normalized_name ON tags (host, normalized_name);
ALTER TABLE tags ADD CONSTRAINT unique_tags_normalized_name UNIQUE USING INDEX unique_tags_normalized_name;

-- Rollback instructions (commented)
-- ALTER TABLE tags DROP CONSTRAINT IF EXISTS unique_tags_normalized_name;
-- DROP INDEX CONCURRENTLY IF EXISTS unique_tags_normalized_name;
-- -- DESTRUCTIVE: drops tags.normalized_name and its data
-- ALTER TABLE tags DROP COLUMN normalized_name;
-- DROP INDEX CONCURRENTLY IF EXISTS idx_people_email;
-- -- DESTRUCTIVE: drops people.score and its data
-- ALTER TABLE people DROP COLUMN score;
-- -- DESTRUCTIVE: drops people.nickname and its data
-- ALTER TABLE people DROP COLUMN nickname;
-- -- people.legacy is no longer deprecated
-- ALTER TABLE people ADD CONSTRAINT chk_people_legacy_not_null CHECK (legacy IS NOT NULL) NOT VALID;
-- ALTER TABLE people VALIDATE CONSTRAINT chk_people_legacy_not_null;
-- ALTER TABLE people ALTER COLUMN legacy SET NOT NULL;
-- ALTER TABLE people DROP CONSTRAINT chk_people_legacy_not_null;
-- -- people.age: BIGINT -> INTEGER online (expand, copy, swap)
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER IF EXISTS buildamp_sync_people_age ON people;
--     DROP FUNCTION IF EXISTS buildamp_sync_people_age();
--     ALTER TABLE people DROP COLUMN IF EXISTS age__buildamp_new;
-- END
-- $buildamp$;
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- ALTER TABLE people ADD COLUMN age__buildamp_new INTEGER;
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- CREATE FUNCTION buildamp_sync_people_age() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
-- BEGIN
--     NEW.age__buildamp_new := CAST(NEW.age AS INTEGER);
--     RETURN NEW;
-- END;
-- $buildamp$;
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- CREATE TRIGGER buildamp_sync_people_age BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_age();
-- -- buildamp:batch table=people size=1000
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- UPDATE people SET age__buildamp_new = CAST(age AS INTEGER);
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- ALTER TABLE people ADD CONSTRAINT chk_people_age_buildamp_new_not_null CHECK (age__buildamp_new IS NOT NULL) NOT VALID;
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- ALTER TABLE people VALIDATE CONSTRAINT chk_people_age_buildamp_new_not_null;
-- -- buildamp:when-type {"table":"people","column":"age","type":"BIGINT"}
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER buildamp_sync_people_age ON people;
--     DROP FUNCTION buildamp_sync_people_age();
--     EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'age__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'age')));
--     ALTER TABLE people DROP COLUMN age;
--     ALTER TABLE people RENAME COLUMN age__buildamp_new TO age;
--     ALTER TABLE people ALTER COLUMN age SET NOT NULL;
--     ALTER TABLE people DROP CONSTRAINT chk_people_age_buildamp_new_not_null;
-- END
-- $buildamp$;
-- ALTER TABLE people RENAME COLUMN display_name TO name;
-- -- DESTRUCTIVE: rows holding removed values of person_status fail
-- ALTER TYPE person_status RENAME TO person_status__buildamp_old;
-- CREATE TYPE person_status AS ENUM ('Active', 'Suspended');
-- -- buildamp:lint-ignore BA006
-- ALTER TABLE people ALTER COLUMN status TYPE person_status USING status::text::person_status;
-- DROP TYPE person_status__buildamp_old;
