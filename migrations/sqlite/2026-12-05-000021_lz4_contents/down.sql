-- PostgreSQL compresses large contents with LZ4 from here; SQLite stores
-- them as they are. Nothing to do.
SELECT 1;
