//! Outbound delivery: sends the messages of rt-core's durable outbox
//! through SMTP (lettre), a sendmail pipe, or into files.
//!
//! [`Mailer`] wraps one configured [`Transport`]; [`deliver_pending`] claims
//! a batch of due outbox rows for this node, sends each one byte for byte
//! with its stored envelope, and marks it sent, or failed with a retry time
//! from [`rt_core::outbox::retry_at`] (a permanent SMTP refusal gives up at
//! once). Sending happens outside any DB transaction; the claim is a short
//! lease renewed for the rest of the batch after each message, so a worker
//! that dies mid-batch leaves its rows to another within one lease (at most
//! one duplicate per crash, with the same Message-ID).
//!
//! Credentials are never logged: [`SmtpSettings`]'s `Debug` hides the
//! password.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use lettre::Transport as _;
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use rt_core::Rt;
use rt_core::outbox::{Attempt, DeliveryReport, MAIL, OutboxItem, deliver_due};

/// How SMTP connections are secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain SMTP (a local relay on loopback, say).
    None,
    /// Plain connection upgraded with STARTTLS, which is required.
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// An SMTP relay.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Host name (also the name checked against the TLS certificate).
    pub host: String,
    /// Port: 25, 587 (STARTTLS) or 465 (TLS).
    pub port: u16,
    /// Connection security.
    pub tls: TlsMode,
    /// User name for SMTP AUTH, if the relay wants it.
    pub username: Option<String>,
    /// Password for SMTP AUTH. Never logged.
    pub password: Option<String>,
    /// Timeout of each network operation.
    pub timeout: Duration,
    /// PEM file of the certificate authorities to trust (a site's own CA);
    /// `None` trusts the public roots.
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// Where outgoing mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// An SMTP relay.
    Smtp(SmtpSettings),
    /// A sendmail-compatible program: run as `command args... -f FROM
    /// RECIPIENTS...` with the message on stdin; a non-zero exit is a
    /// failure to be retried.
    Sendmail {
        /// The program, e.g. `/usr/sbin/sendmail`.
        command: PathBuf,
        /// Arguments before the envelope, e.g. `["-oi"]`.
        args: Vec<String>,
    },
    /// Append to an mbox file (mboxrd: a `From ` line before each message,
    /// `From ` at line starts quoted with `>`).
    Mbox(PathBuf),
    /// One `outbox-<id>.eml` file per message in a directory, written
    /// whole (temporary file, then rename).
    EmlDir(PathBuf),
}

/// Why one message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// What went wrong (safe to log and store: no credentials).
    pub message: String,
    /// The destination refused the message for good (SMTP 5xx, a bad
    /// address): retrying will not help.
    pub permanent: bool,
}

impl SendError {
    fn transient(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: false }
    }

    fn permanent(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: true }
    }
}

/// A configured transport, ready to send.
pub struct Mailer {
    transport: Transport,
    smtp: Option<SmtpTransport>,
    lease: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("transport", &self.transport).finish_non_exhaustive()
    }
}

impl Mailer {
    /// Prepares `transport` (for SMTP: TLS settings and credentials; no
    /// connection is made until the first message).
    pub fn new(transport: Transport) -> Result<Mailer, SendError> {
        let (smtp, lease) = match &transport {
            Transport::Smtp(s) => {
                let plain = SmtpTransport::builder_dangerous(&s.host);
                let builder = match s.tls {
                    TlsMode::None => plain,
                    TlsMode::StartTls => plain.tls(Tls::Required(tls_parameters(s)?)),
                    TlsMode::Tls => plain.tls(Tls::Wrapper(tls_parameters(s)?)),
                };
                let mut builder = builder.port(s.port).timeout(Some(s.timeout));
                if let Some(user) = &s.username {
                    let password = s.password.clone().unwrap_or_default();
                    builder = builder.credentials(Credentials::new(user.clone(), password));
                }
                // Room for one slow message (connect, TLS, AUTH, DATA, each
                // up to the timeout) before another node may take it over.
                (Some(builder.build()), s.timeout.saturating_mul(4).max(Duration::from_secs(10)))
            }
            _ => (None, Duration::from_secs(30)),
        };
        Ok(Mailer { transport, smtp, lease })
    }

    /// How long a claim lasts: renewed after each message of a batch, so
    /// it is also how long a dead worker's messages wait for another.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Sends one claimed message with its stored envelope.
    pub fn send(&self, item: &OutboxItem) -> Result<(), SendError> {
        match (&self.transport, &self.smtp) {
            (Transport::Smtp(_), Some(smtp)) => {
                let envelope = envelope(item)?;
                smtp.send_raw(&envelope, &item.mail.content)
                    .map(|_| ())
                    .map_err(|e| SendError { message: format!("smtp: {e}"), permanent: e.is_permanent() })
            }
            (Transport::Smtp(_), None) => Err(SendError::permanent("smtp transport not prepared")),
            (Transport::Sendmail { command, args }, _) => sendmail(command, args, item),
            (Transport::Mbox(path), _) => append_mbox(path, item),
            (Transport::EmlDir(dir), _) => write_eml(dir, item),
        }
    }
}

/// TLS for `settings.host`, checked against the public roots and the
/// site's own CA file if any.
fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, SendError> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| SendError::permanent(format!("smtp: cannot read CA file {}: {e}", path.display())))?;
        let ca = Certificate::from_pem(&pem)
            .map_err(|e| SendError::permanent(format!("smtp: CA file {}: {e}", path.display())))?;
        builder = builder.add_root_certificate(ca);
    }
    builder.build_rustls().map_err(|e| SendError::permanent(format!("smtp: {e}")))
}

