DROP INDEX tickets_status_created;
CREATE INDEX tickets_status_created ON tickets (status, created);
