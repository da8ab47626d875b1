-- A user's role memberships carry their ticket and role, so that "the
-- tickets on which this user is a Requestor or Cc" is read from one index
-- range (the user's few such rows) instead of every one of their
-- memberships joined to `groups`: a busy owner has thousands of Owner
-- groups, which the rights clause of every search would otherwise read.
-- Set on the rows of a ticket role group's members, not its self row.
ALTER TABLE cached_group_members ADD COLUMN ticket_role TEXT;
ALTER TABLE cached_group_members ADD COLUMN ticket_id BIGINT;
UPDATE cached_group_members c SET ticket_role = g.name_folded, ticket_id = g.instance
  FROM groups g
  WHERE g.id = c.group_id AND g.domain = 'RT::Ticket-Role'
    AND c.member_id <> c.group_id;
CREATE INDEX cached_group_members_member_role ON cached_group_members (member_id, ticket_role, ticket_id)
  WHERE ticket_role IS NOT NULL;
