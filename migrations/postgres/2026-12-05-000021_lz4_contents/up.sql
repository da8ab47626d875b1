-- Message parts, queued mail and raw messages are compressed with LZ4
-- rather than the default pglz: pglz cost the scrip engine more CPU than
-- everything else it writes (an autoreply is ~8 KB of queued mail and
-- ~7 KB of recorded parts), and LZ4 compresses several times faster.
-- Only new values are affected. A server without LZ4 (built without it,
-- or older than PostgreSQL 14) keeps pglz: EXECUTE makes the failure one
-- this block can catch.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE attachments ALTER COLUMN content SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE outbox ALTER COLUMN content SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE raw_messages ALTER COLUMN content SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'LZ4 compression unavailable (%); contents stay compressed with pglz', SQLERRM;
END $$;
