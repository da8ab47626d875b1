//! Embedding rt-core: open (or create) a database, make a queue and a
//! ticket, reply to it, and print its history.
//!
//! ```text
//! cargo run --example embed [DATABASE_URL]
//! ```
//!
//! Without an argument it uses a fresh SQLite file in the temp directory.

use rt::core::{Config, Interface, Message, MimeEntity, NewQueue, NewTicket, Rt};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        let dir = std::env::temp_dir().join(format!("rt-embed-{}", std::process::id()));
        format!("sqlite://{}", dir.join("rt.sqlite3").display())
    });
    // Opening migrates and seeds a new database (root, Nobody, General...).
    let rt = Rt::open(Config { database_url: url.clone(), ..Config::default() })?;
    let root = rt.session_for("root", Interface::Api)?;

    let ticket = root.write(|tx| {
        let queue = match tx.queue_by_name("Embedded") {
            Ok(q) => q.queue_id(),
            Err(_) => tx.create_queue(NewQueue {
                name: "Embedded".into(),
                correspond_address: "help@example.com".into(),
                ..NewQueue::default()
            })?,
        };
        tx.create_ticket(NewTicket {
            queue: Some(queue),
            subject: "The printer is on fire".into(),
            requestors: vec!["alice@example.org".into()],
            content: Some(MimeEntity::text("Room 3, since this morning.")),
            ..NewTicket::default()
        })
    })?;
    root.write(|tx| {
        tx.correspond(ticket, Message::text("We are on our way with an extinguisher."))?;
        tx.set_status(ticket, "resolved")
    })?;

    println!("database: {}", rt_core_url(&url));
    let (t, history) = root.read(|tx| Ok((tx.ticket(ticket)?, tx.history(ticket)?)))?;
    println!("ticket #{} \"{}\" is {}", t.id, t.subject, t.status);
    for txn in history {
        let change = match (&txn.field, &txn.old_value, &txn.new_value) {
            (Some(f), Some(o), Some(n)) => format!(" {f}: {o} -> {n}"),
            _ => String::new(),
        };
        println!(
            "  {} {} by user {} via {}{change}",
            txn.created.format("%F %T"),
            txn.kind,
            txn.creator,
            txn.interface
        );
    }
    Ok(())
}

fn rt_core_url(url: &str) -> String {
    rt::core::db::redact_url(url)
}
