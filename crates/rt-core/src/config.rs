//! The site configuration: one typed struct, read from a TOML file with
//! `RT_` environment overrides, validated once with errors naming the key.
//!
//! It is passed explicitly (no global), so two configurations can run side
//! by side in one process. Every key is documented in
//! `docs/configuration.md` and `rt-server.example.toml`.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::Backend;
use crate::error::{Error, Result};
use crate::lifecycles::LifecycleDef;

/// The whole configuration of a site.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://PATH`, a bare SQLite path, or `postgres://...`; empty means
    /// `rt.sqlite3` under [`Config::data_dir`].
    pub database_url: String,
    /// Where the default SQLite database lives (created if missing).
    pub data_dir: PathBuf,
    /// Connections per pool.
    pub pool_size: u32,
    /// Address the web server listens on.
    pub listen: SocketAddr,
    /// RT's `$rtname`: the name in subject tags `[rtname #42]`.
    pub rtname: String,
    /// RT's `$Organization`: the domain in ticket URIs and Message-IDs.
    pub organization: String,
    /// RT's `$CorrespondAddress`: From and Reply-To of replies from queues
    /// that have no address of their own; empty means `rt@<organization>`.
    pub correspond_address: String,
    /// RT's `$CommentAddress`, for comments; empty means
    /// `rt-comment@<organization>`.
    pub comment_address: String,
    /// RT's `$OwnerEmail`: the administrator who gets the errors that must
    /// not go back to the sender (refused automatic mail); empty means
    /// nobody.
    pub owner_email: String,
    /// RT's `$NotifyActor`: mail people about their own changes too (off:
    /// notifications skip whoever made the change; autoreplies do not).
    pub notify_actor: bool,
    /// Base URL of the web UI as users reach it, for links in mail; empty
    /// means `http://<listen>`.
    pub web_base_url: String,
    /// The site's default time zone (an IANA name such as `Europe/Paris`).
    pub timezone: String,
    /// Proxies (addresses or CIDR blocks) whose `X-Forwarded-*` headers are
    /// trusted.
    pub trusted_proxies: Vec<String>,
    /// Failed web logins from one client address that start the login
    /// throttle; 0 turns it off.
    pub login_throttle_failures: u32,
    /// How long the throttle remembers failures and refuses logins, in
    /// minutes.
    pub login_throttle_minutes: u64,
    /// How long a ticket's soft lock (taken when someone opens its reply or
    /// comment form) lasts, in minutes; 0 turns locking off.
    pub ticket_lock_minutes: u64,
    /// The shortest password a user may set (RT's
    /// `$MinimumPasswordLength`); 0 turns the check off.
    pub minimum_password_length: usize,
    /// Grant Everyone CreateTicket and ReplyToTicket on the General queue at
    /// first start, so mail from the public opens and updates tickets.
    pub public_mail: bool,
    /// Largest attachment stored, in bytes (RT's `$MaxAttachmentSize`).
    pub max_attachment_size: u64,
    /// What the mail gateway does with a larger attachment: `truncate` it
    /// to the limit or `drop` it (RT's `$TruncateLongAttachments` /
    /// `$DropLongAttachments`); either way the rest of the message is kept
    /// and the ticket records an `AttachmentTruncate` / `AttachmentDrop`
    /// transaction.
    pub oversized_attachments: String,
    /// Site lifecycles, by name, in addition to RT's `default`.
    pub lifecycles: BTreeMap<String, LifecycleDef>,
    /// Status maps between lifecycles, keyed `"from -> to"`.
    pub lifecycle_maps: BTreeMap<String, BTreeMap<String, String>>,
    /// RT's `%ServiceAgreements` and `%ServiceBusinessHours`: SLA levels,
    /// defaults per queue and business-hours schedules (see
    /// [`crate::sla`]). Empty: no SLAs.
    pub service_agreements: crate::sla::Agreements,
    /// How the outbox worker delivers mail: `none` (mail waits in the
    /// outbox), `smtp`, `sendmail`, `mbox` or `eml_dir`.
    pub mail_transport: String,
    /// SMTP relay host (`mail_transport = "smtp"`).
    pub smtp_host: String,
    /// SMTP relay port.
    pub smtp_port: u16,
    /// SMTP connection security: `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    /// SMTP AUTH user name; empty means no authentication.
    pub smtp_username: String,
    /// SMTP AUTH password. Never logged.
    pub smtp_password: Secret,
    /// Timeout of each SMTP network operation, in seconds.
    pub smtp_timeout_secs: u64,
    /// PEM file of the certificate authorities trusted for the SMTP relay's
    /// TLS certificate (a site's own CA); empty means the public roots.
    pub smtp_ca_file: PathBuf,
    /// The sendmail-compatible program (`mail_transport = "sendmail"`).
    pub sendmail_command: PathBuf,
    /// Arguments before `-f FROM RECIPIENTS...`.
    pub sendmail_args: Vec<String>,
    /// The mbox file or `.eml` directory of the file transports; empty
    /// means `outbox.mbox` or `outbox/` under [`Config::data_dir`].
    pub mail_file_path: PathBuf,
    /// Messages the worker claims at a time.
    pub mail_batch_size: u32,
    /// Seconds between the worker's looks at the outbox.
    pub mail_poll_secs: u64,
    /// RT for Incident Response (the `[rtir]` table).
    pub rtir: RtirSettings,
    /// RT's `$EnablePriorityAsString` and `%PriorityAsString` (the
    /// `[priority_labels]` table).
    pub priority_labels: PriorityLabels,
}

