-- An inline REFERENCES on an existing table: a validated foreign key, both tables locked.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE comments ADD COLUMN author_id BIGINT REFERENCES authors (id);
COMMIT;
