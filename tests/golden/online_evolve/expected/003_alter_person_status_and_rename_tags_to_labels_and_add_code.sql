-- migrations/003_alter_person_status_and_rename_tags_to_labels_and_add_code.sql
-- Auto-generated from Label, Person type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: person_status - values changed (DESTRUCTIVE)
-- Table: labels - renamed from tags (Label)
-- Constraint: unique_labels_normalized_name - renamed from unique_tags_normalized_name on labels
-- Index: idx_people_city - dropped from people
-- Index: idx_people_email - dropped from people
-- Field: people.code - added (Person)
-- Field: people.city - default 'nowhere' (Person)
-- Field: people.nickname - now NOT NULL, default '' (Person)
-- Field: people.score - type INTEGER -> TEXT, default '0' (Person)
-- Field: people.legacy - removed (DESTRUCTIVE) (Person)
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
DO $buildamp$
DECLARE
    owned record;
BEGIN
    FOR owned IN
        SELECT 'INDEX' AS kind, c.relname::text AS name FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'labels'::regclass AND i.indisprimary
        UNION ALL
        SELECT 'SEQUENCE', s.relname::text FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        WHERE d.refobjid = 'labels'::regclass AND d.classid = 'pg_class'::regclass
    LOOP
        IF left(owned.name, length('tags_')) = 'tags_' THEN
            EXECUTE format('ALTER %s %I RENAME TO %I', owned.kind, owned.name,
                'labels_' || substr(owned.name, length('tags_') + 1));
        END IF;
    END LOOP;
END
$buildamp$;
ALTER TRIGGER trg_tags_updated_at ON labels RENAME TO trg_labels_updated_at;
ALTER TABLE labels RENAME CONSTRAINT unique_tags_normalized_name TO unique_labels_normalized_name;
ALTER TABLE people ADD COLUMN code VARCHAR(50) NOT NULL DEFAULT '';
ALTER TABLE people ALTER COLUMN city SET DEFAULT 'nowhere';
ALTER TABLE people ALTER COLUMN nickname SET DEFAULT '';
-- LOSSY: people.score has convert_sql but no convert_back_sql: the rollback is a plain cast (nothing for a same-type conversion) and does not restore the old values
-- people.score: INTEGER -> TEXT online (expand, copy, swap)
DO $buildamp$
BEGIN
    DROP TRIGGER IF EXISTS buildamp_sync_people_score ON people;
    DROP FUNCTION IF EXISTS buildamp_sync_people_score();
    ALTER TABLE people DROP COLUMN IF EXISTS score__buildamp_new;
END
$buildamp$;
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
ALTER TABLE people ADD COLUMN score__buildamp_new TEXT;
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
CREATE FUNCTION buildamp_sync_people_score() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.score__buildamp_new := CAST(NEW.score AS text);
    RETURN NEW;
END;
$buildamp$;
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
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
SET buildamp.migrating = 'on';
-- buildamp:batch table=people size=1000
UPDATE people SET nickname = ('') WHERE nickname IS NULL;
ALTER TABLE people ADD CONSTRAINT chk_people_nickname_not_null CHECK (nickname IS NOT NULL) NOT VALID;
-- buildamp:batch table=people size=1000
UPDATE people SET nickname = ('') WHERE nickname IS NULL;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_nickname_not_null;
ALTER TABLE people ALTER COLUMN nickname SET NOT NULL;
ALTER TABLE people DROP CONSTRAINT chk_people_nickname_not_null;
-- buildamp:batch table=people size=1000
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
UPDATE people SET score__buildamp_new = CAST(score AS text);
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
ALTER TABLE people ADD CONSTRAINT chk_people_score_buildamp_new_not_null CHECK (score__buildamp_new IS NOT NULL) NOT VALID;
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
ALTER TABLE people VALIDATE CONSTRAINT chk_people_score_buildamp_new_not_null;
-- buildamp:when-type {"table":"people","column":"score","type":"INTEGER"}
DO $buildamp$
BEGIN
    DROP TRIGGER buildamp_sync_people_score ON people;
    DROP FUNCTION buildamp_sync_people_score();
    EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'score__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'score')));
    ALTER TABLE people DROP COLUMN score;
    ALTER TABLE people RENAME COLUMN score__buildamp_new TO score;
    ALTER TABLE people ALTER COLUMN score SET NOT NULL;
    ALTER TABLE people DROP CONSTRAINT chk_people_score_buildamp_new_not_null;
    ALTER TABLE people ALTER COLUMN score SET DEFAULT '0';
