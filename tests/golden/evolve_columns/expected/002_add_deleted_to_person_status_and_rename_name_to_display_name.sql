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
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;

-- Forward migration
SET LOCAL buildamp.migrating = 'on';
ALTER TABLE people RENAME COLUMN name TO display_name;
-- buildamp:old-type INTEGER
ALTER TABLE people ALTER COLUMN age TYPE BIGINT;
ALTER TABLE people ALTER COLUMN legacy DROP NOT NULL;
-- people.legacy is deprecated (kept, now nullable)
ALTER TABLE people ADD COLUMN nickname TEXT;
ALTER TABLE people ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_people_email ON people (host, email);
ALTER TABLE tags ADD COLUMN normalized_name TEXT;
UPDATE tags SET normalized_name = (lower(pg_catalog.btrim(name))) WHERE normalized_name IS NULL;
ALTER TABLE tags ALTER COLUMN normalized_name SET NOT NULL;
ALTER TABLE tags ADD CONSTRAINT unique_tags_normalized_name UNIQUE (host, normalized_name);

-- Validation
DO $buildamp$
BEGIN
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'nickname' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column people.nickname not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'people'::regclass AND attname = 'score' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column people.score not created';
    END IF;
    IF NOT (to_regclass('idx_people_email') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: index idx_people_email not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'tags'::regclass AND attname = 'normalized_name' AND NOT attisdropped)) THEN
        RAISE EXCEPTION 'Migration failed: column tags.normalized_name not created';
    END IF;
    IF NOT (EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'tags'::regclass AND conname = 'unique_tags_normalized_name')) THEN
        RAISE EXCEPTION 'Migration failed: constraint unique_tags_normalized_name not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- ALTER TABLE tags DROP CONSTRAINT unique_tags_normalized_name;
-- -- DESTRUCTIVE: drops tags.normalized_name and its data
-- ALTER TABLE tags DROP COLUMN normalized_name;
-- DROP INDEX idx_people_email;
-- -- DESTRUCTIVE: drops people.score and its data
-- ALTER TABLE people DROP COLUMN score;
-- -- DESTRUCTIVE: drops people.nickname and its data
-- ALTER TABLE people DROP COLUMN nickname;
-- ALTER TABLE people ALTER COLUMN legacy SET NOT NULL;
-- -- people.legacy is no longer deprecated
-- -- buildamp:old-type BIGINT
-- ALTER TABLE people ALTER COLUMN age TYPE INTEGER;
-- ALTER TABLE people RENAME COLUMN display_name TO name;
-- -- DESTRUCTIVE: rows holding removed values of person_status fail
-- ALTER TYPE person_status RENAME TO person_status__buildamp_old;
-- CREATE TYPE person_status AS ENUM ('Active', 'Suspended');
-- -- buildamp:lint-ignore BA006
-- ALTER TABLE people ALTER COLUMN status TYPE person_status USING status::text::person_status;
-- DROP TYPE person_status__buildamp_old;