/// The `[priority_labels]` table: priorities shown and accepted as labels
/// (RT's `$EnablePriorityAsString`, on by default, and
/// `%PriorityAsString`). A priority is named by the label of the highest
/// threshold it reaches: with RT's default Low 0, Medium 50, High 100, 20
/// is Low and 75 Medium. Priorities are always stored as numbers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PriorityLabels {
    /// Whether labels are used at all.
    pub enabled: bool,
    /// Labels and their thresholds, for queues not in `queues`.
    pub default: BTreeMap<String, i64>,
    /// Per queue (by name); an empty table shows that queue's priorities
    /// as numbers.
    pub queues: BTreeMap<String, BTreeMap<String, i64>>,
}

impl Default for PriorityLabels {
    fn default() -> Self {
        let default = [("Low", 0), ("Medium", 50), ("High", 100)].map(|(l, n)| (l.to_string(), n)).into();
        PriorityLabels { enabled: true, default, queues: BTreeMap::new() }
    }
}

impl PriorityLabels {
    fn labels(&self, queue: &str) -> Option<&BTreeMap<String, i64>> {
        let labels = self.queues.get(queue).unwrap_or(&self.default);
        (self.enabled && !labels.is_empty()).then_some(labels)
    }

    /// How a priority of a ticket in `queue` is shown: its label, or
    /// `None` when the queue shows numbers. Below every threshold it is
    /// `unknown`, as RT says.
    pub fn label(&self, queue: &str, priority: i64) -> Option<String> {
        let labels = self.labels(queue)?;
        let best = labels.iter().filter(|(_, n)| priority >= **n).max_by_key(|(_, n)| **n);
        Some(best.map_or_else(|| "unknown".to_string(), |(label, _)| label.clone()))
    }

    /// The number a label given for a ticket in `queue` stands for
    /// (case-insensitive), if it is one of the queue's labels.
    pub fn number(&self, queue: &str, label: &str) -> Option<i64> {
        self.labels(queue)?.iter().find(|(l, _)| l.eq_ignore_ascii_case(label.trim())).map(|(_, n)| *n)
    }
}

