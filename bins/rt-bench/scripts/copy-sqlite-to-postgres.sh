#!/bin/bash
# Copies a seeded SQLite database into a PostgreSQL database, for the search
# benchmark's PostgreSQL figures (docs/PERFORMANCE.md): seeding a million
# tickets through the library on PostgreSQL takes hours on a small machine,
# the copy minutes. Needs the sqlite3 and psql clients.
#
#   createdb pg1m
#   RT_DATABASE_URL=postgres://.../pg1m rt-server migrate
#   copy-sqlite-to-postgres.sh /path/seed.sqlite3 postgres://.../pg1m
#
# Copies table by table (COPY, foreign keys off for the session), rebuilds
# the PostgreSQL full-text rows from the attachments (the seed's text is
# already lower-case words, what rt-core's normaliser produces), resets the
# sequences and analyzes.
set -euo pipefail
SQLITE=$1; PGURL=$2
tables="principals users groups group_members cached_group_members acl acl_version queues tickets transactions attachments events links attributes bookmarks custom_fields object_custom_fields custom_field_values object_custom_field_values raw_messages custom_field_ip_spans"
psql "$PGURL" -q -c "TRUNCATE $(echo $tables | tr ' ' ','), attachment_fts CASCADE"
for t in $tables; do
  cols=$(psql "$PGURL" -Atc "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name='$t' and table_schema='public'")
  sel=$(psql "$PGURL" -Atc "select string_agg(case when data_type='bytea' then 'CASE WHEN '||column_name::text||' IS NULL THEN NULL ELSE ''\\x''||hex('||column_name::text||') END' else column_name::text end, ',' order by ordinal_position) from information_schema.columns where table_name='$t' and table_schema='public'")
  echo "copy $t"
  sqlite3 -csv "$SQLITE" "SELECT $sel FROM $t" | psql "$PGURL" -q -c "SET session_replication_role = replica; COPY $t ($cols) FROM STDIN WITH (FORMAT csv)"
done
echo "fulltext"
psql "$PGURL" -q -c "INSERT INTO attachment_fts (attachment_id, ticket_id, content) SELECT a.id, tr.object_id, to_tsvector('simple', lower(convert_from(a.content, 'UTF8'))) FROM attachments a JOIN transactions tr ON tr.id = a.transaction_id WHERE tr.object_type = 'RT::Ticket' AND a.content_type IN ('text/plain', 'text/html') AND a.content IS NOT NULL"
for t in $tables; do
  seq=$(psql "$PGURL" -Atc "select pg_get_serial_sequence('$t', 'id')" 2>/dev/null || true)
  if [ -n "$seq" ]; then psql "$PGURL" -Atqc "select setval('$seq', coalesce((select max(id) from $t), 1))"; fi
done
psql "$PGURL" -q -c "VACUUM ANALYZE"
