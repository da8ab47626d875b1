//! Constituencies: what adding one creates, who sees what, linking across
//! them, moving an Incident with its children, and mail.

use rt_core::customfield::CfObject;
use rt_core::{
    AclObject, Config, Error, GroupId, Interface, NewTicket, NewUser, QueueId, Role, Session, TicketId, TicketQuery,
};
use rt_mail::gateway::{GatewayOutcome, GatewayRequest, deliver};
use rt_test_support::{TestDb, backends};
use rtir::constituency::{
    Constituency, READ_ONLY_QUEUE_RIGHTS, add_constituency, constituency_of, queue_constituency, queue_name,
    rename_constituency,
};
use rtir::install::{DUTY_TEAM_QUEUE_RIGHTS, everyone_rights};
use rtir::kind::Kind;
use rtir::links::link_to_incident;
use rtir::workflow::{self, NewReport};

use crate::{mail, read, run_scrips, site, site_with};

fn add(db: &TestDb, name: &str, correspond: Option<&str>) -> Constituency {
    db.root().write(|tx| add_constituency(tx, name, correspond, None)).unwrap()
}

fn queue(db: &TestDb, name: &str) -> QueueId {
    read(db, |tx| tx.queue_by_name(name)).queue_id()
}

/// A privileged member of `group`, with a web session.
fn member(db: &TestDb, name: &str, group: GroupId) -> Session {
    let id = db
        .root()
        .write(|tx| {
            let id = tx.create_user(NewUser { name: name.into(), privileged: true, ..NewUser::default() })?;
            tx.add_group_member(group, id.into())?;
            Ok(id)
        })
        .unwrap();
    db.rt().session(id, Interface::Web).unwrap()
}

fn report_in(db: &TestDb, queue: QueueId, subject: &str) -> TicketId {
    let ticket = NewTicket {
        queue: Some(queue),
        subject: subject.into(),
        requestors: vec!["reporter@example.net".into()],
        ..NewTicket::default()
    };
    db.root().write(|tx| workflow::create_report(tx, NewReport { ticket, ..NewReport::default() })).unwrap()
}

fn incident_in(db: &TestDb, queue: Option<QueueId>, children: &[TicketId]) -> TicketId {
    let ticket = NewTicket { queue, subject: "Incident".into(), ..NewTicket::default() };
    db.root().write(|tx| workflow::create_incident(tx, ticket, children)).unwrap()
}

/// The rights granted to `group` on `queue`, sorted.
fn rights_of(db: &TestDb, group: GroupId, queue: QueueId) -> Vec<String> {
    let mut rights: Vec<String> = read(db, |tx| tx.acl_entries(AclObject::Queue(queue)))
        .into_iter()
        .filter(|ace| ace.principal_id == group.into())
        .map(|ace| ace.right)
        .collect();
    rights.sort();
    rights
}

fn sorted(rights: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = rights.iter().map(|r| r.to_string()).collect();
    v.sort();
    v
}