/// The `[rtir]` table: RT for Incident Response's settings. The rtir crate
/// reads them; rt-core only carries them with the rest of the site's
/// configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RtirSettings {
    /// Whether RTIR is on: its lifecycles are part of the site's, and its
    /// queues, fields, groups, rights and scrips are created at first
    /// start. Off for a plain help desk.
    pub enabled: bool,
    /// RTIR's `$RTIR_StrictConstituencyLinking`: tickets of different
    /// constituencies are not linked, and an Incident moved to another
    /// constituency takes its children along. Off: links across
    /// constituencies are allowed and nothing moves.
    pub strict_constituency_linking: bool,
    /// RTIR's `$OverdueAfter`: the days a ticket awaiting an outside
    /// answer may stay quiet before it is overdue, offered as "Set Due to
    /// N days from now" on Incident Reports, Investigations and
    /// Countermeasures.
    pub overdue_after_days: u32,
}

impl Default for RtirSettings {
    fn default() -> Self {
        RtirSettings { enabled: true, strict_constituency_linking: true, overdue_after_days: 7 }
    }
}

/// A secret setting (a password): its `Debug` form hides the value.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: String::new(),
            data_dir: PathBuf::from("var"),
            pool_size: 8,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            rtname: "example.com".into(),
            organization: "example.com".into(),
            web_base_url: String::new(),
            correspond_address: String::new(),
            comment_address: String::new(),
            owner_email: String::new(),
            notify_actor: false,
            timezone: "UTC".into(),
            trusted_proxies: Vec::new(),
            login_throttle_failures: 10,
            login_throttle_minutes: 15,
            ticket_lock_minutes: 5,
            minimum_password_length: 5,
            public_mail: true,
            max_attachment_size: 10 * 1024 * 1024,
            oversized_attachments: "truncate".into(),
            lifecycles: BTreeMap::new(),
            lifecycle_maps: BTreeMap::new(),
            service_agreements: crate::sla::Agreements::default(),
            mail_transport: "none".into(),
            smtp_host: "localhost".into(),
            smtp_port: 25,
            smtp_tls: "none".into(),
            smtp_username: String::new(),
            smtp_password: Secret::default(),
            smtp_timeout_secs: 30,
            smtp_ca_file: PathBuf::new(),
            sendmail_command: PathBuf::from("/usr/sbin/sendmail"),
            sendmail_args: vec!["-oi".into()],
            mail_file_path: PathBuf::new(),
            mail_batch_size: 50,
            mail_poll_secs: 5,
            rtir: RtirSettings::default(),
            priority_labels: PriorityLabels::default(),
        }
    }
}

