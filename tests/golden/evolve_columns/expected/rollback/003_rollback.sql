-- migrations/rollback/003_rollback.sql
-- Rollback of 003_alter_person_status_and_rename_tags_to_labels_and_alter_city

-- buildamp:no-transaction
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;

ALTER TABLE people ADD COLUMN legacy TEXT;
ALTER TABLE people ALTER COLUMN score DROP DEFAULT;
-- LOSSY: people.score has convert_sql but no convert_back_sql: the rollback is a plain cast (nothing for a same-type conversion) and does not restore the old values
-- buildamp:old-type TEXT
ALTER TABLE people ALTER COLUMN score TYPE INTEGER USING score::INTEGER;
ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
CREATE INDEX idx_people_email ON people (host, email);
CREATE INDEX idx_people_city ON people (host, city);
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
