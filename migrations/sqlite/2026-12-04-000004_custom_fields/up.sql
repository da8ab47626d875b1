-- Custom fields, as RT stores them: the field, where it applies, the values
-- a select offers, and the values objects hold. A changed value disables
-- the old row and adds a new one, so history keeps both.
CREATE TABLE custom_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    render_type TEXT NOT NULL DEFAULT '',
    max_values BIGINT NOT NULL DEFAULT 0,
    pattern TEXT NOT NULL DEFAULT '',
    lookup_type TEXT NOT NULL,
    entry_hint TEXT NOT NULL DEFAULT '',
    validation_hint TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    link_value_to TEXT NOT NULL DEFAULT '',
    default_values TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    unique_values BOOLEAN NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX custom_fields_lookup_name ON custom_fields (lookup_type, name);

-- Where a field applies: object_id is a queue id, or 0 for everywhere.
CREATE TABLE object_custom_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    custom_field BIGINT NOT NULL REFERENCES custom_fields(id),
    object_id BIGINT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX object_custom_fields_field_object ON object_custom_fields (custom_field, object_id);
CREATE INDEX object_custom_fields_object ON object_custom_fields (object_id);

-- The values a Select (Combobox, Autocomplete) field offers.
CREATE TABLE custom_field_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    custom_field BIGINT NOT NULL REFERENCES custom_fields(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    category TEXT NOT NULL DEFAULT '',
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX custom_field_values_field_name ON custom_field_values (custom_field, name);

-- Values held by tickets, transactions, users, groups and queues. IP values
-- also keep their family and fixed-width hex bounds, so containment and
-- overlap are indexed range comparisons.
CREATE TABLE object_custom_field_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    custom_field BIGINT NOT NULL REFERENCES custom_fields(id),
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    content TEXT,
    large_content BLOB,
    content_type TEXT NOT NULL DEFAULT 'text/plain',
    content_encoding TEXT NOT NULL DEFAULT 'none',
    ip_family TEXT,
    ip_start TEXT,
    ip_end TEXT,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    creator BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_updated_by BIGINT NOT NULL,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX ocfv_object ON object_custom_field_values (object_type, object_id, custom_field);
CREATE INDEX ocfv_field_content ON object_custom_field_values (custom_field, content);
CREATE INDEX ocfv_ip ON object_custom_field_values (custom_field, ip_family, ip_start, ip_end) WHERE ip_family IS NOT NULL;