#[test]
fn adding_a_constituency_clones_the_base_queues_and_is_idempotent() {
    for backend in backends() {
        let db = site(backend);
        let govnet = add(&db, "  GOVNET ", Some("govnet@cert.example"));
        assert_eq!(govnet.name, "GOVNET");
        let duty_team = read(&db, |tx| tx.group_by_name("DutyTeam")).group_id();
        let everyone = db.rt().system().everyone;
        for &(kind, id) in &govnet.queues {
            let base = read(&db, |tx| tx.queue_by_name(kind.default_queue()));
            let new = read(&db, |tx| tx.queue(id));
            assert_eq!(new.name, queue_name(kind, "GOVNET"));
            assert_eq!(new.lifecycle, base.lifecycle);
            assert_eq!(new.sla_disabled, kind == Kind::Incident, "{}", new.name);
            assert_eq!(new.initial_priority, base.initial_priority);
            assert_eq!(new.correspond_address, "govnet@cert.example");
            assert_eq!(read(&db, |tx| queue_constituency(tx, id)).as_deref(), Some("GOVNET"));
            assert_eq!(read(&db, |tx| queue_constituency(tx, base.queue_id())), None);
            let names = |q: QueueId| {
                let fields = read(&db, |tx| tx.custom_fields_applied_to(q));
                let templates = read(&db, |tx| tx.templates(Some(q)));
                (
                    fields.into_iter().map(|f| f.id).collect::<Vec<_>>(),
                    templates.into_iter().map(|t| (t.name, t.content)).collect::<Vec<_>>(),
                    read(&db, |tx| tx.queue_scrips(q)),
                    read(&db, |tx| tx.excluded_scrips(q)),
                )
            };
            let (base_fields, base_templates, base_scrips, base_excluded) = names(base.queue_id());
            let (fields, templates, scrips, excluded) = names(id);
            assert!(fields.len() > 2, "{}: the IP, Domain and CVE ID fields at least", new.name);
            assert_eq!(fields, base_fields, "{}", new.name);
            assert_eq!(templates, base_templates, "{}", new.name);
            assert_eq!(scrips, base_scrips, "{}", new.name);
            assert_eq!(excluded, base_excluded, "{}", new.name);
            if kind == Kind::Investigation {
                assert_eq!(templates.len(), 1, "the Investigation autoreply");
                assert_eq!(excluded.len(), 1, "RT's global autoreply");
            }
            assert_eq!(rights_of(&db, govnet.duty_team, id), sorted(DUTY_TEAM_QUEUE_RIGHTS));
            assert_eq!(rights_of(&db, govnet.read_only, id), sorted(READ_ONLY_QUEUE_RIGHTS));
            assert_eq!(rights_of(&db, everyone, id), sorted(everyone_rights(kind)));
            assert!(rights_of(&db, duty_team, id).is_empty(), "the base DutyTeam has no rights there");
            let owner_rights = read(&db, |tx| tx.acl_entries(AclObject::Queue(id)))
                .into_iter()
                .filter(|a| a.principal_type == "Owner");
            assert_eq!(owner_rights.map(|a| a.right).collect::<Vec<_>>(), ["ModifyTicket"]);
            assert_eq!(read(&db, |tx| tx.queue_watchers(id, Role::AdminCc)), [govnet.duty_team.into()]);
        }
        // The team may see and change the RTIR fields and the constituency.
        let ip = read(&db, |tx| tx.visible_custom_fields()).into_iter().find(|f| f.name == "IP").unwrap();
        let field = |tx: &mut rt_core::Tx<'_>| {
            Ok(tx.visible_custom_fields()?.into_iter().find(|f| f.name == "RTIR Constituency").unwrap())
        };
        let constituency_field = read(&db, field);
        for (group, right, expected) in [
            (govnet.duty_team, "ModifyCustomField", true),
            (govnet.read_only, "SeeCustomField", true),
            (govnet.read_only, "ModifyCustomField", false),
        ] {
            for cf in [ip.id, constituency_field.id] {
                let has = read(&db, |tx| tx.principal_has_right(group.into(), right, AclObject::CustomField(cf)));
                assert_eq!(has, expected, "{right} on {cf}");
            }
        }

        // Again, with a new address: the same queues, nothing doubled.
        let count = |db: &TestDb, q: QueueId| {
            let acl = read(db, |tx| tx.acl_entries(AclObject::Queue(q))).len();
            (acl, read(db, |tx| tx.queue_scrips(q)).len(), read(db, |tx| tx.templates(Some(q))).len())
        };
        let before: Vec<_> = govnet.queues.iter().map(|&(_, q)| count(&db, q)).collect();
        let again = add(&db, "GOVNET", Some("gov@cert.example"));
        assert_eq!(again, govnet);
        let after: Vec<_> = govnet.queues.iter().map(|&(_, q)| count(&db, q)).collect();
        assert_eq!(after, before);
        let options = read(&db, |tx| tx.custom_field_options(constituency_field.id));
        assert_eq!(options, [("GOVNET".to_string(), String::new())]);
        for &(_, q) in &govnet.queues {
            assert_eq!(read(&db, |tx| tx.queue(q)).correspond_address, "gov@cert.example");
            assert_eq!(read(&db, |tx| tx.queue_watchers(q, Role::AdminCc)).len(), 1);
        }

        // Renamed: value, queues and groups.
        db.root().write(|tx| rename_constituency(tx, "GOVNET", "GOV")).unwrap();
        for &(kind, q) in &govnet.queues {
            assert_eq!(read(&db, |tx| tx.queue(q)).name, queue_name(kind, "GOV"));
            assert_eq!(read(&db, |tx| queue_constituency(tx, q)).as_deref(), Some("GOV"));
        }
        assert_eq!(read(&db, |tx| tx.group_by_name("DutyTeam GOV")).group_id(), govnet.duty_team);
        assert_eq!(read(&db, |tx| tx.group_by_name("ReadOnly GOV")).group_id(), govnet.read_only);
        let missing = db.root().write(|tx| rename_constituency(tx, "GOVNET", "X"));
        assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
    }
}

