//! Composing: replies and comments (`/Ticket/Update.html`) with status,
//! owner, time, one-time Cc, files, quoting, the recipients preview and
//! squelching, the soft lock and the results shown after the redirect;
//! forwards; ticket creation with custom fields, links and dates; and
//! self-service display, reply and creation. Each POST form is also tried
//! with bad input, without the right and without the CSRF token, and must
//! then change nothing.

use rt_core::{AclObject, CfObject, CfType, Grantee, Interface, NewCustomField, NewQueue, NewUser};

use super::*;

/// A `multipart/form-data` POST: `fields`, then `files` as `Attach`.
fn multipart(uri: &str, cookie: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> test::TestRequest {
    let boundary = "xYzBoUnDaRy42";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"Attach\"; filename=\"{filename}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("cookie", cookie.to_string()))
        .insert_header(("content-type", format!("multipart/form-data; boundary={boundary}")))
        .set_payload(body)
}

/// Kinds of the ticket's transactions, oldest first.
fn kinds(site: &Site, id: TicketId) -> Vec<String> {
    site.db.root().read(|tx| tx.history(id)).unwrap().into_iter().map(|t| t.kind).collect()
}

/// Every message in the outbox so far (claimed, so each is seen once):
/// its recipients and content.
fn outgoing(site: &Site) -> Vec<(Vec<String>, String)> {
    rt_scrips::run_pending(site.db.rt(), 1000).unwrap();
    let system = site.db.rt().system_session(Interface::Api);
    let items = system.write(|tx| tx.claim_outbox("test", 1000, std::time::Duration::from_secs(300))).unwrap();
    items.into_iter().map(|i| (i.mail.recipients, String::from_utf8_lossy(&i.mail.content).into_owned())).collect()
}

/// A privileged user who may see General's tickets, made by this module
/// (the shared fixture stays as it is).
fn colleague(site: &Site, name: &str, rights: &[&str]) {
    site.db
        .root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            let id = tx.create_user(NewUser {
                name: name.into(),
                email: Some(format!("{name}@example.com")),
                password: Some(format!("{name}pass")),
                privileged: true,
                ..NewUser::default()
            })?;
            for right in rights {
                tx.grant(Grantee::User(id), right, AclObject::Queue(general))?;
            }
            Ok(())
        })
        .unwrap();
}

/// The fixture site with RT's default scrips, so updates send mail; the
/// fixture's own mail (autoreplies) is already out of the way.
fn mailing_site(backend: rt_core::db::Backend) -> Site {
    let site = site(backend, Config::default());
    rt_scrips::defaults::install(site.db.rt()).unwrap();
    outgoing(&site);
    site
}

fn user_id(site: &Site, name: &str) -> i64 {
    site.db.root().read(|tx| tx.user_by_name(name)).unwrap().id
}

