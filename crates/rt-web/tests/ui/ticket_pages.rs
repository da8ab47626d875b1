//! The ticket display page in full (tabs, actions, bookmarks, people,
//! reminders, links, history with headers and outgoing mail records), the
//! Modify pages, merging, and `/Ticket/Reminders.html`.

use rt_core::{AclObject, Grantee, MimeEntity, NewTicket, Role, Ticket, UserProfile};

use super::*;

/// GETs `uri`, then POSTs `form` to `action` with the page's CSRF token.
async fn submit<S, B>(app: &S, cookie: &str, uri: &str, action: &str, form: &[(&str, &str)]) -> Answer
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = send(app, get(uri, cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
    let token = csrf(&page.body);
    let mut form = form.to_vec();
    form.push(("CSRF", &token));
    send(app, post(action, cookie, &form)).await
}

fn ticket(site: &Site, id: TicketId) -> Ticket {
    site.db.root().read(|tx| tx.ticket(id)).unwrap()
}

fn grant(site: &Site, user: &str, rights: &[&str]) {
    site.db
        .root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            let who = Grantee::User(tx.user_by_name(user)?.user_id());
            for right in rights {
                tx.grant(who, right, AclObject::Queue(general))?;
            }
            Ok(())
        })
        .unwrap();
}

/// A privileged user who may see General's tickets and nothing more.
fn viewer_only(site: &Site) {
    site.db
        .root()
        .write(|tx| {
            tx.create_user(rt_core::NewUser {
                name: "watcher".into(),
                email: Some("watcher@example.com".into()),
                password: Some("watcherpass".into()),
                privileged: true,
                ..Default::default()
            })
        })
        .unwrap();
    grant(site, "watcher", &["SeeQueue", "ShowTicket"]);
}

