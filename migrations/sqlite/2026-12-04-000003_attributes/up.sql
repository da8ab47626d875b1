-- Attributes: RT's per-object name/value store (preferences, saved
-- searches, dashboards...). Our structured values are JSON
-- (content_type application/json); RT's Perl Storable values are converted
-- when a database is imported.
CREATE TABLE attributes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'text/plain',
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX attributes_object_name ON attributes (object_type, object_id, name);

-- Bookmarked tickets, one row per user and ticket (RT keeps them in a
-- user attribute; a table lets searches join them).
CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    created TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX bookmarks_user_ticket ON bookmarks (user_id, ticket_id);
