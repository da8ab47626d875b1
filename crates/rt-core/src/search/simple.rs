//! RT's simple search: free text (`printer queue:General owner:me "paper jam"`)
//! turned into TicketSQL, as RT 5's `RT::Search::Simple` does it.
//!
//! The rules, learnt from RT (our own code):
//! - Terms are separated by white space. A term is `type:value`,
//!   `type.extra:value` (`cf.Colour:red`) or a bare value; values (and the
//!   `extra`) may be quoted with `'` or `"` (backslash escapes the quote).
//! - A bare value's type is guessed: quoted → text; `123` or `#123` → id;
//!   `x@y` → requestor; `@example.com` → requestor domain; a status of any
//!   lifecycle, `active`, `inactive` or `any` → status; the name of an
//!   enabled queue → queue; the name of a privileged user, or `me` → owner;
//!   anything else → text.
//! - Text (`default`) looks in the subject and the full text
//!   (`Subject LIKE 'x' OR Content LIKE 'x'`; our full-text index is always
//!   on); `subject:`, `content:`/`fulltext:`, `id:`, `status:`, `owner:`,
//!   `watcher:`, `requestor:`, `domain:`, `queue:`/`q:`, `cf.Name:` are the
//!   typed terms; an unknown type searches its value as text (RT's
//!   fallback).
//! - Terms of the same type are ORed (`queue:A queue:B`), except text,
//!   subject and content terms, which are ANDed; the groups are ANDed, in
//!   the order of their type names.
//! - An id term beside other terms becomes a text term (its digits).
//!   Without a status or id term, only active tickets are found (RT's
//!   `OnlySearchActiveTicketsInSimpleSearch`, on by default; see
//!   [`SimpleOptions`]); `status:any` lifts that.
//!
//! [`simple_to_ticketsql`] is the pure translation over a [`SimpleGuesser`]
//! (tests give it a fixed one); `Tx::simple_search_query` guesses from the
//! database.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::session::Tx;

/// What guessing a bare word's type needs to know about the site.
pub trait SimpleGuesser {
    /// Whether `word` is a status of some lifecycle.
    fn is_status(&mut self, word: &str) -> bool;
    /// Whether `word` names an enabled queue.
    fn is_queue(&mut self, word: &str) -> bool;
    /// Whether `word` names a privileged user.
    fn is_privileged_user(&mut self, word: &str) -> bool;
}

/// Options of the translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleOptions {
    /// Without a status or id term, find only active tickets.
    pub only_active: bool,
}

impl Default for SimpleOptions {
    fn default() -> SimpleOptions {
        SimpleOptions { only_active: true }
    }
}

