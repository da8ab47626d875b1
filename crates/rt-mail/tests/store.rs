//! A parsed message stored as a ticket's first message comes back as it
//! arrived, on both backends.

#![allow(clippy::unwrap_used)]

use rt_core::NewTicket;
use rt_test_support::{TestDb, backends};

const MAIL: &str = concat!(
    "From: Kari Nordmann <kari@example.no>\n",
    "Subject: =?UTF-8?Q?Skriveren_p=C3=A5_kontoret?=\n",
    "MIME-Version: 1.0\n",
    "Content-Type: multipart/alternative; boundary=alt\n",
    "\n",
    "--alt\n",
    "Content-Type: text/plain; charset=utf-8\n",
    "\n",
    "Skriveren virker ikke.\n",
    "--alt\n",
    "Content-Type: text/html; charset=windows-1252\n",
    "Content-Transfer-Encoding: quoted-printable\n",
    "\n",
    "<p>Skriveren virker ikke =96 igjen.</p>\n",
    "--alt--\n",
);

#[test]
fn parsed_mail_round_trips_through_a_ticket() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let message = rt_mail::parse_message(MAIL.as_bytes());
        assert_eq!(message.from.as_deref(), Some("kari@example.no"));
        let root = db.root();
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket {
                    queue: Some(q),
                    subject: message.subject.clone().unwrap_or_default(),
                    requestors: vec![message.from.clone().unwrap()],
                    content: Some(message.entity.clone()),
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let ticket = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(ticket.subject, "Skriveren på kontoret");
        let atts = root.read(|tx| tx.ticket_attachments(id)).unwrap();
        let types: Vec<_> = atts.iter().map(|a| a.content_type.as_str()).collect();
        assert_eq!(types, ["multipart/alternative", "text/plain", "text/html"]);
        let (_, html) = root.read(|tx| tx.attachment(atts[2].id)).unwrap();
        assert_eq!(String::from_utf8(html).unwrap(), "<p>Skriveren virker ikke – igjen.</p>");
        assert!(atts[2].headers.contains("Content-Transfer-Encoding: quoted-printable"));
    }
}
