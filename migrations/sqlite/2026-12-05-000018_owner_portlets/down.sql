DROP INDEX tickets_owner_portlets;
CREATE INDEX tickets_owner_created ON tickets (owner, created);
