DROP INDEX cached_group_members_member_role;
ALTER TABLE cached_group_members DROP COLUMN ticket_id;
ALTER TABLE cached_group_members DROP COLUMN ticket_role;
