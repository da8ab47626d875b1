-- Full-text matches by ticket: a search sorted by id reads the matches of
-- a word one window of ticket ids at a time, intersecting this index with
-- the text's own, rather than every message that holds the word.
CREATE INDEX attachment_fts_ticket ON attachment_fts (ticket_id);
