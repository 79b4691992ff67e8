SELECT (SELECT data->>'heading' = 'Hello' AND data->'priority' = '3'::jsonb FROM notes WHERE id = 'n1')
