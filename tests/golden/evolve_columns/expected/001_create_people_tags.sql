-- migrations/001_create_people_tags.sql
-- Auto-generated from Person, Tag type changes
-- Generated: 2024-12-04 10:30:15
-- Enum: person_status - created
-- Function: buildamp_touch_updated_at() - created
-- Table: people - created
-- Table: tags - created
-- buildamp:changes {"tables":["people","tags"],"fields":[]}

BEGIN;

-- Forward migration
CREATE TYPE person_status AS ENUM ('Active', 'Suspended');
CREATE OR REPLACE FUNCTION buildamp_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $buildamp$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$buildamp$;
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    age INTEGER NOT NULL,
    legacy TEXT NOT NULL,
    status person_status NOT NULL,
    city TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_people_city ON people (host, city);
CREATE TRIGGER trg_people_updated_at BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_tags_updated_at BEFORE UPDATE ON tags FOR EACH ROW EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('people') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table people not created';
    END IF;
    IF NOT (to_regclass('tags') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table tags not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table tags and all its rows
-- DROP TABLE tags;
-- -- DESTRUCTIVE: drops table people and all its rows
-- DROP TABLE people;
-- DROP FUNCTION buildamp_touch_updated_at();
-- DROP TYPE person_status;
