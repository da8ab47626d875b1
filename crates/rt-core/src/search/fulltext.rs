//! The full-text index behind `Content LIKE 'word'`.
//!
//! Every text/plain and text/html attachment is indexed in the DB
//! transaction that stores it (SQLite FTS5 table `attachment_fts`,
//! PostgreSQL `attachment_fts` with a GIN-indexed tsvector), so the index
//! is always on, never lags, and a crash leaves nothing half-indexed.
//!
//! Both backends index the same tokens: the text is cut here into words
//! (runs of letters and digits), lower-cased with [`fold`] and joined with
//! spaces, HTML tags removed first; FTS5's `unicode61` tokenizer and
//! PostgreSQL's `simple` configuration then see the same words. At most
//! [`INDEXED_BYTES`] of each attachment are indexed (a tsvector is limited
//! to 1 MB).
//!
//! Matching is by words, as in RT with full-text indexing enabled:
//! `Content LIKE 'printer error'` finds tickets with an attachment holding
//! both words; `Content LIKE '"printer error"'` (the value in double
//! quotes) the phrase. `=` is the same as `LIKE`; `!=` and `NOT LIKE` find
//! tickets with no such attachment.

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use crate::db::{DbConnection, fold};
use crate::error::Result;

/// How much of one attachment's text is indexed.
pub const INDEXED_BYTES: usize = 256 * 1024;

/// Whether attachments of this content type are indexed.
pub fn is_indexed(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct == "text/plain" || ct == "text/html"
}

/// The words of `text`, folded and joined by single spaces; at most
/// [`INDEXED_BYTES`] long. One pass, one allocation: this runs for every
/// message stored.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(INDEXED_BYTES));
    let mut in_word = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            in_word = false;
            continue;
        }
        if !in_word && !out.is_empty() {
            out.push(' ');
        }
        in_word = true;
        out.push(c.to_lowercase().next().unwrap_or(c));
        if out.len() > INDEXED_BYTES {
            // Cut back to the last whole word.
            let end = out.rfind(' ').unwrap_or(0);
            out.truncate(end);
            break;
        }
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(fold)
}

/// The text of an HTML body: tags, comments, `<script>` and `<style>`
/// contents dropped, the common entities decoded.
pub fn html_text(html: &str) -> String {
    strip_tags(html, |_| ' ')
}

/// [`html_text`] with each tag that ends a line (`<br>`, `<hr>`, and
/// `</p>`, `</div>`, `</li>`, `</tr>`, `</table>`, `</pre>`, `</h1>` to
/// `</h6>`) turned into a line break: the text of a message written in
/// HTML, line by line.
pub fn html_lines(html: &str) -> String {
    strip_tags(html, |tag| if ends_line(tag) { '\n' } else { ' ' })
}

/// Whether `tag` (from its `<`) is one of [`html_lines`]'s line ends.
fn ends_line(tag: &str) -> bool {
    let inner = tag[1..].trim_start();
    let (closing, name) = match inner.strip_prefix('/') {
        Some(name) => (true, name),
        None => (false, inner),
    };
    let len = name.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(name.len());
    let word = name[..len].to_ascii_lowercase();
    match closing {
        true => matches!(
            word.as_str(),
            "p" | "div" | "tr" | "li" | "table" | "pre" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
        ),
        false => matches!(word.as_str(), "br" | "hr"),
    }
}

/// Drops tags (each replaced by what `mark` says for it), comments and the
/// contents of `<script>` and `<style>`, then decodes entities.
fn strip_tags(html: &str, mark: impl Fn(&str) -> char) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open..];
        out.push(mark(tag));
        let starts = |name: &str| tag.get(..name.len()).is_some_and(|t| t.eq_ignore_ascii_case(name));
        let skip_to = if tag.starts_with("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else if let Some(close) = ["<script", "<style"].into_iter().find(|name| starts(name)) {
            let close = format!("</{}", &close[1..]);
            find_ignore_case(tag, &close).and_then(|i| tag[i..].find('>').map(|j| i + j + 1))
        } else {
            tag.find('>').map(|i| i + 1)
        };
        rest = skip_to.map_or("", |n| &tag[n..]);
    }
    out.push_str(rest);
    decode_entities(&out)
}

