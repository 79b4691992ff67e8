-- NOT VALID is instant; VALIDATE runs later without blocking writes.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE comments ADD CONSTRAINT fk_comments_post FOREIGN KEY (post_id) REFERENCES posts (id) NOT VALID;
ALTER TABLE people ADD CONSTRAINT chk_people_age CHECK (age >= 0) NOT VALID;
COMMIT;

-- buildamp:no-transaction
ALTER TABLE comments VALIDATE CONSTRAINT fk_comments_post;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_age;
