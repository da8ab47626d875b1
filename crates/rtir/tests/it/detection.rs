//! RTIR's detection scrips: what a message names lands in the ticket's
//! IP, Domain and CVE ID fields, once each and within MaxValues, and
//! follows the ticket into the Incident it joins and the ticket it is
//! merged into. (`MaxValues` is the pure `detect::values_to_add`'s, tested
//! with it.)

use rt_core::{MimeEntity, NewTicket};
use rt_test_support::backends;
use rtir::workflow::{self, NewReport};

use super::{read, run_scrips, site, text};

#[test]
fn message_values_land_in_the_fields_and_follow_the_ticket() {
    for backend in backends() {
        let db = site(backend);
        let root = db.root();
        let body = "Scans from 10.0.2.0/24 and 192.0.2.7 (again 192.0.2.7), \
                    phishing at login.bad-bank.example.com, exploit for cve-2024-12345.\n";
        let ir = root
            .write(|tx| {
                workflow::create_report(
                    tx,
                    NewReport {
                        ticket: NewTicket {
                            subject: "scan".into(),
                            requestors: vec!["reporter@edu.example".into()],
                            content: Some(MimeEntity::text(body)),
                            ..NewTicket::default()
                        },
                        ..NewReport::default()
                    },
                )
            })
            .unwrap();
        run_scrips(&db);
        let values = |id, field: &str| read(&db, |tx| workflow::field_values(tx, id, field));
        assert_eq!(values(ir, "IP"), ["10.0.2.0-10.0.2.255", "192.0.2.7"]);
        assert_eq!(values(ir, "Domain"), ["login.bad-bank.example.com"]);
        assert_eq!(values(ir, "CVE ID"), ["CVE-2024-12345"]);
        // A reply adds what is new, nothing twice (an address inside a
        // range already held is a value of its own, as in RTIR).
        root.write(|tx| tx.correspond(ir, text("Also 198.51.100.1 and 192.0.2.7; see CVE-2024-12345."))).unwrap();
        run_scrips(&db);
        assert_eq!(values(ir, "IP"), ["10.0.2.0-10.0.2.255", "192.0.2.7", "198.51.100.1"]);
        assert_eq!(values(ir, "CVE ID"), ["CVE-2024-12345"]);
        // An Incident made from the report takes its values.
        let inc = root
            .write(|tx| {
                workflow::create_incident(tx, NewTicket { subject: "Scanning".into(), ..NewTicket::default() }, &[ir])
            })
            .unwrap();
        run_scrips(&db);
        assert_eq!(values(inc, "IP"), values(ir, "IP"));
        assert_eq!(values(inc, "Domain"), ["login.bad-bank.example.com"]);
        assert_eq!(values(inc, "CVE ID"), ["CVE-2024-12345"]);
        // A report merged into this one brings its values.
        let other = root
            .write(|tx| {
                workflow::create_report(
                    tx,
                    NewReport {
                        ticket: NewTicket {
                            subject: "same scan".into(),
                            content: Some(MimeEntity::text("seen from 203.0.113.9 too")),
                            ..NewTicket::default()
                        },
                        ..NewReport::default()
                    },
                )
            })
            .unwrap();
        run_scrips(&db);
        root.write(|tx| tx.merge_tickets(other, ir)).unwrap();
        run_scrips(&db);
        assert!(values(ir, "IP").contains(&"203.0.113.9".to_string()), "{:?}", values(ir, "IP"));
    }
}
