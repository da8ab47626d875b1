//! Detection of IP addresses, domains and CVE ids in message text: what
//! RTIR's `RTIR_FindIP`, `RTIR_FindDomain` and `RTIR_FindCVE` scrip actions
//! put into a ticket's `IP`, `Domain` and `CVE ID` fields, and what its
//! `RTIR_Merge*` actions copy on linking and merging.
//!
//! Everything here is a pure function of its arguments; the scrips that
//! read transactions and write custom field values call them.
//!
//! - [`find_ips`], [`find_domains`], [`find_cves`]: the values a text
//!   mentions, each once, in order of first appearance.
//! - [`find_in_parts`]: RTIR's rule for which parts of a message are
//!   scanned for IPs: the main content, else the first other part that
//!   mentions any.
//! - [`values_to_add`]: what to add to a field given its current values,
//!   the candidates and its `MaxValues`; the same rule serves the merge
//!   and link scrips, whose candidates are the other ticket's values.
//!
//! # What is RTIR's and what is ours
//!
//! The patterns follow RTIR 5 case by case (its tests `ip.t`, `ipv6.t`,
//! `domain.t` and `cve.t` are in this module's tests or, for IPs, in
//! `rt_core::ip`'s, and were compared with RTIR's Perl patterns on 150,000
//! generated texts). Where RTIR's result is an accident of its
//! implementation we choose the evident intent instead:
//!
//! - domains are found in any letter case, as RTIR's code asks (`m//i`);
//!   RTIR 5 in fact finds only lower-case ones, because the flag of a
//!   match does not reach a pattern compiled apart with `qr//`, so
//!   `Example.com` or `WWW.EXAMPLE.COM` in a report were missed;
//! - domains are returned in lower case and CVE ids in upper case (RTIR
//!   stores them as written, so `cve-2021-1234` and `CVE-2021-1234` were
//!   two values); text values compare ignoring ASCII case ([`FieldValue`]);
//! - duplicates of IPs are found by parsed range (`10.0.0.1`, `010.0.0.1`
//!   and `10.0.0.1/32` are one value), where RTIR compared strings;
//! - `MaxValues` is honoured the same way for all three fields: only the
//!   values that fit are added, first found first, and nothing is added to
//!   a full field. RTIR's domain and CVE actions (and the merge actions)
//!   added every value and left RT to replace the field's first value
//!   with each, so a single-value field ended up with the *last* domain
//!   found, through a chain of changes.
//!
//! # The TLD list
//!
//! The strict domain check (RTIR's `$RTIR_StrictDomainTLD`, on by default)
//! accepts a name only if its last label is a top-level domain. RTIR asks
//! Perl's `Net::Domain::TLD`; we ask the [`tld`] crate, a static perfect
//! hash of IANA's root zone list (`tlds-alpha-by-domain.txt`), which its
//! maintainer regenerates and republishes as the root zone changes, has no
//! run-time dependency but `phf` (already in our build) and needs no
//! network or data file at build or run time. The Public Suffix List
//! crates were not chosen: that list answers a different question
//! (registrable suffixes such as `co.uk`, private ones included) and is
//! much larger to compile. `cargo update -p tld` picks up newer root
//! zones. Like `Net::Domain::TLD`, we also accept the names RFC 2606
//! reserves (`example`, `invalid`, `localhost`, `test`), which RTIR's
//! tests rely on and which are common in reports.

use std::sync::LazyLock;

use regex::Regex;
use rt_core::ip::IpRange;
pub use rt_core::ip::find_ips;

/// The longest label a domain may have, in characters (RFC 1035).
const MAX_LABEL: usize = 63;

/// The longest domain RTIR records, in characters (RFC 1035's 255 less the
/// root label's framing).
const MAX_DOMAIN: usize = 253;

/// Top-level domains reserved by RFC 2606, accepted by the strict check.
const RESERVED_TLDS: [&str; 4] = ["example", "invalid", "localhost", "test"];

/// RTIR's CVE pattern: `CVE-`, a four-digit year, four or more digits,
/// starting at a word boundary; any letter case. Digits are ASCII (Perl's
/// `\d` would also take other scripts' digits, which no CVE id has).
static CVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bCVE-[0-9]{4}-[0-9]{4,}").expect("the CVE pattern is valid"));

