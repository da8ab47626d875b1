-- Searches by owner and by status and creation date are answered from the
-- index alone (an index-only scan): the rights clause needs the queue and
-- the ticket's id, the base conditions the type and merged flag. Reading
-- the heap row of each of a busy owner's thousands of tickets, or of a
-- month's resolved ones, cost more than the page's whole budget.
DROP INDEX tickets_owner_portlets;
CREATE INDEX tickets_owner_portlets ON tickets (owner, created, status, queue, type, is_merged, priority, due) INCLUDE (id);
DROP INDEX tickets_status_created;
CREATE INDEX tickets_status_created ON tickets (status, created, queue, type, is_merged) INCLUDE (id);
