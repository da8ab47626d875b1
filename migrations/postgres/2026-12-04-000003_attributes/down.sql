DROP TABLE bookmarks;
DROP TABLE attributes;