#[test]
fn a_constituency_team_sees_only_its_own_tickets() {
    for backend in backends() {
        let db = site(backend);
        let (edunet, govnet) = (add(&db, "EDUNET", None), add(&db, "GOVNET", None));
        let edu_report = report_in(&db, queue(&db, "Incident Reports - EDUNET"), "EDUNET scan");
        let gov_report = report_in(&db, queue(&db, "Incident Reports - GOVNET"), "GOVNET scan");
        let gary = member(&db, "gary", govnet.duty_team);
        let edna = member(&db, "edna", edunet.read_only);

        let seen = gary.read(|tx| tx.ticket(edu_report));
        assert!(matches!(seen, Err(Error::PermissionDenied { .. })), "{seen:?}");
        assert_eq!(gary.read(|tx| tx.ticket(gov_report)).unwrap().subject, "GOVNET scan");
        let search =
            |s: &Session| s.read(|tx| tx.search_tickets(&TicketQuery::new("Subject LIKE 'scan'"))).unwrap().ids;
        assert_eq!(search(&gary), [gov_report]);
        assert_eq!(search(&edna), [edu_report]);
        let changed = edna.write(|tx| tx.set_status(edu_report, "open"));
        assert!(matches!(changed, Err(Error::PermissionDenied { .. })), "read-only: {changed:?}");
        // A GOVNET handler sees their queue's constituency.
        let theirs = gary.read(|tx| {
            let t = tx.ticket(gov_report)?;
            constituency_of(tx, &t)
        });
        assert_eq!(theirs.unwrap().as_deref(), Some("GOVNET"));
    }
}

#[test]
fn linking_across_constituencies_is_refused_unless_strict_linking_is_off() {
    for backend in backends() {
        let db = site(backend);
        add(&db, "EDUNET", None);
        add(&db, "GOVNET", None);
        let edu_report = report_in(&db, queue(&db, "Incident Reports - EDUNET"), "EDUNET scan");
        let gov_incident = incident_in(&db, Some(queue(&db, "Incidents - GOVNET")), &[]);
        let refused = db.root().write(|tx| link_to_incident(tx, edu_report, gov_incident));
        match refused {
            Err(Error::Validation { message, .. }) => assert_eq!(
                message,
                format!("Link failed: Ticket #{edu_report} is associated with a different constituency")
            ),
            other => panic!("expected RTIR's refusal, got {other:?}"),
        }
        let base_incident = incident_in(&db, Some(queue(&db, "Incidents")), &[]);
        assert!(db.root().write(|tx| link_to_incident(tx, edu_report, base_incident)).is_err());
        let cm = NewTicket { subject: "block".into(), ..NewTicket::default() };
        let cm_queue = Some(queue(&db, "Countermeasures - EDUNET"));
        let refused = db
            .root()
            .write(|tx| workflow::create_countermeasure(tx, NewTicket { queue: cm_queue, ..cm }, &[gov_incident]));
        assert!(matches!(refused, Err(Error::Validation { .. })), "{refused:?}");

        // Made from a report, an Incident is of the report's constituency.
        let edu_incident = incident_in(&db, None, &[edu_report]);
        let queue_of = |id| read(&db, |tx| tx.ticket(id)).queue;
        assert_eq!(queue_of(edu_incident), queue(&db, "Incidents - EDUNET"));
        let cm = NewTicket { subject: "block".into(), ..NewTicket::default() };
        let cm = db.root().write(|tx| workflow::create_countermeasure(tx, cm, &[edu_incident])).unwrap();
        assert_eq!(queue_of(cm), queue(&db, "Countermeasures - EDUNET"));

        let mut config = Config::default();
        config.rtir.strict_constituency_linking = false;
        let db = site_with(backend, config);
        add(&db, "EDUNET", None);
        add(&db, "GOVNET", None);
        let edu_report = report_in(&db, queue(&db, "Incident Reports - EDUNET"), "EDUNET scan");
        let gov_incident = incident_in(&db, Some(queue(&db, "Incidents - GOVNET")), &[]);
        db.root().write(|tx| link_to_incident(tx, edu_report, gov_incident)).unwrap();
    }
}

