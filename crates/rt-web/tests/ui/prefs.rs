//! Preferences (`/Prefs/Other.html`, `AboutMe.html`, `MyRT.html`,
//! `AuthTokens.html`, `/SelfService/Prefs.html`), password reset links
//! and the home page's portlets.

use rt_core::attribute::AttributeObject;
use rt_core::preference::GENERAL;
use rt_core::{AclObject, Grantee, NewSavedSearch, NewTicket, SearchOwner, UserId};

use super::*;

/// Form fields to send.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn user_id(site: &Site, name: &str) -> UserId {
    site.db.root().read(|tx| tx.user_by_name(name)).unwrap().user_id()
}

fn grant(site: &Site, name: &str, right: &str) {
    let who = Grantee::User(user_id(site, name));
    site.db.root().write(|tx| tx.grant(who, right, AclObject::System)).unwrap();
}

fn general_queue(site: &Site) -> String {
    site.db.root().read(|tx| tx.queue_by_name("General")).unwrap().id.to_string()
}

/// The Preferences form as a browser sends it, with `changes` applied.
fn other_form<'a>(token: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("CSRF", token),
        ("Timezone", ""),
        ("Lang", ""),
        ("DateTimeFormat", "DefaultFormat"),
        ("DefaultQueue", ""),
        ("RowsPerPage", "50"),
        ("OrderBy", "id"),
        ("Order", "ASC"),
        ("Format", ""),
        ("HomePageRefreshInterval", "0"),
        ("Update", "1"),
    ];
    for (k, v) in changes {
        form.retain(|(name, _)| name != k);
        form.push((k, v));
    }
    form
}

