//! `rt-bench rest1-create` and `rt-bench rest2-read`: the REST APIs of a
//! running server, measured at the client over real HTTP (one keep-alive
//! connection per client thread).
//!
//! - `rest1-create`: each client logs in once, as RT's `rt` CLI does
//!   (`user`/`pass` form fields, then the `RT_SID_...` cookie), and posts
//!   `ticket/new` forms with a ~2 KB `Text`, as `rt create` sends them.
//!   A ticket counts when the answer is `RT/... 200 Ok` with `# Ticket N
//!   created.`.
//! - `rest2-read`: makes an authentication token for the user (Basic auth,
//!   once), creates `--tickets` tickets through `POST /REST/2.0/ticket`,
//!   then each client reads random ones of them with `GET
//!   /REST/2.0/ticket/<id>` and the token, as API integrations do. A read
//!   counts when it answers 200 with the ticket's JSON.
//!
//! Against our server on a fresh SQLite database (release build):
//!
//! ```text
//! cargo build --release -p rt-bench -p rt-server
//! rm -f /tmp/benchrest.sqlite3*
//! RT_MAIL_TRANSPORT=none RT_LOG=warn target/release/rt-server \
//!     --database sqlite:///tmp/benchrest.sqlite3 --listen 127.0.0.1:8089 serve &
//! target/release/rt-bench rest1-create --url http://127.0.0.1:8089/ --tickets 10000 --clients 8
//! target/release/rt-bench rest2-read --url http://127.0.0.1:8089/ --reads 20000 --clients 4
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;

use crate::stats::{Latencies, Rng};

/// What both benchmarks need to reach the server.
#[derive(clap::Args)]
pub struct Server {
    /// Base URL of the running server, e.g. `http://127.0.0.1:8080/`.
    #[arg(long)]
    url: String,
    /// The user to act as.
    #[arg(long, default_value = "root")]
    user: String,
    /// Their password.
    #[arg(long, default_value = "password")]
    password: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
}

#[derive(clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    server: Server,
    /// Tickets to create.
    #[arg(long, default_value_t = 10_000)]
    tickets: usize,
    /// Queue for the tickets.
    #[arg(long, default_value = "General")]
    queue: String,
    /// Size of each ticket's first message in bytes (about).
    #[arg(long, default_value_t = 2048)]
    content_size: usize,
}

