DROP INDEX tickets_status_created;
CREATE INDEX tickets_status_created ON tickets (status, created);
DROP INDEX tickets_owner_portlets;
CREATE INDEX tickets_owner_portlets ON tickets (owner, created, status, queue, type, is_merged, priority, due);
