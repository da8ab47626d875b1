//! The client side of RT's REST 1.0 (`<server>/REST/1.0/...`), as RT's own
//! `rt` command-line client speaks it.
//!
//! A [`Client`] (built by [`ClientBuilder`]) sends each request as a GET,
//! or as a `multipart/form-data` POST when it has fields ([`Field`]: text,
//! or a file as `attachment_<n>`). It logs in by sending the form fields
//! `user` and `pass` with the first request that has no session, keeps the
//! `RT_SID_...` cookie the server sets in [`Sessions`] (per server and user,
//! in `~/.rt_sessions` for the CLI), and logs in again by itself once when
//! the server no longer knows the cookie. With [`Auth::Basic`] it sends
//! HTTP Basic credentials instead, for servers behind external
//! authentication.
//!
//! RT answers HTTP 200 with its own status line, `RT/<version> <code>
//! <text>`, a blank line and the payload: [`Response`] holds that code,
//! text and payload. [`form`] reads and writes the payload's forms.

pub mod form;
mod sessions;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use base64::Engine;
pub use sessions::Sessions;

use crate::http;

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// RT's own login: `user` and `pass` form fields, then the session
    /// cookie.
    Rt,
    /// HTTP Basic on every request (RT behind `$WebRemoteUserAuth`).
    Basic,
}

/// One form field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// A text field.
    Text {
        /// Its name.
        name: String,
        /// Its value.
        value: String,
    },
    /// A file.
    File {
        /// The field name (`attachment_<n>` for RT).
        name: String,
        /// The file's name, without directories.
        filename: String,
        /// Its MIME type.
        content_type: String,
        /// Its bytes.
        body: Vec<u8>,
    },
}

impl Field {
    /// A text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Field {
        Field::Text { name: name.into(), value: value.into() }
    }

    /// The file at `path` as field `name`, its type guessed from its name
    /// (`/etc/mime.types`) or, failing that, its content.
    pub fn file(name: impl Into<String>, path: &Path) -> std::io::Result<Field> {
        let body = std::fs::read(path)?;
        let filename = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let content_type = guess_content_type(path, &body);
        Ok(Field::File { name: name.into(), filename, content_type, body })
    }

    fn part(&self) -> http::Part<'_> {
        match self {
            Field::Text { name, value } => http::Part::text(name, value),
            Field::File { name, filename, content_type, body } => {
                http::Part { name, file: Some((filename, content_type)), body }
            }
        }
    }
}

/// RT's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// RT's status code (200, 400, 409...).
    pub code: u16,
    /// RT's status text (`Ok`, `Syntax Error`...).
    pub message: String,
    /// The payload after the status line, its trailing newlines made one
    /// (none when it is empty).
    pub content: Vec<u8>,
    /// The HTTP `Content-Type`.
    pub content_type: String,
}

impl Response {
    /// Whether RT's code is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// The payload as text.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.content)
    }
}

