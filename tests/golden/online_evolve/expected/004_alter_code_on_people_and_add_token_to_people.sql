-- migrations/004_alter_code_on_people_and_add_token_to_people.sql
-- Auto-generated from Person type changes
-- Generated: 2024-12-04 10:30:15
-- Field: people.code - type VARCHAR(50) -> TEXT (Person)
-- Field: people.token - added (Person)
-- Index: idx_people_email - added index on people
-- buildamp:changes {"tables":["people"],"fields":["people.code","people.token"]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
ALTER TABLE people ALTER COLUMN code DROP DEFAULT;
-- buildamp:old-type VARCHAR(50)
ALTER TABLE people ALTER COLUMN code TYPE TEXT;
ALTER TABLE people ALTER COLUMN code SET DEFAULT '';
ALTER TABLE people ADD COLUMN token TEXT;
ALTER TABLE people ALTER COLUMN token SET DEFAULT CAST(gen_random_uuid() AS text);

-- Validation
DO $buildamp$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'token' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column people.token not created';
    END IF;
END
$buildamp$;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=people size=1000
UPDATE people SET token = (CAST(gen_random_uuid() AS text)) WHERE token IS NULL;
ALTER TABLE people ADD CONSTRAINT chk_people_token_not_null CHECK (token IS NOT NULL) NOT VALID;
-- buildamp:batch table=people size=1000
UPDATE people SET token = (CAST(gen_random_uuid() AS text)) WHERE token IS NULL;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_token_not_null;
ALTER TABLE people ALTER COLUMN token SET NOT NULL;
ALTER TABLE people DROP CONSTRAINT chk_people_token_not_null;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);

-- Rollback instructions (commented)
-- DROP INDEX CONCURRENTLY IF EXISTS idx_people_email;
-- -- DESTRUCTIVE: drops people.token and its data
-- ALTER TABLE people DROP COLUMN token;
-- -- people.code: TEXT -> VARCHAR(50) online (expand, copy, swap)
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER IF EXISTS buildamp_sync_people_code ON people;
--     DROP FUNCTION IF EXISTS buildamp_sync_people_code();
--     ALTER TABLE people DROP COLUMN IF EXISTS code__buildamp_new;
-- END
-- $buildamp$;
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- ALTER TABLE people ADD COLUMN code__buildamp_new VARCHAR(50);
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- CREATE FUNCTION buildamp_sync_people_code() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
-- BEGIN
--     NEW.code__buildamp_new := CAST(NEW.code AS VARCHAR(50));
--     RETURN NEW;
-- END;
-- $buildamp$;
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- CREATE TRIGGER buildamp_sync_people_code BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_code();
-- -- buildamp:batch table=people size=1000
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- UPDATE people SET code__buildamp_new = CAST(code AS VARCHAR(50));
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- ALTER TABLE people ADD CONSTRAINT chk_people_code_buildamp_new_not_null CHECK (code__buildamp_new IS NOT NULL) NOT VALID;
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- ALTER TABLE people VALIDATE CONSTRAINT chk_people_code_buildamp_new_not_null;
-- -- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER buildamp_sync_people_code ON people;
--     DROP FUNCTION buildamp_sync_people_code();
--     EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'code__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'code')));
--     ALTER TABLE people DROP COLUMN code;
--     ALTER TABLE people RENAME COLUMN code__buildamp_new TO code;
--     ALTER TABLE people ALTER COLUMN code SET NOT NULL;
--     ALTER TABLE people DROP CONSTRAINT chk_people_code_buildamp_new_not_null;
--     ALTER TABLE people ALTER COLUMN code SET DEFAULT '';
-- END
-- $buildamp$;