/// The environment variables that override file keys.
pub const ENV_KEYS: &[(&str, &str)] = &[
    ("RT_DATABASE_URL", "database_url"),
    ("RT_DATA_DIR", "data_dir"),
    ("RT_POOL_SIZE", "pool_size"),
    ("RT_LISTEN", "listen"),
    ("RT_RTNAME", "rtname"),
    ("RT_ORGANIZATION", "organization"),
    ("RT_WEB_BASE_URL", "web_base_url"),
    ("RT_CORRESPOND_ADDRESS", "correspond_address"),
    ("RT_COMMENT_ADDRESS", "comment_address"),
    ("RT_OWNER_EMAIL", "owner_email"),
    ("RT_NOTIFY_ACTOR", "notify_actor"),
    ("RT_TIMEZONE", "timezone"),
    ("RT_TRUSTED_PROXIES", "trusted_proxies"),
    ("RT_LOGIN_THROTTLE_FAILURES", "login_throttle_failures"),
    ("RT_LOGIN_THROTTLE_MINUTES", "login_throttle_minutes"),
    ("RT_TICKET_LOCK_MINUTES", "ticket_lock_minutes"),
    ("RT_MINIMUM_PASSWORD_LENGTH", "minimum_password_length"),
    ("RT_PUBLIC_MAIL", "public_mail"),
    ("RT_MAX_ATTACHMENT_SIZE", "max_attachment_size"),
    ("RT_OVERSIZED_ATTACHMENTS", "oversized_attachments"),
    ("RT_MAIL_TRANSPORT", "mail_transport"),
    ("RT_SMTP_HOST", "smtp_host"),
    ("RT_SMTP_PORT", "smtp_port"),
    ("RT_SMTP_TLS", "smtp_tls"),
    ("RT_SMTP_USERNAME", "smtp_username"),
    ("RT_SMTP_PASSWORD", "smtp_password"),
    ("RT_SMTP_TIMEOUT_SECS", "smtp_timeout_secs"),
    ("RT_SMTP_CA_FILE", "smtp_ca_file"),
    ("RT_SENDMAIL_COMMAND", "sendmail_command"),
    ("RT_SENDMAIL_ARGS", "sendmail_args"),
    ("RT_MAIL_FILE_PATH", "mail_file_path"),
    ("RT_MAIL_BATCH_SIZE", "mail_batch_size"),
    ("RT_MAIL_POLL_SECS", "mail_poll_secs"),
    ("RT_RTIR_ENABLED", "rtir.enabled"),
    ("RT_RTIR_STRICT_CONSTITUENCY_LINKING", "rtir.strict_constituency_linking"),
    ("RT_RTIR_OVERDUE_AFTER_DAYS", "rtir.overdue_after_days"),
];

