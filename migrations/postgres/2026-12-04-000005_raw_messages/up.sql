-- Mail as it arrived, byte for byte, once per transaction, beside the
-- decoded MIME tree in attachments ("download with headers").
CREATE TABLE raw_messages (
    transaction_id BIGINT PRIMARY KEY REFERENCES transactions(id),
    content BYTEA NOT NULL
);
