-- Foundation schema: principals, users, groups, membership closure, ACL,
-- queues, tickets, transactions, attachments and the durable event queue.
-- Names follow RT's entities in snake_case (RT's `EffectiveId` is
-- `effective_id`). Keep migrations/postgres/ equivalent: a test compares them.

CREATE TABLE principals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal_type TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY REFERENCES principals(id),
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    password TEXT,
    auth_token TEXT,
    comments TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT '',
    email_address TEXT,
    email_folded TEXT,
    freeform_contact_info TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    real_name TEXT NOT NULL DEFAULT '',
    nick_name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    gecos TEXT NOT NULL DEFAULT '',
    home_phone TEXT NOT NULL DEFAULT '',
    work_phone TEXT NOT NULL DEFAULT '',
    mobile_phone TEXT NOT NULL DEFAULT '',
    pager_phone TEXT NOT NULL DEFAULT '',
    address1 TEXT NOT NULL DEFAULT '',
    address2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    zip TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT '',
    smime_certificate TEXT NOT NULL DEFAULT '',
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_name_folded ON users (name_folded);
CREATE UNIQUE INDEX users_email_folded ON users (email_folded);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY REFERENCES principals(id),
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL,
    instance BIGINT NOT NULL DEFAULT 0,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX groups_domain_instance_name ON groups (domain, instance, name_folded);

CREATE TABLE group_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES groups(id),
    member_id BIGINT NOT NULL REFERENCES principals(id),
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX group_members_group_member ON group_members (group_id, member_id);
CREATE INDEX group_members_member ON group_members (member_id);

-- Transitive closure of group_members. One row per (group, member) pair
-- with the number of distinct membership paths between them, so removing
-- one path keeps the row while another path remains. Every group contains
-- itself (paths = 1). Edges touching a disabled group do not count.
CREATE TABLE cached_group_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES groups(id),
    member_id BIGINT NOT NULL REFERENCES principals(id),
    paths BIGINT NOT NULL
);
CREATE UNIQUE INDEX cached_group_members_group_member ON cached_group_members (group_id, member_id);
CREATE UNIQUE INDEX cached_group_members_member_group ON cached_group_members (member_id, group_id);

CREATE TABLE acl (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal_type TEXT NOT NULL,
    principal_id BIGINT NOT NULL REFERENCES principals(id),
    right_name TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX acl_grant ON acl (right_name, object_type, object_id, principal_type, principal_id);
CREATE INDEX acl_principal ON acl (principal_id);

-- Bumped in the same DB transaction as every grant, revoke, membership
-- change of a non-ticket group and principal enable/disable; every node
-- compares it before trusting its rights cache.
CREATE TABLE acl_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO acl_version (id, version) VALUES (1, 0);

CREATE TABLE queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    correspond_address TEXT NOT NULL DEFAULT '',
    comment_address TEXT NOT NULL DEFAULT '',
    lifecycle TEXT NOT NULL DEFAULT 'default',
    subject_tag TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    initial_priority BIGINT NOT NULL DEFAULT 0,
    final_priority BIGINT NOT NULL DEFAULT 0,
    default_due_in BIGINT,
    sla TEXT,
    sla_disabled BOOLEAN NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX queues_name_folded ON queues (name_folded);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    effective_id BIGINT NOT NULL,
    is_merged BOOLEAN NOT NULL DEFAULT 0,
    queue BIGINT NOT NULL REFERENCES queues(id),
    type TEXT NOT NULL DEFAULT 'ticket',
    owner BIGINT NOT NULL REFERENCES users(id),
    subject TEXT NOT NULL DEFAULT '',
    initial_priority BIGINT NOT NULL DEFAULT 0,
    final_priority BIGINT NOT NULL DEFAULT 0,
    priority BIGINT NOT NULL DEFAULT 0,
    time_estimated BIGINT NOT NULL DEFAULT 0,
    time_worked BIGINT NOT NULL DEFAULT 0,
    time_left BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    sla TEXT,
    told TIMESTAMP,
    starts TIMESTAMP,
    started TIMESTAMP,
    due TIMESTAMP,
    resolved TIMESTAMP,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX tickets_queue_status ON tickets (queue, status);
CREATE INDEX tickets_owner ON tickets (owner);
CREATE INDEX tickets_effective_id ON tickets (effective_id);

CREATE TABLE transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    time_taken BIGINT NOT NULL DEFAULT 0,
    type TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    reference_type TEXT,
    old_reference BIGINT,
    new_reference BIGINT,
    data TEXT,
    interface TEXT NOT NULL,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE INDEX transactions_object ON transactions (object_type, object_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id BIGINT NOT NULL REFERENCES transactions(id),
    parent BIGINT REFERENCES attachments(id),
    message_id TEXT,
    subject TEXT,
    filename TEXT,
    content_type TEXT NOT NULL,
    content_encoding TEXT NOT NULL DEFAULT 'none',
    content BLOB,
    headers TEXT NOT NULL DEFAULT '',
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE INDEX attachments_transaction ON attachments (transaction_id);
-- Most attachments are top-level and most have no Message-ID: partial
-- indexes keep those rows out of the index (and off the write path).
CREATE INDEX attachments_parent ON attachments (parent) WHERE parent IS NOT NULL;
CREATE INDEX attachments_message_id ON attachments (message_id) WHERE message_id IS NOT NULL;

-- The durable event queue: one row per transaction, written in the same
-- DB transaction; the scrip engine claims pending rows and marks them done.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id BIGINT NOT NULL REFERENCES transactions(id),
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    attempts BIGINT NOT NULL DEFAULT 0,
    done_at TIMESTAMP
);
CREATE INDEX events_pending ON events (id) WHERE done_at IS NULL;
