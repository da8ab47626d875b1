DROP TABLE scrip_runs;
DROP TABLE scrip_exclusions;
DROP TABLE object_scrips;
DROP TABLE scrips;
DROP TABLE templates;
ALTER TABLE events DROP COLUMN depth;
