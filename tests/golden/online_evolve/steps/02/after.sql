SELECT (SELECT display_name = 'Ada' AND age = 36 AND score = 0 AND nickname IS NULL
               AND legacy = 'old' AND status = 'Active' FROM people WHERE id = 'p1')
   AND (SELECT normalized_name = 'rust' FROM tags WHERE id = 't1')
   AND (SELECT count(*) = 2 FROM tags WHERE normalized_name IS NOT NULL)