/// What a simple search is when it is only a ticket number: `42` or `#42`
/// (RT shows that ticket instead of a result list).
pub fn simple_ticket_number(input: &str) -> Option<i64> {
    let t = input.trim();
    let t = t.strip_prefix('#').unwrap_or(t);
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Translates simple-search text to TicketSQL (see the [module
/// documentation](self) for the rules). The empty text gives the empty
/// query (or only the active-status limit).
pub fn simple_to_ticketsql(input: &str, options: &SimpleOptions, guess: &mut dyn SimpleGuesser) -> String {
    let mut limits: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for term in tokenize(input) {
        let kind = match &term.kind {
            Some(kind) => kind.to_lowercase(),
            None => guess_type(&term.value, term.quoted, guess).to_string(),
        };
        let (key, clause) = handle(&kind, &term.value, term.quoted, term.extra.as_deref());
        let entry = limits.entry(key).or_default();
        entry.extend(clause);
    }
    // An id beside other terms is searched as text.
    if limits.len() > 1
        && let Some(ids) = limits.remove("id")
    {
        for id in ids {
            let digits: String = id.chars().filter(char::is_ascii_digit).collect();
            if !digits.is_empty() {
                limits.entry("default".into()).or_default().push(text_clause(&digits));
            }
        }
    }
    if options.only_active && !limits.contains_key("status") && !limits.contains_key("id") {
        limits.insert("status".into(), vec!["Status = '__Active__'".into()]);
    }
    let mut clauses = Vec::new();
    for (key, terms) in &limits {
        if terms.is_empty() {
            continue;
        }
        let joiner = if matches!(key.as_str(), "default" | "content" | "subject") { " AND " } else { " OR " };
        if terms.len() == 1 && terms[0].starts_with('(') && terms[0].ends_with(')') {
            clauses.push(terms[0].clone());
        } else {
            clauses.push(format!("( {} )", terms.join(joiner)));
        }
    }
    clauses.join(" AND ")
}

impl Tx<'_> {
    /// Simple-search text as TicketSQL, guessing bare words' types from
    /// this site's lifecycles, queues and privileged users (RT looks them
    /// up without a rights check too; the search itself checks
    /// `ShowTicket`).
    pub fn simple_search_query(&mut self, input: &str) -> Result<String> {
        struct Db<'t, 'a> {
            tx: &'t mut Tx<'a>,
            error: Option<crate::Error>,
        }
        impl SimpleGuesser for Db<'_, '_> {
            fn is_status(&mut self, word: &str) -> bool {
                self.tx.lifecycles().iter().any(|lc| lc.is_valid(word))
            }
            fn is_queue(&mut self, word: &str) -> bool {
                match self.tx.queue_row_by_name(word) {
                    Ok(q) => q.is_some_and(|q| !q.disabled),
                    Err(e) => {
                        self.error.get_or_insert(e);
                        false
                    }
                }
            }
            fn is_privileged_user(&mut self, word: &str) -> bool {
                let user = match self.tx.user_by_name(word) {
                    Ok(u) => u,
                    Err(crate::Error::NotFound { .. }) => return false,
                    Err(e) => {
                        self.error.get_or_insert(e);
                        return false;
                    }
                };
                // By name only: an address goes to the requestor rule first.
                if !user.name.eq_ignore_ascii_case(word.trim()) {
                    return false;
                }
                match self.tx.is_privileged(user.user_id()) {
                    Ok(p) => p,
                    Err(e) => {
                        self.error.get_or_insert(e);
                        false
                    }
                }
            }
        }
        let mut db = Db { tx: self, error: None };
        let sql = simple_to_ticketsql(input, &SimpleOptions::default(), &mut db);
        match db.error {
            Some(e) => Err(e),
            None => Ok(sql),
        }
    }
}

/// One term of the text.
#[derive(Debug, PartialEq, Eq)]
struct Term {
    kind: Option<String>,
    extra: Option<String>,
    value: String,
    quoted: bool,
}

fn tokenize(input: &str) -> Vec<Term> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut terms = Vec::new();
    let skip_space = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    skip_space(&mut i);
    while i < chars.len() {
        if let Some((term, next)) = typed_term(&chars, i) {
            terms.push(term);
            i = next;
        } else {
            let (value, quoted, next) = match quoted_at(&chars, i) {
                Some((value, next)) => (value, true, next),
                None => {
                    let end = (i..chars.len()).find(|&j| chars[j].is_whitespace()).unwrap_or(chars.len());
                    (chars[i..end].iter().collect(), false, end)
                }
            };
            terms.push(Term { kind: None, extra: None, value, quoted });
            i = next;
        }
        skip_space(&mut i);
    }
    terms
}

/// `type[.extra]:value` at `i`, with the index after it.
fn typed_term(chars: &[char], i: usize) -> Option<(Term, usize)> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut j = i;
    while j < chars.len() && word(chars[j]) {
        j += 1;
    }
    if j == i {
        return None;
    }
    let kind: String = chars[i..j].iter().collect();
    let mut extra = None;
    if chars.get(j) == Some(&'.') {
        j += 1;
        if let Some((text, next)) = quoted_at(chars, j) {
            extra = Some(text);
            j = next;
        } else {
            let start = j;
            while j < chars.len() && (word(chars[j]) || chars[j] == '-') {
                j += 1;
            }
            if j == start {
                return None;
            }
            extra = Some(chars[start..j].iter().collect());
        }
    }
    if chars.get(j) != Some(&':') {
        return None;
    }
    j += 1;
    let (value, quoted, next) = match quoted_at(chars, j) {
        Some((value, next)) => (value, true, next),
        None => {
            let end = (j..chars.len()).find(|&k| chars[k].is_whitespace()).unwrap_or(chars.len());
            if end == j {
                return None;
            }
            (chars[j..end].iter().collect(), false, end)
        }
    };
    Some((Term { kind: Some(kind), extra, value, quoted }, next))
}

