SELECT (SELECT score = '42' AND nickname = '' FROM people WHERE id = 'p2')
   AND (SELECT display_name = 'Ada' AND age = 36 FROM people WHERE id = 'p1')
   AND (SELECT count(*) = 2 FROM labels)