/// The domain names mentioned in `text`, in any letter case, each once,
/// in order of first appearance, in lower case.
///
/// A domain, as RTIR's `RTIR_FindDomain` finds it, starts at a word
/// boundary and is one or more labels each followed by a dot, then a
/// top-level domain:
///
/// - a label is ASCII letters and digits in groups joined by single
///   hyphens (`foo-bar-baz`), optionally after an `xn--` prefix
///   (`xn--0zwm56d`), at most 63 characters;
/// - the top-level domain is 2 to 63 ASCII letters not followed by a word
///   character (a letter or digit of any script, or `_`);
/// - the whole name is at most 253 characters;
/// - with `strict`, the top-level domain must be in IANA's root zone or
///   reserved by RFC 2606 (see the module documentation).
///
/// Where a run of labels could end at several dots, the longest name whose
/// top-level domain has the right form is taken, and then judged: a name
/// that is too long or whose top-level domain is unknown yields nothing,
/// and scanning resumes after it (so `a.b.nosuchtld` in strict mode does
/// not yield `a.b`).
///
/// As in RTIR, names are found inside e-mail addresses and URLs (`mail
/// from x@mail.example.com` yields `mail.example.com`, and without
/// `strict` the local part `john.doe@` yields `john.doe`); IPv4 addresses
/// never match, their last label being digits.
pub fn find_domains(text: &str, strict: bool) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found: Vec<String> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        // A domain starts with an ASCII letter or digit (so `pos` is at a
        // character boundary) not preceded by a word character.
        if !bytes[pos].is_ascii_alphanumeric() || text[..pos].chars().next_back().is_some_and(is_word_char) {
            pos += 1;
            continue;
        }
        match domain_at(text, pos) {
            DomainScan::Found { tld_start, end } => {
                let tld = &text[tld_start..end];
                let known = !strict
                    || tld::exist_case_insensitive(tld)
                    || RESERVED_TLDS.iter().any(|reserved| reserved.eq_ignore_ascii_case(tld));
                if end - pos <= MAX_DOMAIN && known {
                    let domain = text[pos..end].to_ascii_lowercase();
                    if !found.contains(&domain) {
                        found.push(domain);
                    }
                }
                pos = end;
            }
            DomainScan::NoneBefore(next) => pos = next,
        }
    }
    found
}

/// The CVE ids mentioned in `text` (`CVE-2021-44228`, any letter case, at
/// a word boundary; the number may be followed by anything), each once, in
/// order of first appearance, in upper case.
pub fn find_cves(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for m in CVE.find_iter(text) {
        let cve = m.as_str().to_ascii_uppercase();
        if !found.contains(&cve) {
            found.push(cve);
        }
    }
    found
}

/// What `find` yields for the first of `parts` for which it yields
/// anything; empty if none does. `parts` are a transaction's text parts,
/// its main content first, then its other attachments in order.
///
/// This is RTIR's rule for IP addresses: a message's main content is
/// scanned, and only if it mentions none are the attachments, up to the
/// first that does. A part counts as yielding even if all it yields is
/// already in the field. RTIR reads domains and CVE ids from the main
/// content only: pass just that part (or call the finder on it).
///
/// ```
/// use rtir::detect::{find_in_parts, find_ips};
///
/// let parts = ["no address here", "1.2.3.4, 4.4.4.4", "8.8.8.8"];
/// let ips = find_in_parts(parts, find_ips);
/// assert_eq!(ips.iter().map(ToString::to_string).collect::<Vec<_>>(), ["1.2.3.4", "4.4.4.4"]);
/// ```
pub fn find_in_parts<'a, T>(parts: impl IntoIterator<Item = &'a str>, find: impl Fn(&str) -> Vec<T>) -> Vec<T> {
    parts.into_iter().map(find).find(|values| !values.is_empty()).unwrap_or_default()
}

/// A value of a detected field, with the sameness that decides what is a
/// duplicate.
pub trait FieldValue {
    /// Whether `self` and `other` are the same field value.
    fn same_value(&self, other: &Self) -> bool;
}

impl FieldValue for IpRange {
    /// The same range, however it was written.
    fn same_value(&self, other: &Self) -> bool {
        self == other
    }
}

