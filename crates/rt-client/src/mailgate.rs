//! The client side of RT's mail gateway: posting one raw message to
//! `<url>/REST/1.0/NoAuth/mail-gateway` as a multipart form, the way RT's
//! own `rt-mailgate` does, and reading RT's one-line answer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::http;

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Base URL of RT (`https://rt.example.com/`).
    pub url: String,
    /// How long to wait for the whole exchange.
    pub timeout: Duration,
    /// Certificate authorities to trust instead of the bundled ones.
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification.
    pub no_verify: bool,
}

/// What is posted besides the message.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Queue for new tickets (name or id); the server's default when `None`.
    pub queue: Option<String>,
    /// `correspond`, `comment`, `take`, `resolve`, chained with `-`.
    pub action: String,
    /// Ticket id, when the address extension names one.
    pub ticket: Option<String>,
}

/// RT's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `ok`: recorded.
    Ok,
    /// `not ok - ...`: refused for good (RT has told the sender).
    NotOk(String),
    /// Anything else, e.g. `temporary failure - ...`: try again later.
    Other(String),
}

/// Why a delivery could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MailgateError {
    /// The CA file could not be read or holds no certificate.
    #[error("cannot use CA file {path}: {message}")]
    CaFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The HTTP exchange failed (connection, timeout, HTTP error status).
    #[error("HTTP request to {url} failed: {message}")]
    Http {
        /// The URL posted to.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// The endpoint for a base URL.
pub fn endpoint(base: &str) -> String {
    format!("{}/REST/1.0/NoAuth/mail-gateway", base.trim_end_matches('/'))
}

/// Posts `message` and returns RT's answer.
pub fn post_message(conn: &Connection, delivery: &Delivery, message: &[u8]) -> Result<Answer, MailgateError> {
    let url = endpoint(&conn.url);
    let agent = http::agent(&http::AgentOptions {
        user_agent: concat!("rt-mailgate/", env!("CARGO_PKG_VERSION")),
        timeout: Some(conn.timeout),
        ca_file: conn.ca_file.as_deref(),
        no_verify: conn.no_verify,
    })
    .map_err(|message| MailgateError::CaFile {
        path: conn.ca_file.as_deref().unwrap_or(Path::new("")).display().to_string(),
        message,
    })?;
    let (content_type, body) = form(delivery, message);
    let http = |message: String| MailgateError::Http { url: url.clone(), message };
    let mut response =
        agent.post(&url).header("Content-Type", &content_type).send(&body[..]).map_err(|e| http(e.to_string()))?;
    if !response.status().is_success() {
        return Err(http(format!("http status: {}", response.status().as_u16())));
    }
    let text = response.body_mut().read_to_string().map_err(|e| http(e.to_string()))?;
    Ok(parse_answer(&text))
}

/// RT's answer from the response body.
pub fn parse_answer(text: &str) -> Answer {
    let line = text.lines().next().unwrap_or("").trim_end();
    if line == "ok" || line.starts_with("ok ") {
        Answer::Ok
    } else if let Some(rest) = line.strip_prefix("not ok") {
        Answer::NotOk(rest.trim_start_matches([' ', '-']).to_string())
    } else {
        Answer::Other(line.to_string())
    }
}

/// The multipart form: `queue`, `action`, `ticket` and the `message` file.
fn form(delivery: &Delivery, message: &[u8]) -> (String, Vec<u8>) {
    let mut parts = Vec::with_capacity(4);
    parts.extend(delivery.queue.as_deref().map(|q| http::Part::text("queue", q)));
    parts.push(http::Part::text("action", &delivery.action));
    parts.extend(delivery.ticket.as_deref().map(|t| http::Part::text("ticket", t)));
    parts.push(http::Part { name: "message", file: Some(("message", "application/octet-stream")), body: message });
    http::multipart("rt-mailgate", &parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::contains;

    #[test]
    fn answers_are_read_as_rt_mailgate_reads_them() {
        assert_eq!(parse_answer("ok\n"), Answer::Ok);
        assert_eq!(parse_answer("not ok - operation unsuccessful\n"), Answer::NotOk("operation unsuccessful".into()));
        assert_eq!(
            parse_answer("temporary failure - operation unsuccessful\n"),
            Answer::Other("temporary failure - operation unsuccessful".into())
        );
        assert_eq!(endpoint("http://rt.example.com/"), "http://rt.example.com/REST/1.0/NoAuth/mail-gateway");
    }

    #[test]
    fn the_form_carries_the_message_byte_for_byte() {
        let message = b"From: a@example.org\n\n\x00\xff--rt-mailgate-\n";
        let delivery = Delivery { queue: Some("General".into()), action: "comment".into(), ticket: Some("7".into()) };
        let (content_type, body) = form(&delivery, message);
        let boundary = content_type.split("boundary=").nth(1).unwrap_or_default();
        assert!(!contains(message, boundary.as_bytes()));
        assert!(contains(&body, message));
        assert!(contains(&body, b"name=\"ticket\"\r\n\r\n7\r\n"));
    }
}