/// Why a request got no answer from RT.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server could not be reached, or the exchange broke off.
    #[error("{0}")]
    Transport(String),
    /// The HTTP status was not a success (RT itself always answers 200).
    #[error("{reason} ({code})")]
    Http {
        /// The HTTP status code.
        code: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// The body did not start with RT's status line.
    #[error("malformed RT response from {server}")]
    Malformed {
        /// The server's host.
        server: String,
    },
    /// RT refused the user name and password.
    #[error("incorrect username or password")]
    BadCredentials,
    /// A login was needed and no password was given or could be asked for.
    #[error("no password given: {0}")]
    NoPassword(String),
    /// The CA file could not be used.
    #[error("cannot use CA file {path}: {message}")]
    CaFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

type Prompt = Box<dyn FnMut(&str) -> std::io::Result<String>>;
type Trace = Box<dyn FnMut(&str)>;

/// Builds a [`Client`].
pub struct ClientBuilder {
    server: String,
    user: String,
    password: Option<String>,
    auth: Auth,
    sessions: Sessions,
    ca_file: Option<PathBuf>,
    no_verify: bool,
    prompt: Option<Prompt>,
    trace: Option<Trace>,
}

impl ClientBuilder {
    /// A client for `user` on the RT at `server` (`https://rt.example.com`),
    /// RT's own login, sessions in memory.
    pub fn new(server: impl Into<String>, user: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            server: server.into(),
            user: user.into(),
            password: None,
            auth: Auth::Rt,
            sessions: Sessions::in_memory(),
            ca_file: None,
            no_verify: false,
            prompt: None,
            trace: None,
        }
    }

    /// The password.
    pub fn password(mut self, password: Option<String>) -> ClientBuilder {
        self.password = password;
        self
    }

    /// Asks for the password (given the server's host) when a login needs
    /// one and none was given.
    pub fn password_prompt(mut self, prompt: impl FnMut(&str) -> std::io::Result<String> + 'static) -> ClientBuilder {
        self.prompt = Some(Box::new(prompt));
        self
    }

    /// How to authenticate.
    pub fn auth(mut self, auth: Auth) -> ClientBuilder {
        self.auth = auth;
        self
    }

    /// Where session cookies are kept between runs.
    pub fn sessions(mut self, sessions: Sessions) -> ClientBuilder {
        self.sessions = sessions;
        self
    }

    /// Certificate authorities to trust instead of the bundled ones.
    pub fn ca_file(mut self, path: Option<PathBuf>) -> ClientBuilder {
        self.ca_file = path;
        self
    }

    /// Skips TLS certificate verification.
    pub fn no_verify(mut self, no_verify: bool) -> ClientBuilder {
        self.no_verify = no_verify;
        self
    }

    /// Receives each request and answer as text (passwords masked).
    pub fn trace(mut self, trace: impl FnMut(&str) + 'static) -> ClientBuilder {
        self.trace = Some(Box::new(trace));
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let agent = http::agent(&http::AgentOptions {
            user_agent: concat!("rt-client/", env!("CARGO_PKG_VERSION")),
            timeout: None,
            ca_file: self.ca_file.as_deref(),
            no_verify: self.no_verify,
        })
        .map_err(|message| Error::CaFile {
            path: self.ca_file.as_deref().unwrap_or(Path::new("")).display().to_string(),
            message,
        })?;
        let host = self.server.split("//").nth(1).unwrap_or(&self.server).split('/').next().unwrap_or("").to_string();
        Ok(Client {
            agent,
            base: format!("{}/REST/1.0", self.server.trim_end_matches('/')),
            host,
            server: self.server,
            user: self.user,
            password: self.password,
            auth: self.auth,
            sessions: self.sessions,
            prompt: self.prompt,
            trace: self.trace,
        })
    }
}

/// A REST 1.0 client for one user on one server.
pub struct Client {
    agent: ureq::Agent,
    /// `<server>/REST/1.0`.
    base: String,
    /// The server's `host[:port]`.
    host: String,
    server: String,
    user: String,
    password: Option<String>,
    auth: Auth,
    sessions: Sessions,
    prompt: Option<Prompt>,
    trace: Option<Trace>,
}

impl Client {
    /// The server's `host[:port]`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether a session cookie is held for this server and user.
    pub fn has_session(&self) -> bool {
        self.sessions.get(&self.server, &self.user).is_some()
    }

