-- A user's tickets (or Nobody's: the unowned) newest first, as the home
-- page's portlets ask, without sorting all of them: the index gives the
-- order and a search stops at its first page.
DROP INDEX tickets_owner;
CREATE INDEX tickets_owner_created ON tickets (owner, created);
