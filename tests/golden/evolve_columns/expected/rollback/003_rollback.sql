-- migrations/rollback/003_rollback.sql
-- Rollback of 003_update_labels_people

-- buildamp:no-transaction
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';

BEGIN;

ALTER TABLE people ADD COLUMN legacy TEXT;
ALTER TABLE people ALTER COLUMN score DROP DEFAULT;
-- buildamp:old-type TEXT
ALTER TABLE people ALTER COLUMN score TYPE INTEGER USING score::integer;
ALTER TABLE people ALTER COLUMN score SET DEFAULT 0;
ALTER TABLE people ALTER COLUMN nickname DROP DEFAULT;
ALTER TABLE people ALTER COLUMN nickname DROP NOT NULL;
ALTER TABLE people ALTER COLUMN city DROP DEFAULT;
CREATE INDEX idx_people_email ON people (host, email);
CREATE INDEX idx_people_city ON people (host, city);
ALTER TABLE labels RENAME CONSTRAINT unique_labels_normalized_name TO unique_tags_normalized_name;
ALTER TABLE labels RENAME TO tags;
ALTER TRIGGER trg_labels_updated_at ON tags RENAME TO trg_tags_updated_at;

COMMIT;
