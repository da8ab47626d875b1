-- RT's automation: templates, scrips (condition + action + template) and
-- where they apply, and what each run did. Conditions and actions are
-- named as in RT ('On Create', 'Notify Requestors'); rt-scrips knows them.
-- Keep migrations/postgres/ equivalent: a test compares them.

-- Mail templates (Tera), global (queue_id 0) or a queue's own; a queue's
-- template overrides the global one of the same name.
CREATE TABLE templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    -- The name case-folded (fold() in rt-core): names are case-insensitive.
    name_folded TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX templates_queue_name ON templates (queue_id, name_folded);

CREATE TABLE scrips (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    description TEXT NOT NULL,
    -- RT's condition name, or 'User Defined' with condition_rule (JSON).
    condition_name TEXT NOT NULL,
    condition_rule TEXT,
    -- RT's action name, or 'User Defined' with action_rule (JSON).
    action_name TEXT NOT NULL,
    action_rule TEXT,
    -- A template name, looked up per ticket queue then globally.
    template TEXT NOT NULL,
    -- 'TransactionCreate' or 'TransactionBatch'.
    stage TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);

-- Where a scrip applies: queue_id 0 is every queue. Scrips run in
-- sort_order, then id.
CREATE TABLE object_scrips (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scrip_id BIGINT NOT NULL REFERENCES scrips(id),
    queue_id BIGINT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX object_scrips_scrip_queue ON object_scrips (scrip_id, queue_id);
CREATE INDEX object_scrips_queue ON object_scrips (queue_id);

-- Queues a global scrip does not run in.
CREATE TABLE scrip_exclusions (
    scrip_id BIGINT NOT NULL REFERENCES scrips(id),
    queue_id BIGINT NOT NULL,
    PRIMARY KEY (scrip_id, queue_id)
);

-- What a scrip did for a transaction: 'done' with a summary (mail queued
-- to whom, field set...) or 'failed' with the error.
CREATE TABLE scrip_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id BIGINT NOT NULL REFERENCES transactions(id),
    scrip_id BIGINT NOT NULL REFERENCES scrips(id),
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE INDEX scrip_runs_transaction ON scrip_runs (transaction_id);

-- How many scrip runs deep the transaction behind an event was made: a
-- change a scrip makes fires scrips one level deeper, up to a limit.
ALTER TABLE events ADD COLUMN depth BIGINT NOT NULL DEFAULT 0;
