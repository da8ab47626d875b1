//! Property tests of the TicketSQL parser (`rt_core::search`): whatever the
//! text, `parse`, `parse_order_by` and `parse_format` return instead of
//! panicking; errors point inside the text and say something; and every
//! query that parses is written back by `Display` as text that parses to
//! the same tree.
//!
//! Inputs are random Unicode, random sequences of TicketSQL tokens (field
//! names, operators, quotes, parentheses, braces, backslashes, keywords),
//! well-formed queries, and well-formed queries with one character removed
//! or one token inserted.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::Config;
use rt_core::search::{Expr, ParseError, parse, parse_format, parse_order_by};

/// Tokens of TicketSQL (and a few near misses), joined at random.
const TOKENS: &[&str] = &[
    // Fields, sub-fields and custom fields.
    "id",
    "EffectiveId",
    "Status",
    "Subject",
    "Queue",
    "Queue.Name",
    "Queue.id",
    "Queue.Foo",
    "Owner",
    "Owner.Name",
    "Requestor",
    "Requestors.EmailAddress",
    "Requestor.Email",
    "Cc",
    "AdminCc.RealName",
    "Watcher",
    "QueueCc",
    "QueueWatcher.id",
    "CustomRole.{Sales Engineer}",
    "CustomRole.{3}.Name",
    "CustomRole.",
    "CustomRole.{",
    "Priority",
    "TimeWorked",
    "Due",
    "Created.Month",
    "Created.DayOfWeek",
    "LastUpdated.Foo",
    "Updated",
    "Told",
    "Content",
    "Filename",
    "ContentType",
    "DependsOn",
    "DependentOn",
    "MemberOf",
    "Linked",
    "RefersTo",
    "OwnerGroup",
    "WatcherGroup",
    "HasAttribute",
    "HasUnreadMessages",
    "Type",
    "Creator",
    "Lifecycle",
    "SLA",
    "CF.{Tag}",
    "CF.Tag",
    "CF.{IP}.LargeContent",
    "CF.General.{x}",
    "CF.{}",
    "CF.",
    "CF",
    "CF.{a.b}",
    "CF.{a}b}",
    "CF.{x}.Content",
    "'CF.{My Field}'",
    "\"CF.{x}\"",
    "QueueCF.{Team}",
    "TxnCF.{1}",
    "CustomFieldValue.{é}",
    "Sttaus",
    "status",
    "SUBJECT",
    ".",
    "..",
    "x.y.z",
    // Operators and keywords.
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "<>",
    "==",
    "!",
    "LIKE",
    "like",
    "NOT",
    "NOT LIKE",
    "not like",
    "STARTSWITH",
    "NOT STARTSWITH",
    "ENDSWITH",
    "NOT ENDSWITH",
    "IS",
    "IS NOT",
    "is not",
    "SHALLOW",
    "NULL",
    "null",
    "AND",
    "and",
    "OR",
    "Or",
    "ORDER BY",
    // Values.
    "'open'",
    "\"new\"",
    "'it\\'s'",
    "'",
    "\"",
    "'unterminated",
    "\\",
    "\\\\",
    "\\'",
    "''",
    "\"\"",
    "42",
    "-3",
    "+5",
    "0",
    "99999999999999999999",
    "-",
    "+",
    "'__Active__'",
    "__Inactive__",
    "'__CurrentUser__'",
    "__CurrentUserName__",
    "'__SelectedUser__'",
    "__Bookmarked__",
    "'NULL'",
    "open",
    "2026-12-04",
    "a@b.org",
    "'2 days ago'",
    "'10.0.0.0/24'",
    "'é'",
    "'中文'",
    "'😀'",
    "Gen:er/al",
    "x{y}",
    // Structure.
    "(",
    ")",
    "((",
    "))",
    "()",
    "{",
    "}",
    "{}",
    ",",
    "|",
    ";",
    "%",
    "_",
    "\t",
    "\n",
    " ",
    "\u{0}",
    "\u{301}",
    "\u{200b}",
    "\u{a0}",
    "é",
    "ß",
    "İ",
    "😀",
];

