-- One-time password reset links (/NoAuth/ResetPassword/Reset/<token>/<id>).
-- Only the SHA-256 of the token is stored; a link works once, until it
-- expires, and every link of a user dies when their password changes.
-- Keep migrations/postgres/ equivalent: a test compares them.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    expires TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);
