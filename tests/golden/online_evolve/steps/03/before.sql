INSERT INTO people (id, host, display_name, email, age, legacy, status, score)
VALUES ('p2', 'acme', 'Grace', 'grace@example.com', 9000000000, 'x', 'Suspended', 42);
