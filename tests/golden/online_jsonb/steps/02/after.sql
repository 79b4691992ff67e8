SELECT (SELECT data->>'heading' = 'Hello' AND NOT data ? 'title' AND data->'pinned' = 'false'::jsonb
        FROM notes WHERE id = 'n1')
   AND (SELECT data->'pinned' = 'true'::jsonb FROM notes WHERE id = 'n2')
