-- migrations/rollback/001_rollback.sql
-- Rollback of 001_create_audit_entries_countries_customers

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE customers DROP CONSTRAINT IF EXISTS fk_customers_country_code;
ALTER TABLE audit_entries DROP CONSTRAINT IF EXISTS fk_audit_entries_customer_id;
-- DESTRUCTIVE: drops table customers and all its rows
DROP TABLE customers;
-- DESTRUCTIVE: drops table countries and all its rows
DROP TABLE countries;
-- DESTRUCTIVE: drops table audit_entries and all its rows
DROP TABLE audit_entries;
DROP FUNCTION buildamp_touch_updated_at();

COMMIT;
