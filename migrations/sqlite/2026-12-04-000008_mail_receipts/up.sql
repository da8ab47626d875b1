-- One row per message the mail gateway recorded, written in the same DB
-- transaction as the ticket change, so that a message delivered again (an
-- MTA retrying after a lost answer, a crash between commit and reply) is
-- answered `ok` without a second ticket or transaction. The key is a
-- SHA-256 over where the message went (queue or ticket), the action and the
-- Message-ID, or the raw bytes when there is no Message-ID.
-- Keep migrations/postgres/ equivalent: a test compares them.
CREATE TABLE mail_receipts (
    receipt_key TEXT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    created TIMESTAMP NOT NULL
);
