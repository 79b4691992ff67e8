-- Custom data: a default settings row for the system tenant.
INSERT INTO settings (id, host, theme) VALUES ('default', 'system', 'light');
-- buildamp:down
DELETE FROM settings WHERE id = 'default';
