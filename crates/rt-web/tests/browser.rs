//! The web UI in a real browser: Debian's headless Chromium driven
//! through chromedriver (WebDriver, with `fantoccini`) against a server on
//! a loopback port, on SQLite and (with `RT_TEST_PG_URL`) PostgreSQL. One
//! test logs in, reads the home page, takes a ticket from "10 newest
//! unowned tickets", lands on its display page and runs a search; the
//! other creates a ticket with a custom field and an attachment, replies,
//! comments, takes and resolves it, builds a search, saves it, and
//! bulk-updates three tickets; then a requestor who wrote in by mail sets
//! a password through the reset link, logs in and sees only their ticket. Each step asserts what the page shows and
//! saves a screenshot under `target/screenshots/`
//! (`$CARGO_TARGET_DIR/screenshots/` when set); reviewed copies are in
//! docs/screenshots/.
//!
//! On each main page it runs axe-core (from the npm registry: `npm ci
//! --prefix crates/rt-web/tests/axe`) in the page and fails on any
//! serious or critical violation.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` (`apt-get
//! install chromium chromium-driver`), or without axe-core, the test says
//! so and passes (without axe, unchecked), unless `RT_REQUIRE_ALL=1`,
//! where it fails.

#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use rt_core::db::Backend;
use rt_core::{AclObject, CfType, Config, Grantee, NewCustomField, NewTicket, TicketId};
use rt_mail::gateway::{GatewayOutcome, GatewayRequest, deliver};
use rt_test_support::backends;

mod ui_site;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn browser_installed() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        true
    } else if std::env::var("RT_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!(
            "RT_REQUIRE_ALL=1 but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
        );
    } else {
        eprintln!(
            "NOTE: {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver); the browser test does not run"
        );
        false
    }
}

/// axe-core's script, when `npm ci --prefix crates/rt-web/tests/axe` ran.
fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) if std::env::var("RT_REQUIRE_ALL").is_ok_and(|v| v == "1") => {
            panic!(
                "RT_REQUIRE_ALL=1 but {} cannot be read ({e}): npm ci --prefix crates/rt-web/tests/axe",
                path.display()
            )
        }
        Err(_) => {
            eprintln!("NOTE: axe-core is missing (npm ci --prefix crates/rt-web/tests/axe); pages are not checked");
            None
        }
    }
}

/// Runs axe-core in the current page (WebDriver scripts are not subject
/// to the page's CSP) and fails on serious or critical violations.
async fn assert_accessible(browser: &Client, axe: Option<&str>, page: &str) {
    let Some(axe) = axe else { return };
    browser.execute(axe, vec![]).await.unwrap();
    let run = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
          .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => n.html).slice(0, 3) }))))
          .catch(e => done('axe failed: ' + e));";
    let found = browser.execute_async(run, vec![]).await.unwrap();
    let violations = found.as_array().unwrap_or_else(|| panic!("{page}: {found}"));
    let bad: Vec<_> =
        violations.iter().filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical"))).collect();
    assert!(bad.is_empty(), "{page}: accessibility violations: {}", serde_json::to_string_pretty(&bad).unwrap());
}

