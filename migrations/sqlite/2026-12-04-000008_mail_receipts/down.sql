DROP TABLE mail_receipts;
