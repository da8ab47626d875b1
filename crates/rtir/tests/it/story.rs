//! The incident story as a CSIRT lives it, on a clock the test moves: a
//! report mailed to constituency EDUNET on a Sunday evening, its business-
//! hours SLA, detection, the DutyTeam's reply, an Incident, an
//! Investigation, a Countermeasure, the resolution and a late reply.

use chrono::{DateTime, TimeZone, Utc};
use rt_core::{Clock, Config, Error, MimeEntity, NewTicket, Role, TicketId};
use rt_mail::gateway::{GatewayOutcome, GatewayRequest, deliver};
use rt_test_support::{TestDb, backends};
use rtir::constituency::add_constituency;
use rtir::workflow::{self, field_values};

use crate::{mail, read, run_scrips, status, text};

/// The site's SLA: Incident Reports (also EDUNET's, which a site lists
/// beside the base queue) answered within a business hour and resolved
/// within 24 business hours, the business day being 09:00-18:00 Monday
/// to Friday.
const SLA: &str = r#"
[service_agreements]
queue_default = { "Incident Reports" = "IR", "Incident Reports - EDUNET" = "IR" }
[service_agreements.levels.IR]
starts = { business_minutes = 0 }
response = { business_minutes = 60 }
resolve = { business_minutes = 1440 }
[service_agreements.business_hours.Default]
days = { monday = { start = "09:00", end = "18:00" }, tuesday = { start = "09:00", end = "18:00" }, wednesday = { start = "09:00", end = "18:00" }, thursday = { start = "09:00", end = "18:00" }, friday = { start = "09:00", end = "18:00" } }
"#;

/// 2026-03-`day` at `h:m` UTC; the 1st is a Sunday.
fn march(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, h, m, 0).unwrap()
}

fn edunet_site(backend: rt_core::db::Backend, clock: &Clock) -> TestDb {
    let mut config = Config::from_toml(SLA).unwrap();
    rtir::lifecycles::configure(&mut config).unwrap();
    let db = TestDb::with_clock(backend, config, clock.clone());
    assert!(rt_scrips::defaults::install(db.rt()).unwrap());
    assert!(rtir::install::install(db.rt()).unwrap());
    db
}

fn mail_in(db: &TestDb, ticket: Option<TicketId>, id: &str, body: &str) -> TicketId {
    let message = format!(
        "From: Reporter <reporter@uni.example>\r\nTo: edunet@cert.example\r\nSubject: Scans from your range\r\n\
         Message-ID: <{id}@uni.example>\r\n\r\n{body}\r\n"
    );
    let request = GatewayRequest {
        queue: "Incident Reports - EDUNET",
        action: "correspond",
        ticket,
        message: message.as_bytes(),
    };
    match deliver(db.rt(), &request) {
        GatewayOutcome::Ok(id) => id,
        other => panic!("not delivered: {other:?}"),
    }
}