/// A `'…'` or `"…"` string at `i` (backslash escapes the quote or itself),
/// unquoted, with the index after it; `None` when unterminated.
fn quoted_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    let quote = *chars.get(i).filter(|c| **c == '\'' || **c == '"')?;
    let mut out = String::new();
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' if j + 1 < chars.len() && (chars[j + 1] == quote || chars[j + 1] == '\\') => {
                out.push(chars[j + 1]);
                j += 2;
            }
            c if c == quote => return Some((out, j + 1)),
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
    None
}

fn guess_type(value: &str, quoted: bool, guess: &mut dyn SimpleGuesser) -> &'static str {
    if quoted {
        return "default";
    }
    if simple_ticket_number(value).is_some() {
        return "id";
    }
    if looks_like_address(value) {
        return "requestor";
    }
    if value.starts_with('@') && value[1..].starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return "domain";
    }
    if guess.is_status(value) || ["active", "inactive", "any"].iter().any(|w| value.eq_ignore_ascii_case(w)) {
        return "status";
    }
    if guess.is_queue(value) {
        return "queue";
    }
    if guess.is_privileged_user(value) || value == "me" {
        return "owner";
    }
    "default"
}

/// RT's `\w+@\w+`.
fn looks_like_address(value: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = value.chars().collect();
    chars
        .iter()
        .enumerate()
        .any(|(i, c)| *c == '@' && i > 0 && word(chars[i - 1]) && chars.get(i + 1).is_some_and(|c| word(*c)))
}

/// A TicketSQL string literal.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn text_clause(value: &str) -> String {
    let v = quote(value);
    format!("( Subject LIKE {v} OR Content LIKE {v} )")
}