/// A boolean setting's string forms.
fn boolean(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl Config {
    /// Reads `path` (if given), applies the `RT_*` variables found in `env`
    /// and validates the result.
    pub fn load(path: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Config> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
                    key: path.display().to_string(),
                    message: format!("cannot read: {e}"),
                })?;
                Config::from_toml(&text)?
            }
            None => Config::default(),
        };
        for (var, value) in env {
            if let Some((_, key)) = ENV_KEYS.iter().find(|(v, _)| *v == var) {
                config.set(key, &value)?;
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Parses a TOML document; unknown keys are errors.
    pub fn from_toml(text: &str) -> Result<Config> {
        toml::from_str(text).map_err(|e| {
            let key = e.span().map(|s| text.get(s).unwrap_or("").trim().to_string()).unwrap_or_default();
            Error::Config { key, message: e.message().to_string() }
        })
    }

    /// Sets one scalar key from its string form (environment or command line).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let bad = |message: String| Error::Config { key: key.to_string(), message };
        match key {
            "database_url" => self.database_url = value.to_string(),
            "data_dir" => self.data_dir = PathBuf::from(value),
            "pool_size" => self.pool_size = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?,
            "listen" => self.listen = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?,
            "rtname" => self.rtname = value.to_string(),
            "organization" => self.organization = value.to_string(),
            "web_base_url" => self.web_base_url = value.to_string(),
            "correspond_address" => self.correspond_address = value.to_string(),
            "comment_address" => self.comment_address = value.to_string(),
            "owner_email" => self.owner_email = value.to_string(),
            "timezone" => self.timezone = value.to_string(),
            "trusted_proxies" => {
                self.trusted_proxies =
                    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
            }
            "login_throttle_failures" => {
                self.login_throttle_failures = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            "login_throttle_minutes" => {
                self.login_throttle_minutes = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            "ticket_lock_minutes" => {
                self.ticket_lock_minutes = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            "minimum_password_length" => {
                self.minimum_password_length = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            "public_mail" => {
                self.public_mail = boolean(value).ok_or_else(|| bad(format!("{value:?} is not a boolean")))?
            }
            "notify_actor" => {
                self.notify_actor = boolean(value).ok_or_else(|| bad(format!("{value:?} is not a boolean")))?
            }
            "max_attachment_size" => {
                self.max_attachment_size = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            "oversized_attachments" => self.oversized_attachments = value.to_string(),
            "mail_transport" => self.mail_transport = value.to_string(),
            "smtp_host" => self.smtp_host = value.to_string(),
            "smtp_port" => self.smtp_port = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?,
            "smtp_tls" => self.smtp_tls = value.to_string(),
            "smtp_username" => self.smtp_username = value.to_string(),
            "smtp_password" => self.smtp_password = Secret(value.to_string()),
            "smtp_timeout_secs" => {
                self.smtp_timeout_secs = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            "smtp_ca_file" => self.smtp_ca_file = PathBuf::from(value),
            "sendmail_command" => self.sendmail_command = PathBuf::from(value),
            "sendmail_args" => self.sendmail_args = value.split_whitespace().map(String::from).collect(),
            "mail_file_path" => self.mail_file_path = PathBuf::from(value),
            "mail_batch_size" => self.mail_batch_size = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?,
            "mail_poll_secs" => self.mail_poll_secs = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?,
            "rtir.enabled" => {
                self.rtir.enabled = boolean(value).ok_or_else(|| bad(format!("{value:?} is not a boolean")))?
            }
            "rtir.strict_constituency_linking" => {
                self.rtir.strict_constituency_linking =
                    boolean(value).ok_or_else(|| bad(format!("{value:?} is not a boolean")))?
            }
            "rtir.overdue_after_days" => {
                self.rtir.overdue_after_days = value.parse().map_err(|e| bad(format!("{value:?}: {e}")))?
            }
            _ => return Err(bad("unknown key".into())),
        }
        Ok(())
    }

    /// The site's reply address: `correspond_address`, or
    /// `rt@<organization>` when unset.
    pub fn site_correspond_address(&self) -> String {
        if self.correspond_address.is_empty() {
            format!("rt@{}", self.organization)
        } else {
            self.correspond_address.clone()
        }
    }

    /// The site's comment address: `comment_address`, or
    /// `rt-comment@<organization>` when unset.
    pub fn site_comment_address(&self) -> String {
        if self.comment_address.is_empty() {
            format!("rt-comment@{}", self.organization)
        } else {
            self.comment_address.clone()
        }
    }

    /// Checks every key whose type does not already guarantee validity.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, message: String| Err(Error::Config { key: key.to_string(), message });
        if self.rtname.trim().is_empty() {
            return bad("rtname", "must not be empty".into());
        }
        if self.organization.trim().is_empty() {
            return bad("organization", "must not be empty".into());
        }
        if self.pool_size == 0 {
            return bad("pool_size", "must be at least 1".into());
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return bad("timezone", format!("{:?} is not an IANA time zone", self.timezone));
        }
        let url = &self.web_base_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return bad("web_base_url", format!("{:?} must start with http:// or https://", self.web_base_url));
        }
        for (key, value) in [
            ("correspond_address", &self.correspond_address),
            ("comment_address", &self.comment_address),
            ("owner_email", &self.owner_email),
        ] {
            if !(value.is_empty() || value.contains('@') && !value.contains(|c: char| c.is_whitespace() || c == ',')) {
                return bad(key, format!("{value:?} is not one email address"));
            }
        }
        if !["truncate", "drop"].contains(&self.oversized_attachments.as_str()) {
            return bad(
                "oversized_attachments",
                format!("{:?} is not \"truncate\" or \"drop\"", self.oversized_attachments),
            );
        }
        if !["none", "smtp", "sendmail", "mbox", "eml_dir"].contains(&self.mail_transport.as_str()) {
            return bad(
                "mail_transport",
                format!("{:?} is not none, smtp, sendmail, mbox or eml_dir", self.mail_transport),
            );
        }
        if !["none", "starttls", "tls"].contains(&self.smtp_tls.as_str()) {
            return bad("smtp_tls", format!("{:?} is not none, starttls or tls", self.smtp_tls));
        }
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(&self.smtp_host.as_str());
        if !self.smtp_username.is_empty() && self.smtp_tls == "none" && !loopback {
            return bad("smtp_tls", "a password is never sent unencrypted: use starttls or tls".into());
        }
        if self.mail_batch_size == 0 {
            return bad("mail_batch_size", "must be at least 1".into());
        }
        if self.mail_poll_secs == 0 {
            return bad("mail_poll_secs", "must be at least 1".into());
        }
        for proxy in &self.trusted_proxies {
            if parse_cidr(proxy).is_none() {
                return bad("trusted_proxies", format!("{proxy:?} is not an address or CIDR block"));
            }
        }
        if !self.database_url.is_empty()
            && Backend::from_url(&self.database_url) == Backend::Sqlite
            && self.database_url.contains("://")
            && !self.database_url.starts_with("sqlite://")
        {
            return bad("database_url", "expected sqlite://PATH, a file path or postgres://...".into());
        }
        crate::lifecycles::Lifecycles::from_config(&self.lifecycles, &self.lifecycle_maps)?;
        Ok(())
    }

    /// The database URL in effect: the configured one, or the SQLite file
    /// under the data directory.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("rt.sqlite3").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The file transports' path: the configured one, or `outbox.mbox`
    /// (for `mbox`) or `outbox` (for `eml_dir`) under the data directory.
    pub fn effective_mail_file_path(&self) -> PathBuf {
        if !self.mail_file_path.as_os_str().is_empty() {
            self.mail_file_path.clone()
        } else if self.mail_transport == "mbox" {
            self.data_dir.join("outbox.mbox")
        } else {
            self.data_dir.join("outbox")
        }
    }

    /// The base URL for links: the configured one or `http://<listen>`.
    pub fn effective_web_base_url(&self) -> String {
        if self.web_base_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.web_base_url.trim_end_matches('/').to_string()
        }
    }

    /// Whether `addr` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, addr: IpAddr) -> bool {
        self.trusted_proxies.iter().filter_map(|p| parse_cidr(p)).any(|(net, len)| in_network(addr, net, len))
    }
}

fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a.parse::<IpAddr>().ok()?, l.parse::<u8>().ok()?),
        None => {
            let a = text.parse::<IpAddr>().ok()?;
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

fn in_network(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    let to_bits = |a: IpAddr| match a {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)) << 96, 32u32),
        IpAddr::V6(v6) => (u128::from(v6), 128u32),
    };
    let ((a, fam_a), (n, fam_n)) = (to_bits(addr), to_bits(net));
    if fam_a != fam_n {
        return false;
    }
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
    a & mask == n & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn environment_overrides_file_and_defaults() {
        let c = Config::load(None, env(&[("RT_RTNAME", "help.example"), ("RT_PUBLIC_MAIL", "off"), ("HOME", "/x")]))
            .expect("valid");
        assert_eq!(c.rtname, "help.example");
        assert!(!c.public_mail);
        assert!(c.rtir.enabled);
        assert!(c.rtir.strict_constituency_linking);
        let c = Config::load(None, env(&[("RT_RTIR_ENABLED", "no"), ("RT_RTIR_STRICT_CONSTITUENCY_LINKING", "off")]))
            .expect("valid");
        assert!(!c.rtir.enabled);
        assert!(!c.rtir.strict_constituency_linking);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.effective_database_url(), "sqlite://var/rt.sqlite3");
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::load(None, env(&[("RT_LISTEN", "nowhere")])).expect_err("bad listen");
        assert!(e.to_string().contains("listen"), "{e}");
        let e = Config::from_toml("timezone = 'Mars/Olympus'").and_then(|c| c.validate()).expect_err("bad tz");
        assert!(e.to_string().contains("timezone"), "{e}");
        let e = Config::from_toml("no_such_key = 1").expect_err("unknown key");
        assert!(e.to_string().contains("no_such_key"), "{e}");
        let e =
            Config::from_toml("trusted_proxies = ['10.0.0.0/33']").and_then(|c| c.validate()).expect_err("bad cidr");
        assert!(e.to_string().contains("trusted_proxies"), "{e}");
        let e = Config::from_toml("mail_transport = 'pigeon'").and_then(|c| c.validate()).expect_err("transport");
        assert!(e.to_string().contains("mail_transport"), "{e}");
        let e = Config::from_toml("smtp_host = 'mx.example.net'\nsmtp_username = 'rt'")
            .and_then(|c| c.validate())
            .expect_err("auth in clear");
        assert!(e.to_string().contains("smtp_tls"), "{e}");
    }

    #[test]
    fn the_smtp_password_is_not_shown() {
        let c = Config::load(None, env(&[("RT_SMTP_PASSWORD", "hunter2")])).expect("valid");
        assert_eq!(c.smtp_password.0, "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn the_example_file_is_valid_and_shows_the_defaults() {
        let text = include_str!("../../../rt-server.example.toml");
        let example = Config::from_toml(text).expect("valid example");
        example.validate().expect("valid example");
        let defaults = Config::default();
        assert_eq!(format!("{example:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn the_example_sla_block_parses_once_uncommented() {
        let text = include_str!("../../../rt-server.example.toml");
        let block = text.split("# SLAs").nth(1).expect("the SLA block");
        let uncommented: String = block
            .lines()
            .skip_while(|l| !l.starts_with("# [service_agreements]"))
            .filter_map(|l| l.strip_prefix("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        let c = Config::from_toml(&uncommented).expect("valid SLA example");
        let hours = c.service_agreements.business_hours_named(None).expect("schedule");
        let monday_10 = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").expect("date").to_utc();
        let saturday = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z").expect("date").to_utc();
        assert!(hours.is_open(chrono_tz::UTC, monday_10) && !hours.is_open(chrono_tz::UTC, saturday));
        assert_eq!(c.service_agreements.default_level(Some("General"), false, None).as_deref(), Some("standard"));
        for (queue, level) in [("Incident Reports", "IR"), ("Investigations", "Inv"), ("Countermeasures", "CM")] {
            assert_eq!(c.service_agreements.default_level(Some(queue), false, None).as_deref(), Some(level));
            assert!(c.service_agreements.levels.contains_key(level), "{level}");
        }
    }

    #[test]
    fn trusted_proxies_match_by_network() {
        let c = Config::from_toml("trusted_proxies = ['10.1.0.0/16', '::1']").expect("valid");
        assert!(c.is_trusted_proxy("10.1.200.3".parse().expect("ip")));
        assert!(!c.is_trusted_proxy("10.2.0.1".parse().expect("ip")));
        assert!(c.is_trusted_proxy("::1".parse().expect("ip")));
    }

    #[test]
    fn priorities_are_named_by_the_highest_threshold_they_reach() {
        let labels = PriorityLabels::default();
        assert_eq!(labels.label("General", 0).as_deref(), Some("Low"));
        assert_eq!(labels.label("General", 20).as_deref(), Some("Low"));
        assert_eq!(labels.label("General", 75).as_deref(), Some("Medium"));
        assert_eq!(labels.label("General", 100).as_deref(), Some("High"));
        assert_eq!(labels.label("General", -5).as_deref(), Some("unknown"));
        assert_eq!(labels.number("General", "high"), Some(100));
        assert_eq!(labels.number("General", "urgent"), None);
        let mut site = labels.clone();
        site.queues.insert("Support".into(), BTreeMap::new());
        site.queues.insert("Ops".into(), [("Calm".to_string(), 0), ("On Fire".to_string(), 90)].into());
        assert_eq!(site.label("Support", 50), None, "an empty table shows numbers");
        assert_eq!(site.label("Ops", 95).as_deref(), Some("On Fire"));
        site.enabled = false;
        assert_eq!(site.label("General", 50), None);
    }
}
