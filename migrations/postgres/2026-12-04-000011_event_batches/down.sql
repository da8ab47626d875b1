DROP INDEX events_batch;
ALTER TABLE events DROP COLUMN batch_id;