#[actix_web::test]
async fn preferences_change_every_date_shown_and_the_default_queue() {
    for backend in backends() {
        let site = site(backend, Config::default());
        grant(&site, "staff", "ModifySelf");
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        for path in ["/Prefs/", "/Prefs"] {
            assert_eq!(send(&app, get(path, &cookie)).await.header("location"), "/Prefs/Other.html");
        }
        let page = send(&app, get("/Prefs/Other.html", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_secured(&page, "Other.html");
        assert_inert(&page.body, "Other.html");
        for name in ["Timezone", "Lang", "DateTimeFormat", "DefaultQueue", "RowsPerPage", "OrderBy", "Order"] {
            assert!(page.body.contains(&format!(r#"<label for="{name}">"#)), "{name} labelled");
        }
        let token = csrf(&page.body);
        let general = general_queue(&site);

        let changes = [
            ("Timezone", "Europe/Paris"),
            ("DateTimeFormat", "ISO"),
            ("DefaultQueue", general.as_str()),
            ("HomePageRefreshInterval", "300"),
            ("RowsPerPage", "25"),
            ("OrderBy", "Priority"),
            ("Order", "DESC"),
        ];
        let saved = send(&app, post("/Prefs/Other.html", &cookie, &other_form(&token, &changes))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}: {}", saved.body);
        assert_eq!(saved.header("location"), "/Prefs/Other.html?saved=1");
        let page = send(&app, get("/Prefs/Other.html?saved=1", &cookie)).await;
        assert!(page.body.contains("Preferences saved."));
        assert!(page.body.contains("<option selected>Europe/Paris</option>"), "{}", page.body);
        let staff = user_id(&site, "staff");
        let stored = site.db.root().read(|tx| tx.preferences(staff, GENERAL)).unwrap().unwrap();
        assert_eq!(stored["DateTimeFormat"], "ISO");
        assert_eq!(stored["HomePageRefreshInterval"], 300);
        assert_eq!(stored["DefaultQueue"].to_string(), general);

        // Dates now come in ISO, in Paris time.
        let display = send(&app, get(&format!("/Ticket/Display.html?id={}", site.plain.0), &cookie)).await;
        assert!(display.body.contains("Times in Europe/Paris"), "{}", display.body);
        let created = site.db.root().read(|tx| tx.ticket(site.plain)).unwrap().created;
        let paris = created.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d %H:%M:%S").to_string();
        assert!(display.body.contains(&paris), "{paris} in {}", display.body);
        // The home page refreshes every 5 minutes and preselects General.
        let home = send(&app, get("/", &cookie)).await;
        assert!(home.body.contains(r#"<meta http-equiv="refresh" content="300">"#), "{}", home.body);
        assert!(home.body.contains(&format!(r#"<option value="{general}" selected>General</option>"#)));
        // Search results take the search defaults when the URL leaves them out.
        let results = send(&app, get("/Search/Results.html?Query=id%3E0", &cookie)).await;
        assert!(results.body.contains(r#"name="OrderBy" value="Priority""#), "{}", results.body);
        assert!(results.body.contains(r#"<option value="25" selected>25</option>"#), "{}", results.body);
        let asked = send(&app, get("/Search/Results.html?Query=id%3E0&OrderBy=id&Rows=10", &cookie)).await;
        assert!(asked.body.contains(r#"name="OrderBy" value="id""#), "the URL wins");
        // The Create page starts in the default queue too, first or not.
        let staff_id = user_id(&site, "staff");
        let desk = site
            .db
            .root()
            .write(|tx| {
                let desk = tx.create_queue(rt_core::NewQueue { name: "Desk".into(), ..Default::default() })?;
                for right in ["SeeQueue", "CreateTicket"] {
                    tx.grant(Grantee::User(staff_id), right, AclObject::Queue(desk))?;
                }
                Ok(desk.0.to_string())
            })
            .unwrap();
        let saved =
            send(&app, post("/Prefs/Other.html", &cookie, &other_form(&token, &[("DefaultQueue", &desk)]))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let create = send(&app, get("/Ticket/Create.html", &cookie)).await;
        assert!(create.body.contains(&format!(r#"<option value="{desk}" selected>Desk</option>"#)), "{}", create.body);
        let saved = send(&app, post("/Prefs/Other.html", &cookie, &other_form(&token, &changes))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        // Bad input: shown at its field, what was typed kept, nothing saved.
        let bad = [("Timezone", "Mars/Olympus_Mons"), ("DateTimeFormat", "RFC2822"), ("RowsPerPage", "7")];
        let refused = send(&app, post("/Prefs/Other.html", &cookie, &other_form(&token, &bad))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.body.contains(r#"id="Timezone-error""#) && refused.body.contains("is not a time zone"));
        assert!(refused.body.contains(r#"id="RowsPerPage-error""#));
        assert!(refused.body.contains(r#"<option value="RFC2822" selected>"#), "typed value kept");
        let bad_queue = [("DefaultQueue", "999999")];
        let refused = send(&app, post("/Prefs/Other.html", &cookie, &other_form(&token, &bad_queue))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.body.contains(r#"id="DefaultQueue-error""#));
        let bad_format = [("Format", "'__id__"), ("DateTimeFormat", "ISO")];
        let refused = send(&app, post("/Prefs/Other.html", &cookie, &other_form(&token, &bad_format))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        // Without the CSRF token: refused.
        let forged = send(&app, post("/Prefs/Other.html", &cookie, &other_form("", &[("Timezone", "UTC")]))).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let after = site.db.root().read(|tx| Ok((tx.user(staff)?.timezone, tx.preferences(staff, GENERAL)?)));
        let (zone, prefs) = after.unwrap();
        assert_eq!(zone, "Europe/Paris");
        assert_eq!(prefs.unwrap(), stored, "nothing changed");

        // Without ModifySelf: 403 and nothing saved.
        let outsider = login(&app, "outsider").await;
        let token = csrf(&send(&app, get("/Prefs/Other.html", &outsider)).await.body);
        let form = other_form(&token, &[("Timezone", "Asia/Tokyo")]);
        let denied = send(&app, post("/Prefs/Other.html", &outsider, &form)).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
        assert_eq!(site.db.root().read(|tx| tx.user_by_name("outsider")).unwrap().timezone, "");

        // Requestors are sent to their own page.
        let guest = login(&app, "guest").await;
        assert_eq!(send(&app, get("/Prefs/Other.html", &guest)).await.header("location"), "/SelfService/Prefs.html");
    }
}

#[actix_web::test]
async fn about_me_changes_the_profile_and_the_password() {
    for backend in backends() {
        let site = site(backend, Config::default());
        grant(&site, "staff", "ModifySelf");
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        let page = send(&app, get("/Prefs/AboutMe.html", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_inert(&page.body, "AboutMe.html");
        assert!(page.body.contains(r#"value="staff@example.com""#));
        let token = csrf(&page.body);
        let form = |extra: &[(&'static str, &'static str)]| {
            let mut f = vec![
                ("CSRF", token.clone()),
                ("RealName", "Sam Staff".to_string()),
                ("EmailAddress", "sam@example.com".to_string()),
                ("WorkPhone", "+33 1 23 45 67 89".to_string()),
            ];
            f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            f
        };
        let send_form = |f: Vec<(&'static str, String)>| {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post("/Prefs/AboutMe.html", &cookie, &pairs)
        };
        let saved = send(&app, send_form(form(&[]))).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let staff = site.db.root().read(|tx| tx.user_by_name("staff")).unwrap();
        assert_eq!((staff.real_name.as_str(), staff.work_phone.as_str()), ("Sam Staff", "+33 1 23 45 67 89"));
        assert_eq!(staff.email_address.as_deref(), Some("sam@example.com"));

        // Password mistakes: each said at its field, nothing changed, no
        // password sent back.
        let cases: [(Fields, &str, &str); 4] = [
            (
                &[("CurrentPass", "wrong"), ("NewPass1", "new secret"), ("NewPass2", "new secret")],
                "CurrentPass",
                "current password correctly",
            ),
            (
                &[("CurrentPass", "staffpass"), ("NewPass1", "new secret"), ("NewPass2", "other")],
                "NewPass2",
                "Passwords do not match",
            ),
            (
                &[("CurrentPass", "staffpass"), ("NewPass1", "abc"), ("NewPass2", "abc")],
                "NewPass1",
                "at least 5 characters",
            ),
            (&[("EmailAddress", "guest@example.com")], "EmailAddress", "already in use"),
        ];
        for (extra, field, text) in cases {
            let mut f = form(&[]);
            f.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            f.retain(|(k, _)| *k != "RealName");
            f.push(("RealName", "Typed Name".into()));
            let refused = send(&app, send_form(f)).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{field}: {}", refused.body);
            assert!(refused.body.contains(&format!(r#"id="{field}-error""#)), "{field}: {}", refused.body);
            assert!(refused.body.contains(text), "{text}: {}", refused.body);
            assert!(refused.body.contains(r#"value="Typed Name""#), "typed value kept");
            assert!(!refused.body.contains("new secret") && !refused.body.contains("staffpass"));
        }
        let after = site.db.root().read(|tx| tx.user_by_name("staff")).unwrap();
        assert_eq!(after.real_name, "Sam Staff", "a refused form saves nothing");
        assert_eq!(send(&app, login_form("staff", "staffpass", "")).await.status, StatusCode::SEE_OTHER);
        // Without the CSRF token.
        let mut forged = form(&[("CurrentPass", "staffpass"), ("NewPass1", "new secret"), ("NewPass2", "new secret")]);
        forged.retain(|(k, _)| *k != "CSRF");
        assert_eq!(send(&app, send_form(forged)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(send(&app, login_form("staff", "staffpass", "")).await.status, StatusCode::SEE_OTHER);

        let good = form(&[("CurrentPass", "staffpass"), ("NewPass1", "new secret"), ("NewPass2", "new secret")]);
        assert_eq!(send(&app, send_form(good)).await.status, StatusCode::SEE_OTHER);
        assert_eq!(send(&app, login_form("staff", "staffpass", "")).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(send(&app, login_form("staff", "new secret", "")).await.status, StatusCode::SEE_OTHER);

        // Without ModifySelf: 403, nothing changed.
        let outsider = login(&app, "outsider").await;
        let token = csrf(&send(&app, get("/Prefs/AboutMe.html", &outsider)).await.body);
        let f = [("CSRF", token.as_str()), ("RealName", "Mallory")];
        assert_eq!(send(&app, post("/Prefs/AboutMe.html", &outsider, &f)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(site.db.root().read(|tx| tx.user_by_name("outsider")).unwrap().real_name, "");
    }
}

#[actix_web::test]
async fn requestors_change_their_own_settings_on_self_service() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let cookie = login(&app, "guest").await;
        let page = send(&app, get("/SelfService/Prefs.html", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_inert(&page.body, "SelfService/Prefs.html");
        let token = csrf(&page.body);
        let form = [("CSRF", token.as_str()), ("RealName", "Gus Guest"), ("Lang", "fr"), ("Timezone", "Asia/Tokyo")];
        // No ModifySelf yet: refused.
        assert_eq!(send(&app, post("/SelfService/Prefs.html", &cookie, &form)).await.status, StatusCode::FORBIDDEN);
        grant(&site, "guest", "ModifySelf");
        let saved = send(&app, post("/SelfService/Prefs.html", &cookie, &form)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let guest = site.db.root().read(|tx| tx.user_by_name("guest")).unwrap();
        assert_eq!(
            (guest.real_name.as_str(), guest.lang.as_str(), guest.timezone.as_str()),
            ("Gus Guest", "fr", "Asia/Tokyo")
        );
        let bad = [("CSRF", token.as_str()), ("RealName", "X"), ("Lang", "xx"), ("Timezone", "Nowhere/Land")];
        let refused = send(&app, post("/SelfService/Prefs.html", &cookie, &bad)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.body.contains(r#"id="Lang-error""#) && refused.body.contains(r#"id="Timezone-error""#));
        let forged = [("RealName", "Forged"), ("Lang", ""), ("Timezone", "")];
        assert_eq!(send(&app, post("/SelfService/Prefs.html", &cookie, &forged)).await.status, StatusCode::FORBIDDEN);
        let password = [
            ("CSRF", token.as_str()),
            ("RealName", "Gus Guest"),
            ("Lang", "fr"),
            ("Timezone", "Asia/Tokyo"),
            ("CurrentPass", "guestpass"),
            ("NewPass1", "guest secret"),
            ("NewPass2", "guest secret"),
        ];
        assert_eq!(send(&app, post("/SelfService/Prefs.html", &cookie, &password)).await.status, StatusCode::SEE_OTHER);
        let after = site.db.root().read(|tx| tx.user_by_name("guest")).unwrap();
        assert_eq!(after.real_name, "Gus Guest");
        assert_eq!(send(&app, login_form("guest", "guest secret", "")).await.header("location"), "/SelfService/");
    }
}

#[actix_web::test]
async fn auth_tokens_are_created_shown_once_and_revoked() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        let page = send(&app, get("/Prefs/AuthTokens.html", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("You may not create authentication tokens"), "{}", page.body);
        let token = csrf(&send(&app, get("/Prefs/Other.html", &cookie)).await.body);
        let create = |password: &str, description: &str| {
            let form = [
                ("CSRF", token.as_str()),
                ("Password", password),
                ("Description", description),
                ("ExpiresSelect", "3M"),
                ("Create", "1"),
            ];
            post("/Prefs/AuthTokens.html", &cookie, &form)
        };
        // Without ManageAuthTokens: 403.
        assert_eq!(send(&app, create("staffpass", "cli")).await.status, StatusCode::FORBIDDEN);
        grant(&site, "staff", "ManageAuthTokens");
        let wrong = send(&app, create("wrong", "cli")).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert!(wrong.body.contains(r#"id="Password-error""#) && wrong.body.contains(r#"value="cli""#));
        let nameless = send(&app, create("staffpass", "")).await;
        assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
        assert!(nameless.body.contains(r#"id="Description-error""#));
        let staff = user_id(&site, "staff");
        assert!(site.db.root().read(|tx| tx.auth_tokens(staff)).unwrap().is_empty(), "nothing made");

        let made = send(&app, create("staffpass", "my cli")).await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        let secret = captured(r"<code class=.token.>(1-\d+-[0-9a-f]{32})</code>", &made.body);
        assert!(made.body.contains("it will not be shown again"));
        let rest = test::TestRequest::get()
            .uri("/REST/2.0/queues/all")
            .insert_header(("authorization", format!("token {secret}")));
        assert_eq!(send(&app, rest).await.status, StatusCode::OK, "the token works");
        let list = send(&app, get("/Prefs/AuthTokens.html", &cookie)).await;
        assert!(list.body.contains("my cli") && !list.body.contains(&secret), "{}", list.body);
        let id = site.db.root().read(|tx| tx.auth_tokens(staff)).unwrap()[0].id.to_string();
        let revoke = [("CSRF", token.as_str()), ("TokenId", id.as_str()), ("Revoke", "1")];
        let forged = [("TokenId", id.as_str()), ("Revoke", "1")];
        assert_eq!(send(&app, post("/Prefs/AuthTokens.html", &cookie, &forged)).await.status, StatusCode::FORBIDDEN);
        let outsider = login(&app, "outsider").await;
        let other_token = csrf(&send(&app, get("/Prefs/Other.html", &outsider)).await.body);
        let theirs = [("CSRF", other_token.as_str()), ("TokenId", id.as_str()), ("Revoke", "1")];
        assert_eq!(send(&app, post("/Prefs/AuthTokens.html", &outsider, &theirs)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(site.db.root().read(|tx| tx.auth_tokens(staff)).unwrap().len(), 1, "still there");
        let revoked = send(&app, post("/Prefs/AuthTokens.html", &cookie, &revoke)).await;
        assert_eq!(revoked.header("location"), "/Prefs/AuthTokens.html?done=revoked");
        assert!(site.db.root().read(|tx| tx.auth_tokens(staff)).unwrap().is_empty());
        let bad_id = [("CSRF", token.as_str()), ("TokenId", "x"), ("Revoke", "1")];
        assert_eq!(send(&app, post("/Prefs/AuthTokens.html", &cookie, &bad_id)).await.status, StatusCode::BAD_REQUEST);
    }
}

#[actix_web::test]
async fn the_home_page_shows_the_portlets_chosen_in_order() {
    for backend in backends() {
        let site = site(backend, Config::default());
        grant(&site, "staff", "ModifySelf");
        let staff = user_id(&site, "staff");
        let root = site.db.root();
        let general = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let (reminder, search) = root
            .write(|tx| {
                let mine = tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "Server room humidity".into(),
                    owner: Some(staff),
                    ..NewTicket::default()
                })?;
                let reminder = tx.add_reminder(mine, "Call the landlord", Some(staff), None)?;
                let search = tx.create_saved_search(NewSavedSearch::new(
                    SearchOwner::User(staff),
                    "My open tickets",
                    "Owner = '__CurrentUser__'",
                ))?;
                tx.add_attribute(AttributeObject::System, "Dashboard", "Ops overview", "{}", "application/json")?;
                Ok((reminder, search))
            })
            .unwrap();
        site.db
            .rt()
            .session(staff, rt_core::Interface::Web)
            .unwrap()
            .write(|tx| tx.set_bookmark(site.hostile, true))
            .unwrap();
        let app = app!(site);
        let cookie = login(&app, "staff").await;

        // RT's default layout.
        let home = send(&app, get("/", &cookie)).await;
        assert_eq!(home.status, StatusCode::OK);
        assert_inert(&home.body, "home");
        assert!(!home.body.contains("http-equiv=\"refresh\""), "no refresh by default");
        for text in
            ["10 highest priority tickets I own", "Server room humidity", "Bookmarked tickets", "Quarterly report"]
        {
            assert!(home.body.contains(text), "{text} in {}", home.body);
        }
        assert!(home.body.contains("Call the landlord"), "my reminder: {}", home.body);
        assert!(home.body.contains(&format!(r#"href="/Ticket/Display.html?id={}""#, reminder.0)));
        assert!(home.body.contains("Ops overview"), "dashboards");
        // Quick create posts RT's fields to the create page.
        let form = captured(r#"(?s)(<form class="quick-create".*?</form>)"#, &home.body);
        assert!(form.contains(r#"action="/Ticket/Create.html""#) && form.contains(r#"name="CSRF""#));
        for name in ["Queue", "Subject", "Owner", "Content"] {
            assert!(form.contains(&format!(r#"name="{name}""#)), "{name} in {form}");
        }
        // The refresh portlet: RT's GET form.
        let refreshed = send(&app, get("/?HomeRefreshInterval=120", &cookie)).await;
        assert!(refreshed.body.contains(r#"<meta http-equiv="refresh" content="120">"#));
        assert!(refreshed.body.contains("Refresh this page every 2 minutes."));
        assert!(!send(&app, get("/?HomeRefreshInterval=7", &cookie)).await.body.contains("http-equiv"));

        // Choose: reminders first, then saved searches; dashboards aside.
        let page = send(&app, get("/Prefs/MyRT.html", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_inert(&page.body, "MyRT.html");
        let token = csrf(&page.body);
        let mut form = vec![("CSRF", token.as_str()), ("SummaryRows", "5")];
        form.extend([
            ("Placement-MyReminders", "body"),
            ("Order-MyReminders", "1"),
            ("Placement-SavedSearches", "body"),
            ("Order-SavedSearches", "2"),
            ("Placement-Dashboards", "sidebar"),
            ("Order-Dashboards", "1"),
            ("Placement-MyTickets", ""),
            ("Order-MyTickets", "1"),
        ]);
        let saved = send(&app, post("/Prefs/MyRT.html", &cookie, &form)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let home = send(&app, get("/", &cookie)).await;
        let (reminders, searches, dashboards) = (
            home.body.find("My reminders").unwrap(),
            home.body.find("Saved searches").unwrap(),
            home.body.find("Ops overview").unwrap(),
        );
        assert!(reminders < searches && searches < dashboards, "{}", home.body);
        assert!(home.body.contains(&format!(r#"href="/Search/Results.html?SavedSearchId={search}""#)));
        for gone in ["highest priority tickets I own", "Quick search", "Bookmarked tickets"] {
            assert!(!home.body.contains(gone), "{gone} hidden");
        }

        // Bad input changes nothing and keeps what was typed.
        let bad = [
            ("CSRF", token.as_str()),
            ("SummaryRows", "500"),
            ("Placement-QueueList", "body"),
            ("Order-QueueList", "x"),
        ];
        let refused = send(&app, post("/Prefs/MyRT.html", &cookie, &bad)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.body.contains(r#"id="SummaryRows-error""#)
                && refused.body.contains(r#"id="Order-QueueList-error""#)
        );
        assert!(refused.body.contains(r#"value="500""#));
        let forged = [("Reset", "1")];
        assert_eq!(send(&app, post("/Prefs/MyRT.html", &cookie, &forged)).await.status, StatusCode::FORBIDDEN);
        assert!(!send(&app, get("/", &cookie)).await.body.contains("Quick search"), "unchanged");
        let outsider = login(&app, "outsider").await;
        let other = csrf(&send(&app, get("/Prefs/MyRT.html", &outsider)).await.body);
        let theirs = [("CSRF", other.as_str()), ("Reset", "1")];
        assert_eq!(send(&app, post("/Prefs/MyRT.html", &outsider, &theirs)).await.status, StatusCode::FORBIDDEN);

        // Reset brings RT's default back.
        let reset = [("CSRF", token.as_str()), ("Reset", "1")];
        assert_eq!(send(&app, post("/Prefs/MyRT.html", &cookie, &reset)).await.status, StatusCode::SEE_OTHER);
        assert!(send(&app, get("/", &cookie)).await.body.contains("10 highest priority tickets I own"));
    }
}

/// The reset links mailed since the last look, with their recipients.
fn mailed_links(site: &Site) -> Vec<(String, String)> {
    let system = site.db.rt().system_session(rt_core::Interface::Web);
    let items = system.write(|tx| tx.claim_outbox("test", 100, std::time::Duration::from_secs(60))).unwrap();
    items
        .into_iter()
        .map(|item| {
            let mail =
                String::from_utf8_lossy(&item.mail.content).replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
            (item.mail.recipients.join(","), captured(r"(/NoAuth/ResetPassword/Reset/[0-9a-f]{32}/\d+)", &mail))
        })
        .collect()
}

#[actix_web::test]
async fn a_requestor_created_by_mail_sets_a_first_password_through_a_reset_link() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let root = site.db.root();
        let general = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let ticket = root
            .write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "My laptop will not boot".into(),
                    requestors: vec!["new.person@example.net".into()],
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let person = user_id(&site, "new.person@example.net");
        assert!(!root.read(|tx| tx.has_password(person)).unwrap(), "autocreated without a password");
        let app = app!(site);

        let login_page = send(&app, get("/NoAuth/Login.html", "")).await;
        assert!(login_page.body.contains(r#"<a href="/NoAuth/ResetPassword.html">Forgot your password?</a>"#));
        let form = send(&app, get("/NoAuth/ResetPassword.html", "")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert_secured(&form, "ResetPassword.html");
        assert!(form.body.contains(r#"<label for="Email">"#));

        // The same answer for an account and for no account.
        let asked = send(&app, post("/NoAuth/ResetPassword.html", "", &[("Email", "New.Person@example.net")])).await;
        let started = std::time::Instant::now();
        let unknown = send(&app, post("/NoAuth/ResetPassword.html", "", &[("Email", "nobody@nowhere.example")])).await;
        assert!(started.elapsed() >= std::time::Duration::from_millis(300), "no quicker answer for no account");
        assert_eq!(asked.status, StatusCode::OK);
        assert_eq!(asked.status, unknown.status);
        assert!(asked.body.contains("If that address belongs to an account"), "{}", asked.body);
        assert_eq!(
            asked.body.replace("New.Person@example.net", "X"),
            unknown.body.replace("nobody@nowhere.example", "X"),
            "no account enumeration"
        );
        let mailed = mailed_links(&site);
        assert_eq!(mailed.len(), 1, "one mail, none for the unknown address: {mailed:?}");
        let (to, link) = mailed.into_iter().next().unwrap();
        assert_eq!(to, "new.person@example.net");
        assert!(link.ends_with(&format!("/{}", person.0)), "{link}");
        // From another site: refused.
        let foreign = post(&link, "", &[("password", "first secret"), ("password2", "first secret")])
            .insert_header(("origin", "http://evil.example"));
        assert_eq!(send(&app, foreign).await.status, StatusCode::FORBIDDEN);

        let page = send(&app, get(&link, "")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_inert(&page.body, "reset form");
        assert!(page.body.contains(r#"<label for="password">"#) && page.body.contains(r#"<label for="password2">"#));
        let mismatch =
            send(&app, post(&link, "", &[("password", "first secret"), ("password2", "first secreT")])).await;
        assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
        assert!(mismatch.body.contains(r#"id="password2-error""#) && !mismatch.body.contains("first secret"));
        let short = send(&app, post(&link, "", &[("password", "abc"), ("password2", "abc")])).await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST);
        assert!(short.body.contains("at least 5 characters"), "{}", short.body);
        assert!(!root.read(|tx| tx.has_password(person)).unwrap(), "nothing set yet");

        let done = send(&app, post(&link, "", &[("password", "first secret"), ("password2", "first secret")])).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("Your password has been set"));
        // Once only.
        assert_eq!(send(&app, get(&link, "")).await.status, StatusCode::NOT_FOUND);
        let again = send(&app, post(&link, "", &[("password", "second secret"), ("password2", "second secret")])).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        assert!(again.body.contains("expired or was already used"));
        let forged = link.replace(&link[28..60], "0123456789abcdef0123456789abcdef");
        assert_eq!(send(&app, get(&forged, "")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(send(&app, get("/NoAuth/ResetPassword/Reset/x/y", "")).await.status, StatusCode::NOT_FOUND);

        // The new password logs in, to self-service and the ticket.
        let logged = send(&app, login_form("new.person@example.net", "first secret", "")).await;
        assert_eq!(logged.header("location"), "/SelfService/", "{}", logged.body);
        let own = send(&app, get("/SelfService/", &logged.cookie())).await;
        assert!(own.body.contains("My laptop will not boot"), "{}", own.body);
        assert_eq!(root.read(|tx| tx.ticket(ticket)).unwrap().subject, "My laptop will not boot");
    }
}
