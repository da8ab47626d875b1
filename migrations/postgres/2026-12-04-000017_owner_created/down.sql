DROP INDEX tickets_owner_created;
CREATE INDEX tickets_owner ON tickets (owner);
