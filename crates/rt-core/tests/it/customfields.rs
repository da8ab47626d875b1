//! Custom fields: every type, where they apply, rights, history.

use rt_core::{
    AclObject, CfInput, CfObject, CfType, CustomFieldId, Error, Grantee, LookupType, NewCustomField, NewQueue,
    NewTicket, QueueId, TicketId,
};
use rt_test_support::TestDb;

use crate::{each_backend, grant, staff};

fn field(db: &TestDb, new: NewCustomField, queue: Option<QueueId>) -> CustomFieldId {
    db.root()
        .write(|tx| {
            let id = tx.create_custom_field(new)?;
            tx.apply_custom_field(id, queue)?;
            Ok(id)
        })
        .unwrap()
}

fn ticket_in(db: &TestDb, queue: QueueId) -> TicketId {
    db.root().write(|tx| tx.create_ticket(NewTicket { queue: Some(queue), ..NewTicket::default() })).unwrap()
}

fn general(db: &TestDb) -> QueueId {
    db.root().read(|tx| tx.queue_by_name("General")).unwrap().queue_id()
}

/// Sets `value` and returns what is stored, or the error text.
fn try_value(db: &TestDb, t: TicketId, cf: CustomFieldId, value: CfInput) -> Result<Vec<String>, String> {
    db.root()
        .write(|tx| {
            tx.add_cf_value(CfObject::Ticket(t), cf, value)?;
            tx.cf_values(CfObject::Ticket(t), cf)
        })
        .map(|vs| vs.into_iter().map(|v| v.content).collect())
        .map_err(|e| e.to_string())
}

fn text(s: &str) -> CfInput {
    CfInput::Text(s.into())
}

#[test]
fn every_type_validates_and_stores() {
    each_backend(|db| {
        let q = general(db);
        let t = ticket_in(db, q);
        let mut digits = NewCustomField::ticket("Build", CfType::Freeform);
        digits.pattern = r"(?#Digits)^\d+$".into();
        let build = field(db, digits, None);
        assert_eq!(try_value(db, t, build, text(" 123 ")).unwrap(), ["123"]);
        let err = try_value(db, t, build, text("12a")).unwrap_err();
        assert!(err.contains("Build") && err.contains("input must match [Digits]"), "{err}");
        let err = try_value(db, t, build, text("1\n2")).unwrap_err();
        assert!(err.contains("single line"), "{err}");

        let mut one = NewCustomField::ticket("Severity", CfType::Select);
        one.max_values = 1;
        let severity = field(db, one, None);
        db.root()
            .write(|tx| {
                tx.add_custom_field_option(severity, "low", 3, "")?;
                tx.add_custom_field_option(severity, "high", 1, "urgent")?;
                tx.add_custom_field_option(severity, "medium", 2, "")
            })
            .unwrap();
        let options = db.root().read(|tx| tx.custom_field_options(severity)).unwrap();
        assert_eq!(options[0], ("high".to_string(), "urgent".to_string()));
        assert_eq!(try_value(db, t, severity, text("low")).unwrap(), ["low"]);
        assert_eq!(try_value(db, t, severity, text("high")).unwrap(), ["high"], "a single value is replaced");
        let err = try_value(db, t, severity, text("critical")).unwrap_err();
        assert!(err.contains("not one of its values"), "{err}");

        let combo = field(db, NewCustomField::ticket("Team", CfType::Combobox), None);
        assert_eq!(try_value(db, t, combo, text("Ops")).unwrap(), ["Ops"]);

        let notes = field(db, NewCustomField::ticket("Notes", CfType::Text), None);
        let long = "line one\nline two\n".repeat(40);
        assert_eq!(try_value(db, t, notes, text(&long)).unwrap(), vec![long]);

        let date = field(db, NewCustomField::ticket("Deadline", CfType::Date), None);
        assert_eq!(try_value(db, t, date, text("2026-12-24")).unwrap(), ["2026-12-24"]);
        assert!(try_value(db, t, date, text("24/12/2026")).unwrap_err().contains("not a date"));
        let when = field(db, NewCustomField::ticket("Seen", CfType::DateTime), None);
        assert_eq!(try_value(db, t, when, text("2026-12-04T10:30:00+02:00")).unwrap(), ["2026-12-04 08:30:00"]);
        assert!(try_value(db, t, when, text("yesterday-ish")).unwrap_err().contains("not a date and time"));

        let addr = field(db, NewCustomField::ticket("Host", CfType::IpAddress), None);
        assert_eq!(try_value(db, t, addr, text("192.168.1.10")).unwrap(), ["192.168.1.10"]);
        assert!(try_value(db, t, addr, text("10.0.0.0/8")).is_err());
        let ips = field(db, NewCustomField::ticket("IP", CfType::IpAddressRange), None);
        try_value(db, t, ips, text("10.0.2.0/24")).unwrap();
        try_value(db, t, ips, text("172.16/16")).unwrap();
        let stored = try_value(db, t, ips, text("10.0.9.9-10.0.9.1")).unwrap();
        assert_eq!(stored, ["10.0.2.0-10.0.2.255", "172.16.0.0-172.16.255.255", "10.0.9.1-10.0.9.9"]);
        for bad in ["10.0.2.256", "banana", "1.2.3.4/33"] {
            assert!(try_value(db, t, ips, text(bad)).is_err(), "{bad}");
        }

        let file = field(db, NewCustomField::ticket("Evidence", CfType::Binary), None);
        let bytes: Vec<u8> = (0..=255).collect();
        let upload = CfInput::Upload {
            filename: "dump.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: bytes.clone(),
        };
        assert_eq!(try_value(db, t, file, upload).unwrap(), ["dump.bin"]);
        let got = db.root().read(|tx| tx.cf_values(CfObject::Ticket(t), file)).unwrap();
        assert_eq!(got[0].bytes.as_deref(), Some(&bytes[..]));
        assert!(try_value(db, t, file, text("not a file")).unwrap_err().contains("file upload"));
        let image = field(db, NewCustomField::ticket("Photo", CfType::Image), None);
        let not_image = CfInput::Upload { filename: "a.txt".into(), content_type: "text/plain".into(), bytes: vec![1] };
        assert!(try_value(db, t, image, not_image).unwrap_err().contains("takes images"));
    });
}

