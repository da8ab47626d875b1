//! The subcommands: each opens what it needs through rt-core or rt-web and
//! tells the administrator, on standard output, what it did. Logs go to
//! standard error.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use rt_core::db::{self, Backend};
use rt_core::worker::node_name;
use rt_core::{Config, Rt};
use tracing_subscriber::EnvFilter;

use crate::Command;

/// Runs one subcommand.
pub(crate) fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config),
        Command::Init => init(config),
        Command::Migrate => migrate(&config),
        Command::Backup { output } => backup(&config, &output),
        Command::AddConstituency { name, correspond, comment, rename } => {
            add_constituency(config, &name, correspond.as_deref(), comment.as_deref(), rename.as_deref())
        }
    }
}

/// Logs to standard error, filtered by `RT_LOG` (`info` when unset).
pub(crate) fn init_tracing() {
    let (filter, bad) = match std::env::var("RT_LOG") {
        Ok(spec) => match EnvFilter::try_new(&spec) {
            Ok(filter) => (filter, None),
            Err(e) => (EnvFilter::new("info"), Some(format!("RT_LOG={spec:?} ignored: {e}"))),
        },
        Err(_) => (EnvFilter::new("info"), None),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if let Some(message) = bad {
        tracing::warn!("{message}");
    }
}

/// 2 for a configuration error (the message names the key), 1 otherwise.
pub(crate) fn exit_code(error: &anyhow::Error) -> ExitCode {
    let is_config = error
        .chain()
        .any(|cause| matches!(cause.downcast_ref::<rt_core::Error>(), Some(rt_core::Error::Config { .. })));
    if is_config { ExitCode::from(2) } else { ExitCode::FAILURE }
}

fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let url = config.effective_database_url();
    let rt = Rt::open(config).with_context(|| format!("cannot open the database {}", db::redact_url(&url)))?;
    let database = describe_database(&url);
    let login = login_hint(&rt);
    let listener = rt_web::Listener::bind(rt.clone(), listen).with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Caught from before the address is printed and the workers start: a
    // signal that arrives meanwhile stops the server as one arriving later
    // would, rather than killing the process with a delivery half done.
    let stop = {
        let _entered = runtime.enter();
        shutdown_signal()?
    };
    println!("database: {database}");
    println!("open http://{addr}/");
    println!("{login}");
    install_defaults(&rt)?;
    let scrips = start_scrips_worker(&rt)?;
    let mail = start_mail_worker(&rt)?;
    let webhooks = {
        let (rt, node, poll) = (rt.clone(), node_name(), std::time::Duration::from_secs(rt.config().mail_poll_secs));
        Worker::spawn("webhooks", move |stop| rt_scrips::webhook::run_worker(&rt, &node, poll, stop))?
    };
    let statistics = start_statistics_worker(&rt)?;
    let served = runtime.block_on(listener.run_until(stop)).context("the web server failed");
    scrips.stop();
    webhooks.stop();
    statistics.stop();
    if let Some(worker) = mail {
        worker.stop();
    }
    served
}

/// Completes on SIGTERM, SIGINT or SIGQUIT; the server then stops
/// gracefully (requests in flight get `rt_web`'s shutdown timeout). The
/// handlers are installed when this is called, inside a runtime.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
            _ = quit.recv() => {}
        }
    })
}

/// RT's default scrips and templates, then RTIR's queues, fields, rights
/// and scrips (when `[rtir] enabled`), on first start.
fn install_defaults(rt: &Rt) -> anyhow::Result<()> {
    if rt_scrips::defaults::install(rt).context("installing the default scrips and templates")? {
        tracing::info!("installed RT's default scrips and templates");
    }
    if rtir::install::install(rt).context("installing RTIR's queues, custom fields, rights and scrips")? {
        tracing::info!("installed RTIR's queues, custom fields, rights and scrips");
    }
    Ok(())
}

