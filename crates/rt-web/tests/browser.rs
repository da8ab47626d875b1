//! The web UI in a real browser: Debian's headless Chromium driven
//! through chromedriver (WebDriver, with `fantoccini`) against a server on
//! a loopback port, on SQLite and (with `RT_TEST_PG_URL`) PostgreSQL. It
//! logs in, reads the home page, takes a ticket from "10 newest unowned
//! tickets", lands on its display page and runs a search; each step
//! asserts what the page shows and saves a screenshot under
//! `target/screenshots/` (`$CARGO_TARGET_DIR/screenshots/` when set).
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
use rt_core::Config;
use rt_core::db::Backend;
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

async fn text_of(browser: &Client, css: &str) -> String {
    browser.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
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
        let url = browser.current_url().await.unwrap();
        assert_eq!((url.path(), url.query()), ("/Ticket/Display.html", Some(&*format!("id={}", site.plain.0))));
        assert_eq!(text_of(&browser, "h1").await, format!("#{}: Printer on fire", site.plain.0));
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
