-- Both rewrite an existing table under ACCESS EXCLUSIVE: no reads or writes until done.
-- buildamp:no-transaction
SET lock_timeout = '1s';
VACUUM FULL people;
CLUSTER people USING people_pkey;
