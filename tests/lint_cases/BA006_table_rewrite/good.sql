-- New columns without a per-row default; backfill in batches, switch readers later.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ADD COLUMN age_wide BIGINT;
ALTER TABLE people ADD COLUMN token UUID;
ALTER TABLE people ALTER COLUMN token SET DEFAULT gen_random_uuid();
COMMIT;

-- buildamp:batch table=people size=1000
UPDATE people SET age_wide = age, token = gen_random_uuid() WHERE age_wide IS NULL;
