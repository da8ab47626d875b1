-- The transactions one DB transaction records form a batch: RT's
-- TransactionBatch scrips run once per batch and ticket, after its last
-- transaction. batch_id is the id of the batch's first transaction.
ALTER TABLE events ADD COLUMN batch_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_batch ON events (batch_id, object_id);
