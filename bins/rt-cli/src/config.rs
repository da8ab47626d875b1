//! Where `rt` takes its settings from, in rising precedence: built-in
//! defaults, one configuration file, then `RT*` environment variables.
//!
//! The file is `$RTCONFIG` when that is an absolute path; otherwise the
//! first readable file of that name (`.rtrc` by default) in the current
//! directory or one of its ancestors, then `~/.rtrc`,
//! `/etc/request-tracker5/rt.conf` and `/etc/rt.conf`. It holds
//! `<directive> <value>` lines (`server`, `user`, `passwd`, `query`,
//! `orderby`, `queue`, `auth`, `externalauth`), blank lines and `#`
//! comments; anything else is an error.
//!
//! `~` is `$HOME` (RT's own client asks the password database instead).

use std::path::{Path, PathBuf};

use rt_client::rest1::Auth;

/// The settings of one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `RTDEBUG`: 3 traces every request and answer.
    pub debug: u8,
    /// The RT user name.
    pub user: String,
    /// The password; asked for when needed if empty.
    pub passwd: Option<String>,
    /// The RT server's base URL.
    pub server: String,
    /// The default query of `rt ls`.
    pub query: String,
    /// The default order of `rt ls`.
    pub orderby: String,
    /// Queues `rt ls` is limited to (`a,b`).
    pub queue: Option<String>,
    /// `rt` (form login), `basic` or `gssapi`.
    pub auth: String,
    /// The home directory, where `.rt_sessions` is kept.
    pub home: PathBuf,
}

/// The directives a configuration file may hold.
const DIRECTIVES: [&str; 8] = ["externalauth", "auth", "user", "passwd", "server", "query", "orderby", "queue"];

impl Config {
    /// Reads the file and the environment (through `env`).
    pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let home = env("HOME").or_else(|| env("LOGDIR")).filter(|h| !h.is_empty()).unwrap_or_else(|| ".".into());
        let mut settings: Vec<(String, String)> = Vec::new();
        let name = env("RTCONFIG").filter(|n| !n.is_empty()).unwrap_or_else(|| ".rtrc".into());
        if let Some(file) = find_file(&name, Path::new(&home)) {
            settings.extend(read_file(&file)?);
        }
        for key in DIRECTIVES.iter().chain(&["debug"]) {
            if let Some(value) = env(&format!("RT{}", key.to_ascii_uppercase())) {
                settings.push((key.to_string(), value));
            }
        }
        let setting = |key: &str| settings.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let truthy = |v: &String| !v.is_empty() && v != "0";
        let mut auth = setting("auth").unwrap_or_else(|| "rt".into());
        if setting("externalauth").is_some_and(|v| truthy(&v)) {
            auth = "basic".into();
        }
        Ok(Config {
            debug: setting("debug").map_or(0, |d| d.trim().parse().unwrap_or(0)),
            user: setting("user")
                .or_else(|| env("USER"))
                .or_else(|| env("LOGNAME"))
                .or_else(|| env("USERNAME"))
                .unwrap_or_default(),
            passwd: setting("passwd").filter(truthy),
            server: setting("server").unwrap_or_else(|| "http://localhost/".into()),
            query: setting("query").unwrap_or_else(|| "Status!='resolved' and Status!='rejected'".into()),
            orderby: setting("orderby").unwrap_or_else(|| "id".into()),
            queue: setting("queue").filter(truthy),
            auth,
            home: home.into(),
        })
    }

    /// The client's way of logging in; `None` for `gssapi`, which this
    /// client does not speak.
    pub fn auth(&self) -> Option<Auth> {
        match self.auth.as_str() {
            "basic" => Some(Auth::Basic),
            "gssapi" => None,
            _ => Some(Auth::Rt),
        }
    }
}

/// The configuration file to read, if any.
fn find_file(name: &str, home: &Path) -> Option<PathBuf> {
    if name.starts_with('/') {
        return Some(name.into());
    }
    let readable = |p: &Path| std::fs::File::open(p).is_ok_and(|f| f.metadata().is_ok_and(|m| m.is_file()));
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|dir| dir.join(name))
        .chain([home.join(name), "/etc/request-tracker5/rt.conf".into(), "/etc/rt.conf".into()])
        .find(|p| readable(p))
}

/// A file's directives, in order; a missing file has none.
fn read_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(Vec::new()) };
    let mut settings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let directive = DIRECTIVES.iter().find_map(|d| {
            let rest = line.strip_prefix(d)?;
            rest.starts_with(char::is_whitespace).then(|| (d.to_string(), rest.trim_start().to_string()))
        });
        match directive {
            Some(setting) => settings.push(setting),
            None => return Err(format!("rt: {}:{}: unknown configuration directive.", path.display(), n + 1)),
        }
    }
    Ok(settings)
}