#[test]
fn moving_an_incident_to_another_constituency_moves_its_children() {
    for backend in backends() {
        let db = site(backend);
        add(&db, "EDUNET", None);
        add(&db, "GOVNET", None);
        let report = report_in(&db, queue(&db, "Incident Reports - EDUNET"), "EDUNET scan");
        let incident = incident_in(&db, None, &[report]);
        let root = db.root();
        let ticket = |subject: &str, requestors: Vec<String>| NewTicket {
            subject: subject.into(),
            requestors,
            ..NewTicket::default()
        };
        let inv = root
            .write(|tx| {
                workflow::launch_investigation(tx, ticket("ask", vec!["isp@example.org".into()]), Some(incident), &[])
            })
            .unwrap();
        let cm = root.write(|tx| workflow::create_countermeasure(tx, ticket("block", vec![]), &[incident])).unwrap();
        run_scrips(&db);
        let queue_name_of = |id| {
            read(&db, |tx| {
                let t = tx.ticket(id)?;
                Ok(tx.queue(t.queue)?.name)
            })
        };
        assert_eq!(queue_name_of(inv), "Investigations - EDUNET");

        root.write(|tx| tx.set_queue(incident, queue(&db, "Incidents - GOVNET"))).unwrap();
        run_scrips(&db);
        for (id, kind) in
            [(incident, Kind::Incident), (report, Kind::Report), (inv, Kind::Investigation), (cm, Kind::Countermeasure)]
        {
            assert_eq!(queue_name_of(id), queue_name(kind, "GOVNET"));
        }
        // Back to no constituency: the base queues.
        root.write(|tx| tx.set_queue(incident, queue(&db, "Incidents"))).unwrap();
        run_scrips(&db);
        for (id, kind) in [(report, Kind::Report), (inv, Kind::Investigation), (cm, Kind::Countermeasure)] {
            assert_eq!(queue_name_of(id), kind.default_queue());
        }
    }
}

#[test]
fn mail_to_a_constituency_lands_in_its_queue_and_answers_from_its_address() {
    for backend in backends() {
        let db = site(backend);
        add(&db, "GOVNET", Some("govnet@cert.example"));
        mail(&db);
        let message = b"From: Alice <alice@agency.example>\r\nTo: govnet@cert.example\r\n\
                        Subject: scans\r\nMessage-ID: <m1@agency.example>\r\n\r\nWe see scans from 192.0.2.9.\r\n";
        // The MTA hands mail to the constituency's address to its queue
        // (rt-mailgate --queue 'Incident Reports - GOVNET').
        let request =
            GatewayRequest { queue: "Incident Reports - GOVNET", action: "correspond", ticket: None, message };
        let GatewayOutcome::Ok(id) = deliver(db.rt(), &request) else { panic!("not delivered") };
        let ticket = read(&db, |tx| tx.ticket(id));
        assert_eq!(ticket.queue, queue(&db, "Incident Reports - GOVNET"));
        run_scrips(&db);
        let ip = read(&db, |tx| {
            let cf = tx.custom_fields_for(CfObject::Ticket(id))?.into_iter().find(|f| f.name == "IP").unwrap();
            tx.cf_values(CfObject::Ticket(id), cf.id)
        });
        assert_eq!(ip.len(), 1, "the queue's scrips ran");
        let sent = mail(&db);
        let (_, autoreply) = sent.iter().find(|(to, _)| to.contains(&"alice@agency.example".to_string())).unwrap();
        let from = autoreply.lines().find(|l| l.starts_with("From:")).unwrap();
        assert!(from.contains("<govnet@cert.example>") || from.ends_with("govnet@cert.example"), "{from}");
    }
}
