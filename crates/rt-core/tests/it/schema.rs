//! Both backends' migrations have the same history and build equivalent
//! schemas: tables, columns, types, nullability and indexes. The full-text
//! index (`attachment_fts`: FTS5 on SQLite, a tsvector table on PostgreSQL)
//! is backend-specific by design and left out; `search` tests cover it.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};
use rt_core::db::{Backend, DbConnection, migration_names};
use rt_test_support::TestDb;

#[test]
fn migration_histories_match() {
    let sqlite = migration_names(Backend::Sqlite);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names(Backend::Postgres));
    let dir = |b: &str| -> BTreeSet<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/").to_string() + b;
        std::fs::read_dir(path).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    };
    assert_eq!(dir("sqlite"), dir("postgres"));
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
    #[diesel(sql_type = Bool)]
    primary: bool,
}

fn normal_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "int",
        "text" => "text",
        "boolean" => "bool",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "blob" | "bytea" => "bytes",
        other => return format!("unknown:{other}"),
    }
    .to_string()
}

/// "CREATE UNIQUE INDEX x ON t (a, b) WHERE a IS NOT NULL" ->
/// "x: unique t(a,b) where a is not null", for both dialects' spellings.
/// PostgreSQL's `INCLUDE (c, id)` reads as SQLite's key columns `c`: every
/// SQLite index holds the row id already.
fn normal_index(name: &str, sql: &str) -> String {
    let lower = sql.to_ascii_lowercase();
    let unique = lower.starts_with("create unique");
    let after_on = &lower[lower.find(" on ").unwrap() + 4..];
    let table = after_on.split([' ', '(']).next().unwrap_or_default().trim_start_matches("public.");
    let open = after_on.find('(').unwrap();
    let mut close = open + after_on[open..].find(')').unwrap();
    let mut cols: Vec<_> = after_on[open + 1..close].split(',').map(|c| c.trim().to_string()).collect();
    if let Some(rest) = after_on[close + 1..].trim_start().strip_prefix("include (") {
        let end = rest.find(')').unwrap();
        cols.extend(rest[..end].split(',').map(|c| c.trim().to_string()).filter(|c| c != "id"));
        close = after_on.len() - rest.len() + end;
    }
    let predicate = after_on[close + 1..].trim().replace(['(', ')'], "");
    let predicate = predicate.split_whitespace().collect::<Vec<_>>().join(" ");
    let predicate = if predicate.is_empty() { String::new() } else { format!(" {predicate}") };
    format!("{name}: {}{table}({}){predicate}", if unique { "unique " } else { "" }, cols.join(","))
}

type Schema = (BTreeSet<String>, BTreeSet<String>);

