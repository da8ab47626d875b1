-- PostgreSQL's `outbox_due` gains `id` so that a claim reads due mail in
-- its order (`ORDER BY next_attempt_at, id`) without sorting it. SQLite's
-- indexes already end with the rowid, which `id` is. Nothing to do.
SELECT 1;
