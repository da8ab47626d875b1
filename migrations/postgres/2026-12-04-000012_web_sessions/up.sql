-- Logged-in web and REST 1.0 sessions. The cookie value is never stored:
-- session_hash is the hex SHA-256 of it, so a copy of the database does not
-- hand out live sessions. A session ends at logout or after expires (moved
-- forward while it is used).
-- Keep migrations/sqlite/ equivalent: a test compares them.
CREATE TABLE web_sessions (
    session_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created TIMESTAMP NOT NULL,
    last_used TIMESTAMP NOT NULL,
    expires TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires);
