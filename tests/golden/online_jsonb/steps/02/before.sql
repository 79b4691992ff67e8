INSERT INTO notes (id, host, data) VALUES
  ('n1', 'acme', '{"title": "Hello", "body": "first", "priority": "3"}'),
  ('n2', 'acme', '{"title": "Again", "body": "second", "priority": "7", "pinned": true}');
