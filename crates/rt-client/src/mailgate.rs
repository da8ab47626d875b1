//! The client side of RT's mail gateway: posting one raw message to
//! `<url>/REST/1.0/NoAuth/mail-gateway` as a multipart form, the way RT's
//! own `rt-mailgate` does, and reading RT's one-line answer.

use std::path::PathBuf;
use std::time::Duration;

use ureq::tls::{PemItem, RootCerts, TlsConfig};

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
    let mut tls = TlsConfig::builder().disable_verification(conn.no_verify);
    if let Some(path) = &conn.ca_file {
        let fail = |message: String| MailgateError::CaFile { path: path.display().to_string(), message };
        let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(fail("no certificate in it".into()));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(conn.timeout))
        .tls_config(tls.build())
        .user_agent(concat!("rt-mailgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let (content_type, body) = form(delivery, message);
    let http = |e: ureq::Error| MailgateError::Http { url: url.clone(), message: e.to_string() };
    let mut response = agent.post(&url).header("Content-Type", &content_type).send(&body[..]).map_err(http)?;
    let text = response.body_mut().read_to_string().map_err(http)?;
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
    let boundary = format!("rt-mailgate-{:016x}", boundary_seed(message));
    let mut body = Vec::with_capacity(message.len() + 512);
    let mut field = |name: &str, value: &[u8], file: bool| {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        if file {
            body.extend_from_slice(b"; filename=\"message\"\r\nContent-Type: application/octet-stream");
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    };
    if let Some(queue) = &delivery.queue {
        field("queue", queue.as_bytes(), false);
    }
    field("action", delivery.action.as_bytes(), false);
    if let Some(ticket) = &delivery.ticket {
        field("ticket", ticket.as_bytes(), false);
    }
    field("message", message, true);
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A boundary that does not occur in the message: derived from its bytes
/// (FNV-1a), re-drawn in the unlikely case it does.
fn boundary_seed(message: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for b in message {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    while contains(message, format!("rt-mailgate-{hash:016x}").as_bytes()) {
        hash = hash.wrapping_add(1);
    }
    hash
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

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