impl FieldValue for String {
    /// The same text ignoring ASCII case: domain names and CVE ids are
    /// case-insensitive.
    fn same_value(&self, other: &Self) -> bool {
        self.eq_ignore_ascii_case(other)
    }
}

/// The values to add to a field that holds `current`, from `candidates`
/// (values found in a message, or another ticket's values on linking or
/// merging), in order: each candidate that is not already in the field
/// nor earlier in the result, while the field has room. `max_values` is
/// the field's `MaxValues`, 0 for any number: a full field gets nothing,
/// a single-value field without a value gets the first new candidate.
///
/// ```
/// use rtir::detect::{find_cves, values_to_add};
///
/// let current = vec!["CVE-2021-44228".to_owned()];
/// let found = find_cves("cve-2021-44228 and CVE-2023-4863, CVE-2024-3094");
/// assert_eq!(values_to_add(&current, found.clone(), 0), ["CVE-2023-4863", "CVE-2024-3094"]);
/// assert_eq!(values_to_add(&current, found.clone(), 2), ["CVE-2023-4863"]);
/// assert!(values_to_add(&current, found, 1).is_empty());
/// ```
pub fn values_to_add<T: FieldValue>(current: &[T], candidates: impl IntoIterator<Item = T>, max_values: i64) -> Vec<T> {
    let room = match usize::try_from(max_values) {
        Ok(0) | Err(_) => usize::MAX,
        Ok(max) => max.saturating_sub(current.len()),
    };
    let mut add: Vec<T> = Vec::new();
    for value in candidates {
        if add.len() >= room {
            break;
        }
        if !current.iter().chain(&add).any(|have| have.same_value(&value)) {
            add.push(value);
        }
    }
    add
}

/// The outcome of trying to match a domain at a position.
enum DomainScan {
    /// A name from the position to `end`, its top-level domain starting at
    /// `tld_start`.
    Found { tld_start: usize, end: usize },
    /// No name starts at the position nor anywhere before the given one.
    NoneBefore(usize),
}

/// RTIR's domain pattern tried at `start` (an ASCII letter or digit at a
/// word boundary): as many `label.` as there are, then the last dot after
/// which a top-level domain follows.
fn domain_at(text: &str, start: usize) -> DomainScan {
    let bytes = text.as_bytes();
    let mut label_start = start;
    let mut best = None;
    loop {
        let len = bytes[label_start..].iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-').count();
        let dot = label_start + len;
        if bytes.get(dot) != Some(&b'.') || !is_label(&bytes[label_start..dot]) {
            break;
        }
        label_start = dot + 1;
        if let Some(end) = tld_at(text, label_start) {
            best = Some(DomainScan::Found { tld_start: label_start, end });
        }
    }
    // Without a match here, none starts before the last dot either: a
    // start inside these labels sees the same dots, so the same candidate
    // top-level domains (this keeps a long run of labels linear).
    best.unwrap_or(DomainScan::NoneBefore(if label_start > start { label_start } else { start + 1 }))
}

/// Whether `label` (ASCII letters, digits and hyphens) is a domain label:
/// groups of letters and digits joined by single hyphens, optionally after
/// an `xn--` prefix, at most [`MAX_LABEL`] long.
fn is_label(label: &[u8]) -> bool {
    let groups_ok = |s: &[u8]| !s.is_empty() && s.split(|&b| b == b'-').all(|group| !group.is_empty());
    label.len() <= MAX_LABEL
        && (groups_ok(label) || (label.len() > 4 && label[..4].eq_ignore_ascii_case(b"xn--") && groups_ok(&label[4..])))
}