#[test]
fn a_sunday_report_to_edunet_runs_to_resolution_on_business_hours() {
    for backend in backends() {
        let clock = Clock::fixed(march(1, 17, 7));
        let db = edunet_site(backend, &clock);
        let root = db.root();
        let edunet = root.write(|tx| add_constituency(tx, "EDUNET", Some("edunet@cert.example"), None)).unwrap();
        let (alice, alice_s) = crate::handler(&db, "alice");
        root.write(|tx| tx.add_group_member(edunet.duty_team, alice.into())).unwrap();
        mail(&db);

        // Sunday 17:07: the report arrives by mail at EDUNET's address.
        let ir = mail_in(&db, None, "sunday", "Scans from 10.0.2.0/24 since this afternoon.");
        run_scrips(&db);
        let t = read(&db, |tx| tx.ticket(ir));
        assert_eq!(read(&db, |tx| tx.queue(t.queue)).name, "Incident Reports - EDUNET");
        assert_eq!(t.sla.as_deref(), Some("IR"));
        assert_eq!(t.created, march(1, 17, 7));
        assert_eq!(t.starts, Some(march(2, 9, 0)), "Starts: the first business minute, Monday 09:00");
        assert_eq!(t.due, Some(march(2, 10, 0)), "Due: an hour of business time to answer");
        assert_eq!(read(&db, |tx| field_values(tx, ir, "IP")), ["10.0.2.0-10.0.2.255"]);
        assert_eq!(read(&db, |tx| tx.queue_watchers(t.queue, Role::AdminCc)), [edunet.duty_team.into()]);
        let sent = mail(&db);
        let autoreply = sent.iter().find(|(to, _)| to.iter().any(|a| a == "reporter@uni.example")).unwrap();
        assert!(autoreply.1.contains("edunet@cert.example"), "answered from EDUNET's address: {}", autoreply.1);

        // Monday 09:40 the duty team answers: the response is given, so
        // Due becomes the resolution deadline, 24 business hours after
        // Monday 09:00: Wednesday 15:00.
        clock.set(march(2, 9, 40));
        alice_s.write(|tx| tx.correspond(ir, text("We are looking into it."))).unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| tx.ticket(ir)).due, Some(march(4, 15, 0)));
        mail(&db);

        // Monday 11:00: an Incident from the report takes its IPs.
        clock.set(march(2, 11, 0));
        let incidents = read(&db, |tx| tx.queue_by_name("Incidents - EDUNET")).queue_id();
        alice_s.write(|tx| tx.take(ir)).unwrap();
        let inc = alice_s
            .write(|tx| {
                let ticket = NewTicket { queue: Some(incidents), ..NewTicket::default() };
                workflow::create_incident(tx, ticket, &[ir])
            })
            .unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| field_values(tx, inc, "IP")), ["10.0.2.0-10.0.2.255"]);
        assert_eq!(status(&db, ir), "open");

        // An Investigation launched with the report attached: its
        // correspondent gets the Investigations autoreply.
        let investigations = read(&db, |tx| tx.queue_by_name("Investigations - EDUNET")).queue_id();
        let inv = alice_s
            .write(|tx| {
                let ticket = NewTicket {
                    queue: Some(investigations),
                    subject: "Scanning from 10.0.2.0/24".into(),
                    requestors: vec!["abuse@isp.example".into()],
                    content: Some(MimeEntity::text("Please stop the scans.")),
                    ..NewTicket::default()
                };
                workflow::launch_investigation(tx, ticket, Some(inc), &[ir])
            })
            .unwrap();
        run_scrips(&db);
        let sent = mail(&db);
        let launch = sent.iter().find(|(to, _)| to.iter().any(|a| a == "abuse@isp.example")).unwrap();
        assert!(launch.1.contains("whenever you write to us about this matter"), "{}", launch.1);
        assert!(launch.1.contains(&format!("incident-report-{ir}.txt")), "{}", launch.1);

        // A Countermeasure needs its Incident.
        let countermeasures = read(&db, |tx| tx.queue_by_name("Countermeasures - EDUNET")).queue_id();
        let block =
            || NewTicket { queue: Some(countermeasures), subject: "Block 10.0.2.0/24".into(), ..NewTicket::default() };
        let orphan = alice_s.write(|tx| workflow::create_countermeasure(tx, block(), &[]));
        assert!(matches!(orphan, Err(Error::Validation { .. })), "{orphan:?}");
        let cm = alice_s.write(|tx| workflow::create_countermeasure(tx, block(), &[inc])).unwrap();
        run_scrips(&db);

        // Tuesday: resolving the Incident resolves the report and the
        // Investigation and removes the Countermeasure.
        clock.set(march(3, 14, 0));
        alice_s.write(|tx| tx.set_status(inc, "resolved")).unwrap();
        run_scrips(&db);
        assert_eq!(
            [status(&db, ir), status(&db, inv), status(&db, cm)],
            ["resolved".to_string(), "resolved".into(), "removed".into()]
        );
        let ir_now = read(&db, |tx| tx.ticket(ir));
        assert_eq!((ir_now.resolved, ir_now.due), (Some(march(3, 14, 0)), None), "resolved: no deadline");
        mail(&db);

        // Thursday: a late reply on the report reopens it and its Incident.
        clock.set(march(5, 8, 30));
        assert_eq!(mail_in(&db, Some(ir), "thursday", "It started again."), ir);
        run_scrips(&db);
        assert_eq!((status(&db, ir), status(&db, inc)), ("open".to_string(), "open".to_string()));
        let reopened = read(&db, |tx| tx.history(ir)).into_iter().last().unwrap();
        assert_eq!(reopened.created, march(5, 8, 30), "history follows the clock");
    }
}
