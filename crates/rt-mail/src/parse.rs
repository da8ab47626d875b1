//! Inbound MIME: a raw message becomes the [`MimeEntity`] tree rt-core
//! stores as a transaction's attachments, with the raw bytes kept beside
//! it. Parsing never fails: what mailparse cannot make sense of is kept as
//! a text part holding the raw message, so nothing that arrived is lost.
//!
//! Text parts are decoded from their charset (RFC 2045/2047/2231 handled by
//! mailparse) to UTF-8; other parts keep their transfer-decoded bytes; each
//! entity keeps its raw header block (8-bit header bytes that are not UTF-8
//! read as ISO-8859-1). A damaged base64 body is decoded as far as it goes
//! and a multipart whose boundary never appears is kept as text.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use mailparse::{MailHeaderMap, ParsedMail};
use rt_core::MimeEntity;

/// A message as it arrived, and what rt-core stores of it.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    /// The bytes exactly as received.
    pub raw: Vec<u8>,
    /// The decoded MIME tree.
    pub entity: MimeEntity,
    /// The sender's address (`From`, else `Sender`, else `Return-Path`).
    pub from: Option<String>,
    /// The decoded subject.
    pub subject: Option<String>,
    /// The `Message-ID`.
    pub message_id: Option<String>,
}

/// Parses a raw message.
pub fn parse_message(raw: &[u8]) -> InboundMessage {
    match mailparse::parse_mail(raw) {
        Ok(mail) if has_real_header(&mail) => {
            let headers = &mail.headers;
            let from = ["From", "Sender", "Return-Path"].iter().find_map(|h| {
                let header = headers.get_first_header(h)?;
                let addrs = mailparse::addrparse_header(header).ok()?;
                addrs.extract_single_info().map(|info| info.addr).filter(|a| a.contains('@'))
            });
            let subject = headers.get_first_value("Subject").map(|s| s.trim().to_string());
            let message_id = headers.get_first_value("Message-ID").map(|s| s.trim().to_string());
            let mut entity = convert(&mail);
            entity.subject.clone_from(&subject);
            entity.message_id.clone_from(&message_id);
            InboundMessage { raw: raw.to_vec(), entity, from, subject, message_id }
        }
        // No header block (or none mailparse could read): the whole message
        // is the text.
        _ => InboundMessage {
            raw: raw.to_vec(),
            entity: MimeEntity {
                content_type: "text/plain".into(),
                body: String::from_utf8_lossy(raw).into_owned().into_bytes(),
                ..MimeEntity::default()
            },
            from: None,
            subject: None,
            message_id: None,
        },
    }
}

/// The mailboxes of an address-list header value (`a@x.org, "Doe, Jo"
/// <jo@y.org>`), groups flattened, in order, as (address, display name),
/// RFC 2047 words in names decoded. Unparseable values give none.
pub fn mailboxes(value: &str) -> Vec<(String, String)> {
    // Parsed as a header so that encoded words are decoded.
    let line = format!("To: {value}");
    let Ok((header, _)) = mailparse::parse_header(line.as_bytes()) else { return Vec::new() };
    let Ok(parsed) = mailparse::addrparse_header(&header) else { return Vec::new() };
    parsed
        .iter()
        .flat_map(|a| match a {
            mailparse::MailAddr::Single(info) => vec![info.clone()],
            mailparse::MailAddr::Group(g) => g.addrs.clone(),
        })
        .map(|info| (info.addr, info.display_name.unwrap_or_default()))
        .collect()
}

fn has_real_header(mail: &ParsedMail<'_>) -> bool {
    mail.headers.iter().any(|h| {
        let key = h.get_key_ref();
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic() && b != b':')
    })
}

