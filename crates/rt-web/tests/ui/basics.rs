//! Login, logout, the session cookie, CSRF, 403s, security headers, a
//! hostile mail shown inert, and search results.

use super::*;

#[actix_web::test]
async fn login_follows_only_local_next_and_sets_a_strict_cookie() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let home = send(&app, get("/", "")).await;
        assert_eq!(home.status, StatusCode::SEE_OTHER);
        assert_eq!(home.header("location"), "/NoAuth/Login.html?next=%2F");
        let form = send(&app, get("/NoAuth/Login.html?next=%2FSearch%2FResults.html", "")).await;
        assert_eq!(form.status, StatusCode::OK);
        for field in [r#"name="user""#, r#"name="pass""#, r#"name="next" value="/Search/Results.html""#] {
            assert!(form.body.contains(field), "{field} in {}", form.body);
        }

        let bad = send(&app, login_form("staff", "wrong", "")).await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert!(bad.body.contains("Your username or password is incorrect"), "{}", bad.body);
        assert!(bad.header("set-cookie").is_empty());

        let good = send(&app, login_form("staff", "staffpass", "/Search/Results.html?Query=id%3E0")).await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{backend:?}: {}", good.body);
        assert_eq!(good.header("location"), "/Search/Results.html?Query=id%3E0");
        let set = good.header("set-cookie");
        assert!(!captured(r"^RT_SID_example\.com\.\d+=([0-9a-f]{32}); ", set).is_empty());
        for flag in ["; Path=/", "; HttpOnly", "; SameSite=Lax"] {
            assert!(set.contains(flag), "{flag} in {set}");
        }
        assert!(!set.contains("Secure"), "plain http: {set}");
        for evil in ["http://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"] {
            let answer = send(&app, login_form("staff", "staffpass", evil)).await;
            assert_eq!(answer.header("location"), "/", "{evil}");
        }

        let cookie = good.cookie();
        let page = send(&app, get("/", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"Logged in as <strong class="username">staff</strong>"#), "{}", page.body);
        for text in [
            "10 highest priority tickets I own",
            "10 newest unowned tickets",
            "Quick search",
            "Printer on fire",
            r#"href="/Prefs/Other.html""#,
            r#"href="/NoAuth/Logout.html""#,
            r#"href="/Ticket/Create.html""#,
        ] {
            assert!(page.body.contains(text), "{text} on the home page");
        }
        // Quick search: General, 2 new tickets, linking to their search.
        assert!(
            page.body.contains(r#"Queue+%3D+%27General%27+AND+Status+%3D+%27new%27">2</a>"#),
            "{backend:?}: {}",
            page.body
        );

        // The same session works for REST 1.0.
        let rest = send(&app, get(&format!("/REST/1.0/ticket/{}/show", site.plain.0), &cookie)).await;
        assert!(rest.body.starts_with("RT/5.0.3 200 Ok"), "{}", rest.body);

        // A requestor lands on self-service and sees their ticket only.
        let guest = send(&app, login_form("guest", "guestpass", "")).await;
        assert_eq!(guest.header("location"), "/SelfService/");
        let cookie = guest.cookie();
        assert_eq!(send(&app, get("/", &cookie)).await.header("location"), "/SelfService/");
        let own = send(&app, get("/SelfService/", &cookie)).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(own.body.contains("Printer on fire") && !own.body.contains("Quarterly report"), "{}", own.body);
        let display = send(&app, get(&format!("/Ticket/Display.html?id={}", site.plain.0), &cookie)).await;
        assert_eq!(display.header("location"), "/SelfService/");
    }
}

#[actix_web::test]
async fn the_cookie_is_secure_behind_https() {
    let config = Config { web_base_url: "https://rt.example.com".into(), ..Config::default() };
    let site = site(Backend::Sqlite, config);
    let app = app!(site);
    let good = send(&app, login_form("staff", "staffpass", "")).await;
    assert!(good.header("set-cookie").ends_with("; SameSite=Lax; Secure"), "{}", good.header("set-cookie"));
}

#[actix_web::test]
async fn failed_logins_are_throttled_per_client_address() {
    for backend in backends() {
        let config =
            Config { login_throttle_failures: 3, trusted_proxies: vec!["10.0.0.1".into()], ..Config::default() };
        let site = site(backend, config);
        let app = app!(site);
        let from = |peer: &str, forwarded: Option<&str>, pass: &str| {
            let req = login_form("staff", pass, "").peer_addr(format!("{peer}:40000").parse().unwrap());
            match forwarded {
                Some(f) => req.insert_header(("x-forwarded-for", f.to_string())),
                None => req,
            }
        };
        for _ in 0..3 {
            assert_eq!(send(&app, from("192.0.2.7", None, "wrong")).await.status, StatusCode::UNAUTHORIZED);
        }
        // Now even the right password is refused from there.
        let refused = send(&app, from("192.0.2.7", None, "staffpass")).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.body.contains("Too many failed login attempts from your address"), "{}", refused.body);
        assert!(refused.header("retry-after").parse::<u64>().unwrap() > 0);
        assert!(refused.header("set-cookie").is_empty());
        // An untrusted client cannot move itself elsewhere with the header.
        let spoofed = send(&app, from("192.0.2.7", Some("198.51.100.1"), "staffpass")).await;
        assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
        // Another address logs in.
        assert_eq!(send(&app, from("192.0.2.8", None, "staffpass")).await.status, StatusCode::SEE_OTHER);

        // Behind the trusted proxy, clients are told apart by the header.
        for _ in 0..3 {
            let answer = send(&app, from("10.0.0.1", Some("198.51.100.9, 10.0.0.1"), "wrong")).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        }
        let throttled = send(&app, from("10.0.0.1", Some("198.51.100.9"), "staffpass")).await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
        let other = send(&app, from("10.0.0.1", Some("198.51.100.10"), "staffpass")).await;
        assert_eq!(other.status, StatusCode::SEE_OTHER, "{backend:?}");
    }
}