#[actix_web::test]
async fn a_reply_changes_status_owner_and_time_mails_who_is_not_squelched_and_shows_results() {
    for backend in backends() {
        let site = mailing_site(backend);
        let app = app!(site);
        colleague(&site, "carol", &["ShowTicket"]);
        let staff = login(&app, "staff").await;
        let id = site.plain;
        let create = site.db.root().read(|tx| tx.history(id)).unwrap()[0].id;

        let uri = format!(
            "/Ticket/Update.html?id={}&Action=Respond&QuoteTransaction={}&DefaultStatus=resolved",
            id.0, create.0
        );
        let form = send(&app, get(&uri, &staff)).await;
        assert_eq!(form.status, StatusCode::OK, "{backend:?}: {}", form.body);
        assert_secured(&form, "update form");
        assert_inert(&form.body, "update form");
        for text in [
            "Reply to ticket #1: Printer on fire",
            "root wrote:\n&gt; It is burning.\n&gt; Please hurry.",
            r#"<option value="resolved" selected>resolved</option>"#,
            r#"<option value="response" selected>"#,
            r#"name="SquelchMailTo" value="guest@example.com""#,
            r#"enctype="multipart/form-data""#,
            r#"<label for="UpdateContent">"#,
        ] {
            assert!(form.body.contains(text), "{backend:?}: {text} in {}", form.body);
        }
        let staff_id = user_id(&site, "staff");
        assert!(form.body.contains(&format!(r#"<option value="{staff_id}">staff</option>"#)), "{}", form.body);
        assert!(!form.body.contains(">outsider</option>"), "outsider may not own");

        // Opening the form locked the ticket; others see it.
        let carol = login(&app, "carol").await;
        let display = send(&app, get(&format!("/Ticket/Display.html?id={}", id.0), &carol)).await;
        assert!(display.body.contains("Locked by staff less than a minute ago"), "{}", display.body);
        let own = send(&app, get(&format!("/Ticket/Display.html?id={}", id.0), &staff)).await;
        assert!(!own.body.contains("Locked by"), "not to the holder");

        let csrf = csrf(&form.body);
        let staff_text = staff_id.to_string();
        let fields = [
            ("CSRF", csrf.as_str()),
            ("id", "1"),
            ("UpdateType", "response"),
            ("UpdateSubject", "Re: Printer on fire"),
            ("UpdateContent", "The fire brigade is on its way."),
            ("Status", "resolved"),
            ("Owner", staff_text.as_str()),
            ("UpdateTimeWorked", "15"),
            ("UpdateCc", "boss@example.org"),
            ("SquelchMailTo", "guest@example.com"),
        ];
        let done = send(
            &app,
            multipart("/Ticket/Update.html", &staff, &fields, &[("photo.png", "image/png", b"\x89PNG fake")]),
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend:?}: {}", done.body);
        let location = done.header("location").to_string();
        assert!(location.starts_with("/Ticket/Display.html?id=1&results="), "{location}");
        let shown = send(&app, get(&location, &staff)).await;
        let results = captured(r#"(?s)class="message results" role="status">(.*?)</div>"#, &shown.body);
        for text in ["Correspondence added", "Status changed from &#39;new&#39; to &#39;resolved&#39;", "Taken"] {
            assert!(results.contains(text), "{backend:?}: {text} in {results}");
        }
        assert!(!shown.body.contains("Locked by"));
        let t = site.db.root().read(|tx| tx.ticket(id)).unwrap();
        assert_eq!((t.status.as_str(), t.time_worked), ("resolved", 15));
        assert_eq!(owner(&site, id), "staff");
        assert_eq!(site.db.root().read(|tx| tx.ticket_lock(id)).unwrap(), None, "released");
        let files = site.db.root().read(|tx| tx.ticket_attachments(id)).unwrap();
        assert!(files.iter().any(|a| a.filename.as_deref() == Some("photo.png")), "{files:?}");

        // The requestor was squelched from the reply (not from the status
        // change's own "Resolved" notice, as in RT); the one-time Cc was not.
        let mail = outgoing(&site);
        assert!(mail.iter().any(|(to, body)| to == &["boss@example.org"] && body.contains("fire brigade")), "{mail:?}");
        assert!(
            !mail.iter().any(|(to, body)| to.iter().any(|a| a == "guest@example.com") && body.contains("fire brigade")),
            "{mail:?}"
        );

        // The results parameter shows only that ticket's, and the viewer's, changes.
        let crafted = send(&app, get("/Ticket/Display.html?id=2&results=1-99", &staff)).await;
        assert!(!crafted.body.contains(r#"class="message results""#), "{}", crafted.body);
        let theirs = send(&app, get(&location, &carol)).await;
        assert!(!theirs.body.contains(r#"class="message results""#), "{}", theirs.body);
        let bogus = send(&app, get("/Ticket/Display.html?id=1&results=%3Cscript%3E", &staff)).await;
        assert_eq!(bogus.status, StatusCode::OK);
    }
}

#[actix_web::test]
async fn a_reply_reaches_the_requestor_unless_squelched_and_a_comment_stays_private() {
    for backend in backends() {
        let site = mailing_site(backend);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let form = send(&app, get(&format!("/Ticket/Update.html?id={}&Action=Comment", site.plain.0), &staff)).await;
        assert!(form.body.contains(r#"<option value="private" selected>"#), "{}", form.body);
        assert!(form.body.contains("Comment on ticket #1"), "{}", form.body);
        let csrf = csrf(&form.body);
        // A comment mails no requestor; switching to a reply and asking for
        // the recipients again shows them, and changes nothing.
        assert!(!form.body.contains(r#"value="guest@example.com""#), "{}", form.body);
        let before = kinds(&site, site.plain);
        let fields = [
            ("CSRF", csrf.as_str()),
            ("id", "1"),
            ("UpdateType", "response"),
            ("UpdateContent", "Draft"),
            ("ShowRecipients", "1"),
        ];
        let again = send(&app, multipart("/Ticket/Update.html", &staff, &fields, &[])).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert!(again.body.contains(r#"name="SquelchMailTo" value="guest@example.com""#), "{}", again.body);
        assert!(again.body.contains("Draft</textarea>"));
        assert_eq!(before, kinds(&site, site.plain));
        let fields =
            [("CSRF", csrf.as_str()), ("id", "1"), ("UpdateType", "private"), ("UpdateContent", "Between us: toner.")];
        let done = send(&app, multipart("/Ticket/Update.html", &staff, &fields, &[])).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(kinds(&site, site.plain).last().map(String::as_str), Some("Comment"));
        assert!(outgoing(&site).iter().all(|(to, _)| !to.iter().any(|a| a == "guest@example.com")));

        // An urlencoded reply (no files) works too, and mails the requestor.
        let fields = [("CSRF", csrf.as_str()), ("id", "1"), ("UpdateType", "response"), ("UpdateContent", "Fixed.")];
        let done = send(&app, post("/Ticket/Update.html", &staff, &fields)).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let mail = outgoing(&site);
        assert!(mail.iter().any(|(to, body)| to.iter().any(|a| a == "guest@example.com") && body.contains("Fixed.")));

        // The requestor sees the reply but never the comment.
        let guest = login(&app, "guest").await;
        let page = send(&app, get(&format!("/SelfService/Display.html?id={}", site.plain.0), &guest)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Fixed.") && page.body.contains("It is burning."), "{}", page.body);
        assert!(!page.body.contains("Between us"), "{}", page.body);
    }
}

#[actix_web::test]
async fn bad_updates_refused_rights_and_missing_tokens_change_nothing() {
    for backend in backends() {
        let site = mailing_site(backend);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let id = site.plain;
        let form = send(&app, get(&format!("/Ticket/Update.html?id={}", id.0), &staff)).await;
        let csrf = csrf(&form.body);
        let before = (kinds(&site, id), site.db.root().read(|tx| tx.ticket(id)).unwrap());
        let cases: [(&str, &str, &str); 4] = [
            ("UpdateTimeWorked", "a while", "whole number of minutes"),
            ("UpdateCc", "boss@, nonsense", "is not an email address"),
            ("Status", "bogus", "bogus"),
            ("Owner", "guest", "Choose an owner"),
        ];
        for (field, value, message) in cases {
            let fields = [("CSRF", csrf.as_str()), ("id", "1"), ("UpdateContent", "Kept text <b>"), (field, value)];
            let answer = send(&app, multipart("/Ticket/Update.html", &staff, &fields, &[])).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{backend:?} {field}: {}", answer.body);
            assert!(answer.body.contains(message), "{field}: {message} in {}", answer.body);
            assert!(answer.body.contains(&format!(r#"id="{field}-error""#)), "{field}: next to the field");
            assert!(answer.body.contains("Kept text &lt;b&gt;</textarea>"), "{field}: kept");
            assert_eq!(before, (kinds(&site, id), site.db.root().read(|tx| tx.ticket(id)).unwrap()), "{field}");
        }
        // A form beyond the size limit (four times the largest attachment,
        // plus a megabyte) is refused as such.
        let huge = "x".repeat(rt_core::Config::default().max_attachment_size as usize * 4 + 2 * 1024 * 1024);
        let fields = [("CSRF", csrf.as_str()), ("id", "1"), ("UpdateContent", huge.as_str())];
        let answer = send(&app, multipart("/Ticket/Update.html", &staff, &fields, &[])).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert!(answer.body.contains("the form is larger than"), "{}", &answer.body[..answer.body.len().min(2000)]);
        assert_eq!(before, (kinds(&site, id), site.db.root().read(|tx| tx.ticket(id)).unwrap()));
        // Without the CSRF token.
        let fields = [("id", "1"), ("UpdateContent", "Forged")];
        let answer = send(&app, multipart("/Ticket/Update.html", &staff, &fields, &[])).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(answer.body.contains("cross-site request forgery"));
        // Without any right on the ticket.
        let outsider = login(&app, "outsider").await;
        let page = send(&app, get(&format!("/Ticket/Update.html?id={}", id.0), &outsider)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let create = send(&app, get("/Ticket/Create.html", &outsider)).await;
        let token = super::csrf(&create.body);
        let fields = [("CSRF", token.as_str()), ("id", "1"), ("UpdateContent", "Let me in")];
        let answer = send(&app, multipart("/Ticket/Update.html", &outsider, &fields, &[])).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
        assert_eq!(before, (kinds(&site, id), site.db.root().read(|tx| tx.ticket(id)).unwrap()));
        // Seeing the ticket is not enough to comment on it.
        colleague(&site, "carol", &["ShowTicket"]);
        let carol = login(&app, "carol").await;
        let page = send(&app, get(&format!("/Ticket/Update.html?id={}&Action=Comment", id.0), &carol)).await;
        assert_eq!(page.status, StatusCode::OK);
        let token = super::csrf(&page.body);
        let fields = [("CSRF", token.as_str()), ("id", "1"), ("UpdateType", "private"), ("UpdateContent", "Psst")];
        let answer = send(&app, multipart("/Ticket/Update.html", &carol, &fields, &[])).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
        assert_eq!(before, (kinds(&site, id), site.db.root().read(|tx| tx.ticket(id)).unwrap()));
        // Staff's lock from opening the form is still theirs (carol found it taken).
        assert_eq!(
            site.db.root().read(|tx| tx.ticket_lock(id)).unwrap().map(|l| l.user.0),
            Some(user_id(&site, "staff"))
        );
    }
}

#[actix_web::test]
async fn a_forward_needs_forward_message_and_queues_the_mail() {
    for backend in backends() {
        let site = mailing_site(backend);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let id = site.hostile;
        let create = site.db.root().read(|tx| tx.history(id)).unwrap()[0].id;
        let uri = format!("/Ticket/Forward.html?id={}&QuoteTransaction={}", id.0, create.0);
        let form = send(&app, get(&uri, &staff)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert_inert(&form.body, "forward form");
        let csrf = csrf(&form.body);
        let create_text = create.0.to_string();
        let fields = [
            ("CSRF", csrf.as_str()),
            ("id", "2"),
            ("QuoteTransaction", create_text.as_str()),
            ("To", "vendor@example.net"),
            ("Content", "Please have a look."),
        ];
        let before = kinds(&site, id);
        let refused = send(&app, post("/Ticket/Forward.html", &staff, &fields)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(before, kinds(&site, id));
        assert!(outgoing(&site).is_empty());

        site.db
            .root()
            .write(|tx| {
                let user = tx.user_by_name("staff")?.user_id();
                let general = tx.queue_by_name("General")?.queue_id();
                tx.grant(Grantee::User(user), "ForwardMessage", AclObject::Queue(general))
            })
            .unwrap();
        let mut bad = fields;
        bad[3] = ("To", "vendor at example");
        let answer = send(&app, post("/Ticket/Forward.html", &staff, &bad)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert!(answer.body.contains(r#"value="vendor at example""#) && answer.body.contains("Please have a look."));
        let forged = send(&app, post("/Ticket/Forward.html", &staff, &fields[1..])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(before, kinds(&site, id));

        let done = send(&app, post("/Ticket/Forward.html", &staff, &fields)).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend:?}: {}", done.body);
        assert!(kinds(&site, id).contains(&"Forward Transaction".to_string()), "{:?}", kinds(&site, id));
        let shown = send(&app, get(done.header("location"), &staff)).await;
        assert!(shown.body.contains("<li>"), "{}", shown.body);
        let mail = outgoing(&site);
        let (_, body) = mail.iter().find(|(to, _)| to == &["vendor@example.net"]).expect("the forward");
        assert!(body.contains("Please have a look.") && body.contains("notes.txt"), "{body}");
        assert!(body.contains("Fwd: Quarterly report"), "{body}");
    }
}

#[actix_web::test]
async fn creating_a_ticket_with_fields_links_and_dates_and_refusing_bad_values() {
    for backend in backends() {
        let site = mailing_site(backend);
        let app = app!(site);
        let (serial, private) = site
            .db
            .root()
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                let serial = tx.create_custom_field(NewCustomField {
                    pattern: r"^\d+$".into(),
                    validation_hint: "digits only".into(),
                    max_values: 1,
                    ..NewCustomField::ticket("Serial", CfType::Freeform)
                })?;
                tx.apply_custom_field(serial, Some(general))?;
                let staff = tx.user_by_name("staff")?.user_id();
                for right in ["SeeCustomField", "SetInitialCustomField"] {
                    tx.grant(Grantee::User(staff), right, AclObject::Queue(general))?;
                }
                let private = tx.create_queue(NewQueue { name: "Private".into(), ..NewQueue::default() })?;
                Ok((serial, private))
            })
            .unwrap();
        let staff = login(&app, "staff").await;
        let form = send(&app, get("/Ticket/Create.html?Queue=General", &staff)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert_inert(&form.body, "create form");
        let cf_name = format!("Object-RT::Ticket--CustomField-{}-Value", serial.0);
        for text in [
            cf_name.as_str(),
            r#"value="staff@example.com""#,
            r#"<option value="new" selected>new</option>"#,
            r#"name="new-DependsOn""#,
            r#"name="RefersTo-new""#,
        ] {
            assert!(form.body.contains(text), "{text} in {}", form.body);
        }
        let csrf = csrf(&form.body);
        let count = || site.db.root().read(|tx| tx.count_tickets("id > 0", None)).unwrap().value();
        let before = count();
        let mut fields = vec![
            ("CSRF", csrf.as_str()),
            ("Queue", "1"),
            ("Subject", "New laptop"),
            ("Requestors", "dana@example.org"),
            ("Content", "Mine is slow."),
            ("Due", "2030-01-15 09:30"),
            ("InitialPriority", "20"),
            ("new-RefersTo", "1"),
            ("DependsOn-new", "2"),
            (cf_name.as_str(), "abc"),
        ];
        let bad = send(&app, multipart("/Ticket/Create.html", &staff, &fields, &[])).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{backend:?}: {}", bad.body);
        assert!(bad.body.contains(&format!(r#"id="cf-{}-error""#, serial.0)), "{}", bad.body);
        for kept in
            [r#"value="New laptop""#, r#"value="dana@example.org""#, r#"value="abc""#, "Mine is slow.</textarea>"]
        {
            assert!(bad.body.contains(kept), "{kept} in {}", bad.body);
        }
        assert_eq!(count(), before);
        for (field, value) in [("Due", "next Tuesday"), ("TimeWorked", "-3"), ("new-DependsOn", "nonsense")] {
            let mut with = fields.clone();
            with.pop();
            with.push((field, value));
            let answer = send(&app, multipart("/Ticket/Create.html", &staff, &with, &[])).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{field}: {}", answer.body);
            assert!(answer.body.contains(&format!(r#"id="{field}-error""#)), "{field}: {}", answer.body);
            assert_eq!(count(), before);
        }
        // Without the token; in a queue without CreateTicket.
        let forged = send(&app, multipart("/Ticket/Create.html", &staff, &fields[1..], &[])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let private_id = private.0.to_string();
        let mut elsewhere = fields.clone();
        elsewhere[1] = ("Queue", private_id.as_str());
        elsewhere.pop();
        let refused = send(&app, multipart("/Ticket/Create.html", &staff, &elsewhere, &[])).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(count(), before);

        fields.pop();
        fields.push((cf_name.as_str(), "12345"));
        let done =
            send(&app, multipart("/Ticket/Create.html", &staff, &fields, &[("spec.txt", "text/plain", b"16GB")])).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend:?}: {}", done.body);
        let location = done.header("location").to_string();
        let new = TicketId(captured(r"^/Ticket/Display\.html\?id=(\d+)&results=", &location).parse().unwrap());
        let shown = send(&app, get(&location, &staff)).await;
        assert!(shown.body.contains("Ticket created"), "{}", shown.body);
        let root = site.db.root();
        let t = root.read(|tx| tx.ticket(new)).unwrap();
        assert_eq!((t.subject.as_str(), t.priority, t.status.as_str()), ("New laptop", 20, "new"));
        assert_eq!(t.due.unwrap().to_rfc3339(), "2030-01-15T09:30:00+00:00");
        let values = root.read(|tx| tx.cf_values(CfObject::Ticket(new), serial)).unwrap();
        assert_eq!(values[0].content, "12345");
        let links = root.read(|tx| tx.links(new)).unwrap();
        assert_eq!(links.len(), 2, "{links:?}");
        let requestors = root.read(|tx| tx.role_addresses(new, rt_core::Role::Requestor)).unwrap();
        assert_eq!(requestors, ["dana@example.org"]);
        let files = root.read(|tx| tx.ticket_attachments(new)).unwrap();
        assert!(files.iter().any(|a| a.filename.as_deref() == Some("spec.txt")));
    }
}

#[actix_web::test]
async fn a_requestor_reads_replies_and_creates_through_self_service() {
    for backend in backends() {
        let site = mailing_site(backend);
        let app = app!(site);
        site.db.root().write(|tx| tx.comment(site.plain, rt_core::Message::text("Staff only note"))).unwrap();
        let guest = login(&app, "guest").await;
        let list = send(&app, get("/SelfService/", &guest)).await;
        assert!(list.body.contains(&format!(r#"href="/SelfService/Display.html?id={}""#, site.plain.0)));
        assert!(list.body.contains(r#"href="/SelfService/Create.html""#));
        let page = send(&app, get(&format!("/SelfService/Display.html?id={}", site.plain.0), &guest)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_inert(&page.body, "self-service display");
        assert!(page.body.contains("It is burning.") && !page.body.contains("Staff only note"), "{}", page.body);
        assert_eq!(
            send(&app, get(&format!("/SelfService/Display.html?id={}", site.hostile.0), &guest)).await.status,
            StatusCode::FORBIDDEN
        );

        let form = send(&app, get(&format!("/SelfService/Update.html?id={}", site.plain.0), &guest)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(!form.body.contains(r#"name="Status""#) && !form.body.contains("SquelchMailTo"), "reply only");
        let csrf = csrf(&form.body);
        let before = kinds(&site, site.plain);
        // An empty reply, a forged one, one to someone else's ticket: nothing.
        let empty =
            send(&app, multipart("/SelfService/Update.html", &guest, &[("CSRF", csrf.as_str()), ("id", "1")], &[]))
                .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        let forged =
            send(&app, multipart("/SelfService/Update.html", &guest, &[("id", "1"), ("UpdateContent", "x")], &[]))
                .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let other = [("CSRF", csrf.as_str()), ("id", "2"), ("UpdateContent", "Mine now")];
        assert_eq!(
            send(&app, multipart("/SelfService/Update.html", &guest, &other, &[])).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(before, kinds(&site, site.plain));
        // A private comment cannot be slipped in through self-service.
        let fields = [("CSRF", csrf.as_str()), ("id", "1"), ("UpdateType", "private"), ("UpdateContent", "Any news?")];
        let done =
            send(&app, multipart("/SelfService/Update.html", &guest, &fields, &[("log.txt", "text/plain", b"beep")]))
                .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend:?}: {}", done.body);
        assert!(done.header("location").starts_with("/SelfService/Display.html?id=1&results="));
        assert_eq!(kinds(&site, site.plain).last().map(String::as_str), Some("Correspond"));
        let shown = send(&app, get(done.header("location"), &guest)).await;
        assert!(shown.body.contains("Correspondence added") && shown.body.contains("Any news?"), "{}", shown.body);
        let link = captured(r#"href="(/SelfService/Attachment/[^"]+)""#, &shown.body);
        let file = send(&app, get(&link, &guest)).await;
        assert_eq!((file.status, file.body.as_str()), (StatusCode::OK, "beep"));
        // A comment's files are not the requestor's to download.
        let comment = site
            .db
            .root()
            .read(|tx| tx.history(site.plain))
            .unwrap()
            .into_iter()
            .find(|t| t.kind == "Comment")
            .unwrap();
        let part = site.db.root().read(|tx| tx.transaction_attachments(comment.id)).unwrap()[0].id;
        let hidden = send(&app, get(&format!("/SelfService/Attachment/{}/{}/x", comment.id.0, part.0), &guest)).await;
        assert_ne!(hidden.status, StatusCode::OK);

        let form = send(&app, get("/SelfService/Create.html", &guest)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(!form.body.contains(r#"name="Owner""#) && !form.body.contains(r#"name="new-DependsOn""#));
        let fields =
            [("CSRF", csrf.as_str()), ("Queue", "General"), ("Subject", "Need a badge"), ("Content", "Lost it.")];
        let done = send(&app, multipart("/SelfService/Create.html", &guest, &fields, &[])).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{backend:?}: {}", done.body);
        let new =
            TicketId(captured(r"^/SelfService/Display\.html\?id=(\d+)", done.header("location")).parse().unwrap());
        let requestors = site.db.root().read(|tx| tx.role_addresses(new, rt_core::Role::Requestor)).unwrap();
        assert_eq!(requestors, ["guest@example.com"]);
    }
}
