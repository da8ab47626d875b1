DROP FUNCTION rt_fold(TEXT);
DROP INDEX tickets_merged;
DROP INDEX tickets_status_created;
DROP INDEX tickets_created;
DROP TABLE custom_field_ip_spans;
DROP TABLE attachment_fts;