/// A background thread of a running server (scrips, outbox delivery).
struct Worker {
    name: &'static str,
    stop: std::sync::mpsc::Sender<()>,
    done: std::sync::mpsc::Receiver<()>,
}

impl Worker {
    fn spawn(
        name: &'static str,
        work: impl FnOnce(&std::sync::mpsc::Receiver<()>) + Send + 'static,
    ) -> anyhow::Result<Worker> {
        let (stop, stop_rx) = std::sync::mpsc::channel();
        let (done_tx, done) = std::sync::mpsc::channel();
        std::thread::Builder::new().name(name.into()).spawn(move || {
            work(&stop_rx);
            let _ = done_tx.send(());
        })?;
        Ok(Worker { name, stop, done })
    }

    /// Asks the worker to stop and waits a little for what it is doing;
    /// work cut short is picked up again by the next start (or another
    /// node): events stay pending, outbox leases run out.
    fn stop(self) {
        let _ = self.stop.send(());
        if self.done.recv_timeout(std::time::Duration::from_secs(10)).is_err() {
            tracing::warn!(
                worker = self.name,
                "a worker did not stop in time; its work is picked up at the next start"
            );
        }
    }
}

/// Runs scrips from the event queue: what is pending at once (a crash's
/// leftovers included), then new events within a fifth of a second.
fn start_scrips_worker(rt: &Rt) -> anyhow::Result<Worker> {
    let rt = rt.clone();
    Worker::spawn("scrips", move |stop| rt_scrips::run_worker(&rt, rt_scrips::POLL, stop))
}

/// Refreshes the database's query-planner statistics every hour, so that
/// searches keep their plans as the tables grow (a no-op on PostgreSQL,
/// whose autovacuum does it).
fn start_statistics_worker(rt: &Rt) -> anyhow::Result<Worker> {
    let rt = rt.clone();
    Worker::spawn("statistics", move |stop| {
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(STATISTICS_EVERY) {
            if let Err(e) = rt.refresh_statistics() {
                tracing::warn!(error = %e, "refreshing the planner's statistics failed");
            }
        }
    })
}

const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Starts delivering the outbox, at once and then every `mail_poll_secs`,
/// unless `mail_transport` is `none`.
fn start_mail_worker(rt: &Rt) -> anyhow::Result<Option<Worker>> {
    let config = rt.config();
    let Some(transport) = rt_mail::transport_from_config(config) else {
        tracing::info!("mail_transport = \"none\": outgoing mail waits in the outbox");
        return Ok(None);
    };
    let mailer = rt_mail::Mailer::new(transport)
        .map_err(|e| rt_core::Error::Config { key: "mail_transport".into(), message: e.message })?;
    tracing::info!(transport = %config.mail_transport, "delivering outgoing mail");
    let batch = config.mail_batch_size as usize;
    let poll = std::time::Duration::from_secs(config.mail_poll_secs);
    let node = node_name();
    let rt = rt.clone();
    let worker = Worker::spawn("outbox", move |stop| rt_mail::run_worker(&rt, &mailer, &node, batch, poll, stop))?;
    Ok(Some(worker))
}

fn init(config: Config) -> anyhow::Result<()> {
    let url = config.effective_database_url();
    let existed = match Backend::from_url(&url) {
        Backend::Sqlite => Some(Path::new(db::sqlite_path(&url)).exists()),
        Backend::Postgres => None,
    };
    let rt = Rt::open(config).with_context(|| format!("cannot open the database {}", db::redact_url(&url)))?;
    let database = describe_database(&url);
    match existed {
        Some(false) => println!("created the database {database}"),
        Some(true) => println!("the database {database} exists; it is migrated and up to date"),
        None => println!("the database {database} is migrated and up to date"),
    }
    install_defaults(&rt)?;
    println!("{}", login_hint(&rt));
    println!("start the server with: rt-server serve");
    Ok(())
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let url = config.effective_database_url();
    let database = db::redact_url(&url);
    require_sqlite_file(&url)?;
    let mut conn = db::connect(&url)?;
    let applied = db::run_migrations(&mut conn).with_context(|| format!("migrating {database}"))?;
    if applied.is_empty() {
        println!("{database}: no pending migrations; the schema is up to date");
    } else {
        println!("{database}: applied {} migration(s):", applied.len());
        for name in &applied {
            println!("  {name}");
        }
    }
    Ok(())
}