END
$buildamp$;

-- Rollback instructions (commented)
-- ALTER TABLE people ADD COLUMN legacy TEXT;
-- -- LOSSY: people.score has convert_sql but no convert_back_sql: the rollback is a plain cast (nothing for a same-type conversion) and does not restore the old values
-- -- people.score: TEXT -> INTEGER online (expand, copy, swap)
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER IF EXISTS buildamp_sync_people_score ON people;
--     DROP FUNCTION IF EXISTS buildamp_sync_people_score();
--     ALTER TABLE people DROP COLUMN IF EXISTS score__buildamp_new;
-- END
-- $buildamp$;
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- ALTER TABLE people ADD COLUMN score__buildamp_new INTEGER;
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- CREATE FUNCTION buildamp_sync_people_score() RETURNS trigger LANGUAGE plpgsql AS $buildamp$
-- BEGIN
--     NEW.score__buildamp_new := NEW.score::INTEGER;
--     RETURN NEW;
-- END;
-- $buildamp$;
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- CREATE TRIGGER buildamp_sync_people_score BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_sync_people_score();
-- -- buildamp:batch table=people size=1000
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- UPDATE people SET score__buildamp_new = score::INTEGER;
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- ALTER TABLE people ADD CONSTRAINT chk_people_score_buildamp_new_not_null CHECK (score__buildamp_new IS NOT NULL) NOT VALID;
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- ALTER TABLE people VALIDATE CONSTRAINT chk_people_score_buildamp_new_not_null;
-- -- buildamp:when-type {"table":"people","column":"score","type":"TEXT"}
-- DO $buildamp$
-- BEGIN
--     DROP TRIGGER buildamp_sync_people_score ON people;
--     DROP FUNCTION buildamp_sync_people_score();
--     EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', 'people', 'score__buildamp_new', col_description('people'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'score')));
--     ALTER TABLE people DROP COLUMN score;
--     ALTER TABLE people RENAME COLUMN score__buildamp_new TO score;
--     ALTER TABLE people ALTER COLUMN score SET NOT NULL;
--     ALTER TABLE people DROP CONSTRAINT chk_people_score_buildamp_new_not_null;
--     ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
-- END
-- $buildamp$;
-- ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
-- ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
-- ALTER TABLE people DROP CONSTRAINT IF EXISTS chk_people_nickname_not_null;
-- ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
-- -- DESTRUCTIVE: drops people.code and its data
-- ALTER TABLE people DROP COLUMN code;
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_city ON people (host, city);
-- ALTER TABLE labels RENAME CONSTRAINT unique_labels_normalized_name TO unique_tags_normalized_name;
-- ALTER TABLE labels RENAME TO tags;
-- DO $buildamp$
-- DECLARE
--     owned record;
-- BEGIN
--     FOR owned IN
--         SELECT 'INDEX' AS kind, c.relname::text AS name FROM pg_index i
--         JOIN pg_class c ON c.oid = i.indexrelid
--         WHERE i.indrelid = 'tags'::regclass AND i.indisprimary
--         UNION ALL
--         SELECT 'SEQUENCE', s.relname::text FROM pg_depend d
--         JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
--         WHERE d.refobjid = 'tags'::regclass AND d.classid = 'pg_class'::regclass
--     LOOP
--         IF left(owned.name, length('labels_')) = 'labels_' THEN
--             EXECUTE format('ALTER %s %I RENAME TO %I', owned.kind, owned.name,
--                 'tags_' || substr(owned.name, length('labels_') + 1));
--         END IF;
--     END LOOP;
-- END
-- $buildamp$;
-- ALTER TRIGGER trg_labels_updated_at ON tags RENAME TO trg_tags_updated_at;
-- ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';
