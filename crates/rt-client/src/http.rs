//! What the protocol modules share about HTTP: a blocking `ureq` agent with
//! the TLS settings RT's clients offer, and `multipart/form-data` bodies,
//! which RT's clients post and which ureq's stable API does not build.

use std::path::Path;
use std::time::Duration;

use ureq::tls::{PemItem, RootCerts, TlsConfig};

/// How a client reaches its server.
pub(crate) struct AgentOptions<'a> {
    /// The `User-Agent` header.
    pub user_agent: &'a str,
    /// Limit on the whole exchange (`None`: none).
    pub timeout: Option<Duration>,
    /// Certificate authorities to trust instead of the bundled ones.
    pub ca_file: Option<&'a Path>,
    /// Skip TLS certificate verification.
    pub no_verify: bool,
}

/// An agent that hands back every HTTP status as an answer (RT's clients
/// read the status themselves) and follows no redirects. Errors name the
/// CA file's problem.
pub(crate) fn agent(options: &AgentOptions) -> Result<ureq::Agent, String> {
    let mut tls = TlsConfig::builder().disable_verification(options.no_verify);
    if let Some(path) = options.ca_file {
        let pem = std::fs::read(path).map_err(|e| e.to_string())?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err("no certificate in it".into());
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    Ok(ureq::Agent::config_builder()
        .timeout_global(options.timeout)
        .tls_config(tls.build())
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(options.user_agent)
        .build()
        .into())
}

/// One part of a `multipart/form-data` body.
pub(crate) struct Part<'a> {
    /// The form field name.
    pub name: &'a str,
    /// For a file: its name and content type.
    pub file: Option<(&'a str, &'a str)>,
    /// The bytes.
    pub body: &'a [u8],
}

impl<'a> Part<'a> {
    /// A text field.
    pub fn text(name: &'a str, value: &'a str) -> Part<'a> {
        Part { name, file: None, body: value.as_bytes() }
    }
}

/// The `Content-Type` header and the body for `parts`, with a boundary
/// (`<prefix>-<16 hex digits>`, derived from the parts' bytes) that occurs
/// in none of them.
pub(crate) fn multipart(prefix: &str, parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = boundary(prefix, parts);
    let mut body = Vec::with_capacity(parts.iter().map(|p| p.body.len() + 128).sum::<usize>() + 64);
    for part in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"", part.name).as_bytes(),
        );
        if let Some((filename, content_type)) = part.file {
            body.extend_from_slice(
                format!("; filename=\"{}\"\r\nContent-Type: {content_type}", quote_free(filename)).as_bytes(),
            );
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(part.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A file name fit for a quoted header parameter.
fn quote_free(name: &str) -> String {
    name.replace(['"', '\r', '\n'], "_")
}

/// FNV-1a over the parts' bytes, re-drawn in the unlikely case the
/// boundary occurs in one of them.
fn boundary(prefix: &str, parts: &[Part]) -> String {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for b in parts.iter().flat_map(|p| p.body) {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    loop {
        let boundary = format!("{prefix}-{hash:016x}");
        if !parts.iter().any(|p| contains(p.body, boundary.as_bytes())) {
            return boundary;
        }
        hash = hash.wrapping_add(1);
    }
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_occurs_in_no_part() {
        let body = b"x--rt-1234\r\n";
        let parts = [
            Part { name: "content", file: None, body: b"Text: hi" },
            Part { name: "attachment_1", file: Some(("a\"b.txt", "text/plain")), body },
        ];
        let (content_type, encoded) = multipart("rt", &parts);
        let boundary = content_type.split("boundary=").nth(1).unwrap_or_default();
        assert!(parts.iter().all(|p| !contains(p.body, boundary.as_bytes())));
        assert!(contains(&encoded, b"name=\"content\"\r\n\r\nText: hi\r\n"));
        assert!(contains(
            &encoded,
            b"name=\"attachment_1\"; filename=\"a_b.txt\"\r\nContent-Type: text/plain\r\n\r\nx--rt-1234\r\n"
        ));
        assert!(encoded.ends_with(format!("--{boundary}--\r\n").as_bytes()));
    }
}
