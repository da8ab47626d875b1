DROP INDEX attachment_fts_ticket;
