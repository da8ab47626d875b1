//! What every action shares: the configuration, the REST 1.0 client (made
//! on first use, so `rt help` needs no server), and how RT's answers and
//! failures are reported.

use std::io::{BufRead, IsTerminal, Write};
use std::process::{Command, Stdio};

use rt_client::rest1::{Client, ClientBuilder, Error, Field, Response, Sessions};

use crate::config::Config;

/// A failure that ends the program (and the shell) with exit status 255,
/// after its message has been printed.
#[derive(Debug)]
pub struct Fatal(pub String);

/// An action's exit status, or a fatal failure.
pub type Outcome = Result<u8, Fatal>;

/// One run of `rt`.
pub struct App {
    /// The settings.
    pub config: Config,
    client: Option<Client>,
}

impl App {
    /// An app for these settings.
    pub fn new(config: Config) -> App {
        App { config, client: None }
    }

    /// Sends a request as RT's client does: answers that are neither
    /// successes, 401 (a logout's) nor 409 (a form's syntax error, left to
    /// the action) are told on stderr, and the answer is returned anyway.
    pub fn submit(&mut self, path: &str, fields: &[Field]) -> Result<Response, Fatal> {
        let debug = self.config.debug;
        let client = match &mut self.client {
            Some(client) => client,
            None => self.client.insert(self.connect()?),
        };
        let host = client.host().to_string();
        match client.request(path, fields) {
            Ok(response) => {
                if !response.is_success() && response.code != 401 && response.code != 409 {
                    let text = response.text();
                    eprint!("rt: {text}{}", if text.ends_with('\n') { "" } else { "\n" });
                }
                Ok(response)
            }
            Err(Error::BadCredentials) => Err(Fatal("rt: Incorrect username or password.".into())),
            Err(Error::Malformed { .. }) => {
                let hint = if debug < 3 { "\n(Rerun with RTDEBUG=3 for details.)" } else { "" };
                Err(Fatal(format!("rt: Malformed RT response from {host}.{hint}")))
            }
            Err(e @ (Error::Http { .. } | Error::Transport(_))) => Err(Fatal(format!("rt: Server error: {e}"))),
            Err(e) => Err(Fatal(format!("rt: {e}"))),
        }
    }

    /// Whether a session with the server is held.
    pub fn has_session(&self) -> bool {
        match &self.client {
            Some(client) => client.has_session(),
            None => Sessions::load(self.sessions_file()).get(&self.config.server, &self.config.user).is_some(),
        }
    }

    fn sessions_file(&self) -> std::path::PathBuf {
        self.config.home.join(".rt_sessions")
    }

    fn connect(&self) -> Result<Client, Fatal> {
        let config = &self.config;
        let auth = config.auth().ok_or_else(|| {
            Fatal("rt: GSSAPI authentication is not supported by this client; use 'auth rt' or 'auth basic'.".into())
        })?;
        let https = config.server.starts_with("https");
        let mut builder = ClientBuilder::new(&config.server, &config.user)
            .password(config.passwd.clone())
            .auth(auth)
            .sessions(Sessions::load(self.sessions_file()))
            .ca_file(std::env::var_os("HTTPS_CA_FILE").map(Into::into))
            .no_verify(std::env::var("PERL_LWP_SSL_VERIFY_HOSTNAME").is_ok_and(|v| v == "0"))
            .password_prompt(move |host| {
                let how = if https { "over SSL" } else { "unencrypted" };
                print!(
                    "   Password will be sent to {host} {how}\n   Press CTRL-C now if you do not want to continue\n"
                );
                read_password()
            });
        if config.debug >= 3 {
            builder = builder.trace(|text| eprintln!("{text}"));
        }
        builder.build().map_err(|e| Fatal(format!("rt: {e}")))
    }
}

/// Writes to stdout. When stdout is gone (`rt ls | head`) the program
/// ends quietly, as RT's does on SIGPIPE.
pub fn emit(bytes: impl AsRef<[u8]>) {
    let mut out = std::io::stdout().lock();
    if out.write_all(bytes.as_ref()).and_then(|()| out.flush()).is_err() {
        std::process::exit(141);
    }
}

/// Reads a password from standard input, without echo on a terminal.
fn read_password() -> std::io::Result<String> {
    print!("Password: ");
    std::io::stdout().flush()?;
    let terminal = std::io::stdin().is_terminal();
    let stty = |arg: &str| Command::new("stty").arg(arg).stdin(Stdio::inherit()).status();
    if terminal {
        stty("-echo")?;
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if terminal {
        stty("echo")?;
    }
    println!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