/// Fields with values that make well-formed conditions.
const CONDITIONS: &[(&str, &[&str], &[&str])] = &[
    ("id", &["=", "!=", "<", ">=", "LIKE"], &["1", "42", "'7'", "'__Bookmarked__'"]),
    ("Status", &["=", "!=", "LIKE", "NOT ENDSWITH"], &["'open'", "new", "'__Active__'", "'__inactive__'"]),
    ("Subject", &["=", "LIKE", "NOT LIKE", "STARTSWITH", "IS NOT"], &["'it\\'s'", "\"a \\\"b\\\"\"", "'NULL'"]),
    ("Queue", &["=", "!=", "LIKE", "NOT STARTSWITH"], &["'General'", "General", "3", "'é x'"]),
    ("Owner", &["=", "!=", "SHALLOW =", "IS"], &["'__CurrentUser__'", "'Nobody'", "root", "NULL"]),
    ("Requestor.EmailAddress", &["LIKE", "ENDSWITH", "shallow not like"], &["'example.org'", "a@b.org"]),
    ("CF.{Tag}", &["=", "<", ">=", "NOT LIKE", "IS NOT"], &["'x'", "5", "'10.0.0.1'", "null", "'\\\\'"]),
    ("'CF.{My Field}'", &["=", "ENDSWITH"], &["'a'", "''"]),
    ("CF.{a}.LargeContent", &["LIKE"], &["'b'"]),
    ("CustomRole.{Engineer}.Name", &["=", "SHALLOW !="], &["'bob'"]),
    ("Due", &["<", ">", "=", "IS"], &["'2026-12-04'", "'yesterday'", "NULL", "'2 days ago'"]),
    ("Created.Month", &["=", "<"], &["'December'", "12"]),
    ("DependsOn", &["=", "!=", "IS NOT"], &["12", "'https://example.org/'", "NULL"]),
    ("Content", &["LIKE", "NOT LIKE"], &["'printer error'", "'\"a phrase\"'"]),
    ("Priority", &["<", ">", "=", "NOT LIKE"], &["50", "-3", "'high'"]),
    ("WatcherGroup", &["="], &["'Support'", "3"]),
];

fn config() -> Config {
    Config { cases: 2_000, failure_persistence: None, ..Config::default() }
}

/// Random Unicode text, weighted towards short strings.
fn unicode() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..40).prop_map(|cs| cs.into_iter().collect())
}

/// Random TicketSQL tokens, separated by nothing, a space or other blanks.
fn tokens() -> impl Strategy<Value = String> {
    let token = prop::sample::select(TOKENS);
    let separator = prop::sample::select(&["", " ", " ", " ", "  ", "\t", "\n"][..]);
    prop::collection::vec((token, separator), 0..14).prop_map(|parts| {
        parts.into_iter().fold(String::new(), |mut s, (t, sep)| {
            s.push_str(t);
            s.push_str(sep);
            s
        })
    })
}

/// One well-formed condition (whose operator may still not suit the field).
fn condition() -> impl Strategy<Value = String> {
    (0..CONDITIONS.len(), any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(|(i, op, value)| {
        let (field, ops, values) = CONDITIONS[i];
        format!("{field} {} {}", op.get(ops), value.get(values))
    })
}

/// Well-formed queries: conditions joined by AND/OR, some parenthesised.
fn query() -> impl Strategy<Value = String> {
    condition().prop_recursive(3, 12, 4, |inner| {
        (prop::collection::vec(inner, 2..4), any::<bool>(), any::<bool>()).prop_map(|(terms, and, paren)| {
            let joined = terms.join(if and { " AND " } else { " or " });
            if paren { format!("({joined})") } else { joined }
        })
    })
}

/// A well-formed query with one character removed or one token inserted.
fn mutated() -> impl Strategy<Value = String> {
    (query(), any::<prop::sample::Index>(), prop::sample::select(TOKENS), any::<bool>()).prop_map(
        |(q, at, token, remove)| {
            let mut chars: Vec<char> = q.chars().collect();
            let i = at.index(chars.len() + 1);
            if remove && i < chars.len() {
                chars.remove(i);
            } else {
                for (k, c) in token.chars().enumerate() {
                    chars.insert(i + k, c);
                }
            }
            chars.into_iter().collect()
        },
    )
}

/// Any text the properties are checked on.
fn any_query() -> impl Strategy<Value = String> {
    prop_oneof![2 => unicode(), 3 => tokens(), 2 => query(), 3 => mutated()]
}

/// The properties of one parse: a sane error, or a tree that `Display`
/// writes as text parsing to the same tree.
fn check(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Ok(expr) => round_trips(text, &expr),
        Err(e) => sane_error(text, &e),
    }
}

