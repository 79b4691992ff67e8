-- Build and drop indexes concurrently, outside the transaction.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ADD COLUMN email TEXT;
COMMIT;

-- buildamp:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
DROP INDEX CONCURRENTLY IF EXISTS idx_people_city;