#[actix_web::test]
async fn logout_ends_the_session_for_the_ui_and_rest() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        let out = send(&app, get("/NoAuth/Logout.html", &cookie)).await;
        assert_eq!(out.status, StatusCode::OK);
        assert!(out.body.contains("You have been logged out."), "{}", out.body);
        assert!(out.header("set-cookie").contains("Max-Age=0"), "{}", out.header("set-cookie"));
        let home = send(&app, get("/", &cookie)).await;
        assert_eq!(home.status, StatusCode::SEE_OTHER);
        assert!(home.header("location").starts_with("/NoAuth/Login.html"));
        let rest = send(&app, get(&format!("/REST/1.0/ticket/{}/show", site.plain.0), &cookie)).await;
        assert!(rest.body.starts_with("RT/5.0.3 401 Credentials required"), "{backend:?}: {}", rest.body);
    }
}

#[actix_web::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        let id = site.plain.0.to_string();
        let other = login(&app, "staff").await;
        let foreign_token = csrf(&send(&app, get("/", &other)).await.body);
        let zeros = "0".repeat(64);
        for token in [None, Some(""), Some(zeros.as_str()), Some(foreign_token.as_str())] {
            let mut form = vec![("id", id.as_str()), ("Action", "Take")];
            if let Some(token) = token {
                form.push(("CSRF", token));
            }
            let answer = send(&app, post("/Ticket/Display.html", &cookie, &form)).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{token:?}");
            assert!(answer.body.contains("Possible cross-site request forgery"), "{}", answer.body);
            assert!(answer.body.contains("nothing was changed"));
            assert_secured(&answer, "CSRF refusal");
            assert_eq!(owner(&site, site.plain), "Nobody", "{backend:?}: {token:?}");
        }
        // A login posted from another site is refused too.
        let cross = login_form("staff", "staffpass", "").insert_header(("origin", "https://evil.example"));
        let answer = send(&app, cross).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(answer.header("set-cookie").is_empty());

        // The token of the session's own page works: Take from the home page.
        let home = send(&app, get("/", &cookie)).await;
        let form = [("id", id.as_str()), ("Action", "Take"), ("CSRF", &csrf(&home.body))];
        let taken = send(&app, post("/Ticket/Display.html", &cookie, &form)).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        let location = taken.header("location").to_string();
        assert!(location.starts_with(&format!("/Ticket/Display.html?id={id}&results=")), "{location}");
        assert_eq!(owner(&site, site.plain), "staff");
        // The page that follows says what was done.
        let page = send(&app, get(&location, &cookie)).await;
        assert!(
            page.body.contains(r#"<div class="message results" role="status"><ul><li>Taken by staff"#),
            "{}",
            page.body
        );
    }
}