    /// Sends a request for `path` (after `REST/1.0/`): a GET without
    /// fields, else a multipart POST. Logs in when there is no session,
    /// and once more when the server has forgotten it (except for
    /// `logout`, whose 401 is answered as is). A session cookie that cannot
    /// be saved only costs a login next time.
    pub fn request(&mut self, path: &str, fields: &[Field]) -> Result<Response, Error> {
        loop {
            let cookie = self.sessions.get(&self.server, &self.user).map(str::to_string);
            let mut credentials = Vec::new();
            let mut basic = None;
            match self.auth {
                Auth::Basic => {
                    let password = self.password()?;
                    let pair = format!("{}:{password}", self.user);
                    basic = Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)));
                }
                Auth::Rt if cookie.is_none() => {
                    let password = self.password()?;
                    credentials = vec![Field::text("user", &self.user), Field::text("pass", password)];
                }
                Auth::Rt => {}
            }
            let response = self.send(path, fields, &credentials, basic.as_deref(), cookie.as_deref())?;
            if response.code == 401 {
                if !credentials.is_empty() {
                    return Err(Error::BadCredentials);
                }
                if cookie.is_some() {
                    self.sessions.remove(&self.server, &self.user);
                    let _ = self.sessions.save();
                    if path != "logout" {
                        continue;
                    }
                }
            }
            return Ok(response);
        }
    }

    fn password(&mut self) -> Result<String, Error> {
        if let Some(password) = &self.password {
            return Ok(password.clone());
        }
        let prompt = self.prompt.as_mut().ok_or_else(|| Error::NoPassword("nothing to ask it with".into()))?;
        let password = prompt(&self.host).map_err(|e| Error::NoPassword(e.to_string()))?;
        self.password = Some(password.clone());
        Ok(password)
    }

    fn send(
        &mut self,
        path: &str,
        fields: &[Field],
        credentials: &[Field],
        basic: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<Response, Error> {
        let url = format!("{}/{path}", self.base);
        let all: Vec<&Field> = fields.iter().chain(credentials).collect();
        let cookie = cookie.map(|c| format!("RT_SID_{c}"));
        if let Some(trace) = &mut self.trace {
            trace(&describe_request(&url, &all, cookie.is_some()));
        }
        let result = if all.is_empty() {
            authorized(self.agent.get(&url), cookie.as_deref(), basic).call()
        } else {
            let parts: Vec<http::Part> = all.iter().map(|f| f.part()).collect();
            let (content_type, body) = http::multipart("xYzZY", &parts);
            let request = self.agent.post(&url).header("Content-Type", &content_type);
            authorized(request, cookie.as_deref(), basic).send(&body[..])
        };
        let mut answer = result.map_err(|e| Error::Transport(e.to_string()))?;
        let status = answer.status();
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (set_cookie, content_type) = (header("set-cookie"), header("content-type").unwrap_or_default());
        let body = answer
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(|e| Error::Transport(e.to_string()))?;
        if let Some(trace) = &mut self.trace {
            trace(&format!("HTTP {status}\n{}", String::from_utf8_lossy(&body)));
        }
        if !status.is_success() {
            let reason = status.canonical_reason().unwrap_or("").to_string();
            return Err(Error::Http { code: status.as_u16(), reason });
        }
        let (code, message, content) =
            parse_body(&body).ok_or_else(|| Error::Malformed { server: self.host.clone() })?;
        if code != 401
            && let Some(cookie) = set_cookie.as_deref().and_then(session_cookie)
            && self.sessions.set(&self.server, &self.user, cookie)
        {
            let _ = self.sessions.save();
        }
        Ok(Response { code, message, content, content_type })
    }
}

/// `request` with the session cookie and Basic credentials.
fn authorized<B>(
    mut request: ureq::RequestBuilder<B>,
    cookie: Option<&str>,
    basic: Option<&str>,
) -> ureq::RequestBuilder<B> {
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    if let Some(basic) = basic {
        request = request.header("Authorization", basic);
    }
    request
}

