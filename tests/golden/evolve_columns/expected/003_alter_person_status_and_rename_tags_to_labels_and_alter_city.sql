-- migrations/003_alter_person_status_and_rename_tags_to_labels_and_alter_city.sql
-- Auto-generated from Label, Person type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: person_status - values changed (DESTRUCTIVE)
-- Table: labels - renamed from tags (Label)
-- Constraint: unique_labels_normalized_name - renamed from unique_tags_normalized_name on labels
-- Index: idx_people_city - dropped from people
-- Index: idx_people_email - dropped from people
-- Field: people.city - default 'nowhere' (Person)
-- Field: people.nickname - now NOT NULL, default '' (Person)
-- Field: people.score - type INTEGER -> TEXT, default '0' (Person)
-- Field: people.legacy - removed (DESTRUCTIVE) (Person)
-- buildamp:changes {"tables":["labels","people"],"fields":["people.city","people.legacy","people.nickname","people.score"]}

BEGIN;

-- Forward migration
SET LOCAL buildamp.migrating = 'on';
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
DROP INDEX idx_people_city;
DROP INDEX idx_people_email;
ALTER TABLE people ALTER COLUMN city SET DEFAULT 'nowhere';
ALTER TABLE people ALTER COLUMN nickname SET DEFAULT '';
UPDATE people SET nickname = ('') WHERE nickname IS NULL;
ALTER TABLE people ALTER COLUMN nickname SET NOT NULL;
ALTER TABLE people ALTER COLUMN score DROP DEFAULT;
-- LOSSY: people.score has convert_sql but no convert_back_sql: the rollback is a plain cast (nothing for a same-type conversion) and does not restore the old values
-- buildamp:old-type INTEGER
ALTER TABLE people ALTER COLUMN score TYPE TEXT USING CAST(score AS text);
ALTER TABLE people ALTER COLUMN score SET DEFAULT '0';
-- DESTRUCTIVE: drops people.legacy and its data
ALTER TABLE people DROP COLUMN legacy;

COMMIT;

-- Rollback instructions (commented)
-- ALTER TABLE people ADD COLUMN legacy TEXT;
-- ALTER TABLE people ALTER COLUMN score DROP DEFAULT;
-- -- LOSSY: people.score has convert_sql but no convert_back_sql: the rollback is a plain cast (nothing for a same-type conversion) and does not restore the old values
-- -- buildamp:old-type TEXT
-- ALTER TABLE people ALTER COLUMN score TYPE INTEGER USING score::INTEGER;
-- ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
-- ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
-- ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
-- ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
-- CREATE INDEX idx_people_email ON people (host, email);
-- CREATE INDEX idx_people_city ON people (host, city);
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
