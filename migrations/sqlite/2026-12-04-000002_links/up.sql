-- Links between tickets (and to any URI), as RT stores them: Base and Target
-- URIs (fsck.com-rt://<organization>/ticket/<id> for local tickets) with the
-- local ticket ids beside them (0 for other URIs) for indexed lookups.
CREATE TABLE links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base TEXT NOT NULL,
    target TEXT NOT NULL,
    type TEXT NOT NULL,
    local_base BIGINT NOT NULL DEFAULT 0,
    local_target BIGINT NOT NULL DEFAULT 0,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX links_base_type_target ON links (base, type, target);
CREATE INDEX links_local_base ON links (local_base, type);
CREATE INDEX links_local_target ON links (local_target, type);
CREATE INDEX links_target ON links (target);
