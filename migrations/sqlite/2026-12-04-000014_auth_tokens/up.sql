-- REST 2.0 authentication tokens (RT's AuthTokens). A client sends
-- "Authorization: token 1-<owner id>-<32 hex digits>"; only the SHA-256 of
-- the secret is stored, so a copy of the database authenticates no one.
-- Keep migrations/postgres/ equivalent: a test compares them.
CREATE TABLE auth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    last_used TIMESTAMP,
    expires TIMESTAMP,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE INDEX auth_tokens_owner ON auth_tokens (owner);