/// Where `needle` (ASCII) first appears in `haystack`, ignoring ASCII case.
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Decodes the common named entities and every numeric one (`&#39;`,
/// `&#x2F;`); anything else is left as written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // `;` is ASCII, so where its byte is, a character ends.
        let end = tail.as_bytes()[..tail.len().min(12)].iter().position(|b| *b == b';');
        let decoded = end.and_then(|end| {
            let name = &tail[1..end];
            let c = match name {
                "nbsp" => Some(' '),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Indexes one attachment of `ticket`, if its type is indexed.
pub(crate) fn index_attachment(
    conn: &mut DbConnection,
    attachment: i64,
    ticket: i64,
    content_type: &str,
    body: &[u8],
) -> Result<()> {
    if !is_indexed(content_type) || body.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(body);
    let text = if content_type.eq_ignore_ascii_case("text/html") { html_text(&text) } else { text.into_owned() };
    let normalized = normalize(&text);
    if normalized.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("INSERT INTO attachment_fts (rowid, content) VALUES (?, ?)")
                .bind::<BigInt, _>(sqlite_rowid(ticket, attachment))
                .bind::<Text, _>(&normalized)
                .execute(c)?;
        }
        DbConnection::Pg(c) => {
            diesel::sql_query(
                "INSERT INTO attachment_fts (attachment_id, ticket_id, content) VALUES ($1, $2, to_tsvector('simple', $3))",
            )
            .bind::<BigInt, _>(attachment)
            .bind::<BigInt, _>(ticket)
            .bind::<Text, _>(&normalized)
            .execute(c)?;
        }
    }
    Ok(())
}

/// The SQLite index's rowid for an attachment: its ticket in the high 32
/// bits (`rowid >> 32` gives the ticket back), the attachment id's low 32
/// bits below, unique within a ticket.
pub fn sqlite_rowid(ticket: i64, attachment: i64) -> i64 {
    (ticket << 32) | (attachment & 0xffff_ffff)
}

/// A `Content` search value read as words or, in double quotes, a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    /// The folded words; empty when the value has none (matches nothing).
    pub words: Vec<String>,
    /// Whether the words must appear together, in order.
    pub phrase: bool,
}

impl TextQuery {
    /// Reads a search value: `printer error` (both words) or
    /// `"printer error"` (the phrase).
    pub fn parse(value: &str) -> TextQuery {
        let trimmed = value.trim();
        let phrase = trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"');
        TextQuery { words: words(trimmed).collect(), phrase }
    }

    /// The FTS5 query: quoted words (so none is read as an operator),
    /// space-separated for "all of", in one string for a phrase.
    pub fn fts5(&self) -> String {
        if self.phrase {
            format!("\"{}\"", self.words.join(" "))
        } else {
            self.words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" ")
        }
    }

    /// The text PostgreSQL's `plainto_tsquery` / `phraseto_tsquery` read.
    pub fn pg(&self) -> String {
        self.words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_next_to_non_ascii_text_decode() {
        assert_eq!(decode_entities("&#32;smörgåsbord&#32;x"), " smörgåsbord x");
        assert_eq!(decode_entities("&ååååååå;"), "&ååååååå;");
        assert_eq!(decode_entities("a&amp;é"), "a&é");
    }

    #[test]
    fn words_are_folded_and_split_on_anything_else() {
        assert_eq!(normalize("Printer ERROR: 10.1.2.3, naïve Ärger—ok"), "printer error 10 1 2 3 naïve ärger ok");
    }

    #[test]
    fn html_tags_scripts_and_entities_are_dropped() {
        let html =
            "<p>Hello&nbsp;<b>World</b></p><script>var quokka = 1;</script><!-- hidden --><style>p{}</style>x&amp;y";
        assert_eq!(normalize(&html_text(html)), "hello world x y");
        assert_eq!(normalize(&html_text("a <b unterminated")), "a");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        let text = "word ".repeat(INDEXED_BYTES);
        let n = normalize(&text);
        assert!(n.len() <= INDEXED_BYTES && n.ends_with("word"));
    }

    #[test]
    fn queries_quote_every_word() {
        let q = TextQuery::parse("printer OR \"x");
        assert_eq!((q.fts5(), q.phrase), ("\"printer\" \"or\" \"x\"".to_string(), false));
        let q = TextQuery::parse("\"Printer error\"");
        assert_eq!((q.fts5(), q.pg(), q.phrase), ("\"printer error\"".to_string(), "printer error".to_string(), true));
        assert!(TextQuery::parse("--").words.is_empty());
    }
}
