-- A plain index build on a live table blocks every write until it is done.
SET lock_timeout = '1s';

BEGIN;
CREATE INDEX idx_people_email ON people (host, email);
COMMIT;

DROP INDEX idx_people_city;