/// axe-core finds what it should: an image without text and an unlabelled
/// input on a page made for it are critical violations.
async fn assert_axe_finds_violations(browser: &Client, axe: Option<&str>) {
    let Some(axe) = axe else { return };
    browser.goto("data:text/html,<html><body><img src='x.png'><input type='text'></body></html>").await.unwrap();
    browser.execute(axe, vec![]).await.unwrap();
    let run = "const done = arguments[arguments.length - 1];
        axe.run(document).then(r => done(r.violations.map(v => v.id))).catch(e => done('axe failed: ' + e));";
    let found = browser.execute_async(run, vec![]).await.unwrap();
    for rule in ["image-alt", "label"] {
        assert!(found.as_array().is_some_and(|ids| ids.iter().any(|id| id == rule)), "axe missed {rule}: {found}");
    }
}

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
    profile: PathBuf,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = std::env::temp_dir().join(format!("rt-web-chromium-{}-{port}", std::process::id()));
        Driver { child, url: format!("http://127.0.0.1:{port}"), profile }
    }

    /// A fresh headless Chromium session, flags as in shared/DESIGN.md.
    async fn browser(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", self.profile.display()));
        let options = serde_json::json!({ "binary": CHROMIUM, "args": args });
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector).capabilities(caps).connect(&self.url).await.unwrap()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Serves `rt` on a free loopback port for the rest of the test process.
fn serve(rt: rt_core::Rt) -> SocketAddr {
    let listener = rt_web::Listener::bind(rt, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(listener.run_until(std::future::pending::<()>())).unwrap();
    });
    addr
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn save_screenshot(browser: &Client, name: &str) {
    browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// Clicks what `css` finds and waits until the page that follows is
/// loaded at `path`.
async fn click_to(browser: &Client, css: &str, path: &str) {
    let old = browser.find(Locator::Css("html")).await.unwrap();
    browser.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    // The old document's element goes stale once the next page replaced it.
    while old.text().await.is_ok() || browser.current_url().await.unwrap().path() != path {
        assert!(Instant::now() < deadline, "no page at {path} after clicking {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Follows the link with this text to the page at `path`.
async fn follow_to(browser: &Client, text: &str, path: &str) {
    let href = browser.find(Locator::LinkText(text)).await.unwrap().attr("href").await.unwrap().unwrap();
    let url = browser.current_url().await.unwrap().join(&href).unwrap();
    browser.goto(url.as_str()).await.unwrap();
    assert_eq!(browser.current_url().await.unwrap().path(), path, "after following {text}");
}

async fn text_of(browser: &Client, css: &str) -> String {
    browser.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Types `text` into the field `css` finds, replacing what it held.
async fn fill(browser: &Client, css: &str, text: &str) {
    let field = browser.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn choose(browser: &Client, css: &str, value: &str) {
    browser.find(Locator::Css(css)).await.unwrap().select_by_value(value).await.unwrap();
}

/// The ticket id in the current page's `id` parameter.
async fn current_ticket(browser: &Client) -> i64 {
    let url = browser.current_url().await.unwrap();
    url.query_pairs().find(|(k, _)| k == "id").and_then(|(_, v)| v.parse().ok()).unwrap()
}

#[actix_web::test]
async fn a_user_logs_in_takes_a_ticket_and_searches() {
    if !browser_installed() {
        return;
    }
    let axe = axe_source();
    let axe = axe.as_deref();
    let driver = Driver::start();
    for backend in backends() {
        let tag = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let site = ui_site::site(backend, Config::default());
        let base = format!("http://{}", serve(site.db.rt().clone()));
        let browser = driver.browser().await;
        assert_axe_finds_violations(&browser, axe).await;

        // Asking for the home page leads to the login form.
        browser.goto(&format!("{base}/")).await.unwrap();
        assert_eq!(browser.current_url().await.unwrap().path(), "/NoAuth/Login.html");
        assert_eq!(text_of(&browser, "h1").await, "Login");
        browser.find(Locator::Id("user")).await.unwrap().send_keys("staff").await.unwrap();
        browser.find(Locator::Id("pass")).await.unwrap().send_keys("staffpass").await.unwrap();
        save_screenshot(&browser, &format!("{tag}-01-login")).await;
        click_to(&browser, "form.login button[type=submit]", "/").await;

        // The home page, back where the user started.
        assert_eq!(text_of(&browser, "h1").await, "RT at a glance");
        assert!(text_of(&browser, ".session").await.contains("Logged in as staff"));
        let unowned = text_of(&browser, "section[aria-labelledby=unowned-title]").await;
        assert!(unowned.contains("Printer on fire") && unowned.contains("Quarterly report"), "{unowned}");
        let quick = text_of(&browser, "section[aria-labelledby=quick-title]").await;
        assert!(quick.contains("General"), "{quick}");
        // The stylesheet applied under the CSP: the header bar is dark.
        let script = "return getComputedStyle(document.querySelector('header.site')).backgroundColor";
        let color = browser.execute(script, vec![]).await.unwrap();
        assert_eq!(color, serde_json::json!("rgb(44, 62, 80)"), "rt.css was not applied");
        save_screenshot(&browser, &format!("{tag}-02-home")).await;
        assert_accessible(&browser, axe, "home").await;

        // Take ticket 1 from "10 newest unowned tickets": its page follows.
        let take = format!("button[aria-label='Take ticket #{}']", site.plain.0);
        click_to(&browser, &take, "/Ticket/Display.html").await;
        assert_eq!(current_ticket(&browser).await, site.plain.0);
        assert_eq!(text_of(&browser, "h1").await, format!("#{}: Printer on fire", site.plain.0));
        assert!(text_of(&browser, ".message.results").await.contains("Taken by staff"), "the take is reported");
        let people = text_of(&browser, "section[aria-labelledby=people-title]").await;
        assert!(people.contains("Owner\nstaff") || people.contains("Owner staff"), "{people}");
        assert!(people.contains("guest@example.com"), "{people}");
        let history = text_of(&browser, "section.history").await;
        assert!(history.contains("It is burning.") && history.contains("Taken by staff"), "{history}");
        save_screenshot(&browser, &format!("{tag}-03-display")).await;
        assert_accessible(&browser, axe, "ticket display").await;

        // Back home, the ticket is no longer unowned but owned.
        browser.goto(&format!("{base}/")).await.unwrap();
        let owned = text_of(&browser, "section[aria-labelledby=owned-title]").await;
        assert!(owned.contains("Printer on fire"), "{owned}");

        // A search from the search page.
        click_to(&browser, "nav.main a[href='/Search/Results.html']", "/Search/Results.html").await;
        let query = browser.find(Locator::Id("query")).await.unwrap();
        query.send_keys("Queue = 'General' AND Owner = 'Nobody'").await.unwrap();
        click_to(&browser, "form.search button[type=submit]", "/Search/Results.html").await;
        assert_eq!(text_of(&browser, "p.count").await, "Found 1 ticket.");
        let results = text_of(&browser, "table.results").await;
        assert!(results.contains("Quarterly report") && !results.contains("Printer on fire"), "{results}");
        save_screenshot(&browser, &format!("{tag}-04-results")).await;
        assert_accessible(&browser, axe, "search results").await;

        browser.close().await.unwrap();
    }
}

/// Grants `staff` what a help-desk member has on General and on saved
/// searches, and adds a `Severity` field to General; returns its id.
fn help_desk(site: &ui_site::Site) -> i64 {
    site.db
        .root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            let staff = Grantee::User(tx.user_by_name("staff")?.user_id());
            for right in
                ["ReplyToTicket", "CommentOnTicket", "SeeCustomField", "ModifyCustomField", "SetInitialCustomField"]
            {
                tx.grant(staff, right, AclObject::Queue(general))?;
            }
            for right in ["CreateSavedSearch", "LoadSavedSearch", "ShowSearchBulkUpdate", "ModifySelf"] {
                tx.grant(staff, right, AclObject::System)?;
            }
            let severity = tx.create_custom_field(NewCustomField {
                max_values: 1,
                ..NewCustomField::ticket("Severity", CfType::Freeform)
            })?;
            tx.apply_custom_field(severity, Some(general))?;
            for subject in ["Bulk one", "Bulk two", "Bulk three"] {
                tx.create_ticket(NewTicket { queue: Some(general), subject: subject.into(), ..NewTicket::default() })?;
            }
            Ok(severity.0)
        })
        .unwrap()
}

#[actix_web::test]
async fn a_ticket_from_creation_to_bulk_update() {
    if !browser_installed() {
        return;
    }
    let axe = axe_source();
    let axe = axe.as_deref();
    let driver = Driver::start();
    let upload = std::env::temp_dir().join(format!("rt-web-browser-{}-error.log", std::process::id()));
    std::fs::write(&upload, "kernel: printer0: on fire\n").unwrap();
    for backend in backends() {
        let tag = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let site = ui_site::site(backend, Config::default());
        let severity = help_desk(&site);
        let base = format!("http://{}", serve(site.db.rt().clone()));
        let browser = driver.browser().await;
        browser.goto(&format!("{base}/NoAuth/Login.html")).await.unwrap();
        fill(&browser, "#user", "staff").await;
        fill(&browser, "#pass", "staffpass").await;
        click_to(&browser, "form.login button[type=submit]", "/").await;

        // Create a ticket with a custom field and an attachment.
        browser.goto(&format!("{base}/Ticket/Create.html?Queue=General")).await.unwrap();
        assert_eq!(text_of(&browser, "h1").await, "Create a new ticket");
        fill(&browser, "#Subject", "Scanner jams on page two").await;
        fill(&browser, "#Requestors", "guest@example.com").await;
        fill(&browser, &format!("#cf-{severity}"), "high").await;
        fill(&browser, "#Content", "Every second page jams.").await;
        browser.find(Locator::Id("Attach")).await.unwrap().send_keys(&upload.display().to_string()).await.unwrap();
        save_screenshot(&browser, &format!("{tag}-05-create")).await;
        assert_accessible(&browser, axe, "create").await;
        click_to(&browser, "button[name=SubmitTicket]", "/Ticket/Display.html").await;
        let id = current_ticket(&browser).await;
        assert_eq!(text_of(&browser, "h1").await, format!("#{id}: Scanner jams on page two"));
        let fields = text_of(&browser, "body").await;
        assert!(fields.contains("Severity") && fields.contains("high"), "{fields}");
        let file_name = upload.file_name().unwrap().to_string_lossy().into_owned();
        assert!(text_of(&browser, "section.history").await.contains(&file_name), "the attachment is listed");

        // Reply, then comment.
        follow_to(&browser, "Reply", "/Ticket/Update.html").await;
        fill(&browser, "#UpdateContent", "We ordered a new roller.").await;
        save_screenshot(&browser, &format!("{tag}-06-update")).await;
        assert_accessible(&browser, axe, "update").await;
        click_to(&browser, "button[name=SubmitTicket]", "/Ticket/Display.html").await;
        assert!(text_of(&browser, ".message.results").await.contains("Correspondence added"));
        follow_to(&browser, "Comment", "/Ticket/Update.html").await;
        fill(&browser, "#UpdateContent", "Roller is on back order.").await;
        click_to(&browser, "button[name=SubmitTicket]", "/Ticket/Display.html").await;
        assert!(text_of(&browser, ".message.results").await.contains("Comments added"));
        let history = text_of(&browser, "section.history").await;
        assert!(history.contains("We ordered a new roller.") && history.contains("Roller is on back order."));

        // Take it, then resolve it.
        let take = "nav.actions form:has(input[name=Action][value=Take]) button";
        click_to(&browser, take, "/Ticket/Display.html").await;
        assert!(text_of(&browser, ".message.results").await.contains("Taken by staff"));
        follow_to(&browser, "Resolve", "/Ticket/Update.html").await;
        fill(&browser, "#UpdateContent", "New roller fitted.").await;
        click_to(&browser, "button[name=SubmitTicket]", "/Ticket/Display.html").await;
        let results = text_of(&browser, ".message.results").await;
        assert!(results.contains("resolved"), "{results}");
        let t = site.db.root().read(|tx| tx.ticket(TicketId(id))).unwrap();
        assert_eq!(
            (t.status.as_str(), site.db.root().read(|tx| tx.user(t.owner)).unwrap().name.as_str()),
            ("resolved", "staff")
        );
        save_screenshot(&browser, &format!("{tag}-07-resolved")).await;

        // Search with the builder: General's tickets, whatever their status.
        browser.goto(&format!("{base}/Search/Build.html")).await.unwrap();
        choose(&browser, "#queue-value", "General").await;
        save_screenshot(&browser, &format!("{tag}-08-builder")).await;
        assert_accessible(&browser, axe, "query builder").await;
        click_to(&browser, "button[name=AddClause]", "/Search/Build.html").await;
        assert!(text_of(&browser, "#query").await.contains("Queue = 'General'"));
        fill(&browser, "#saved-description", "General, all of it").await;
        click_to(&browser, "button[name=SavedSearchSave]", "/Search/Build.html").await;
        let saved = site
            .db
            .root()
            .read(|tx| {
                let staff = tx.user_by_name("staff")?.user_id();
                tx.saved_searches_of(rt_core::SearchOwner::User(staff))
            })
            .unwrap();
        assert_eq!(saved.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["General, all of it"]);
        assert!(text_of(&browser, "body").await.contains("General, all of it"));
        click_to(&browser, "button[name=DoSearch]", "/Search/Results.html").await;
        let results = text_of(&browser, "table.results").await;
        assert!(results.contains("Scanner jams on page two") && results.contains("Bulk two"), "{results}");
        save_screenshot(&browser, &format!("{tag}-09-results")).await;
        assert_accessible(&browser, axe, "search results").await;

        // Bulk-update the three "Bulk" tickets.
        let query = "/Search/Bulk.html?Query=Subject%20LIKE%20%27Bulk%27";
        browser.goto(&format!("{base}{query}")).await.unwrap();
        let bulk: Vec<i64> = site
            .db
            .root()
            .read(|tx| Ok(tx.search_tickets(&rt_core::TicketQuery::new("Subject LIKE 'Bulk'"))?.ids))
            .unwrap()
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(bulk.len(), 3);
        for t in &bulk {
            let check = browser.find(Locator::Id(&format!("update-{t}"))).await.unwrap();
            if check.prop("checked").await.unwrap().as_deref() != Some("true") {
                check.click().await.unwrap();
            }
        }
        choose(&browser, "#bulk-status", "open").await;
        fill(&browser, "#bulk-priority", "42").await;
        save_screenshot(&browser, &format!("{tag}-10-bulk")).await;
        assert_accessible(&browser, axe, "bulk update").await;
        click_to(&browser, "button[name=BulkUpdate]", "/Search/Bulk.html").await;
        let said = text_of(&browser, "section[aria-labelledby=bulk-results]").await;
        for t in &bulk {
            assert!(said.contains(&format!("Ticket {t}: Status changed from 'new' to 'open'")), "{said}");
            let ticket = site.db.root().read(|tx| tx.ticket(TicketId(*t))).unwrap();
            assert_eq!((ticket.status.as_str(), ticket.priority), ("open", 42));
        }
        browser.close().await.unwrap();

        // A requestor who wrote in by mail has no password yet: they ask
        // for a reset link, set one, log in and see only their ticket.
        let message = b"From: Robin <robin@example.net>\r\nTo: rt@example.com\r\nSubject: My screen flickers\r\n\
                        Message-ID: <flicker@example.net>\r\n\r\nSince this morning.\r\n";
        let request = GatewayRequest { queue: "General", action: "correspond", ticket: None, message };
        let GatewayOutcome::Ok(robins) = deliver(site.db.rt(), &request) else { panic!("mail not taken") };
        let browser = driver.browser().await;
        browser.goto(&format!("{base}/NoAuth/Login.html")).await.unwrap();
        follow_to(&browser, "Forgot your password?", "/NoAuth/ResetPassword.html").await;
        assert_accessible(&browser, axe, "password reset").await;
        fill(&browser, "#Email", "robin@example.net").await;
        click_to(&browser, "form.login button[type=submit]", "/NoAuth/ResetPassword.html").await;
        assert!(text_of(&browser, "p.message").await.contains("link"), "the same answer for any address");
        let link = reset_link(&site, "robin@example.net");
        browser.goto(&format!("{base}{link}")).await.unwrap();
        fill(&browser, "#password", "flicker-free").await;
        fill(&browser, "#password2", "flicker-free").await;
        save_screenshot(&browser, &format!("{tag}-11-reset")).await;
        click_to(&browser, "form.login button[type=submit]", &link).await;
        assert!(text_of(&browser, "p.message").await.contains("Your password has been set"));
        follow_to(&browser, "Login", "/NoAuth/Login.html").await;
        fill(&browser, "#user", "robin@example.net").await;
        fill(&browser, "#pass", "flicker-free").await;
        click_to(&browser, "form.login button[type=submit]", "/SelfService/").await;
        let own = text_of(&browser, "main").await;
        assert!(own.contains("My screen flickers"), "{own}");
        for other in ["Printer on fire", "Scanner jams on page two", "Bulk one"] {
            assert!(!own.contains(other), "{other} is not theirs: {own}");
        }
        save_screenshot(&browser, &format!("{tag}-12-selfservice")).await;
        assert_accessible(&browser, axe, "self-service").await;
        browser.goto(&format!("{base}/SelfService/Display.html?id={}", robins.0)).await.unwrap();
        assert!(text_of(&browser, "main").await.contains("Since this morning."));
        browser.goto(&format!("{base}/SelfService/Display.html?id={id}")).await.unwrap();
        assert!(!text_of(&browser, "main").await.contains("Scanner jams"), "another's ticket stays hidden");
        browser.close().await.unwrap();
    }
    let _ = std::fs::remove_file(&upload);
}

/// The reset link in the mail sent to `to` (the outbox, marked sent).
fn reset_link(site: &ui_site::Site, to: &str) -> String {
    let system = site.db.rt().system_session(rt_core::Interface::Api);
    let items = system.write(|tx| tx.claim_outbox("browser", 100, Duration::from_secs(60))).unwrap();
    let link = regex::Regex::new(r"/NoAuth/ResetPassword/Reset/[0-9a-f]{32}/\d+").unwrap();
    items
        .iter()
        .filter(|item| item.mail.recipients.iter().any(|r| r == to))
        .find_map(|item| {
            let mail = String::from_utf8_lossy(&item.mail.content).replace("=\r\n", "").replace("=3D", "=");
            link.find(&mail).map(|m| m.as_str().to_string())
        })
        .unwrap_or_else(|| panic!("no reset link mailed to {to}"))
}