fn round_trips(text: &str, expr: &Expr) -> Result<(), TestCaseError> {
    let shown = expr.to_string();
    match parse(&shown) {
        Ok(again) => {
            prop_assert_eq!(&again, expr, "{:?} was shown as {:?}, which parses differently", text, shown);
            prop_assert_eq!(again.to_string(), shown, "showing {:?} is not stable", text);
        }
        Err(e) => prop_assert!(false, "{:?} was shown as {:?}, which does not parse: {}", text, shown, e),
    }
    Ok(())
}

fn sane_error(text: &str, e: &ParseError) -> Result<(), TestCaseError> {
    let len = text.chars().count();
    prop_assert!(
        (1..=len + 1).contains(&e.position),
        "{:?}: error position {} outside 1..={}: {}",
        text,
        e.position,
        len + 1,
        e.message
    );
    prop_assert!(!e.message.trim().is_empty(), "{:?}: empty error message at {}", text, e.position);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_never_panics_and_round_trips(text in any_query()) {
        check(&text)?;
    }

    #[test]
    fn well_formed_queries_parse(text in query()) {
        // Only operator/field mismatches may be refused here.
        match parse(&text) {
            Ok(expr) => round_trips(&text, &expr)?,
            Err(e) => {
                sane_error(&text, &e)?;
                prop_assert!(
                    e.message.contains("does not accept") || e.message.contains("cannot be used with")
                        || e.message.contains("SHALLOW applies only") || e.message.contains("expected NULL")
                        || e.message.contains("NULL can only be used"),
                    "{:?}: unexpected error {}", text, e
                );
            }
        }
    }

    #[test]
    fn order_by_never_panics(
        orderby in prop_oneof![unicode(), tokens(), prop::collection::vec(prop::sample::select(TOKENS), 0..6)
            .prop_map(|keys| keys.join("|"))],
        order in prop_oneof![unicode(), prop::collection::vec(
            prop::sample::select(&["ASC", "desc", "", " ", "sideways", "é", "|"][..]), 0..6).prop_map(|d| d.join("|"))],
    ) {
        if let Err(e) = parse_order_by(&orderby, &order) {
            // The position counts in whichever parameter was wrong.
            let len = orderby.chars().count().max(order.chars().count());
            prop_assert!((1..=len + 1).contains(&e.position), "{:?} / {:?}: position {}", orderby, order, e.position);
            prop_assert!(!e.message.trim().is_empty());
        }
    }

    #[test]
    fn format_never_panics(text in prop_oneof![unicode(), format_tokens()]) {
        match parse_format(&text) {
            Ok(format) => {
                let shown = format.to_string();
                let again = parse_format(&shown);
                prop_assert!(again.is_ok(), "{:?} was shown as {:?}, which does not parse: {:?}", text, shown, again);
            }
            Err(e) => {
                let len = text.chars().count();
                prop_assert!((1..=len + 1).contains(&e.position), "{:?}: position {}", text, e.position);
                prop_assert!(!e.message.trim().is_empty());
            }
        }
    }
}

/// Random sequences of `Format` syntax.
fn format_tokens() -> impl Strategy<Value = String> {
    const FORMAT: &[&str] = &[
        "'",
        "\"",
        "\\",
        ",",
        " ",
        "\n",
        "__id__",
        "__Subject__",
        "__NEWLINE__",
        "NEWLINE",
        "__NBSP__",
        "Status",
        "CF.{Due Date}",
        "{",
        "}",
        "/TITLE:",
        "/title:#",
        "/ALIGN:right",
        "/SPAN:3",
        "/STYLE:color: red",
        "/CLASS:x",
        "/ATTRIBUTE:Due",
        "/",
        ":",
        "<b>",
        "</b>",
        "<a href=\"__WebPath__/x?id=__id__\">",
        "</a>",
        "<script>",
        "&amp;",
        "&#95;",
        "_",
        "__",
        "é",
        "😀",
        "'<small>__Requestors__</small>'",
    ];
    prop::collection::vec(prop::sample::select(FORMAT), 0..12).prop_map(|parts| parts.concat())
}

#[test]
fn the_generators_reach_valid_queries() {
    // Guards against a generator that only ever produces errors.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = query();
    let mut ok = 0;
    for _ in 0..200 {
        let text = strategy.new_tree(&mut runner).map(|t| t.current()).unwrap_or_default();
        ok += usize::from(parse(&text).is_ok());
    }
    assert!(ok > 20, "only {ok} of 200 generated queries parsed");
}
