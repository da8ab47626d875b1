-- The home page's portlets read a user's tickets (those they own, their
-- reminders, Nobody's newest) by owner. With the columns their conditions
-- and sort keys name in the index, a busy owner's thousands of tickets
-- are filtered and sorted from the index alone, without reading a row.
DROP INDEX tickets_owner_created;
CREATE INDEX tickets_owner_portlets ON tickets (owner, created, status, queue, type, is_merged, priority, due);
