-- migrations/rollback/004_rollback.sql
-- Rollback of 004_alter_code_on_people_and_add_token_to_people

-- buildamp:no-transaction
SET lock_timeout = '1s';
DROP INDEX CONCURRENTLY IF EXISTS idx_people_email;

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops people.token and its data
ALTER TABLE people DROP COLUMN token;
-- people.code: TEXT -> VARCHAR(50) online (expand, copy, swap)
DO $buildamp$
BEGIN
    DROP TRIGGER IF EXISTS buildamp_sync_people_code ON people;
    DROP FUNCTION IF EXISTS buildamp_sync_people_code();
    ALTER TABLE people DROP COLUMN IF EXISTS code__buildamp_new;
END
$buildamp$;
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
ALTER TABLE people ADD COLUMN code__buildamp_new VARCHAR(50);
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
CREATE FUNCTION buildamp_sync_people_code() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.code__buildamp_new := CAST(NEW.code AS VARCHAR(50));
    RETURN NEW;
END;
$buildamp$;
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
CREATE TRIGGER buildamp_sync_people_code BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_code();

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=people size=1000
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
UPDATE people SET code__buildamp_new = CAST(code AS VARCHAR(50));
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
ALTER TABLE people ADD CONSTRAINT chk_people_code_buildamp_new_not_null CHECK (code__buildamp_new IS NOT NULL) NOT VALID;
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
ALTER TABLE people VALIDATE CONSTRAINT chk_people_code_buildamp_new_not_null;
-- buildamp:when-type {"table":"people","column":"code","type":"TEXT"}
DO $buildamp$
BEGIN
    DROP TRIGGER buildamp_sync_people_code ON people;
    DROP FUNCTION buildamp_sync_people_code();
    EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'code__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'code')));
    ALTER TABLE people DROP COLUMN code;
    ALTER TABLE people RENAME COLUMN code__buildamp_new TO code;
    ALTER TABLE people ALTER COLUMN code SET NOT NULL;
    ALTER TABLE people DROP CONSTRAINT chk_people_code_buildamp_new_not_null;
    ALTER TABLE people ALTER COLUMN code SET DEFAULT '';
END
$buildamp$;