#[derive(clap::Args)]
pub struct ReadArgs {
    #[command(flatten)]
    server: Server,
    /// Reads to make.
    #[arg(long, default_value_t = 20_000)]
    reads: usize,
    /// Tickets to create first and read from.
    #[arg(long, default_value_t = 1000)]
    tickets: usize,
    /// Queue for the tickets.
    #[arg(long, default_value = "General")]
    queue: String,
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub(crate) fn base(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

/// One request's outcome: whether it did what was asked, how long it took,
/// and what went wrong.
pub(crate) struct Outcome {
    ok: bool,
    took: Duration,
    detail: Option<String>,
}

/// Runs `count` requests from `clients` threads, each with its own state
/// from `setup` (its connection and credentials); `request(state, i)`
/// makes request `i` and says whether it succeeded.
pub(crate) fn drive<S: Send + 'static>(
    clients: usize,
    count: usize,
    setup: impl Fn() -> anyhow::Result<S> + Send + Sync + 'static,
    request: impl Fn(&mut S, usize) -> Result<(), String> + Send + Sync + 'static,
) -> anyhow::Result<(Vec<Outcome>, f64)> {
    let next = Arc::new(AtomicUsize::new(0));
    let (setup, request) = (Arc::new(setup), Arc::new(request));
    let mut states = Vec::new();
    for _ in 0..clients.max(1) {
        states.push(setup()?);
    }
    let started = Instant::now();
    let handles: Vec<_> = states
        .into_iter()
        .map(|mut state| {
            let (next, request) = (next.clone(), request.clone());
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let t = Instant::now();
                    let result = request(&mut state, i);
                    outcomes.push(Outcome { ok: result.is_ok(), took: t.elapsed(), detail: result.err() });
                }
                outcomes
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for h in handles {
        all.extend(h.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?);
    }
    Ok((all, started.elapsed().as_secs_f64()))
}

/// Prints the table and the JSON line; fails unless every request worked.
pub(crate) fn report(
    bench: &str,
    what: &str,
    clients: usize,
    outcomes: &[Outcome],
    seconds: f64,
) -> anyhow::Result<()> {
    let ok = outcomes.iter().filter(|o| o.ok).count();
    let lat = Latencies::new(outcomes.iter().map(|o| o.took).collect());
    let ms = |p: f64| lat.micros(p) / 1000.0;
    let rate = outcomes.len() as f64 / seconds;
    println!(
        "{:<14} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "bench", what, "clients", "seconds", "per s", "p50 ms", "p95 ms", "p99 ms"
    );
    println!(
        "{:<14} {:>8} {:>8} {:>10.2} {:>10.0} {:>10.3} {:>10.3} {:>10.3}",
        bench,
        outcomes.len(),
        clients,
        seconds,
        rate,
        ms(50.0),
        ms(95.0),
        ms(99.0)
    );
    let mut details: Vec<&str> = Vec::new();
    for detail in outcomes.iter().filter_map(|o| o.detail.as_deref()) {
        if details.len() < 3 && !details.contains(&detail) {
            details.push(detail);
        }
    }
    for detail in &details {
        println!("  failed, e.g. {}", detail.chars().take(300).collect::<String>());
    }
    println!(
        "{{\"bench\":\"{bench}\",\"{what}\":{},\"clients\":{clients},\"seconds\":{seconds:.3},\"per_second\":{rate:.1},\"p50_ms\":{:.3},\"p95_ms\":{:.3},\"p99_ms\":{:.3},\"ok\":{ok}}}",
        outcomes.len(),
        ms(50.0),
        ms(95.0),
        ms(99.0)
    );
    if ok != outcomes.len() {
        bail!("{} of {} requests failed", outcomes.len() - ok, outcomes.len());
    }
    Ok(())
}

/// A logged-in client: its agent and the session cookie.
pub(crate) struct LoggedIn {
    pub agent: ureq::Agent,
    pub cookie: String,
}

/// Posts the login `form` to `url` (REST 1.0's or the web UI's); the
/// session the server opened.
pub(crate) fn log_in(url: &str, form: &[(&str, &str)]) -> anyhow::Result<LoggedIn> {
    let agent = agent();
    let response = agent.post(url).send_form(form.iter().copied()).with_context(|| format!("logging in at {url}"))?;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .context("the server set no session cookie: wrong user or password?")?;
    Ok(LoggedIn { agent, cookie })
}

fn rest1_login(server: &Server) -> anyhow::Result<LoggedIn> {
    let url = format!("{}/REST/1.0/", base(&server.url));
    log_in(&url, &[("user", server.user.as_str()), ("pass", server.password.as_str())])
}

/// The `ticket/new` form `rt create` posts: RT's field lines, multi-line
/// values continued by indented lines.
fn ticket_form(queue: &str, i: usize, content: &str) -> String {
    let text = content.lines().collect::<Vec<_>>().join("\n      ");
    format!(
        "id: ticket/new\nQueue: {queue}\nRequestor: requestor{}@example.org\nSubject: REST benchmark ticket {i}\nText: {text}\n",
        i % 1000
    )
}

/// About `size` bytes of prose in lines of about 70 characters.
fn content(size: usize, rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "printer",
        "network",
        "cannot",
        "login",
        "since",
        "yesterday",
        "please",
        "help",
        "error",
        "message",
        "server",
        "mail",
        "queue",
        "restart",
        "after",
        "update",
        "the",
        "and",
        "with",
        "again",
    ];
    let mut out = String::with_capacity(size + 80);
    let mut line = 0;
    while out.len() < size {
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        out.push_str(word);
        line += word.len() + 1;
        if line > 70 {
            out.push('\n');
            line = 0;
        } else {
            out.push(' ');
        }
    }
    out
}

pub fn create(args: CreateArgs) -> anyhow::Result<()> {
    let mut rng = Rng::new(0x7265_7374);
    let forms: Arc<Vec<String>> = Arc::new(
        (0..args.tickets).map(|i| ticket_form(&args.queue, i, &content(args.content_size, &mut rng))).collect(),
    );
    let url = format!("{}/REST/1.0/ticket/new", base(&args.server.url));
    let server = Arc::new(args.server);
    let login = server.clone();
    let (outcomes, seconds) = drive(
        server.clients,
        args.tickets,
        move || rest1_login(&login),
        move |s: &mut LoggedIn, i| {
            let mut response = s
                .agent
                .post(&url)
                .header("Cookie", &s.cookie)
                .send_form([("content", forms[i].as_str())])
                .map_err(|e| e.to_string())?;
            let body = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
            let first = body.lines().next().unwrap_or("");
            if first.ends_with(" 200 Ok") && body.contains(" created.") {
                Ok(())
            } else {
                Err(body.chars().take(200).collect())
            }
        },
    )?;
    report("rest1-create", "tickets", server.clients, &outcomes, seconds)
}

pub fn read(args: ReadArgs) -> anyhow::Result<()> {
    let server = &args.server;
    let api = format!("{}/REST/2.0", base(&server.url));
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", server.user, server.password))
    );
    let agent = agent();
    let mut response = agent
        .post(format!("{api}/tokens"))
        .header("Authorization", &basic)
        .header("Content-Type", "application/json")
        .send(r#"{"Description":"rt-bench rest2-read"}"#)
        .context("creating a token")?;
    let made: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    let Some(token) = made["token"].as_str() else {
        bail!("no token made (the user needs ManageAuthTokens): {made}");
    };
    let auth = format!("token {token}");
    let mut ids = Vec::with_capacity(args.tickets);
    let mut rng = Rng::new(0x7265_6164);
    for i in 0..args.tickets {
        let body = serde_json::json!({
            "Queue": args.queue,
            "Subject": format!("REST 2.0 read benchmark {i}"),
            "Requestor": format!("requestor{}@example.org", i % 100),
            "Content": content(512, &mut rng),
        });
        let mut response = agent
            .post(format!("{api}/ticket"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .context("creating a ticket")?;
        let made: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
        match made["id"].as_str().and_then(|id| id.parse::<u64>().ok()) {
            Some(id) => ids.push(id),
            None => bail!("ticket not created: {made}"),
        }
    }
    let picks: Arc<Vec<u64>> = Arc::new((0..args.reads).map(|_| ids[rng.below(ids.len() as u64) as usize]).collect());
    let (outcomes, seconds) = drive(
        server.clients,
        args.reads,
        || Ok(self::agent()),
        move |agent: &mut ureq::Agent, i| {
            let id = picks[i];
            let mut response = agent
                .get(format!("{api}/ticket/{id}"))
                .header("Authorization", &auth)
                .call()
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
            let same = [format!("\"id\":{id},"), format!("\"id\":{id}}}")];
            if status == 200 && same.iter().any(|s| body.contains(s.as_str())) {
                Ok(())
            } else {
                Err(format!("{status}: {}", body.chars().take(200).collect::<String>()))
            }
        },
    )?;
    report("rest2-read", "reads", server.clients, &outcomes, seconds)
}