/// RT's status line and payload: `RT/<version> <code> <text>`, optional
/// header lines, a blank line, the payload.
fn parse_body(body: &[u8]) -> Option<(u16, String, Vec<u8>)> {
    let split = body.windows(2).position(|w| w == b"\n\n");
    let (head, payload) = match split {
        Some(at) => (&body[..at], &body[at + 2..]),
        None => (body, &b""[..]),
    };
    let status = String::from_utf8_lossy(head.split(|b| *b == b'\n').next().unwrap_or(b""));
    let rest = status.strip_prefix("RT/")?;
    let (version, rest) = rest.split_once(' ')?;
    let (code, message) = rest.split_once(' ')?;
    let version_ok = version.len() >= 2 && version.starts_with(|c: char| c.is_ascii_digit());
    let code_ok = !code.is_empty() && code.chars().all(|c| c.is_ascii_digit());
    let message_ok =
        !message.is_empty() && message.chars().all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace());
    if !(version_ok && code_ok && message_ok) {
        return None;
    }
    let mut content = payload.to_vec();
    if !content.is_empty() {
        while content.last() == Some(&b'\n') {
            content.pop();
        }
        content.push(b'\n');
    }
    Some((code.parse().ok()?, message.to_string(), content))
}

/// The session cookie in a `Set-Cookie` header: `RT_SID_<name>=<hex>;...`.
fn session_cookie(header: &str) -> Option<&str> {
    let (cookie, _) = header.strip_prefix("RT_SID_")?.split_once(';')?;
    sessions::parse_cookie(cookie).map(|_| cookie)
}

fn describe_request(url: &str, fields: &[&Field], cookie: bool) -> String {
    let method = if fields.is_empty() { "GET" } else { "POST" };
    let mut text = format!("{method} {url}{}\n", if cookie { " (with the session cookie)" } else { "" });
    for field in fields {
        match field {
            Field::Text { name, .. } if name == "pass" => text.push_str("pass: ********\n"),
            Field::Text { name, value } => text.push_str(&format!("{name}: {value}\n")),
            Field::File { name, filename, content_type, body } => {
                text.push_str(&format!("{name}: file {filename} ({content_type}, {} bytes)\n", body.len()));
            }
        }
    }
    text
}

/// A file's MIME type from `/etc/mime.types` by its extension, else
/// `text/plain` for UTF-8 text and `application/octet-stream` otherwise.
fn guess_content_type(path: &Path, body: &[u8]) -> String {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    let known = extension.and_then(|ext| {
        let table = std::fs::read_to_string("/etc/mime.types").ok()?;
        table.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
            let mut words = line.split_whitespace();
            let mime = words.next()?;
            words.any(|w| w == ext).then(|| mime.to_string())
        })
    });
    known.unwrap_or_else(|| {
        let text = std::str::from_utf8(body).is_ok_and(|t| !t.contains('\0'));
        if text { "text/plain" } else { "application/octet-stream" }.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rts_status_line_is_read() {
        let (code, message, content) = parse_body(b"RT/5.0.3 200 Ok\n\n# Ticket 4 created.\n\n").unwrap_or_default();
        assert_eq!((code, message.as_str(), &content[..]), (200, "Ok", &b"# Ticket 4 created.\n"[..]));
        let (code, message, content) =
            parse_body(b"RT/5.0.3+dfsg-3~deb12u7 401 Credentials required\n\nYour username or password is incorrect")
                .unwrap_or_default();
        assert_eq!((code, message.as_str()), (401, "Credentials required"));
        assert_eq!(content, b"Your username or password is incorrect\n");
        assert_eq!(parse_body(b"RT/5.0.3 409 Syntax Error\n").map(|(c, _, p)| (c, p)), Some((409, Vec::new())));
        assert_eq!(parse_body(b"<html>oops</html>"), None);
        assert_eq!(parse_body(b"RT/5 200 Ok\n\nx"), None);
    }

    #[test]
    fn the_session_cookie_is_found_in_set_cookie() {
        assert_eq!(
            session_cookie("RT_SID_example.com.8080=5d98ccc2; path=/; HttpOnly"),
            Some("example.com.8080=5d98ccc2")
        );
        assert_eq!(session_cookie("other=1; path=/"), None);
        assert_eq!(session_cookie("RT_SID_x.80=nothex; path=/"), None);
    }
}