/// The end of a top-level domain starting at `start`: 2 to 63 ASCII
/// letters not followed by a word character.
fn tld_at(text: &str, start: usize) -> Option<usize> {
    let len = text.as_bytes()[start..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let end = start + len;
    ((2..=MAX_LABEL).contains(&len) && !text[end..].chars().next().is_some_and(is_word_char)).then_some(end)
}

/// A word character as Perl's `\w` means it on text: a letter, mark or
/// decimal digit of any script, or connector punctuation such as `_`.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        // Unicode data is compiled into regex-syntax by default.
        regex_syntax::try_is_word_character(c).unwrap_or_else(|_| c.is_alphanumeric())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(text: &str) -> Vec<String> {
        find_ips(text).iter().map(ToString::to_string).collect()
    }

    fn ip(s: &str) -> IpRange {
        IpRange::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| (*s).to_owned()).collect()
    }

    // The RTIR test files' cases for IPs in messages (ip.t, ipv6.t) are
    // in rt_core::ip's tests, next to the scanner; these check that the
    // re-export is that scanner, on RTIR's headline forms.
    #[test]
    fn ips_in_messages() {
        let cases: &[(&str, &[&str])] = &[
            ("192.168.20.1", &["192.168.20.1"]),
            ("172.16.1/31", &["172.16.1.0-172.16.1.1"]),
            ("172.16/16", &["172.16.0.0-172.16.255.255"]),
            ("64.64.64.64, 32.32.32.32; 16.16.16.16.", &["64.64.64.64", "32.32.32.32", "16.16.16.16"]),
            ("192.168.20.2 192.168.20.2 192.168.20.2/32", &["192.168.20.2"]),
            ("abcd::192.168.1.1.", &["abcd::c0a8:101"]),
            ("::192.168.1.1/120", &["::c0a8:100-::c0a8:1ff"]),
            ("8.13.8/8.13.0/1.0 0.0.0.0 0.0.0.0/0 1.0.0.0/0 255.255.255.256 :: RT::IR", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(ips(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn domains_valid_per_rtir() {
        // domain.t's valid list, strict.
        let long_label = format!("{}.com", "t".repeat(63));
        let longest = format!("{}com", "t.".repeat(125));
        assert_eq!(longest.len(), 253);
        for domain in [
            "example.com",
            "foo.example.net",
            "bar.example.org",
            "test.example",
            "test.us",
            "test.cc",
            "test.edu",
            "foo-bar.com",
            "foo-bar-baz.com",
            "xn--0zwm56d.com",
            &long_label,
            &longest,
        ] {
            assert_eq!(find_domains(domain, true), [domain], "{domain}");
            assert_eq!(find_domains(domain, false), [domain], "{domain}");
        }
    }

    #[test]
    fn domains_invalid_per_rtir() {
        // domain.t's invalid list, strict; only the unknown TLD is
        // accepted without strict.
        let long_label = format!("{}.com", "t".repeat(64));
        let too_long = format!("{}com", "t.".repeat(126));
        for text in [".com", "-.com", &long_label, &too_long] {
            assert_eq!(find_domains(text, true), Vec::<String>::new(), "{text}");
            assert_eq!(find_domains(text, false), Vec::<String>::new(), "{text}");
        }
        assert_eq!(find_domains("test.bla", true), Vec::<String>::new());
        assert_eq!(find_domains("test.bla", false), ["test.bla"]);
    }

    #[test]
    fn domains_in_text() {
        let cases: &[(&str, bool, &[&str])] = &[
            // Duplicates once, first spelling's position, lower case.
            ("example.com example.com Example.COM", true, &["example.com"]),
            ("b.example.org, then a.example.org. And b.example.org!", true, &["b.example.org", "a.example.org"]),
            // Inside URLs and e-mail addresses, as RTIR.
            ("see http://www.example.com/path?q=1 now", true, &["www.example.com"]),
            ("from <abuse@mail.example.net>", true, &["mail.example.net"]),
            ("john.doe@example.com", true, &["example.com"]),
            ("john.doe@example.com", false, &["john.doe", "example.com"]),
            // A sentence's full stop, brackets, hyphen after the TLD.
            ("host (foo.example.com).", true, &["foo.example.com"]),
            ("example.com-based", true, &["example.com"]),
            // The longest name whose TLD has the right form.
            ("www.qqqq.com9", true, &[]),
            ("www.qqqq.com9", false, &["www.qqqq"]),
            ("a.b.c.d.example.co.uk", true, &["a.b.c.d.example.co.uk"]),
            // An unknown TLD consumes the name in strict mode.
            ("a.example.nosuchtld", true, &[]),
            // A word character before or after blocks the match there.
            ("foo_bar.example.com", true, &["example.com"]),
            ("éexample.com", true, &[]),
            ("example.comé", true, &[]),
            ("example.com_x", true, &[]),
            ("«example.com»", true, &["example.com"]),
            // A start after a hyphen is a word boundary.
            ("x--y.example.com", true, &["y.example.com"]),
            // Labels: no leading, trailing or doubled hyphen except xn--.
            ("foo-.example.com", true, &["example.com"]),
            ("ab--cd.com", true, &["cd.com"]),
            ("XN--0ZWM56D.COM", true, &["xn--0zwm56d.com"]),
            ("xn--.com", true, &[]),
            // TLD: letters only, 2 to 63 of them.
            ("example.c", false, &[]),
            ("example.c0m", false, &[]),
            // (so an IDN TLD is cut at its hyphen, as in RTIR)
            ("example.xn--p1ai", false, &["example.xn"]),
            ("example.xn--p1ai", true, &[]),
            // Not domains.
            ("1.2.3.4", false, &[]),
            ("e.g. i.e.", false, &[]),
            ("version 1.2.3", false, &[]),
            ("", false, &[]),
            ("...", false, &[]),
            // RFC 2606 names in strict mode.
            ("a.invalid b.localhost c.test", true, &["a.invalid", "b.localhost", "c.test"]),
        ];
        for (text, strict, expected) in cases {
            assert_eq!(find_domains(text, *strict), *expected, "{text:?} strict={strict}");
        }
    }

    #[test]
    fn domains_long_runs_of_labels() {
        let dotted = "a.".repeat(5_000);
        assert_eq!(find_domains(&dotted, false), Vec::<String>::new());
        let numbers = "1.".repeat(5_000) + " example.com";
        assert_eq!(find_domains(&numbers, true), ["example.com"]);
        // A 64-character label stops the labels before it; RTIR then
        // finds the name after it.
        let text = format!("a.{}.example.com", "b".repeat(64));
        assert_eq!(find_domains(&text, true), ["example.com"]);
    }

    #[test]
    fn cves() {
        let cases: &[(&str, &[&str])] = &[
            ("CVE-2021-1234", &["CVE-2021-1234"]),
            ("CVE-2021-1234 CVE-2021-1234", &["CVE-2021-1234"]),
            ("cve-2021-44228 and Cve-2021-44228", &["CVE-2021-44228"]),
            ("(CVE-2023-4863), CVE-2024-3094.", &["CVE-2023-4863", "CVE-2024-3094"]),
            ("CVE-2021-1234567", &["CVE-2021-1234567"]),
            ("CVE-2021-12345abc", &["CVE-2021-12345"]),
            ("see:CVE-2021-1234", &["CVE-2021-1234"]),
            // cve.t's invalid ids, and no word character before.
            ("cve-2021-", &[]),
            ("cve-20-3", &[]),
            ("cve-2021-123", &[]),
            ("XCVE-2021-1234 _CVE-2021-1234 éCVE-2021-1234", &[]),
            ("CVE 2021 1234", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(find_cves(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn parts_main_content_first() {
        // ip.t: IPs in the main content and an attachment; only in an
        // attachment; only in attachments, the first that has any.
        let cases: &[(&[&str], &[&str])] = &[
            (&["2.2.2.2", "1.2.3.4, 4.4.4.4"], &["2.2.2.2"]),
            (&["test attachment", "1.2.3.4, 4.4.4.4"], &["1.2.3.4", "4.4.4.4"]),
            (&["test attachment", "1.2.3.4, 4.4.4.4", "8.8.8.8"], &["1.2.3.4", "4.4.4.4"]),
            (&["", "nothing", "8.8.8.8"], &["8.8.8.8"]),
            (&["none", "here"], &[]),
            (&[], &[]),
        ];
        for (parts, expected) in cases {
            let found: Vec<String> =
                find_in_parts(parts.iter().copied(), find_ips).iter().map(ToString::to_string).collect();
            assert_eq!(found, *expected, "{parts:?}");
        }
        // Parts after the first that yields are not scanned.
        let scanned = std::cell::Cell::new(0);
        let counted = |text: &str| {
            scanned.set(scanned.get() + 1);
            find_cves(text)
        };
        assert_eq!(find_in_parts(["x", "CVE-2021-1234", "CVE-2022-1234"], counted), ["CVE-2021-1234"]);
        assert_eq!(scanned.get(), 2);
    }

    #[test]
    fn ip_values_to_add() {
        let found = find_ips("10.0.0.1 10.0.0.0/31 ::1 192.0.2.7 10.0.0.1/32");
        let cases: &[(&[&str], i64, &[&str])] = &[
            (&[], 0, &["10.0.0.1", "10.0.0.0-10.0.0.1", "::1", "192.0.2.7"]),
            // Existing values match by parsed range, whatever the spelling.
            (&["010.000.000.001", "0:0:0:0:0:0:0:1"], 0, &["10.0.0.0-10.0.0.1", "192.0.2.7"]),
            (&["10.0.0.0-10.0.0.1"], 0, &["10.0.0.1", "::1", "192.0.2.7"]),
            // A range holding an address is not the address.
            (&["10.0.0.0/8"], 0, &["10.0.0.1", "10.0.0.0-10.0.0.1", "::1", "192.0.2.7"]),
            // Single-value field: the first found, or nothing if it has one.
            (&[], 1, &["10.0.0.1"]),
            (&["192.0.2.7"], 1, &[]),
            (&["10.0.0.1"], 1, &[]),
            // Room for two more; duplicates do not use room.
            (&["10.0.0.1"], 3, &["10.0.0.0-10.0.0.1", "::1"]),
            (&["1.1.1.1", "2.2.2.2", "3.3.3.3"], 3, &[]),
            // More values than the maximum already (the field was changed).
            (&["1.1.1.1", "2.2.2.2", "3.3.3.3"], 2, &[]),
        ];
        for (current, max, expected) in cases {
            let current: Vec<IpRange> = current.iter().map(|s| ip(s)).collect();
            let added: Vec<String> =
                values_to_add(&current, found.iter().copied(), *max).iter().map(ToString::to_string).collect();
            assert_eq!(added, *expected, "{current:?} max={max}");
        }
    }

    #[test]
    fn text_values_to_add() {
        // Current values, candidates, MaxValues, what is added.
        type Case = (&'static [&'static str], &'static [&'static str], i64, &'static [&'static str]);
        let cases: &[Case] = &[
            // Merge: the survivor's values stay, the other's new ones come
            // in their order (domain.t, cve.t).
            (&["example.com"], &["foobar.net"], 0, &["foobar.net"]),
            (&["example.com"], &["example.com"], 0, &[]),
            (&["CVE-2021-1234"], &["CVE-2021-5678", "CVE-2021-1234"], 0, &["CVE-2021-5678"]),
            // Case does not make a new value.
            (&["Example.COM"], &["example.com", "example.net"], 0, &["example.net"]),
            (&["cve-2021-1234"], &["CVE-2021-1234"], 0, &[]),
            // Candidates repeating each other (a merged ticket's values
            // entered by hand in two spellings).
            (&[], &["a.example", "A.example", "b.example"], 0, &["a.example", "b.example"]),
            (&[], &["a.example", "b.example"], 1, &["a.example"]),
            (&["a.example"], &["b.example"], 1, &[]),
            (&["a.example"], &["b.example", "c.example"], 2, &["b.example"]),
            (&[], &[], 0, &[]),
        ];
        for (current, candidates, max, expected) in cases {
            let added = values_to_add(&strings(current), strings(candidates), *max);
            assert_eq!(added, *expected, "{current:?} + {candidates:?} max={max}");
        }
    }

    /// Scan speed, in release mode:
    /// `cargo test -p rtir --release -- --ignored --nocapture scan_speed`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn scan_speed() {
        let paragraph = "Hello team, we observed scanning from 198.51.100.23 and 2001:db8::4:1 against \
            mail.example.com (see https://www.example.org/report?id=7) since 2024-05-01 12:30 UTC; the \
            attacker exploits CVE-2024-3094 on hosts in 203.0.113.0/24. Contact abuse@isp.example.net. ";
        let text = paragraph.repeat(2048 / paragraph.len() + 1);
        let rounds = 20_000u32;
        let time = |name: &str, scan: &dyn Fn(&str) -> usize| {
            let started = std::time::Instant::now();
            let found: usize = (0..rounds).map(|_| scan(std::hint::black_box(&text))).sum();
            println!(
                "{name}: {:?} per {}-byte text ({} found)",
                started.elapsed() / rounds,
                text.len(),
                found / rounds as usize
            );
        };
        time("IPs", &|t| find_ips(t).len());
        time("domains", &|t| find_domains(t, true).len());
        time("CVEs", &|t| find_cves(t).len());
    }
}
