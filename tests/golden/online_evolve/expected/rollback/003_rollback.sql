-- migrations/rollback/003_rollback.sql
-- Rollback of 003_alter_person_status_and_rename_tags_to_labels_and_add_code

-- buildamp:no-transaction
SET lock_timeout = '1s';
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE people ADD COLUMN legacy TEXT;
-- LOSSY: people.score has convert_sql but no convert_back_sql: the rollback is a plain cast (nothing for a same-type conversion) and does not restore the old values
-- people.score: TEXT -> INTEGER online (expand, copy, swap)
DO $buildamp$
BEGIN
    DROP TRIGGER IF EXISTS buildamp_sync_people_score ON people;
    DROP FUNCTION IF EXISTS buildamp_sync_people_score();
    ALTER TABLE people DROP COLUMN IF EXISTS score__buildamp_new;
END
$buildamp$;
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
ALTER TABLE people ADD COLUMN score__buildamp_new INTEGER;
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
CREATE FUNCTION buildamp_sync_people_score() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.score__buildamp_new := NEW.score::INTEGER;
    RETURN NEW;
END;
$buildamp$;
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
CREATE TRIGGER buildamp_sync_people_score BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_score();
ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
ALTER TABLE people DROP CONSTRAINT IF EXISTS chk_people_nickname_not_null;
ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
-- DESTRUCTIVE: drops people.code and its data
ALTER TABLE people DROP COLUMN code;
ALTER TABLE labels RENAME CONSTRAINT unique_labels_normalized_name TO unique_tags_normalized_name;
ALTER TABLE labels RENAME TO tags;
DO $buildamp$
DECLARE
    owned record;
BEGIN
    FOR owned IN
        SELECT 'INDEX' AS kind, c.relname::text AS name FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'tags'::regclass AND i.indisprimary
        UNION ALL
        SELECT 'SEQUENCE', s.relname::text FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        WHERE d.refobjid = 'tags'::regclass AND d.classid = 'pg_class'::regclass
    LOOP
        IF left(owned.name, length('labels_')) = 'labels_' THEN
            EXECUTE format('ALTER %s %I RENAME TO %I', owned.kind, owned.name,
                'tags_' || substr(owned.name, length('labels_') + 1));
        END IF;
    END LOOP;
END
$buildamp$;
ALTER TRIGGER trg_labels_updated_at ON tags RENAME TO trg_tags_updated_at;

COMMIT;

-- buildamp:no-transaction
SET lock_timeout = '1s';
SET buildamp.migrating = 'on';
-- buildamp:batch table=people size=1000
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
UPDATE people SET score__buildamp_new = score::INTEGER;
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
ALTER TABLE people ADD CONSTRAINT chk_people_score_buildamp_new_not_null CHECK (score__buildamp_new IS NOT NULL) NOT VALID;
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
ALTER TABLE people VALIDATE CONSTRAINT chk_people_score_buildamp_new_not_null;
-- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
DO $buildamp$
BEGIN
    DROP TRIGGER buildamp_sync_people_score ON people;
    DROP FUNCTION buildamp_sync_people_score();
    EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'score__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'score')));
    ALTER TABLE people DROP COLUMN score;
    ALTER TABLE people RENAME COLUMN score__buildamp_new TO score;
    ALTER TABLE people ALTER COLUMN score SET NOT NULL;
    ALTER TABLE people DROP CONSTRAINT chk_people_score_buildamp_new_not_null;
    ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
END
$buildamp$;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_city ON people (host, city);
