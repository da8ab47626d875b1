-- Searches by owner and by status and creation date are answered from the
-- index alone: the rights clause needs the queue (and the ticket's id, which
-- every SQLite index holds), the base conditions the type and merged flag.
-- Reading the table row of each of a busy owner's thousands of tickets, or
-- of a month's resolved ones, cost more than the page's whole budget.
DROP INDEX tickets_status_created;
CREATE INDEX tickets_status_created ON tickets (status, created, queue, type, is_merged);
