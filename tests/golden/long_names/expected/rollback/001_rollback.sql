-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_a_very_long_table_name_that_goes_on_and_on_for_a

BEGIN;

SET LOCAL lock_timeout = '1s';
-- DESTRUCTIVE: drops table a_very_long_table_name_that_goes_on_and_on_for_a_while and all its rows
DROP TABLE a_very_long_table_name_that_goes_on_and_on_for_a_while;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