/// The group key and clause (none for `status:any`) of one term.
fn handle(kind: &str, value: &str, quoted: bool, extra: Option<&str>) -> (String, Option<String>) {
    let v = quote(value);
    let (key, clause) = match kind {
        "subject" => ("subject", format!("Subject LIKE {v}")),
        "content" | "fulltext" => ("content", format!("Content LIKE {v}")),
        "id" => match simple_ticket_number(value) {
            Some(n) => ("id", format!("id = {n}")),
            None => ("default", text_clause(value)),
        },
        "status" if !quoted && value.eq_ignore_ascii_case("active") => ("status", "Status = '__Active__'".into()),
        "status" if !quoted && value.eq_ignore_ascii_case("inactive") => ("status", "Status = '__Inactive__'".into()),
        "status" if !quoted && value.eq_ignore_ascii_case("any") => return ("status".into(), None),
        "status" => ("status", format!("Status = {v}")),
        "owner" if !quoted && value == "me" => ("owner", "Owner.id = '__CurrentUser__'".into()),
        "owner" if !quoted && looks_like_address(value) => ("owner", format!("Owner.EmailAddress = {v}")),
        "owner" => ("owner", format!("Owner = {v}")),
        "watcher" if !quoted && value == "me" => ("watcher", "Watcher.id = '__CurrentUser__'".into()),
        "watcher" => ("watcher", format!("Watcher = {v}")),
        "requestor" => ("requestor", format!("Requestor STARTSWITH {v}")),
        "domain" => {
            let domain = format!("@{}", value.strip_prefix('@').unwrap_or(value));
            ("requestor", format!("Requestor ENDSWITH {}", quote(&domain)))
        }
        "queue" | "q" => ("queue", format!("Queue = {v}")),
        "cf" => match extra.filter(|e| !e.trim().is_empty()) {
            Some(name) => {
                let field = format!("CF.{{{name}}}");
                return (format!("cf.{name}"), Some(format!("{} LIKE {v}", quote(&field))));
            }
            None => ("default", text_clause(value)),
        },
        _ => ("default", text_clause(value)),
    };
    (key.to_string(), Some(clause))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl SimpleGuesser for Fixed {
        fn is_status(&mut self, word: &str) -> bool {
            ["new", "open", "stalled", "resolved"].contains(&word.to_lowercase().as_str())
        }
        fn is_queue(&mut self, word: &str) -> bool {
            word.eq_ignore_ascii_case("General")
        }
        fn is_privileged_user(&mut self, word: &str) -> bool {
            word == "alice"
        }
    }

    fn sql(input: &str) -> String {
        simple_to_ticketsql(input, &SimpleOptions::default(), &mut Fixed)
    }

    #[test]
    fn bare_words_are_guessed() {
        assert_eq!(sql("42"), "( id = 42 )");
        assert_eq!(sql("#42"), "( id = 42 )");
        assert_eq!(sql("bob@example.com"), "( Requestor STARTSWITH 'bob@example.com' ) AND ( Status = '__Active__' )");
        assert_eq!(sql("@example.com"), "( Requestor ENDSWITH '@example.com' ) AND ( Status = '__Active__' )");
        assert_eq!(sql("open"), "( Status = 'open' )");
        assert_eq!(sql("general"), "( Queue = 'general' ) AND ( Status = '__Active__' )");
        assert_eq!(sql("alice"), "( Owner = 'alice' ) AND ( Status = '__Active__' )");
        assert_eq!(sql("me"), "( Owner.id = '__CurrentUser__' ) AND ( Status = '__Active__' )");
        assert_eq!(
            sql("printer"),
            "( Subject LIKE 'printer' OR Content LIKE 'printer' ) AND ( Status = '__Active__' )"
        );
    }

    #[test]
    fn typed_terms_and_grouping() {
        assert_eq!(
            sql("queue:General queue:Sales owner:alice status:any"),
            "( Owner = 'alice' ) AND ( Queue = 'General' OR Queue = 'Sales' )"
        );
        assert_eq!(
            sql("printer \"paper jam\" status:resolved"),
            "( ( Subject LIKE 'printer' OR Content LIKE 'printer' ) AND \
             ( Subject LIKE 'paper jam' OR Content LIKE 'paper jam' ) ) AND ( Status = 'resolved' )"
        );
        assert_eq!(
            sql("requestor:x@y.org subject:fire content:smoke"),
            "( Content LIKE 'smoke' ) AND ( Requestor STARTSWITH 'x@y.org' ) AND ( Status = '__Active__' ) \
             AND ( Subject LIKE 'fire' )"
        );
        assert_eq!(
            sql("cf.\"Due Date\":2024 status:active"),
            "( 'CF.{Due Date}' LIKE '2024' ) AND ( Status = '__Active__' )"
        );
        assert_eq!(
            sql("status:inactive owner:me@x.org"),
            "( Owner.EmailAddress = 'me@x.org' ) AND ( Status = '__Inactive__' )"
        );
        assert_eq!(sql("watcher:me status:any"), "( Watcher.id = '__CurrentUser__' )");
        // An id among other terms is text.
        assert_eq!(sql("42 open"), "( Subject LIKE '42' OR Content LIKE '42' ) AND ( Status = 'open' )");
        // An unknown type searches its value.
        assert_eq!(sql("foo:bar status:any"), "( Subject LIKE 'bar' OR Content LIKE 'bar' )");
    }

    #[test]
    fn quotes_are_escaped_and_unquoted() {
        assert_eq!(sql(r#"'it\'s' status:any"#), r"( Subject LIKE 'it\'s' OR Content LIKE 'it\'s' )");
        assert_eq!(sql(r"back\slash status:any"), r"( Subject LIKE 'back\\slash' OR Content LIKE 'back\\slash' )");
        // A quoted status is a word, not a status.
        assert_eq!(sql("\"open\" status:any"), "( Subject LIKE 'open' OR Content LIKE 'open' )");
        assert_eq!(sql(""), "( Status = '__Active__' )");
        assert_eq!(simple_to_ticketsql("", &SimpleOptions { only_active: false }, &mut Fixed), "");
    }

    #[test]
    fn every_translation_parses() {
        for input in [
            "42",
            "me",
            "watcher:me",
            "owner:a@b.org",
            "domain:x.org",
            "subject:a fulltext:b",
            "x@y",
            "'a\\'b' c:d",
            "cf.x:1 q:General",
            "\"unterminated",
            "owner:\"a b\"",
            "a.b:c",
        ] {
            let query = sql(input);
            assert!(crate::search::parse(&query).is_ok(), "{input} → {query}");
        }
    }

    #[test]
    fn ticket_numbers() {
        assert_eq!(simple_ticket_number(" #12 "), Some(12));
        assert_eq!(simple_ticket_number("12a"), None);
        assert_eq!(simple_ticket_number("#"), None);
    }
}