fn describe(conn: &mut DbConnection) -> Schema {
    let mut columns = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    match conn {
        DbConnection::Sqlite(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%' AND name NOT LIKE 'attachment_fts%'",
            )
            .load(c)
            .unwrap();
            for t in tables {
                let cols: Vec<SqliteColumn> =
                    diesel::sql_query(format!("PRAGMA table_info({})", t.name)).load(c).unwrap();
                for col in cols {
                    let null = if col.notnull == 1 || col.pk == 1 { "not null" } else { "null" };
                    columns.insert(format!("{}.{} {} {null}", t.name, col.name, normal_type(&col.r#type)));
                }
            }
            let idx: Vec<IndexDef> = diesel::sql_query(
                "SELECT name, sql, 0 AS \"primary\" FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            )
            .load(c)
            .unwrap();
            indexes.extend(idx.iter().map(|i| normal_index(&i.name, &i.sql)));
        }
        DbConnection::Pg(c) => {
            let cols: Vec<PgColumn> = diesel::sql_query(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name NOT LIKE '__diesel%' AND table_name NOT LIKE 'attachment_fts%'",
            )
            .load(c)
            .unwrap();
            for col in cols {
                let null = if col.is_nullable == "NO" { "not null" } else { "null" };
                columns.insert(format!(
                    "{}.{} {} {null}",
                    col.table_name,
                    col.column_name,
                    normal_type(&col.data_type)
                ));
            }
            let idx: Vec<IndexDef> = diesel::sql_query(
                "SELECT i.relname::text AS name, pg_get_indexdef(ix.indexrelid) AS sql, ix.indisprimary AS \"primary\" \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
                 WHERE n.nspname = 'public' AND t.relname NOT LIKE '__diesel%' AND t.relname NOT LIKE 'attachment_fts%'",
            )
            .load(c)
            .unwrap();
            indexes.extend(idx.iter().filter(|i| !i.primary).map(|i| normal_index(&i.name, &i.sql)));
        }
    }
    (columns, indexes)
}

#[test]
fn sqlite_and_postgres_schemas_are_equivalent() {
    if !rt_test_support::backends().contains(&Backend::Postgres) {
        return; // backends() has already said why
    }
    let sqlite = TestDb::new(Backend::Sqlite);
    let pg = TestDb::new(Backend::Postgres);
    let (a, b) = (describe(&mut sqlite.rt().connection().unwrap()), describe(&mut pg.rt().connection().unwrap()));
    assert!(a.0.iter().any(|c| c.starts_with("tickets.effective_id int not null")), "{:#?}", a.0);
    assert!(a.1.iter().any(|i| i.contains("unique users(name_folded)")), "{:#?}", a.1);
    assert!(a.1.iter().any(|i| i.ends_with("attachments(message_id) where message_id is not null")), "{:#?}", a.1);
    let only = |x: &BTreeSet<String>, y: &BTreeSet<String>| x.difference(y).cloned().collect::<Vec<_>>();
    assert_eq!(only(&a.0, &b.0), Vec::<String>::new(), "columns only in SQLite");
    assert_eq!(only(&b.0, &a.0), Vec::<String>::new(), "columns only in PostgreSQL");
    assert_eq!(only(&a.1, &b.1), Vec::<String>::new(), "indexes only in SQLite");
    assert_eq!(only(&b.1, &a.1), Vec::<String>::new(), "indexes only in PostgreSQL");
}

/// PostgreSQL compresses large contents (message parts, queued mail, raw
/// messages) with LZ4, which this server has: a ticket's long message is
/// stored so and reads back whole.
#[test]
fn postgres_compresses_contents_with_lz4() {
    use rt_core::{MimeEntity, NewTicket};
    if !rt_test_support::backends().contains(&Backend::Postgres) {
        return; // backends() has already said why
    }
    let db = TestDb::new(Backend::Postgres);
    let root = db.root();
    let body = "A long message that compresses well. ".repeat(200);
    let id = root
        .write(|tx| {
            let queue = tx.queue_by_name("General")?.queue_id();
            let content = Some(MimeEntity::text(&body));
            tx.create_ticket(NewTicket { queue: Some(queue), subject: "long".into(), content, ..NewTicket::default() })
        })
        .unwrap();
    let mut conn = db.rt().connection().unwrap();
    let DbConnection::Pg(c) = &mut *conn else { unreachable!() };
    let methods: Vec<Name> = diesel::sql_query(
        "SELECT DISTINCT attname || '=' || attcompression::text AS name FROM pg_attribute \
         WHERE attname = 'content' AND attrelid IN ('attachments'::regclass, 'outbox'::regclass, \
         'raw_messages'::regclass) ORDER BY 1",
    )
    .load(c)
    .unwrap();
    assert_eq!(methods.into_iter().map(|m| m.name).collect::<Vec<_>>(), ["content=l"]);
    let stored: Vec<Name> = diesel::sql_query(
        "SELECT pg_column_compression(a.content) AS name FROM attachments a \
         JOIN transactions t ON t.id = a.transaction_id WHERE t.object_id = $1 AND a.content IS NOT NULL",
    )
    .bind::<diesel::sql_types::BigInt, _>(id.get())
    .load(c)
    .unwrap();
    assert_eq!(stored.into_iter().map(|m| m.name).collect::<Vec<_>>(), ["lz4"]);
    drop(conn);
    let stored = root
        .read(|tx| {
            let history = tx.history_with_attachments(id)?;
            let part = history.iter().flat_map(|(_, parts)| parts).find(|a| a.size > 0).expect("the message");
            tx.attachment(part.id)
        })
        .unwrap();
    assert_eq!(stored.1, body.as_bytes());
}

/// SQLite keeps planner statistics only when asked, and only once the
/// database holds enough tickets for them to describe it: opening and
/// refreshing analyze nothing before, and a refresh takes them in after.
#[test]
fn sqlite_statistics_are_kept_once_the_database_is_large() {
    use rt_core::NewTicket;
    use rt_core::db::STATISTICS_FROM_TICKETS;
    let db = TestDb::new(Backend::Sqlite);
    let sqlite = |sql: &str| {
        let mut conn = db.rt().connection().unwrap();
        let DbConnection::Sqlite(c) = &mut *conn else { unreachable!() };
        diesel::sql_query(sql).execute(c).unwrap();
    };
    let analyzed = || -> Vec<String> {
        let mut conn = db.rt().connection().unwrap();
        let DbConnection::Sqlite(c) = &mut *conn else { unreachable!() };
        let rows: Vec<Name> =
            diesel::sql_query("SELECT DISTINCT tbl AS name FROM sqlite_stat1 ORDER BY tbl").load(c).unwrap_or_default();
        rows.into_iter().map(|r| r.name).collect()
    };
    let root = db.root();
    let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
    let create = |n: usize| {
        root.write(|tx| {
            for _ in 0..n {
                tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })?;
            }
            Ok(())
        })
        .unwrap();
        // The planner reads the tables a search uses.
        root.read(|tx| tx.search_tickets(&rt_core::TicketQuery::new("Queue = 'General'"))).unwrap();
    };
    create(300);
    db.rt().refresh_statistics().unwrap();
    assert_eq!(analyzed(), Vec::<String>::new(), "a small database keeps no statistics");
    // The next ticket is number STATISTICS_FROM_TICKETS.
    sqlite(&format!("UPDATE sqlite_sequence SET seq = {} WHERE name = 'tickets'", STATISTICS_FROM_TICKETS - 1));
    create(1);
    db.rt().refresh_statistics().unwrap();
    let tables = analyzed();
    assert!(tables.contains(&"tickets".to_string()) && tables.contains(&"users".to_string()), "{tables:?}");
}
