SELECT (SELECT heading = 'Hello' AND priority = 3 AND pinned = false AND body = 'first'
        FROM notes WHERE id = 'n1')
