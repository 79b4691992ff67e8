-- migrations/001_create_a_very_long_table_name_that_goes_on_and_on_for_a.sql
-- Auto-generated from LongOne type changes
-- Generated: 2024-12-04 10:30:15
-- Function: buildamp_touch_updated_at() - created
-- Table: a_very_long_table_name_that_goes_on_and_on_for_a_while - created (LongOne)
-- buildamp:changes {"tables":["a_very_long_table_name_that_goes_on_and_on_for_a_while"],"fields":[]}

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
CREATE TABLE a_very_long_table_name_that_goes_on_and_on_for_a_while (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    an_extremely_long_column_name_to_overflow_the_limit TEXT NOT NULL,
    an_extremely_long_column_name_to_overflow_the_limit2 TEXT NOT NULL,
    another_extremely_long_column_name_for_a_constraint TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT unique_a_very_long_table_name_that_goes_on_and_on_for_22e507fa UNIQUE (host, another_extremely_long_column_name_for_a_constraint)
);
CREATE INDEX idx_a_very_long_table_name_that_goes_on_and_on_for_a_w_3e4addc7 ON a_very_long_table_name_that_goes_on_and_on_for_a_while (host, an_extremely_long_column_name_to_overflow_the_limit);
CREATE INDEX idx_a_very_long_table_name_that_goes_on_and_on_for_a_w_ce771e1d ON a_very_long_table_name_that_goes_on_and_on_for_a_while (host, an_extremely_long_column_name_to_overflow_the_limit2);
CREATE TRIGGER trg_a_very_long_table_name_that_goes_on_and_on_for_a_w_c6b85c6e BEFORE UPDATE ON a_very_long_table_name_that_goes_on_and_on_for_a_while FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION buildamp_touch_updated_at();

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('a_very_long_table_name_that_goes_on_and_on_for_a_while') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table a_very_long_table_name_that_goes_on_and_on_for_a_while not created';
    END IF;
END
$buildamp$;

COMMIT;

-- Rollback instructions (commented)
-- -- DESTRUCTIVE: drops table a_very_long_table_name_that_goes_on_and_on_for_a_while and all its rows
-- DROP TABLE a_very_long_table_name_that_goes_on_and_on_for_a_while;
-- DROP FUNCTION buildamp_touch_updated_at();
