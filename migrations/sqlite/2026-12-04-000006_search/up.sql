-- Search support (TicketSQL, crates/rt-core/src/search).

-- Full-text index of text/plain and text/html attachments, written in the
-- same DB transaction as the attachment, so it never lags and a crash
-- leaves nothing unindexed. Contentless: the text lives in attachments
-- only. rowid = ticket id << 32 | (attachment id & 0xffffffff), so a match
-- yields its ticket without a lookup, in ticket order. The PostgreSQL
-- migration keeps the same rows in a tsvector table.
CREATE VIRTUAL TABLE attachment_fts USING fts5(
    content,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

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
