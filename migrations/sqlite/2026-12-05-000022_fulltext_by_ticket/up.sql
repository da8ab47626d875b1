-- PostgreSQL indexes its full-text rows by ticket from here; SQLite's FTS5
-- row ids already carry the ticket. Nothing to do.
SELECT 1;