/// Claims up to `batch` due outbox messages for `node`, sends them through
/// `mailer` and records each outcome (see [`rt_core::outbox::deliver_due`]).
/// An error means the database failed (messages already claimed are
/// retried when their claim runs out).
pub fn deliver_pending(rt: &Rt, mailer: &Mailer, node: &str, batch: usize) -> rt_core::Result<DeliveryReport> {
    deliver_due(rt, MAIL, node, batch, mailer.lease, |item| match mailer.send(item) {
        Ok(()) => Attempt::Sent,
        Err(e) if e.permanent => Attempt::GiveUp(e.message),
        Err(e) => Attempt::Retry(e.message),
    })
}

fn envelope(item: &OutboxItem) -> Result<Envelope, SendError> {
    let from = match item.mail.envelope_from.trim() {
        "" | "<>" => None,
        a => Some(parse_address(a)?),
    };
    let to = item.mail.recipients.iter().map(|r| parse_address(r)).collect::<Result<Vec<_>, _>>()?;
    Envelope::new(from, to).map_err(|e| SendError::permanent(format!("envelope: {e}")))
}

fn parse_address(a: &str) -> Result<Address, SendError> {
    a.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .parse::<Address>()
        .map_err(|e| SendError::permanent(format!("bad address {a:?}: {e}")))
}

fn sendmail(command: &PathBuf, args: &[String], item: &OutboxItem) -> Result<(), SendError> {
    // Addresses go on the command line: refuse anything an MTA could take
    // for an option.
    if let Some(bad) =
        item.mail.recipients.iter().chain([&item.mail.envelope_from]).find(|a| a.trim_start().starts_with('-'))
    {
        return Err(SendError::permanent(format!("bad address {bad:?}")));
    }
    let mut cmd = Command::new(command);
    cmd.args(args);
    if !item.mail.envelope_from.is_empty() {
        cmd.arg("-f").arg(&item.mail.envelope_from);
    }
    cmd.args(&item.mail.recipients).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| SendError::transient(format!("{}: {e}", command.display())))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&item.mail.content).map_err(|e| SendError::transient(format!("{}: {e}", command.display())))?;
    }
    let out = child.wait_with_output().map_err(|e| SendError::transient(format!("{}: {e}", command.display())))?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(SendError::transient(format!("{} exited with {}: {}", command.display(), out.status, stderr.trim())))
    }
}

fn append_mbox(path: &PathBuf, item: &OutboxItem) -> Result<(), SendError> {
    let from = match item.mail.envelope_from.trim() {
        "" | "<>" => "MAILER-DAEMON",
        a => a,
    };
    let mut buf = format!("From {from} {}\n", chrono::Utc::now().format("%a %b %e %H:%M:%S %Y")).into_bytes();
    for line in item.mail.content.split_inclusive(|b| *b == b'\n') {
        let body = line.iter().skip_while(|b| **b == b'>').copied().collect::<Vec<u8>>();
        if body.starts_with(b"From ") {
            buf.push(b'>');
        }
        buf.extend_from_slice(line);
    }
    if !buf.ends_with(b"\n") {
        buf.push(b'\n');
    }
    buf.push(b'\n');
    // One write of the whole message with O_APPEND, so that workers
    // appending at once do not interleave.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| SendError::transient(format!("{}: {e}", path.display())))?;
    file.write_all(&buf)
        .and_then(|()| file.sync_data())
        .map_err(|e| SendError::transient(format!("{}: {e}", path.display())))
}

fn write_eml(dir: &std::path::Path, item: &OutboxItem) -> Result<(), SendError> {
    let err = |e: std::io::Error| SendError::transient(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = dir.join(format!(".outbox-{}.eml.tmp", item.id));
    let mut file = std::fs::File::create(&tmp).map_err(err)?;
    file.write_all(&item.mail.content).and_then(|()| file.sync_data()).map_err(err)?;
    std::fs::rename(&tmp, dir.join(format!("outbox-{}.eml", item.id))).map_err(err)
}

/// The transport `config` asks for (`mail_transport` and the `smtp_*`,
/// `sendmail_*` and `mail_file_path` keys), or `None` for `none`: mail
/// then waits in the outbox.
pub fn transport_from_config(config: &rt_core::Config) -> Option<Transport> {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match config.mail_transport.as_str() {
        "smtp" => Some(Transport::Smtp(SmtpSettings {
            host: config.smtp_host.clone(),
            port: config.smtp_port,
            tls: match config.smtp_tls.as_str() {
                "starttls" => TlsMode::StartTls,
                "tls" => TlsMode::Tls,
                _ => TlsMode::None,
            },
            username: non_empty(&config.smtp_username),
            password: non_empty(&config.smtp_password.0),
            timeout: Duration::from_secs(config.smtp_timeout_secs.max(1)),
            ca_file: (!config.smtp_ca_file.as_os_str().is_empty()).then(|| config.smtp_ca_file.clone()),
        })),
        "sendmail" => {
            Some(Transport::Sendmail { command: config.sendmail_command.clone(), args: config.sendmail_args.clone() })
        }
        "mbox" => Some(Transport::Mbox(config.effective_mail_file_path())),
        "eml_dir" => Some(Transport::EmlDir(config.effective_mail_file_path())),
        _ => None,
    }
}

/// The delivery loop of one node: delivers at once, then every `poll`,
/// batch after batch while full batches come back, until `stop` receives
/// a message or its sender is dropped. Database errors are logged and
/// retried at the next poll.
pub fn run_worker(
    rt: &Rt,
    mailer: &Mailer,
    node: &str,
    batch: usize,
    poll: Duration,
    stop: &std::sync::mpsc::Receiver<()>,
) {
    rt_core::worker::run_until_stopped("outbox", poll, stop, || {
        Ok(batch > 0 && deliver_pending(rt, mailer, node, batch)?.claimed == batch)
    });
}