fn convert(part: &ParsedMail<'_>) -> MimeEntity {
    let mut content_type = part.ctype.mimetype.to_ascii_lowercase();
    let headers = header_text(part.get_headers().get_raw_bytes()).replace("\r\n", "\n");
    let disposition = part.get_content_disposition();
    let filename = disposition.params.get("filename").or_else(|| part.ctype.params.get("name")).cloned();
    let (body, parts) = if content_type.starts_with("multipart/") && !part.subparts.is_empty() {
        (Vec::new(), part.subparts.iter().map(convert).collect())
    } else if content_type.starts_with("multipart/") {
        // A multipart whose boundary never appears: its body is all there
        // is, kept as text.
        content_type = "text/plain".into();
        (String::from_utf8_lossy(encoded_body(part)).into_owned().into_bytes(), Vec::new())
    } else if content_type.starts_with("text/") {
        let text = part.get_body().unwrap_or_else(|_| {
            let bytes = lenient_decode(part);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        (text.into_bytes(), Vec::new())
    } else {
        (part.get_body_raw().unwrap_or_else(|_| lenient_decode(part)), Vec::new())
    };
    MimeEntity { content_type, headers, filename, subject: None, message_id: None, body, parts }
}

/// A header block as text: UTF-8 when it is, otherwise raw 8-bit bytes read
/// as ISO-8859-1 (the charset such mail is nearly always in, and RT's
/// fallback guess), so no byte turns into a replacement character.
fn header_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A part's body as it stands in the message, after its headers.
fn encoded_body<'a>(part: &ParsedMail<'a>) -> &'a [u8] {
    let raw = part.raw_bytes;
    let start = [&b"\r\n\r\n"[..], b"\n\n"]
        .iter()
        .filter_map(|sep| raw.windows(sep.len()).position(|w| w == *sep).map(|at| at + sep.len()))
        .min()
        .unwrap_or(raw.len());
    &raw[start..]
}

/// Decodes a body whose transfer encoding is damaged as far as it goes:
/// base64 keeps its alphabet's characters and drops a last incomplete
/// group; anything else is kept as it stands.
fn lenient_decode(part: &ParsedMail<'_>) -> Vec<u8> {
    let body = encoded_body(part);
    let encoding = part.headers.get_first_value("Content-Transfer-Encoding").unwrap_or_default();
    if !encoding.trim().eq_ignore_ascii_case("base64") {
        return body.to_vec();
    }
    let mut digits: Vec<u8> = body
        .iter()
        .copied()
        .take_while(|&b| b != b'=')
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if digits.len() % 4 == 1 {
        digits.pop();
    }
    let engine = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    engine.decode(&digits).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn multipart_with_charsets_and_rfc2231_filename() {
        let raw = concat!(
            "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\r\n",
            "Subject: =?UTF-8?B?w4ljaGVjIGRlIGwnaW1wcmltYW50ZQ==?=\r\n",
            "Message-ID: <abc@example.org>\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
            "\r\n",
            "--b1\r\n",
            "Content-Type: text/plain; charset=iso-8859-1\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "\r\n",
            "L'imprimante est en panne =E0 nouveau.\r\n",
            "--b1\r\n",
            "Content-Type: application/octet-stream\r\n",
            "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin\r\n",
            "Content-Transfer-Encoding: base64\r\n",
            "\r\n",
            "AAEC/w==\r\n",
            "--b1--\r\n",
        );
        let m = parse_message(raw.as_bytes());
        assert_eq!(m.raw, raw.as_bytes());
        assert_eq!(m.from.as_deref(), Some("andre@example.org"));
        assert_eq!(m.subject.as_deref(), Some("Échec de l'imprimante"));
        assert_eq!(m.message_id.as_deref(), Some("<abc@example.org>"));
        assert_eq!(m.entity.content_type, "multipart/mixed");
        assert_eq!(m.entity.parts.len(), 2);
        let text = &m.entity.parts[0];
        assert_eq!(String::from_utf8(text.body.clone()).unwrap(), "L'imprimante est en panne à nouveau.");
        let file = &m.entity.parts[1];
        assert_eq!(file.filename.as_deref(), Some("résumé.bin"));
        assert_eq!(file.body, [0, 1, 2, 255]);
        assert!(file.headers.contains("Content-Disposition: attachment"));
    }

    #[test]
    fn address_lists_keep_quoted_commas_and_decode_names() {
        let list = mailboxes("\"Doe, Jo\" <jo@y.org>, a@x.org, =?UTF-8?Q?Andr=C3=A9?= <andre@z.org>");
        let want = [("jo@y.org", "Doe, Jo"), ("a@x.org", ""), ("andre@z.org", "André")];
        assert_eq!(list, want.map(|(a, n)| (a.to_string(), n.to_string())));
        assert!(mailboxes("").is_empty());
    }

    #[test]
    fn malformed_mail_is_kept() {
        let raw = b"no headers at all, just\xff bytes\n";
        let m = parse_message(raw);
        assert_eq!(m.raw, raw);
        assert_eq!(m.entity.body, "no headers at all, just\u{fffd} bytes\n".as_bytes());
        let bare_lf = b"From: a@example.org\nSubject: bare LF\n\nbody\n";
        let m = parse_message(bare_lf);
        assert_eq!(m.subject.as_deref(), Some("bare LF"));
        assert_eq!(m.entity.body, b"body\n");
    }
}
