-- migrations/001_create_categories_group_memberships.sql
-- Auto-generated from Category, Membership type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: categories - created (Category)
-- Table: group_memberships - created (Membership)
-- buildamp:changes {"tables":["categories","group_memberships"],"fields":[]}

BEGIN;

-- Forward migration
SET LOCAL lock_timeout = '1s';
CREATE OR REPLACE FUNCTION buildamp_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $buildamp$
BEGIN
    IF current_setting('buildamp.migrating', true) = 'on' THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$buildamp$;
CREATE TABLE categories (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_categories_name UNIQUE (name)
);
CREATE TRIGGER trg_categories_updated_at BEFORE UPDATE ON categories FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();
CREATE TABLE group_memberships (
    group_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('categories') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table categories not created';
    END IF;
    IF NOT (to_regclass('group_memberships') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table group_memberships not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table group_memberships and all its rows
-- DROP TABLE group_memberships;
-- -- DESTRUCTIVE: drops table categories and all its rows
-- DROP TABLE categories;
-- DROP FUNCTION buildamp_touch_updated_at();
