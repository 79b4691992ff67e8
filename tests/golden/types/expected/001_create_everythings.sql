-- migrations/001_create_everythings.sql
-- Auto-generated from Everything type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: everythings - created (Everything)
-- buildamp:changes {"tables":["everythings"],"fields":[]}

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
CREATE TABLE everythings (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    a_string TEXT NOT NULL,
    a_str TEXT NOT NULL,
    tiny SMALLINT NOT NULL,
    small SMALLINT NOT NULL,
    byte SMALLINT NOT NULL,
    medium INTEGER NOT NULL,
    medium_unsigned INTEGER NOT NULL,
    big BIGINT NOT NULL,
    big_unsigned BIGINT NOT NULL,
    huge NUMERIC(20,0) NOT NULL,
    enormous NUMERIC(39,0) NOT NULL,
    ratio REAL NOT NULL,
    precise DOUBLE PRECISION NOT NULL,
    flag BOOLEAN NOT NULL,
    blob BYTEA NOT NULL,
    tags JSONB NOT NULL,
    attributes JSONB NOT NULL,
    ordered JSONB NOT NULL,
    raw JSONB NOT NULL,
    address JSONB NOT NULL,
    maybe_address JSONB,
    at TIMESTAMPTZ NOT NULL,
    local TIMESTAMP NOT NULL,
    day DATE NOT NULL,
    uid UUID NOT NULL,
    price NUMERIC NOT NULL,
    "when" TIMESTAMPTZ NOT NULL,
    nickname TEXT,
    maybe_count INTEGER,
    code VARCHAR(40) NOT NULL,
    login INET,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_everythings_updated_at BEFORE UPDATE ON everythings FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('everythings') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table everythings not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table everythings and all its rows
-- DROP TABLE everythings;
-- DROP FUNCTION buildamp_touch_updated_at();
