-- The column first, then the key NOT VALID, validated in its own transaction.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE comments ADD COLUMN author_id BIGINT;
ALTER TABLE comments ADD CONSTRAINT fk_comments_author_id FOREIGN KEY (author_id) REFERENCES authors (id) NOT VALID;
COMMIT;

-- buildamp:no-transaction
ALTER TABLE comments VALIDATE CONSTRAINT fk_comments_author_id;
