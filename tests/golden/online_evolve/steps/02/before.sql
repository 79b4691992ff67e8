INSERT INTO people (id, host, name, email, age, legacy, status, city)
VALUES ('p1', 'acme', 'Ada', 'ada@example.com', 36, 'old', 'Active', 'London');
INSERT INTO tags (id, host, name) VALUES ('t1', 'acme', '  Rust  '), ('t2', 'acme', 'SQL');