#[actix_web::test]
async fn the_display_page_has_rts_tabs_actions_and_boxes() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let id = site.plain.0;
        site.db
            .root()
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                let guest = tx.user_by_name("guest")?.user_id();
                let profile = UserProfile { comments: Some("Prefers phone calls".into()), ..UserProfile::default() };
                tx.update_user(guest, &profile)?;
                let group = tx.create_group("Printing fans", "")?;
                tx.add_group_member(group, guest.into())?;
                tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "Toner is low".into(),
                    requestors: vec!["guest@example.com".into()],
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let page = send(&app, get(&format!("/Ticket/Display.html?id={id}"), &staff)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        let body = &page.body;
        for tab in [
            "Display.html",
            "History.html",
            "Modify.html",
            "ModifyDates.html",
            "ModifyPeople.html",
            "ModifyLinks.html",
            "Reminders.html",
            "ModifyAll.html",
        ] {
            assert!(body.contains(&format!(r#"href="/Ticket/{tab}?id={id}""#)), "{tab} tab in {body}");
        }
        assert!(body.contains(&format!(r#"href="/Ticket/Display.html?id={id}" aria-current="page""#)));
        // The lifecycle's actions from "new" that go through the update page,
        // Reply and Comment; no Delete (no DeleteTicket), no Forward.
        for link in [
            format!("/Ticket/Update.html?id={id}&amp;Action=Respond&amp;DefaultStatus=open\">Open It"),
            format!("/Ticket/Update.html?id={id}&amp;Action=Comment&amp;DefaultStatus=resolved\">Resolve"),
            format!("/Ticket/Update.html?id={id}&amp;Action=Respond&amp;DefaultStatus=rejected\">Reject"),
            format!("/Ticket/Update.html?id={id}&amp;Action=Respond\">Reply"),
            format!("/Ticket/Update.html?id={id}&amp;Action=Comment\">Comment"),
        ] {
            assert!(body.contains(&link), "{link} in {body}");
        }
        assert!(!body.contains(">Delete</button>") && !body.contains("Forward.html"), "{body}");
        assert!(body.contains(r#"name="Action" value="Take""#), "{body}");
        assert!(!body.contains(r#"value="Steal""#) && !body.contains(r#"value="Untake""#));
        // More about the requestor.
        assert!(body.contains("More about guest@example.com") || body.contains("More about guest"), "{body}");
        assert!(body.contains("Prefers phone calls"), "{body}");
        assert!(body.contains("Toner is low"), "the requestor's other ticket: {body}");
        assert!(!body.contains("Printing fans"), "staff may not see others' groups: {body}");
        // Links: RT's create-and-link URLs.
        assert!(
            body.contains(&format!("/Ticket/Create.html?Queue=1&amp;CloneTicket={id}&amp;new-RefersTo={id}")),
            "{body}"
        );
        assert!(body.contains(&format!("/Ticket/Create.html?Queue=1&amp;CloneTicket={id}&amp;DependsOn-new={id}")));
        // History: reply and comment on the message, brief headers.
        let txn = captured(r#"id="txn-(\d+)""#, body);
        assert!(body.contains(&format!("/Ticket/Update.html?id={id}&amp;QuoteTransaction={txn}&amp;Action=Respond")));
        assert!(body.contains(&format!("/Ticket/Update.html?id={id}&amp;QuoteTransaction={txn}&amp;Action=Comment")));
        assert_secured(&page, "display");
        assert_inert(body, "display");

        // With the rights: the requestor's groups, Forward and Delete.
        grant(&site, "staff", &["ForwardMessage", "DeleteTicket"]);
        site.db
            .root()
            .write(|tx| {
                let staff = Grantee::User(tx.user_by_name("staff")?.user_id());
                tx.grant(staff, "AdminGroupMembership", AclObject::System)
            })
            .unwrap();
        let page = send(&app, get(&format!("/Ticket/Display.html?id={id}"), &staff)).await;
        assert!(page.body.contains("Printing fans"), "{}", page.body);
        assert!(page.body.contains(&format!("/Ticket/Forward.html?id={id}&amp;QuoteTransaction={txn}")));
        assert!(page.body.contains(&format!(r#"href="/Ticket/Forward.html?id={id}""#)));
        assert!(page.body.contains(">Delete</button>"), "{}", page.body);
    }
}

#[actix_web::test]
async fn take_steal_untake_status_and_bookmarks_are_quick_posts() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (id, sid) = (site.plain, site.plain.0.to_string());
        let display = format!("/Ticket/Display.html?id={sid}");
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;

        // The bookmark star.
        let page = send(&app, get(&display, &staff)).await;
        assert!(page.body.contains(r#"value="Bookmark""#) && page.body.contains(r#"aria-pressed="false""#));
        let done =
            submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Bookmark")]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = send(&app, get(&display, &staff)).await;
        assert!(page.body.contains(r#"value="Unbookmark""#) && page.body.contains(r#"aria-pressed="true""#));
        let staff_id = site.db.root().read(|tx| tx.user_by_name("staff")).unwrap().user_id();
        let marked = site.db.rt().session(staff_id, rt_core::Interface::Web).unwrap().read(|tx| tx.bookmarks());
        assert_eq!(marked.unwrap(), vec![id]);
        submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Unbookmark")]).await;
        let page = send(&app, get(&display, &staff)).await;
        assert!(page.body.contains(r#"value="Bookmark""#));

        // RT's GET link to take only offers it; nothing changes.
        let offered = send(&app, get(&format!("{display}&Action=Take"), &staff)).await;
        assert!(offered.body.contains("The link you followed asks to Take this ticket."), "{}", offered.body);
        assert_eq!(owner(&site, id), "Nobody");
        let unknown = send(&app, get(&format!("{display}&Action=Steal"), &staff)).await;
        assert!(!unknown.body.contains("The link you followed"), "Steal is not possible: {}", unknown.body);

        // Take, then Untake is offered (staff has ModifyTicket).
        submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Take")]).await;
        assert_eq!(owner(&site, id), "staff");
        let page = send(&app, get(&display, &staff)).await;
        assert!(page.body.contains(r#"value="Untake""#) && !page.body.contains(r#"value="Take""#), "{}", page.body);
        let untaken =
            submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Untake")]).await;
        assert_eq!(untaken.status, StatusCode::SEE_OTHER, "{}", untaken.body);
        assert_eq!(owner(&site, id), "Nobody");
        submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Take")]).await;
        assert_eq!(owner(&site, id), "staff");

        // Another user with StealTicket sees Steal, and steals.
        site.db
            .root()
            .write(|tx| {
                tx.create_user(rt_core::NewUser {
                    name: "thief".into(),
                    password: Some("thiefpass".into()),
                    privileged: true,
                    ..Default::default()
                })
            })
            .unwrap();
        grant(&site, "thief", &["ShowTicket", "OwnTicket", "StealTicket"]);
        let thief = login(&app, "thief").await;
        let page = send(&app, get(&display, &thief)).await;
        assert!(page.body.contains(r#"value="Steal""#), "{}", page.body);
        assert!(!page.body.contains("Action=Respond&amp;DefaultStatus"), "no ModifyTicket, no status actions");
        let stolen = submit(&app, &thief, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Steal")]).await;
        assert_eq!(stolen.status, StatusCode::SEE_OTHER);
        assert_eq!(owner(&site, id), "thief");
        // Staff may not untake what the thief owns: 403, nothing changed.
        let refused =
            submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Action", "Untake")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(owner(&site, id), "thief");

        // Status changes without the update page: new -> deleted needs
        // DeleteTicket, which staff lacks.
        let refused =
            submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Status", "deleted")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(ticket(&site, id).status, "new");
        site.db.root().write(|tx| tx.set_status(id, "open").and_then(|_| tx.set_status(id, "stalled"))).unwrap();
        let page = send(&app, get(&display, &staff)).await;
        assert!(page.body.contains(r#"name="Status" value="open""#), "stalled -> open is a quick action");
        let opened = submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Status", "open")]).await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        assert_eq!(ticket(&site, id).status, "open");
        let bad = submit(&app, &staff, &display, "/Ticket/Display.html", &[("id", &sid), ("Status", "sideways")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        // A user who may only look gets no actions, and each POST is refused.
        let watcher = login(&app, "watcher").await;
        let page = send(&app, get(&display, &watcher)).await;
        assert!(!page.body.contains(r#"name="Status" value="#), "{}", page.body);
        assert!(!page.body.contains("DefaultStatus"), "{}", page.body);
        let refused =
            submit(&app, &watcher, &display, "/Ticket/Display.html", &[("id", &sid), ("Status", "stalled")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(&site, id).status, "open");

        // Without the CSRF token nothing runs.
        for form in [[("id", sid.as_str()), ("Action", "Bookmark")], [("id", sid.as_str()), ("Status", "stalled")]] {
            let answer = send(&app, post("/Ticket/Display.html", &staff, &form)).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN);
            assert!(answer.body.contains("Possible cross-site request forgery"));
        }
        assert_eq!(ticket(&site, id).status, "open");
        assert!(
            site.db
                .rt()
                .session(staff_id, rt_core::Interface::Web)
                .unwrap()
                .read(|tx| tx.bookmarks())
                .unwrap()
                .is_empty()
        );
    }
}

#[actix_web::test]
async fn history_headers_downloads_and_outgoing_mail_records() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let id = site.hostile.0;
        let record = site
            .db
            .root()
            .write(|tx| {
                let mut mail = MimeEntity::text("Your ticket was received.\n");
                mail.set_header("From", "rt@example.com");
                mail.set_header("To", "eve@example.net");
                mail.set_header("Subject", "AutoReply: Quarterly report");
                let txn = rt_core::transaction::NewTransaction {
                    object_type: "RT::Ticket",
                    object_id: id,
                    kind: "EmailRecord",
                    ..Default::default()
                };
                tx.record(txn, Some(&mail))
            })
            .unwrap();
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let display = format!("/Ticket/Display.html?id={id}");
        let page = send(&app, get(&display, &staff)).await;
        assert!(page.body.contains("Show full headers"), "{}", page.body);
        assert!(!page.body.contains("AutoReply: Quarterly report"), "no ShowOutgoingEmail: {}", page.body);
        assert!(!page.body.contains("ShowEmailRecord"), "{}", page.body);
        let full = captured(r#"href="([^"]*ShowHeaders=\d+[^"]*)""#, &page.body).replace("&amp;", "&");
        let page = send(&app, get(&full, &staff)).await;
        assert!(page.body.contains("Show brief headers"), "{}", page.body);
        assert!(page.body.contains("Content-Type:"), "full headers: {}", page.body);
        let brief = send(&app, get(&display, &staff)).await;
        assert!(!brief.body.contains("<dt>Content-Type:</dt>"), "{}", brief.body);

        // "With headers": the part with its headers, as text.
        let url = captured(
            r#"href="(/Ticket/Attachment/WithHeaders/\d+)">with headers<span class="visually-hidden">: notes\.txt"#,
            &page.body,
        );
        let file = send(&app, get(&url, &staff)).await;
        assert_eq!(file.status, StatusCode::OK);
        assert!(file.header("content-type").starts_with("text/plain"));
        assert!(file.header("content-security-policy").ends_with("; sandbox"));
        assert!(
            file.body.contains("Content-Type: text/plain") && file.body.ends_with("line one\nline two\n"),
            "{}",
            file.body
        );
        let outsider = login(&app, "outsider").await;
        assert_eq!(send(&app, get(&url, &outsider)).await.status, StatusCode::FORBIDDEN);

        // The outgoing mail behind a "Show" link, for ShowOutgoingEmail only.
        let shown = format!("/Ticket/ShowEmailRecord.html?id={id}&Transaction={}", record.0);
        assert_eq!(send(&app, get(&shown, &staff)).await.status, StatusCode::FORBIDDEN);
        grant(&site, "staff", &["ShowOutgoingEmail"]);
        let page = send(&app, get(&display, &staff)).await;
        let link = captured(r#"href="(/Ticket/ShowEmailRecord\.html\?[^"]+)">Show<"#, &page.body).replace("&amp;", "&");
        assert!(!page.body.contains("Your ticket was received."), "the record's body is not inline");
        let shown = send(&app, get(&link, &staff)).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        assert!(shown.body.contains("Your ticket was received.") && shown.body.contains("AutoReply: Quarterly report"));
        assert_secured(&shown, "email record");
        assert_inert(&shown.body, "email record");
        let wrong = send(&app, get(&format!("/Ticket/ShowEmailRecord.html?id={id}&Transaction=1"), &staff)).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{backend:?}: not an email record");
    }
}

#[actix_web::test]
async fn modify_basics_applies_each_field_and_refuses_bad_ones() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (id, sid) = (site.plain, site.plain.0.to_string());
        site.db
            .root()
            .write(|tx| {
                let other = tx.create_queue(rt_core::NewQueue { name: "Facilities".into(), ..Default::default() })?;
                let staff = Grantee::User(tx.user_by_name("staff")?.user_id());
                for right in
                    ["SeeQueue", "CreateTicket", "ShowTicket", "ModifyTicket", "SeeCustomField", "ModifyCustomField"]
                {
                    tx.grant(staff, right, AclObject::Queue(other))?;
                }
                let general = tx.queue_by_name("General")?.queue_id();
                let cf =
                    tx.create_custom_field(rt_core::NewCustomField::ticket("Building", rt_core::CfType::Freeform))?;
                tx.apply_custom_field(cf, Some(general))?;
                tx.apply_custom_field(cf, Some(other))?;
                Ok(())
            })
            .unwrap();
        grant(&site, "staff", &["SeeCustomField", "ModifyCustomField"]);
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let uri = format!("/Ticket/Modify.html?id={sid}");
        let page = send(&app, get(&uri, &staff)).await;
        assert_eq!(page.status, StatusCode::OK);
        for input in [
            r#"name="Subject" value="Printer on fire""#,
            r#"name="Priority""#,
            r#"name="FinalPriority""#,
            r#"name="TimeWorked""#,
            r#"name="SLA""#,
            r#"<select id="Status" name="Status""#,
            r#"<select id="Queue" name="Queue""#,
        ] {
            assert!(page.body.contains(input), "{input} in {}", page.body);
        }
        assert!(page.body.contains(r#"<label for="Subject">Subject</label>"#));
        let cf_name = captured(r#"name="(Object-RT::Ticket-\d+-CustomField-\d+-Values?)""#, &page.body);
        assert_secured(&page, "modify");
        assert_inert(&page.body, "modify");

        let done = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Modify.html",
            &[
                ("id", &sid),
                ("Subject", "Printer fixed"),
                ("Priority", "20"),
                ("FinalPriority", "80"),
                ("Status", "open"),
                ("TimeWorked", "15"),
                (&cf_name, "North wing"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.body);
        for said in [
            "Subject changed from &#39;Printer on fire&#39; to &#39;Printer fixed&#39;",
            "Priority changed from &#39;0&#39; to &#39;20&#39;",
            "Status changed from &#39;new&#39; to &#39;open&#39;",
            "TimeWorked changed from &#39;0&#39; to &#39;15&#39;",
            "Building changed to &#39;North wing&#39;",
        ] {
            assert!(done.body.contains(said), "{said} in {}", done.body);
        }
        let t = ticket(&site, id);
        assert_eq!(
            (t.subject.as_str(), t.priority, t.final_priority, t.status.as_str(), t.time_worked),
            ("Printer fixed", 20, 80, "open", 15)
        );

        // Bad input: said next to the field, what was typed kept, nothing changed.
        let bad = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Modify.html",
            &[("id", &sid), ("Subject", "Renamed"), ("Priority", "high"), ("Status", "sideways")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(bad.body.contains(r#"id="Priority-error">&#39;high&#39; is not a whole number."#), "{}", bad.body);
        assert!(bad.body.contains(r#"name="Priority" value="high" aria-invalid="true""#), "{}", bad.body);
        assert!(bad.body.contains(r#"id="Status-error">"#), "{}", bad.body);
        assert!(bad.body.contains("Subject changed from"), "the good field is applied: {}", bad.body);
        let t = ticket(&site, id);
        assert_eq!((t.priority, t.status.as_str(), t.subject.as_str()), (20, "open", "Renamed"));

        // A select of several values, emptied through RT's -Magic field.
        let topics = site
            .db
            .root()
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                let new = rt_core::NewCustomField {
                    max_values: 0,
                    ..rt_core::NewCustomField::ticket("Topics", rt_core::CfType::Select)
                };
                let cf = tx.create_custom_field(new)?;
                for (i, option) in ["Paper", "Toner", "Fire"].iter().enumerate() {
                    tx.add_custom_field_option(cf, option, i as i64, "")?;
                }
                tx.apply_custom_field(cf, Some(general))?;
                Ok(cf)
            })
            .unwrap();
        let topics_name = format!("Object-RT::Ticket-{sid}-CustomField-{}-Values", topics.0);
        let page = send(&app, get(&uri, &staff)).await;
        assert!(
            page.body.contains(&format!(r#"<select id="{topics_name}" name="{topics_name}" multiple"#)),
            "{}",
            page.body
        );
        let magic = format!("{topics_name}-Magic");
        let set = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Modify.html",
            &[("id", &sid), (&magic, "1"), (&topics_name, "Toner"), (&topics_name, "Fire")],
        )
        .await;
        assert!(set.body.contains("Topics changed to &#39;Toner, Fire&#39;"), "{}", set.body);
        assert!(
            set.body.contains(r#"<option value="Toner" selected>"#) && set.body.contains(r#"<option value="Paper">"#)
        );
        let values = |site: &Site| {
            let mut v: Vec<String> = site
                .db
                .root()
                .read(|tx| tx.cf_values(rt_core::CfObject::Ticket(id), topics))
                .unwrap()
                .into_iter()
                .map(|v| v.content)
                .collect();
            v.sort();
            v
        };
        assert_eq!(values(&site), vec!["Fire".to_string(), "Toner".to_string()]);
        let bad = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Modify.html",
            &[("id", &sid), (&magic, "1"), (&topics_name, "Toner"), (&topics_name, "Water")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert_eq!(values(&site), vec!["Fire".to_string(), "Toner".to_string()]);
        let cleared = submit(&app, &staff, &uri, "/Ticket/Modify.html", &[("id", &sid), (&magic, "1")]).await;
        assert!(cleared.body.contains("Topics values removed"), "{}", cleared.body);
        assert!(values(&site).is_empty());

        // Refused rights: the watcher may see but not modify; nothing changes.
        let watcher = login(&app, "watcher").await;
        let refused = submit(
            &app,
            &watcher,
            &uri,
            "/Ticket/Modify.html",
            &[("id", &sid), ("Subject", "Hacked"), ("Priority", "99")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("Permission Denied: this needs the ModifyTicket right."), "{}", refused.body);
        let t = ticket(&site, id);
        assert_eq!((t.subject.as_str(), t.priority), ("Renamed", 20));
        let outsider = login(&app, "outsider").await;
        assert_eq!(send(&app, get(&uri, &outsider)).await.status, StatusCode::FORBIDDEN);

        // No CSRF token, no change.
        let forged = send(&app, post("/Ticket/Modify.html", &staff, &[("id", &sid), ("Subject", "Forged")])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(&site, id).subject, "Renamed");

        // The owner is among the basics, by id or name.
        let given = submit(&app, &staff, &uri, "/Ticket/Modify.html", &[("id", &sid), ("Owner", "staff")]).await;
        assert!(given.body.contains("Owner changed from Nobody to staff"), "{}", given.body);
        assert!(given.body.contains(r#"<select id="Owner" name="Owner""#), "{}", given.body);
        assert_eq!(owner(&site, id), "staff");

        // Moving to another queue, by name.
        let moved = submit(&app, &staff, &uri, "/Ticket/Modify.html", &[("id", &sid), ("Queue", "Facilities")]).await;
        assert!(moved.body.contains("Queue changed from &#39;General&#39; to &#39;Facilities&#39;"), "{}", moved.body);
        let facilities = site.db.root().read(|tx| tx.queue_by_name("Facilities")).unwrap().queue_id();
        assert_eq!(ticket(&site, id).queue, facilities);
    }
}

#[actix_web::test]
async fn modify_dates_reads_the_users_time_zone() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (id, sid) = (site.plain, site.plain.0.to_string());
        site.db
            .root()
            .write(|tx| {
                let staff = tx.user_by_name("staff")?.user_id();
                tx.update_user(staff, &UserProfile { timezone: Some("Europe/Paris".into()), ..UserProfile::default() })
            })
            .unwrap();
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let uri = format!("/Ticket/ModifyDates.html?id={sid}");
        let done = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/ModifyDates.html",
            &[("id", &sid), ("Due_Date", "2026-12-24 17:00"), ("Starts_Date", "")],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body.contains("Due changed from &#39;Not set&#39; to &#39;Thu Dec 24 17:00:00 2026&#39;"),
            "{}",
            done.body
        );
        let due = ticket(&site, id).due.unwrap();
        assert_eq!(due.to_rfc3339(), "2026-12-24T16:00:00+00:00");
        assert!(done.body.contains(r#"name="Due_Date" value="2026-12-24 17:00:00""#), "{}", done.body);

        let bad =
            submit(&app, &staff, &uri, "/Ticket/ModifyDates.html", &[("id", &sid), ("Due_Date", "someday soon")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains(r#"id="Due_Date-error">&#39;someday soon&#39; is not a date"#), "{}", bad.body);
        assert!(bad.body.contains(r#"value="someday soon""#));
        assert_eq!(ticket(&site, id).due, Some(due));

        let watcher = login(&app, "watcher").await;
        let refused = submit(&app, &watcher, &uri, "/Ticket/ModifyDates.html", &[("id", &sid), ("Due_Date", "")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(&site, id).due, Some(due));

        let cleared = submit(&app, &staff, &uri, "/Ticket/ModifyDates.html", &[("id", &sid), ("Due_Date", "")]).await;
        assert!(cleared.body.contains("Due changed from"), "{}", cleared.body);
        assert_eq!(ticket(&site, id).due, None);
        let forged =
            send(&app, post("/Ticket/ModifyDates.html", &staff, &[("id", &sid), ("Due_Date", "tomorrow")])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(&site, id).due, None);
    }
}

#[actix_web::test]
async fn modify_people_adds_removes_watchers_and_sets_the_owner() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (id, sid) = (site.plain, site.plain.0.to_string());
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let uri = format!("/Ticket/ModifyPeople.html?id={sid}");
        let page = send(&app, get(&uri, &staff)).await;
        let guest_box = captured(r#"name="(Ticket-DeleteWatcher-Type-Requestor-Principal-\d+)""#, &page.body);
        assert!(page.body.contains(r#"<option value=""#) && page.body.contains(">staff</option>"), "{}", page.body);
        let staff_id = site.db.root().read(|tx| tx.user_by_name("staff")).unwrap().id.to_string();
        let done = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/ModifyPeople.html",
            &[
                ("id", &sid),
                ("Owner", &staff_id),
                (&guest_box, "1"),
                ("WatcherTypeEmail1", "Cc"),
                ("WatcherAddressEmail1", "boss@example.org"),
                ("WatcherTypeEmail2", "AdminCc"),
                ("WatcherAddressEmail2", "watcher"),
                ("AddRequestor", "new.customer@example.org"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.body);
        for said in [
            "Owner changed from Nobody to staff",
            "guest &lt;guest@example.com&gt; is no longer a Requestor for this ticket",
            "Added boss@example.org as Cc for this ticket",
            "Added watcher as AdminCc for this ticket",
        ] {
            assert!(done.body.contains(said), "{said} in {}", done.body);
        }
        assert_eq!(owner(&site, id), "staff");
        let roles = site.db.root().read(|tx| tx.all_role_addresses(id)).unwrap();
        assert_eq!(
            roles.get(&Role::Requestor).cloned().unwrap_or_default(),
            vec!["new.customer@example.org".to_string()]
        );
        assert_eq!(roles.get(&Role::Cc).cloned().unwrap_or_default(), vec!["boss@example.org".to_string()]);
        assert_eq!(roles.get(&Role::AdminCc).cloned().unwrap_or_default(), vec!["watcher@example.com".to_string()]);

        // A group, by principal id as RT's search results add them.
        let group = site.db.root().write(|tx| tx.create_group("Helpdesk", "")).unwrap();
        let add_group = format!("Ticket-AddWatcher-Principal-{}", group.0);
        let added =
            submit(&app, &staff, &uri, "/Ticket/ModifyPeople.html", &[("id", &sid), (&add_group, "AdminCc")]).await;
        assert!(added.body.contains("Added Group: Helpdesk as AdminCc for this ticket"), "{}", added.body);
        let admins = site.db.root().read(|tx| tx.ticket_role_members(id, Role::AdminCc)).unwrap();
        assert!(admins.contains(&group.into()), "{admins:?}");

        // Bad input: an unknown user name, a bad address; kept and said.
        let bad = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/ModifyPeople.html",
            &[
                ("id", &sid),
                ("WatcherTypeEmail1", "Cc"),
                ("WatcherAddressEmail1", "nosuchuser"),
                ("Owner", "nosuchowner"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(bad.body.contains(r#"id="WatcherAddressEmail1-error">No user nosuchuser."#), "{}", bad.body);
        assert!(bad.body.contains(r#"value="nosuchuser""#));
        assert!(bad.body.contains(r#"id="Owner-error">No user nosuchowner."#), "{}", bad.body);
        assert_eq!(owner(&site, id), "staff");

        // Refused: the watcher may not add others; nothing changes.
        let watcher = login(&app, "watcher").await;
        let refused =
            submit(&app, &watcher, &uri, "/Ticket/ModifyPeople.html", &[("id", &sid), ("AddCc", "spy@example.org")])
                .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(
            site.db.root().read(|tx| tx.role_addresses(id, Role::Cc)).unwrap(),
            vec!["boss@example.org".to_string()]
        );
        let forged =
            send(&app, post("/Ticket/ModifyPeople.html", &staff, &[("id", &sid), ("AddCc", "x@example.org")])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(site.db.root().read(|tx| tx.role_addresses(id, Role::Cc)).unwrap().len(), 1);
    }
}

#[actix_web::test]
async fn modify_links_adds_removes_and_merges() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (a, b) = (site.plain, site.hostile);
        let (sa, sb) = (a.0.to_string(), b.0.to_string());
        let c = site
            .db
            .root()
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket { queue: Some(general), subject: "Third".into(), ..NewTicket::default() })
            })
            .unwrap();
        let sc = c.0.to_string();
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let uri = format!("/Ticket/ModifyLinks.html?id={sa}");
        let depends = format!("{sa}-DependsOn");
        let referred = format!("RefersTo-{sa}");
        let done = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/ModifyLinks.html",
            &[("id", &sa), (&depends, &sb), (&referred, &format!("#{sc} https://example.org/kb/1"))],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.body);
        assert!(done.body.contains(&format!("Link added: ticket {sa} depends on {sb}")), "{}", done.body);
        let links = site.db.root().read(|tx| tx.links(a)).unwrap();
        assert_eq!(links.len(), 3, "{links:?}");
        let display = send(&app, get(&format!("/Ticket/Display.html?id={sa}"), &staff)).await;
        assert!(
            display
                .body
                .contains(&format!(r#"<a href="/Ticket/Display.html?id={sb}">#{sb}: Quarterly report [new]</a>"#)),
            "{}",
            display.body
        );

        // Remove the dependency by its checkbox.
        let page = send(&app, get(&uri, &staff)).await;
        let delete = captured(r#"name="(DeleteLink-[^"]+-DependsOn-[^"]+)""#, &page.body);
        let done = submit(&app, &staff, &uri, "/Ticket/ModifyLinks.html", &[("id", &sa), (&delete, "1")]).await;
        assert!(done.body.contains("Link removed"), "{}", done.body);
        assert_eq!(site.db.root().read(|tx| tx.links(a)).unwrap().len(), 2);

        // Bad input: a link to itself, nonsense, a bad merge target.
        let merge = format!("{sa}-MergeInto");
        let bad = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/ModifyLinks.html",
            &[("id", &sa), (&depends, "soon"), (&merge, "nine")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(bad.body.contains("&#39;soon&#39; is neither a ticket number nor a URI."), "{}", bad.body);
        assert!(
            bad.body.contains(&format!(r#"id="{merge}-error">&#39;nine&#39; is not a ticket number."#)),
            "{}",
            bad.body
        );
        assert_eq!(site.db.root().read(|tx| tx.links(a)).unwrap().len(), 2);

        // The watcher may not link or merge.
        let watcher = login(&app, "watcher").await;
        let refused =
            submit(&app, &watcher, &uri, "/Ticket/ModifyLinks.html", &[("id", &sa), (&depends, &sb), (&merge, &sc)])
                .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(ticket(&site, a).id, a);
        assert_eq!(site.db.root().read(|tx| tx.links(a)).unwrap().len(), 2);
        let forged =
            send(&app, post("/Ticket/ModifyLinks.html", &staff, &[("id", sa.as_str()), (merge.as_str(), sc.as_str())]))
                .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(&site, a).id, a);

        // Merge: the page then shows the ticket merged into.
        let merged = submit(&app, &staff, &uri, "/Ticket/ModifyLinks.html", &[("id", &sa), (&merge, &sc)]).await;
        assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
        assert!(
            merged.body.contains(&format!("Merge Successful: ticket {sa} merged into ticket {sc}")),
            "{}",
            merged.body
        );
        assert!(merged.body.contains(&format!("#{sc}: Third")), "{}", merged.body);
        assert_eq!(ticket(&site, a).id, c, "ticket {sa} now resolves to {sc}");
        assert!(site.db.root().read(|tx| tx.ticket(c)).is_ok());
    }
}

#[actix_web::test]
async fn jumbo_shows_and_applies_everything() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (id, sid) = (site.plain, site.plain.0.to_string());
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let uri = format!("/Ticket/ModifyAll.html?id={sid}");
        let page = send(&app, get(&uri, &staff)).await;
        assert_eq!(page.status, StatusCode::OK);
        for part in [
            "<legend>The Basics</legend>",
            "<legend>Dates</legend>",
            "<legend>People</legend>",
            "<legend>Links</legend>",
            "Merge into",
        ] {
            assert!(page.body.contains(part), "{part} in {}", page.body);
        }
        assert_inert(&page.body, "jumbo");
        let other = site.hostile.0.to_string();
        let refers = format!("{sid}-RefersTo");
        let done = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/ModifyAll.html",
            &[
                ("id", &sid),
                ("Subject", "All at once"),
                ("Due_Date", "2027-01-02"),
                ("AddCc", "cc@example.org"),
                (&refers, &other),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let t = ticket(&site, id);
        assert_eq!(t.subject, "All at once");
        assert!(t.due.is_some());
        assert_eq!(
            site.db.root().read(|tx| tx.role_addresses(id, Role::Cc)).unwrap(),
            vec!["cc@example.org".to_string()]
        );
        assert_eq!(site.db.root().read(|tx| tx.links(id)).unwrap().len(), 1);
        let forged = send(&app, post("/Ticket/ModifyAll.html", &staff, &[("id", &sid), ("Subject", "Forged")])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(&site, id).subject, "All at once");
        let watcher = login(&app, "watcher").await;
        let refused = submit(
            &app,
            &watcher,
            &uri,
            "/Ticket/ModifyAll.html",
            &[("id", &sid), ("Subject", "Mine"), ("AddCc", "w@example.org"), ("Due_Date", "")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let t = ticket(&site, id);
        assert_eq!((t.subject.as_str(), t.due.is_some()), ("All at once", true));
        assert_eq!(site.db.root().read(|tx| tx.role_addresses(id, Role::Cc)).unwrap().len(), 1);

        // Every page of the ticket: secured, inert, 404 for a ticket that
        // does not exist, 403 for one the user may not see.
        let outsider = login(&app, "outsider").await;
        for path in
            ["Display", "History", "Modify", "ModifyDates", "ModifyPeople", "ModifyLinks", "ModifyAll", "Reminders"]
        {
            let uri = format!("/Ticket/{path}.html?id={sid}");
            let page = send(&app, get(&uri, &staff)).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            assert_secured(&page, &uri);
            assert_inert(&page.body, &uri);
            let missing = send(&app, get(&format!("/Ticket/{path}.html?id=999"), &staff)).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
            let bad = send(&app, get(&format!("/Ticket/{path}.html?id=x"), &staff)).await;
            assert_eq!(bad.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(send(&app, get(&uri, &outsider)).await.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
}

#[actix_web::test]
async fn reminders_are_added_resolved_and_reopened() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let (id, sid) = (site.plain, site.plain.0.to_string());
        viewer_only(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let display = format!("/Ticket/Display.html?id={sid}");
        let page = send(&app, get(&display, &staff)).await;
        assert!(
            page.body.contains(r#"action="/Ticket/Reminders.html""#)
                && page.body.contains(r#"name="NewReminder-Subject""#)
        );
        let staff_id = site.db.root().read(|tx| tx.user_by_name("staff")).unwrap().id.to_string();
        let added = submit(
            &app,
            &staff,
            &display,
            "/Ticket/Reminders.html",
            &[
                ("id", &sid),
                ("update-reminders", "1"),
                ("NewReminder-Subject", "Call the vendor"),
                ("NewReminder-Owner", &staff_id),
                ("NewReminder-Due", "2020-01-01 09:00"),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{backend:?}: {}", added.body);
        assert!(added.body.contains("Reminder &#39;Call the vendor&#39;: Created"), "{}", added.body);
        let reminders = site.db.root().read(|tx| tx.reminders(id)).unwrap();
        assert_eq!(reminders.len(), 1);
        let r = reminders[0].id.0;
        assert_eq!(owner(&site, reminders[0].id), "staff");
        assert_eq!(reminders[0].due.unwrap().to_rfc3339(), "2020-01-01T09:00:00+00:00");
        let page = send(&app, get(&display, &staff)).await;
        if std::env::var("DUMP").is_ok() {
            std::fs::write("/tmp/display.html", &page.body).unwrap();
            let jumbo = send(&app, get(&format!("/Ticket/ModifyAll.html?id={sid}"), &staff)).await;
            std::fs::write("/tmp/jumbo.html", &jumbo.body).unwrap();
        }
        assert!(page.body.contains("Call the vendor") && page.body.contains("(overdue)"), "{}", page.body);
        assert!(!page.body.contains(&format!("#{r}: Call the vendor")), "a reminder is no link: {}", page.body);

        let uri = format!("/Ticket/Reminders.html?id={sid}");
        let check = format!("Complete-Reminder-{r}");
        let done = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Reminders.html",
            &[("id", &sid), ("update-reminders", "1"), (&check, "1")],
        )
        .await;
        assert!(done.body.contains("Reminder completed"), "{}", done.body);
        assert_eq!(ticket(&site, TicketId(r)).status, "resolved");
        let reopened =
            submit(&app, &staff, &uri, "/Ticket/Reminders.html", &[("id", &sid), ("update-reminders", "1")]).await;
        assert!(reopened.body.contains("Reminder reopened"), "{}", reopened.body);
        assert_eq!(ticket(&site, TicketId(r)).status, "open");

        // Editing it: subject, owner and due date, RT's names.
        let edited = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Reminders.html",
            &[
                ("id", &sid),
                ("update-reminders", "1"),
                (&format!("Reminder-Subject-{r}"), "Call the vendor again"),
                (&format!("Reminder-Owner-{r}"), "root"),
                (&format!("Reminder-Due-{r}"), "2030-06-01 10:00"),
            ],
        )
        .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert!(
            edited
                .body
                .contains("Reminder &#39;Call the vendor&#39;: Subject changed to &#39;Call the vendor again&#39;"),
            "{}",
            edited.body
        );
        assert!(edited.body.contains("Reminder &#39;Call the vendor&#39;: Owner changed to root"), "{}", edited.body);
        let t = ticket(&site, TicketId(r));
        assert_eq!(
            (t.subject.as_str(), t.due.unwrap().to_rfc3339()),
            ("Call the vendor again", "2030-06-01T10:00:00+00:00".to_string())
        );
        assert_eq!(owner(&site, TicketId(r)), "root");
        assert_eq!(t.status, "open", "an edit leaves it open");
        let bad = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Reminders.html",
            &[("id", &sid), ("update-reminders", "1"), (&format!("Reminder-Due-{r}"), "never ever")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains(r#"value="never ever""#), "{}", bad.body);
        assert_eq!(ticket(&site, TicketId(r)).due, t.due);

        // Bad input: a due date RT cannot read; a due date without a subject.
        let bad = submit(
            &app,
            &staff,
            &uri,
            "/Ticket/Reminders.html",
            &[("id", &sid), ("NewReminder-Subject", "Later"), ("NewReminder-Due", "whenever")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.body.contains(r#"id="NewReminder-Due-error">"#) && bad.body.contains(r#"value="Later""#),
            "{}",
            bad.body
        );
        let bad =
            submit(&app, &staff, &uri, "/Ticket/Reminders.html", &[("id", &sid), ("NewReminder-Due", "tomorrow")])
                .await;
        assert!(bad.body.contains("A reminder needs a subject."), "{}", bad.body);
        assert_eq!(site.db.root().read(|tx| tx.reminders(id)).unwrap().len(), 1);

        // Refused: the watcher may not add or resolve; nothing changes.
        let watcher = login(&app, "watcher").await;
        let page = send(&app, get(&uri, &watcher)).await;
        assert!(!page.body.contains("NewReminder-Subject"), "{}", page.body);
        assert!(page.body.contains(&format!(r#"<input type="hidden" name="{check}" value="0">"#)), "{}", page.body);
        assert!(page.body.contains(&format!(r#"id="{check}" disabled"#)), "read-only for the watcher");
        let refused = submit(
            &app,
            &watcher,
            &uri,
            "/Ticket/Reminders.html",
            &[("id", &sid), ("update-reminders", "1"), (&check, "1"), ("NewReminder-Subject", "Mine")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(ticket(&site, TicketId(r)).status, "open");
        assert_eq!(site.db.root().read(|tx| tx.reminders(id)).unwrap().len(), 1);
        let forged =
            send(&app, post("/Ticket/Reminders.html", &staff, &[("id", &sid), ("NewReminder-Subject", "Forged")]))
                .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(site.db.root().read(|tx| tx.reminders(id)).unwrap().len(), 1);
        assert_secured(&page, "reminders");
        assert_inert(&page.body, "reminders");
    }
}