#[actix_web::test]
async fn without_show_ticket_the_page_history_and_attachments_are_403() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let display = send(&app, get(&format!("/Ticket/Display.html?id={}", site.hostile.0), &staff)).await;
        assert_eq!(display.status, StatusCode::OK);
        let attachment = captured(r#"href="(/Ticket/Attachment/\d+/\d+/notes\.txt)""#, &display.body);
        let file = send(&app, get(&attachment, &staff)).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.body, "line one\nline two\n");

        let outsider = login(&app, "outsider").await;
        let id = site.hostile.0;
        for uri in
            [format!("/Ticket/Display.html?id={id}"), format!("/Ticket/History.html?id={id}"), attachment.clone()]
        {
            let answer = send(&app, get(&uri, &outsider)).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{backend:?}: {uri}");
            assert!(answer.body.contains("Permission Denied"), "{}", answer.body);
            assert!(!answer.body.contains("Quarterly") && !answer.body.contains("line one"), "{}", answer.body);
            assert_secured(&answer, &uri);
        }
        // Nor does the outsider find it by searching.
        let found = send(&app, get("/Search/Results.html?Query=id%3E0", &outsider)).await;
        assert!(found.body.contains("Found 0 tickets"), "{}", found.body);
        // Nor can they take it, with a valid token from a ticket of a
        // queue of their own.
        site.db
            .root()
            .write(|tx| {
                let mine = tx.create_queue(rt_core::NewQueue { name: "Outside".into(), ..Default::default() })?;
                let who = rt_core::Grantee::User(tx.user_by_name("outsider")?.user_id());
                for right in ["SeeQueue", "ShowTicket"] {
                    tx.grant(who, right, rt_core::AclObject::Queue(mine))?;
                }
                let new = rt_core::NewTicket { queue: Some(mine), subject: "mine".into(), ..Default::default() };
                tx.create_ticket(new)
            })
            .unwrap();
        let token = csrf(&send(&app, get("/", &outsider)).await.body);
        let id = id.to_string();
        let form = [("id", id.as_str()), ("Action", "Take"), ("CSRF", token.as_str())];
        let answer = send(&app, post("/Ticket/Display.html", &outsider, &form)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(owner(&site, site.hostile), "Nobody");
    }
}

#[actix_web::test]
async fn a_hostile_html_mail_is_displayed_inert() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        for uri in [
            format!("/Ticket/Display.html?id={}", site.hostile.0),
            format!("/Ticket/History.html?id={}", site.hostile.0),
        ] {
            let page = send(&app, get(&uri, &cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?}");
            let body = &page.body;
            for text in ["Quarterly numbers attached.", "Regards, Eve", r#"href="https://example.org/report""#] {
                assert!(body.contains(text), "{text} in {body}");
            }
            assert_inert(body, &uri);
            assert!(!body.contains("<img"), "{body}");
            assert!(!body.contains("expression("), "{body}");
            assert!(!body.contains("http://tracker.example"), "{body}");
        }
        // The HTML attachment is a download, never a page of the site.
        let page = send(&app, get(&format!("/Ticket/Display.html?id={}", site.hostile.0), &cookie)).await;
        let url = captured(r#"href="(/Ticket/Attachment/\d+/\d+/evil\.html)""#, &page.body);
        let file = send(&app, get(&url, &cookie)).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.header("content-type"), "application/octet-stream");
        assert!(file.header("content-disposition").starts_with("attachment; filename=\"evil.html\""));
        assert!(file.header("content-security-policy").ends_with("; sandbox"));
        assert_eq!(file.body, "<script>alert(1)</script>");
    }
}

