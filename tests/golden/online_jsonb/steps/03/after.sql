SELECT (SELECT data->'priority' = '3'::jsonb FROM notes WHERE id = 'n1')
   AND (SELECT jsonb_typeof(data->'priority') = 'number' FROM notes WHERE id = 'n2')
