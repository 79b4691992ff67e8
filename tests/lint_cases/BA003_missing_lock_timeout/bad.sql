-- Without lock_timeout an ALTER waiting behind a long query stalls every query after it.
BEGIN;
ALTER TABLE people ADD COLUMN nickname TEXT;
ALTER TABLE people ALTER COLUMN nickname SET DEFAULT '';
COMMIT;