#[actix_web::test]
async fn every_page_carries_the_security_headers_and_no_inline_code() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let guest = login(&app, "guest").await;
        let (plain, hostile) = (site.plain.0, site.hostile.0);
        let pages = [
            ("/NoAuth/Login.html".to_string(), ""),
            ("/".into(), ""),
            ("/".into(), staff.as_str()),
            (format!("/Ticket/Display.html?id={plain}"), &staff),
            (format!("/Ticket/Display.html?id={hostile}"), &staff),
            (format!("/Ticket/History.html?id={hostile}"), &staff),
            ("/Ticket/Display.html?id=999".into(), &staff),
            ("/Search/Results.html?Query=Queue%20%3D%20%27General%27".into(), &staff),
            ("/Search/Results.html?Query=Queue%20%3D".into(), &staff),
            ("/SelfService/".into(), &guest),
            ("/static/css/rt.css".into(), ""),
            ("/NoAuth/Logout.html".into(), ""),
            ("/no/such/page".into(), ""),
        ];
        for (uri, cookie) in pages {
            let answer = send(&app, get(&uri, cookie)).await;
            assert_secured(&answer, &uri);
            if answer.header("content-type").starts_with("text/html") {
                assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
                assert_inert(&answer.body, &uri);
                assert!(answer.body.starts_with("<!DOCTYPE html>") && answer.body.contains("<meta charset=\"utf-8\">"));
            }
        }
        let missing = send(&app, get("/Ticket/Display.html?id=999", &staff)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn search_results_follow_the_format_sort_and_paging() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let cookie = login(&app, "staff").await;
        let uri = "/Search/Results.html?Query=Queue%20%3D%20%27General%27&OrderBy=id&Order=DESC";
        let all = send(&app, get(uri, &cookie)).await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.body.contains("Found 2 tickets"), "{}", all.body);
        let (first, second) = (all.body.find("Quarterly report").unwrap(), all.body.find("Printer on fire").unwrap());
        assert!(first < second, "sorted by id descending");
        // The id header sorts the other way round.
        assert!(all.body.contains("OrderBy=id&amp;Order=ASC&amp;Rows=50&amp;Page=1\">#</a>"), "{}", all.body);
        assert!(all.body.contains(r#"<a href="/Ticket/Display.html?id=2">Quarterly report</a>"#), "{}", all.body);

        // A format of our own, one row a page.
        let uri = format!(
            "/Search/Results.html?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("Query", "Status = 'new'"),
                    ("Format", "'__id__/TITLE:Number', '<b>__Subject__</b>', Requestors, QueueName"),
                    ("OrderBy", "id"),
                    ("Rows", "1"),
                ])
                .finish()
        );
        let page = send(&app, get(&uri, &cookie)).await;
        assert!(page.body.contains(">Number</a>"), "{}", page.body);
        assert!(
            page.body.contains("<b>Printer on fire</b>") && !page.body.contains("Quarterly report"),
            "{}",
            page.body
        );
        assert!(page.body.contains("guest@example.com") && page.body.contains("<td>General</td>"), "{}", page.body);
        assert!(page.body.contains("Found 2 tickets"));
        let next = captured(r#"rel="next" href="([^"]+)""#, &page.body).replace("&amp;", "&");
        let second = send(&app, get(&next, &cookie)).await;
        assert!(second.body.contains("<b>Quarterly report</b>") && second.body.contains(r#"rel="prev""#));
        assert!(!second.body.contains(r#"rel="next""#));

        // Bad TicketSQL is a clear error on the page.
        let bad = send(&app, get("/Search/Results.html?Query=Queue%20%3D", &cookie)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(bad.body.contains("This search could not be run"), "{}", bad.body);
        assert!(bad.body.contains("Queue ="), "the query is kept in the form: {}", bad.body);
        let bad = send(&app, get("/Search/Results.html?Query=id%3E0&Format=%27unterminated", &cookie)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("Format at character"), "{}", bad.body);
    }
}