#[test]
fn fields_apply_per_queue_and_to_other_objects() {
    each_backend(|db| {
        let root = db.root();
        let (q1, q2) = (
            general(db),
            root.write(|tx| tx.create_queue(NewQueue { name: "Other".into(), ..Default::default() })).unwrap(),
        );
        let only_q1 = field(db, NewCustomField::ticket("Local", CfType::Freeform), Some(q1));
        let (t1, t2) = (ticket_in(db, q1), ticket_in(db, q2));
        try_value(db, t1, only_q1, text("x")).unwrap();
        let err = try_value(db, t2, only_q1, text("x")).unwrap_err();
        assert!(err.contains("does not apply"), "{err}");
        let names = |t| {
            root.read(|tx| tx.custom_fields_for(CfObject::Ticket(t)))
                .unwrap()
                .into_iter()
                .map(|f| f.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(t1), ["Local"]);
        assert!(names(t2).is_empty());

        let user_cf = field(
            db,
            NewCustomField { lookup: LookupType::User, ..NewCustomField::ticket("Employee no", CfType::Freeform) },
            None,
        );
        let (olga, olga_s) = staff(db, "olga");
        root.write(|tx| tx.add_cf_value(CfObject::User(olga), user_cf, "E-42")).unwrap();
        grant(db, Grantee::User(olga), "SeeCustomField", AclObject::CustomField(user_cf));
        let mine = olga_s.read(|tx| tx.cf_values(CfObject::User(olga), user_cf)).unwrap();
        assert_eq!(mine[0].content, "E-42");
        let err = olga_s.write(|tx| tx.add_cf_value(CfObject::User(olga), user_cf, "E-43")).unwrap_err();
        assert!(err.to_string().contains("AdminUsers"), "{err}");

        let queue_cf = field(
            db,
            NewCustomField { lookup: LookupType::Queue, ..NewCustomField::ticket("Cost centre", CfType::Freeform) },
            None,
        );
        root.write(|tx| tx.add_cf_value(CfObject::Queue(q2), queue_cf, "CC-7")).unwrap();
        let group_cf = field(
            db,
            NewCustomField { lookup: LookupType::Group, ..NewCustomField::ticket("Shift", CfType::Freeform) },
            None,
        );
        let g = root.write(|tx| tx.create_group("Night", "")).unwrap();
        root.write(|tx| tx.add_cf_value(CfObject::Group(g), group_cf, "22-06")).unwrap();
        let txn_cf = field(
            db,
            NewCustomField { lookup: LookupType::Transaction, ..NewCustomField::ticket("Billable", CfType::Freeform) },
            Some(q1),
        );
        let reply = root.write(|tx| tx.correspond(t1, rt_core::Message::text("done"))).unwrap();
        root.write(|tx| tx.add_cf_value(CfObject::Transaction(reply), txn_cf, "yes")).unwrap();
        assert_eq!(root.read(|tx| tx.cf_values(CfObject::Transaction(reply), txn_cf)).unwrap()[0].content, "yes");
        let err = root.write(|tx| tx.apply_custom_field(user_cf, Some(q1))).unwrap_err();
        assert!(err.to_string().contains("apply everywhere"), "{err}");
    });
}

#[test]
fn values_are_recorded_defaulted_unique_and_checked() {
    each_backend(|db| {
        let root = db.root();
        let q = general(db);
        let mut with_default = NewCustomField::ticket("Impact", CfType::Freeform);
        with_default.default_values = vec!["unknown".into()];
        with_default.link_value_to = "https://cmdb.example.com/find?q=__CustomField__&t=__id__".into();
        let impact = field(db, with_default, None);
        let mut uniq = NewCustomField::ticket("Case", CfType::Freeform);
        uniq.unique_values = true;
        let case = field(db, uniq, None);

        let t = root
            .write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(q),
                    custom_fields: vec![(case, vec!["C-1".into()])],
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let values = |cf| {
            root.read(|tx| tx.cf_values(CfObject::Ticket(t), cf))
                .unwrap()
                .into_iter()
                .map(|v| v.content)
                .collect::<Vec<_>>()
        };
        assert_eq!(values(impact), ["unknown"], "default applied at create");
        assert_eq!(values(case), ["C-1"]);
        let t2 = ticket_in(db, q);
        let err = try_value(db, t2, case, text("C-1")).unwrap_err();
        assert!(err.contains("unique"), "{err}");

        root.write(|tx| tx.set_cf_values(CfObject::Ticket(t), impact, &["high", "wide"])).unwrap();
        root.write(|tx| tx.delete_cf_value(CfObject::Ticket(t), impact, "wide")).unwrap();
        assert_eq!(values(impact), ["high"]);
        let changes: Vec<_> = root
            .read(|tx| tx.history(t))
            .unwrap()
            .into_iter()
            .filter(|x| x.kind == "CustomField")
            .map(|x| (x.field.unwrap(), x.old_value, x.new_value, x.old_reference.is_some(), x.new_reference.is_some()))
            .collect();
        let f = impact.to_string();
        let s = |o: Option<&str>, n: Option<&str>| {
            (f.clone(), o.map(String::from), n.map(String::from), o.is_some(), n.is_some())
        };
        assert_eq!(
            changes,
            [s(Some("unknown"), None), s(None, Some("high")), s(None, Some("wide")), s(Some("wide"), None)]
        );
        let cf = root.read(|tx| tx.custom_field(impact)).unwrap();
        assert_eq!(cf.link_for(7, "a b").as_deref(), Some("https://cmdb.example.com/find?q=a%20b&t=7"));

        // Per-field rights, granted on the field itself.
        let (pat, pat_s) = staff(db, "pat");
        grant(db, Grantee::User(pat), "ShowTicket", AclObject::Queue(q));
        let err = pat_s.read(|tx| tx.cf_values(CfObject::Ticket(t), impact)).unwrap_err();
        assert!(matches!(&err, Error::PermissionDenied { right, .. } if right == "SeeCustomField"), "{err}");
        grant(db, Grantee::User(pat), "SeeCustomField", AclObject::CustomField(impact));
        assert!(pat_s.read(|tx| tx.cf_values(CfObject::Ticket(t), impact)).is_ok());
        assert!(pat_s.read(|tx| tx.cf_values(CfObject::Ticket(t), case)).is_err(), "only that field");
        let err = pat_s.write(|tx| tx.add_cf_value(CfObject::Ticket(t), impact, "low")).unwrap_err();
        assert!(err.to_string().contains("ModifyCustomField"), "{err}");
        grant(db, Grantee::User(pat), "CreateTicket", AclObject::Queue(q));
        let err = pat_s
            .write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(q),
                    custom_fields: vec![(impact, vec!["low".into()])],
                    ..NewTicket::default()
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains("SetInitialCustomField"), "{err}");
        grant(db, Grantee::User(pat), "SetInitialCustomField", AclObject::Queue(q));
        pat_s
            .write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(q),
                    custom_fields: vec![(impact, vec!["low".into()])],
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let err =
            pat_s.write(|tx| tx.create_custom_field(NewCustomField::ticket("Mine", CfType::Freeform))).unwrap_err();
        assert!(err.to_string().contains("AdminCustomField"), "{err}");
        let err = root
            .write(|tx| {
                tx.create_custom_field(NewCustomField {
                    pattern: "(".into(),
                    ..NewCustomField::ticket("Bad", CfType::Freeform)
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains("not a valid pattern"), "{err}");
    });
}
