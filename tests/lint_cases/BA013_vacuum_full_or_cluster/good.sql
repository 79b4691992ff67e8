-- Plain VACUUM reclaims space for reuse without blocking reads or writes.
-- buildamp:no-transaction
SET lock_timeout = '1s';
VACUUM (ANALYZE) people;
