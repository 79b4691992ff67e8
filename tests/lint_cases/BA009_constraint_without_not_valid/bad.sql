-- Each constraint is checked against every row while writes wait.
SET lock_timeout = '1s';

BEGIN;
ALTER TABLE comments ADD CONSTRAINT fk_comments_post FOREIGN KEY (post_id) REFERENCES posts (id);
ALTER TABLE people ADD CONSTRAINT chk_people_age CHECK (age >= 0);
COMMIT;

BEGIN;
ALTER TABLE people ADD CONSTRAINT chk_people_score CHECK (score >= 0) NOT VALID;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_score;
COMMIT;
