-- The transactional part first, concurrent steps after COMMIT.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE people ADD COLUMN email TEXT;
COMMIT;

-- buildamp:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_email ON people (host, email);
