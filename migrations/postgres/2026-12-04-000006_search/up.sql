-- Search support (TicketSQL, crates/rt-core/src/search).

-- Full-text index of text/plain and text/html attachments, written in the
-- same DB transaction as the attachment, so it never lags and a crash
-- leaves nothing unindexed. The SQLite migration keeps the same rows in an
-- FTS5 table. The text is normalised in Rust before it is stored (lower
-- case words separated by spaces), so the 'simple' configuration sees
-- exactly the tokens SQLite does.
CREATE TABLE attachment_fts (
    attachment_id BIGINT PRIMARY KEY REFERENCES attachments(id),
    ticket_id BIGINT NOT NULL,
    content TSVECTOR NOT NULL
);
CREATE INDEX attachment_fts_content ON attachment_fts USING gin (content);

-- The widest IP range ever stored per custom field and family, as
-- 32-digit hex (end - start). An address search then reads only the index
-- entries whose start lies within that distance below the address.
CREATE TABLE custom_field_ip_spans (
    custom_field BIGINT NOT NULL REFERENCES custom_fields(id),
    ip_family TEXT NOT NULL,
    max_span TEXT NOT NULL,
    PRIMARY KEY (custom_field, ip_family)
);

CREATE INDEX tickets_created ON tickets (created);
CREATE INDEX tickets_status_created ON tickets (status, created);
-- Merged tickets are few: searches map their matches to the surviving ticket.
CREATE INDEX tickets_merged ON tickets (id) WHERE is_merged;

-- Case-insensitive matching: SQLite connections register the same
-- function in Rust (Unicode lower case, character by character).
CREATE FUNCTION rt_fold(TEXT) RETURNS TEXT AS 'SELECT lower($1)' LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE;
