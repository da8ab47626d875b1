//! Search charts (counts and time sums by group) and the full-text index's
//! place in the write path.

use chrono::NaiveDateTime;
use rt_core::search::{ChartRow, DateField, GroupBy, NameOrId, Period};
use rt_core::{
    AclObject, CfObject, CfType, Grantee, Interface, MimeEntity, NewCustomField, NewQueue, NewTicket, QueueId,
    TicketQuery,
};

use crate::{each_backend, grant, staff};

fn row(keys: &[&str], count: u64, worked: i64) -> (Vec<String>, u64, i64) {
    (keys.iter().map(|k| k.to_string()).collect(), count, worked)
}

fn simple(rows: Vec<ChartRow>) -> Vec<(Vec<String>, u64, i64)> {
    rows.into_iter().map(|r| (r.keys, r.count, r.time_worked)).collect()
}

#[test]
fn charts_group_counts_and_time_by_one_or_two_keys() {
    each_backend(|db| {
        let sys = db.rt().system_session(Interface::Cli);
        let (helpdesk, ops, cf) = sys
            .write(|tx| {
                let helpdesk = QueueId(tx.queue_by_name("General")?.id);
                let ops = tx.create_queue(NewQueue { name: "Ops".into(), ..NewQueue::default() })?;
                let cf = tx.create_custom_field(NewCustomField::ticket("Area", CfType::Freeform))?;
                tx.apply_custom_field(cf, None)?;
                Ok((helpdesk, ops, cf))
            })
            .unwrap();
        let tickets = [
            (helpdesk, "new", 10, "2026-01-05 10:00", "alice@example.org", Some("mail")),
            (helpdesk, "open", 20, "2026-01-20 10:00", "bob@example.org", Some("mail")),
            (helpdesk, "open", 5, "2026-02-03 23:30", "alice@example.org", None),
            (ops, "resolved", 30, "2026-02-10 10:00", "carol@example.net", Some("disk")),
        ];
        for (queue, status, worked, when, requestor, area) in tickets {
            sys.write(|tx| {
                let at = NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M").unwrap().and_utc();
                tx.backdate(at)?;
                let id = tx.create_ticket(NewTicket {
                    queue: Some(queue),
                    subject: format!("{status} ticket"),
                    status: Some(status.into()),
                    time_worked: worked,
                    requestors: vec![requestor.into()],
                    ..NewTicket::default()
                })?;
                if let Some(area) = area {
                    tx.add_cf_value(CfObject::Ticket(id), cf, area)?;
                }
                Ok(())
            })
            .unwrap();
        }
        let root = db.root();
        let chart = |query: &str, by: &[GroupBy]| simple(root.read(|tx| tx.chart_tickets(query, by, None)).unwrap());

        assert_eq!(chart("", &[GroupBy::Queue]), [row(&["General"], 3, 35), row(&["Ops"], 1, 30)]);
        assert_eq!(
            chart("Queue = 'General'", &[GroupBy::Status, GroupBy::Requestor]),
            [
                row(&["new", "alice@example.org"], 1, 10),
                row(&["open", "alice@example.org"], 1, 5),
                row(&["open", "bob@example.org"], 1, 20)
            ]
        );
        assert_eq!(
            chart("", &[GroupBy::CustomField(NameOrId::Name("area".into()))]),
            [row(&[""], 1, 5), row(&["disk"], 1, 30), row(&["mail"], 2, 30)]
        );
        assert_eq!(
            chart("", &[GroupBy::Date(DateField::Created, Period::Month)]),
            [row(&["2026-01"], 2, 30), row(&["2026-02"], 2, 35)]
        );
        assert_eq!(
            chart("", &[GroupBy::Date(DateField::Created, Period::Week)]),
            [
                row(&["2026-01-05"], 1, 10),
                row(&["2026-01-19"], 1, 20),
                row(&["2026-02-02"], 1, 5),
                row(&["2026-02-09"], 1, 30)
            ]
        );
        assert_eq!(chart("", &[GroupBy::Date(DateField::Resolved, Period::Year)]).len(), 2, "unset dates group as ''");

        // Dates group in the user's zone: 23:30 UTC on 3 February is the 4th in Berlin.
        let (berlin_id, berlin) = staff(db, "berlin");
        root.write(|tx| {
            tx.update_user(
                berlin_id,
                &rt_core::UserProfile { timezone: Some("Europe/Berlin".into()), ..Default::default() },
            )
        })
        .unwrap();
        grant(db, Grantee::User(berlin_id), "ShowTicket", AclObject::Queue(helpdesk));
        let days = simple(
            berlin.read(|tx| tx.chart_tickets("", &[GroupBy::Date(DateField::Created, Period::Day)], None)).unwrap(),
        );
        assert_eq!(
            days,
            [row(&["2026-01-05"], 1, 10), row(&["2026-01-20"], 1, 20), row(&["2026-02-04"], 1, 5)],
            "only what berlin may see, in Berlin's days"
        );

        let err = root.read(|tx| tx.chart_tickets("Status =", &[GroupBy::Queue], None)).unwrap_err();
        assert!(err.to_string().contains("at character"), "{err}");
        assert!(root.read(|tx| tx.chart_tickets("", &[], None)).is_err());
    });
}

#[test]
fn full_text_rows_are_written_with_the_message_or_not_at_all() {
    each_backend(|db| {
        let root = db.root();
        let general = root.read(|tx| Ok(QueueId(tx.queue_by_name("General")?.id))).unwrap();
        let find = |word: &str| {
            root.read(|tx| tx.search_tickets(&TicketQuery::new(&format!("Content LIKE '{word}'")))).unwrap().ids
        };
        let id = root
            .write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "wombat".into(),
                    content: Some(MimeEntity::text("The wombat ate the cable")),
                    ..NewTicket::default()
                })
            })
            .unwrap();
        assert_eq!(find("wombat"), [id], "searchable as soon as it is committed");

        // A transaction that fails after storing its message leaves no index row.
        let failed = root.write(|tx| -> rt_core::Result<()> {
            tx.create_ticket(NewTicket {
                queue: Some(general),
                subject: "numbat".into(),
                content: Some(MimeEntity::text("numbat sighting")),
                ..NewTicket::default()
            })?;
            Err(rt_core::Error::invalid("test", "roll back"))
        });
        assert!(failed.is_err());
        assert!(find("numbat").is_empty());
    });
}