/// Copies the database without opening it through [`Rt::open`], which
/// would migrate it first: a backup taken before an upgrade must hold the
/// old schema.
fn backup(config: &Config, output: &Path) -> anyhow::Result<()> {
    let url = config.effective_database_url();
    let database = db::redact_url(&url);
    if Backend::from_url(&url) == Backend::Postgres {
        bail!(
            "backup copies SQLite databases; back up PostgreSQL with pg_dump, \
             e.g. pg_dump --format=custom --file={} \"$RT_DATABASE_URL\"",
            output.display()
        );
    }
    require_sqlite_file(&url)?;
    if output.exists() {
        bail!("{} already exists; choose a new file", output.display());
    }
    let mut conn = db::connect(&url)?;
    db::dialect::backup_sqlite(&mut conn, &output.display().to_string())
        .with_context(|| format!("backing up {database}"))?;
    println!("copied {database} to {}", output.display());
    Ok(())
}

/// RTIR's `add_constituency`: creates or completes a constituency, or
/// renames one, in one DB transaction.
fn add_constituency(
    config: Config,
    name: &str,
    correspond: Option<&str>,
    comment: Option<&str>,
    rename: Option<&str>,
) -> anyhow::Result<()> {
    if !config.rtir.enabled {
        bail!("RTIR is off ([rtir] enabled = false): constituencies are RTIR's");
    }
    let url = config.effective_database_url();
    require_sqlite_file(&url)?;
    let rt = Rt::open(config).with_context(|| format!("cannot open the database {}", db::redact_url(&url)))?;
    install_defaults(&rt)?;
    let system = rt.system_session(rt_core::Interface::Cli);
    if let Some(new) = rename {
        system.write(|tx| rtir::constituency::rename_constituency(tx, name, new))?;
        println!("renamed constituency {} to {}", name.trim(), new.trim());
        return Ok(());
    }
    let made = system.write(|tx| rtir::constituency::add_constituency(tx, name, correspond, comment))?;
    println!("constituency {}:", made.name);
    for (kind, _) in &made.queues {
        println!("  queue {}", rtir::constituency::queue_name(*kind, &made.name));
    }
    println!("  groups DutyTeam {0} and ReadOnly {0}", made.name);
    Ok(())
}

/// Refuses to go on when a SQLite database does not exist yet: opening it
/// would create an empty file.
fn require_sqlite_file(url: &str) -> anyhow::Result<()> {
    if Backend::from_url(url) == Backend::Sqlite {
        let path = db::sqlite_path(url);
        if !Path::new(path).exists() {
            bail!("no database at {path}; create it with: rt-server init");
        }
    }
    Ok(())
}

/// Where the database is, for people: a SQLite file by its absolute path,
/// a server by its URL without the password.
fn describe_database(url: &str) -> String {
    match Backend::from_url(url) {
        Backend::Sqlite => {
            let path = Path::new(db::sqlite_path(url));
            let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            format!("SQLite file {}", absolute.display())
        }
        Backend::Postgres => db::redact_url(url),
    }
}

/// How to log in, naming the initial password only while it is unchanged.
fn login_hint(rt: &Rt) -> String {
    let password = rt_core::init::ROOT_PASSWORD;
    if rt.authenticate("root", password).is_ok() {
        format!("log in as root with password {password} (change it)")
    } else {
        "log in as root".to_string()
    }
}
