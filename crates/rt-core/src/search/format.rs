//! Search result formats: RT's `Format` strings, parsed into rows of columns.
//!
//! A format says how a list of tickets is laid out. RT 5's default:
//!
//! ```text
//! '<B><A HREF="__WebPath__/Ticket/Display.html?id=__id__">__id__</a></B>/TITLE:#',
//! Status, QueueName, '__NEWLINE__', '__NBSP__', '<small>__Requestors__</small>'
//! ```
//!
//! [`parse_format`] turns such text into a [`Format`]: rows of [`Column`]s,
//! each a sequence of [`Part`]s (sanitized HTML and [`FormatField`]
//! placeholders) with its `/TITLE:`, `/ATTRIBUTE:`, `/ALIGN:`, `/SPAN:`,
//! `/STYLE:` and `/CLASS:` attributes. [`Format::fields`] lists every
//! placeholder used, so REST can fetch only what a format shows; `Display`
//! writes a format back in RT's syntax; [`Column::render_html`] fills a
//! column for one ticket with context-aware escaping. This module knows no
//! database and no web framework.
//!
//! The syntax, as RT 5.0.8 reads it (`Elements/CollectionAsTable/ParseFormat`):
//! - Columns are quoted strings (`'…'` or `"…"`, a backslash escapes any
//!   character) or bare words (`Status`, `CF.{Due Date}`), separated by commas
//!   and/or whitespace.
//! - `/KEY:value` attributes are cut out of a column wherever they are (the
//!   value runs to the next `/` or the end; the keys are case-insensitive;
//!   the last of a key wins), before anything else is looked at.
//! - What is left is then: empty, a blank cell; `__NEWLINE__` or `NEWLINE`, a
//!   row break; `__NBSP__` or `NBSP`, a spacer cell; text holding `__Name__`
//!   placeholders (paired left to right, so `a__b__c` holds the field `b`),
//!   rendered with the placeholders filled in; any other text, the name of a
//!   single field (`Status` means `__Status__`).
//!
//! Decisions where RT was loose, unsafe or unclear:
//! - RT skips any character between columns that cannot start one (so
//!   `'__Subject__'/TITLE:x` quietly becomes three columns); we accept only
//!   commas and whitespace there, and report anything else, and unterminated
//!   quotes and braces, as a [`FormatError`] with its 1-based character
//!   position.
//! - A bare word may hold anything inside braces (`CF.{Due Date}`); RT splits
//!   it at the space.
//! - The literal HTML of a column is sanitized with `ammonia`, on the whole
//!   column with its placeholders in place (RT scrubs the whole format text).
//!   Allowed: `a` (`href` only), `b`, `br`, `code`, `del`, `div`, `em`,
//!   `font` (`color`, `face`, `size`), `i`, `ins`, `p`, `s`, `small`, `span`,
//!   `strike`, `strong`, `sub`, `sup`, `u`; `style` on `span`, `div` and `p`,
//!   cut to a few text properties with plain values; nothing else (no event
//!   handlers, no comments; `script` and `style` elements go with their
//!   content). An `href` must start with `/`, `http:`, `https:`, `mailto:`
//!   or one of the URL placeholders `__WebPath__`, `__WebHomePath__`,
//!   `__WebBaseURL__`, `__WebURL__` followed by `/`, `?`, `#` or nothing (RT
//!   also accepts `__WebPath__javascript:…`, a script link where `WebPath` is
//!   empty; RT's restrictive scrubber limits absolute links to
//!   `RestrictLinkDomains`, which we do not). A placeholder in any other
//!   attribute drops that attribute, so a field value only ever lands in
//!   text or in a URL after a safe start.
//! - A column whose fields were all removed by sanitizing
//!   (`<script>__id__</script>`) is blank: RT's syntax cannot express a
//!   column of literal text alone.
//! - `/TITLE:` is HTML in RT (scrubbed, then shown); here it is kept as plain
//!   text (tags dropped, entities decoded), since a title cannot hold a `/`
//!   and so never a closing tag. `/STYLE:` keeps only the same CSS properties
//!   as inline `style`, `/CLASS:` only class names of letters, digits, `-`
//!   and `_`, `/ALIGN:` only `left`, `center`, `right` and `justify`, and
//!   `/SPAN:` only a number from 1 to 100; other values are ignored, as RT
//!   ignores empty ones. `/ATTRIBUTE:` (the sort column) is kept as written.
//! - Placeholder names are kept as written ([`FormatField`]);
//!   [`FormatField::kind`] classifies them against RT 5's ticket column map.
//!   RT renders an unknown name as nothing; so should callers (a site's
//!   custom date ranges are unknown here, for instance).
//! - Text that would read as syntax when written back (`__`, `/TITLE:`) is
//!   written as character references (`_&#95;`, `&#47;TITLE:`), so that
//!   `Display` round-trips: parsing a written format gives the same
//!   [`Format`].

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::num::NonZeroU32;
use std::sync::LazyLock;

/// RT 5's `$DefaultSearchResultFormat`: the ticket search result format used
/// when a search has none.
pub const DEFAULT_FORMAT: &str = "\
'<B><A HREF=\"__WebPath__/Ticket/Display.html?id=__id__\">__id__</a></B>/TITLE:#',
'<B><A HREF=\"__WebPath__/Ticket/Display.html?id=__id__\">__Subject__</a></B>/TITLE:Subject',
Status,
QueueName,
Owner,
Priority,
'__NEWLINE__',
'__NBSP__',
'<small>__Requestors__</small>',
'<small>__CreatedRelative__</small>',
'<small>__ToldRelative__</small>',
'<small>__LastUpdatedRelative__</small>',
'<small>__TimeLeft__</small>'";

/// RT 5's `$DefaultSelfServiceSearchResultFormat`: ticket lists in the
/// self-service interface.
pub const DEFAULT_SELFSERVICE_FORMAT: &str = "\
'<B><A HREF=\"__WebPath__/SelfService/Display.html?id=__id__\">__id__</a></B>/TITLE:#',
'<B><A HREF=\"__WebPath__/SelfService/Display.html?id=__id__\">__Subject__</a></B>/TITLE:Subject',
Status,
Requestors,
Owner";

/// A format that could not be read: where, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct FormatError {
    /// 1-based character position in the format text (length + 1 = the end).
    pub position: usize,
    /// What went wrong, e.g. "unterminated quoted column".
    pub message: String,
}

/// A parsed format: the rows that every result is laid out in.
///
/// `__NEWLINE__` separates rows, so a format with n of them has n + 1 rows
/// (possibly empty ones); a parsed format always has at least one row, and a
/// format with no rows is written like the empty one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Format {
    /// The rows, each a list of columns, left to right.
    pub rows: Vec<Vec<Column>>,
}

/// One column (cell) of a format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Column {
    /// What the cell shows, in order; empty for a blank cell. A parsed
    /// column that is not blank holds at least one field.
    pub parts: Vec<Part>,
    /// `/TITLE:`, the header, as plain text. `Some("")` is an empty header;
    /// `None` means the column map's title for [`Column::column_name`].
    pub title: Option<String>,
    /// `/ATTRIBUTE:`, the column-map name used for sorting (and for the
    /// title and alignment) instead of the last field's; `Some("")` makes
    /// the column unsortable.
    pub attribute: Option<String>,
    /// `/ALIGN:`, the cell alignment.
    pub align: Option<Align>,
    /// `/SPAN:`, how many cells this column spans.
    pub span: Option<NonZeroU32>,
    /// `/STYLE:`, sanitized CSS declarations for the cell (`color:red`).
    pub style: Option<String>,
    /// `/CLASS:`, CSS class names for the cell, separated by single spaces.
    pub class: Option<String>,
}

/// A piece of a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal, sanitized HTML, shown as is. A piece need not be well-formed
    /// on its own (`<a href="` before a field): the pieces of a column with
    /// each field's value escaped in between are.
    Html(String),
    /// A placeholder, `__Name__`, filled in with a value of each result.
    Field(FormatField),
}

/// The alignment of a column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Align {
    /// `left`
    Left,
    /// `center`
    Center,
    /// `right`
    Right,
    /// `justify`
    Justify,
}

impl Align {
    /// The HTML/CSS keyword, `left`.
    pub fn as_str(self) -> &'static str {
        match self {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
            Align::Justify => "justify",
        }
    }

    /// Reads a keyword, case-insensitively and ignoring surrounding blanks.
    pub fn parse(text: &str) -> Option<Align> {
        [Align::Left, Align::Center, Align::Right, Align::Justify]
            .into_iter()
            .find(|align| align.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The name of a placeholder, as written between the double underscores:
/// `id`, `QueueName`, `CustomField.{Due Date}`, `Requestor.EmailAddress`.
///
/// Any name is kept (RT renders an unknown one as nothing); see
/// [`FormatField::kind`] for what a name means.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormatField(String);

/// What a [`FormatField`] names, after RT 5's ticket column map
/// (`Elements/ColumnMap`, `Elements/RT__Ticket/ColumnMap`). Case matters, as
/// in RT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind<'a> {
    /// A ticket column such as `id`, `Subject`, `QueueName`, `Status`,
    /// `CreatedRelative`, `TimeLeft`, `OwnerName`, `UnreadMessages`.
    Ticket,
    /// A ticket role, `Requestors` or `Owner`, or one attribute of its users,
    /// `Requestor.EmailAddress`, `AdminCc.CustomField.{Dept}`.
    Role {
        /// `Requestor`, `Requestors`, `Cc`, `Ccs`, `AdminCc`, `AdminCcs` or `Owner`.
        role: &'a str,
        /// The user attribute, braces removed; `None` for the role's members.
        attribute: Option<&'a str>,
    },
    /// The links of one type (`RefersTo`, `Parents`, `MergedInto`, …), or
    /// only those to objects of one type (`RefersTo.{Ticket}`).
    Link {
        /// The link type, as in `RT::Link`'s type map.
        kind: &'a str,
        /// The object type the links are limited to.
        object_type: Option<&'a str>,
    },
    /// A custom field: `CustomField.{Name}`, `CF.{Name}`, `CF.Name`, or
    /// `CustomFieldView.{Name}` (shown, never edited in place). The name may
    /// be a numeric id.
    CustomField {
        /// The custom field's name or id.
        name: &'a str,
        /// `CustomFieldView`.
        view: bool,
    },
    /// A custom role's members, `CustomRole.{Name}`, or one attribute of
    /// them, `CustomRole.{Name}.EmailAddress`.
    CustomRole {
        /// The custom role's name or id.
        name: &'a str,
        /// The user attribute.
        attribute: Option<&'a str>,
    },
    /// A value of the site or the session, not of the ticket: `WebPath`,
    /// `WebHomePath`, `WebBaseURL`, `WebURL`, `WebRequestPath`,
    /// `WebRequestPathDir`, `CurrentUser`, `CurrentUserName`.
    Site,
    /// `NBSP` (a non-breaking space) or `NEWLINE` (nothing, inside a column).
    Layout,
    /// Not in RT 5's ticket column map: rendered as nothing.
    Unknown,
}

/// A field's value for one result, given to [`Column::render_html`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Plain text: escaped, and line breaks shown as `<br>` in text.
    Text(String),
    /// Trusted HTML made by the caller (a user link, a list of values):
    /// inserted as is in text, escaped inside an attribute.
    Html(String),
}

/// Reads a format; see the [module documentation](self) for the syntax.
pub fn parse_format(text: &str) -> Result<Format, FormatError> {
    let mut rows = vec![Vec::new()];
    for raw in lex(text)? {
        match parse_column(&raw) {
            Item::NewLine => rows.push(Vec::new()),
            Item::Column(column) => {
                if let Some(row) = rows.last_mut() {
                    row.push(column);
                }
            }
        }
    }
    Ok(Format { rows })
}

impl std::str::FromStr for Format {
    type Err = FormatError;

    fn from_str(text: &str) -> Result<Format, FormatError> {
        parse_format(text)
    }
}

impl Format {
    /// Every column, row after row.
    pub fn columns(&self) -> impl Iterator<Item = &Column> {
        self.rows.iter().flatten()
    }

    /// Every field the format shows, each once, in order of first use
    /// (`WebPath` and the like included: see [`FieldKind::Site`]).
    pub fn fields(&self) -> impl Iterator<Item = &FormatField> {
        let mut seen = HashSet::new();
        self.columns().flat_map(Column::fields).filter(move |field| seen.insert(*field))
    }

    /// The number of cells in the widest row, counting spans: every row is
    /// padded to it.
    pub fn width(&self) -> usize {
        let cells = |row: &Vec<Column>| row.iter().fold(0, |cells: usize, column| cells.saturating_add(column.cells()));
        self.rows.iter().map(cells).max().unwrap_or(0)
    }
}

impl Column {
    /// A column showing one field, like the bare word `Status`.
    pub fn field(name: impl Into<String>) -> Column {
        Column { parts: vec![Part::Field(FormatField::new(name))], ..Column::default() }
    }

    /// The fields of this column, in order.
    pub fn fields(&self) -> impl Iterator<Item = &FormatField> {
        self.parts.iter().filter_map(|part| match part {
            Part::Field(field) => Some(field),
            Part::Html(_) => None,
        })
    }

    /// True for a blank cell (`''`).
    pub fn is_blank(&self) -> bool {
        self.parts.is_empty()
    }

    /// True for a spacer cell (`__NBSP__`), whose header is blank too.
    pub fn is_spacer(&self) -> bool {
        matches!(&self.parts[..], [Part::Field(field)] if field.name() == "NBSP")
    }

    /// The column-map name for this column's title and alignment: the
    /// `/ATTRIBUTE:` if not empty, else the last field (RT's `attribute ||
    /// last_attribute`). `None` for blank and spacer columns. A name, not
    /// HTML: escape it wherever it is shown.
    pub fn column_name(&self) -> Option<&str> {
        if self.is_spacer() {
            return None;
        }
        match self.attribute.as_deref() {
            Some(attribute) if !attribute.is_empty() => Some(attribute),
            _ => self.fields().last().map(FormatField::name),
        }
    }

    /// The column-map name to sort this column by: the `/ATTRIBUTE:` if
    /// given (`None` if it is empty), else the last field. The column map
    /// turns it into a sort key (`CreatedRelative` sorts by `Created`).
    pub fn sort_column(&self) -> Option<&str> {
        match self.attribute.as_deref() {
            Some("") => None,
            Some(attribute) => Some(attribute),
            None if self.is_spacer() => None,
            None => self.fields().last().map(FormatField::name),
        }
    }

    /// How many cells this column takes up.
    pub fn cells(&self) -> usize {
        self.span.map_or(1, |span| usize::try_from(span.get()).unwrap_or(usize::MAX))
    }

    /// The cell's HTML for one result: the literal HTML with each field's
    /// value in between, escaped for where it lands (text, or an attribute
    /// value such as an `href`). `NBSP` is rendered here, as `&nbsp;`; every
    /// other field asks `value` (which should answer `Text("")` for an
    /// unknown one). An empty result is the caller's to fill (RT shows
    /// `&nbsp;`). Where a field lands is read from the HTML before it, as
    /// ammonia writes it; parsed columns are always in that form.
    pub fn render_html(&self, mut value: impl FnMut(&FormatField) -> FieldValue) -> String {
        let mut out = String::new();
        let mut context = HtmlContext::Text;
        for part in &self.parts {
            match part {
                Part::Html(html) => {
                    out.push_str(html);
                    context = context.after(html);
                }
                Part::Field(field) => match context {
                    // Only a programmatic column can put a field inside a tag.
                    HtmlContext::Tag => {}
                    HtmlContext::Text if field.name() == "NBSP" => out.push_str("&nbsp;"),
                    HtmlContext::Text => match value(field) {
                        FieldValue::Text(text) => escape_html(&mut out, &text, true),
                        FieldValue::Html(html) => out.push_str(&html),
                    },
                    HtmlContext::AttributeValue => match value(field) {
                        FieldValue::Text(text) | FieldValue::Html(text) => escape_html(&mut out, &text, false),
                    },
                },
            }
        }
        out
    }
}

impl FormatField {
    /// A field by name, as written between the underscores.
    pub fn new(name: impl Into<String>) -> FormatField {
        FormatField(name.into())
    }

    /// The name, `CustomField.{Due Date}`.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// What the name means to RT 5's ticket column map.
    pub fn kind(&self) -> FieldKind<'_> {
        let name = self.name();
        if name == "NBSP" || name == "NEWLINE" {
            return FieldKind::Layout;
        }
        if listed(SITE_FIELDS, name) {
            return FieldKind::Site;
        }
        if listed(TICKET_FIELDS, name) {
            return FieldKind::Ticket;
        }
        if listed(ROLES, name) {
            return FieldKind::Role { role: name, attribute: None };
        }
        if listed(LINK_TYPES, name) {
            return FieldKind::Link { kind: name, object_type: None };
        }
        // RT's GetColumnMapEntry: split at the first dot; the rest loses
        // its braces, except for custom roles.
        let Some((main, sub)) = name.split_once('.').filter(|(_, sub)| !sub.is_empty()) else {
            return FieldKind::Unknown;
        };
        match main {
            "CustomField" | "CF" => FieldKind::CustomField { name: strip_braces(sub), view: false },
            "CustomFieldView" => FieldKind::CustomField { name: strip_braces(sub), view: true },
            "CustomRole" => match sub.strip_prefix('{').and_then(|rest| rest.split_once('}')) {
                Some((role, "")) if !role.is_empty() => FieldKind::CustomRole { name: role, attribute: None },
                Some((role, attribute)) if !role.is_empty() => match attribute.strip_prefix('.') {
                    Some(attribute) if !attribute.is_empty() => {
                        FieldKind::CustomRole { name: role, attribute: Some(attribute) }
                    }
                    _ => FieldKind::Unknown,
                },
                _ => FieldKind::Unknown,
            },
            _ if listed(ROLES, main) => FieldKind::Role { role: main, attribute: Some(strip_braces(sub)) },
            _ if listed(LINK_TYPES, main) => FieldKind::Link { kind: main, object_type: Some(strip_braces(sub)) },
            _ => FieldKind::Unknown,
        }
    }

    /// False for names RT 5 renders as nothing.
    pub fn is_known(&self) -> bool {
        self.kind() != FieldKind::Unknown
    }
}

impl fmt::Display for FormatField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes the format in RT's syntax, one column a line, as RT's query
/// builder does; parsing the text gives this format back.
impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut separate =
            |f: &mut fmt::Formatter<'_>| if std::mem::take(&mut first) { Ok(()) } else { f.write_str(",\n") };
        for (index, row) in self.rows.iter().enumerate() {
            if index > 0 {
                separate(f)?;
                f.write_str("'__NEWLINE__'")?;
            }
            for column in row {
                separate(f)?;
                write!(f, "{column}")?;
            }
        }
        Ok(())
    }
}

/// Writes one column in RT's syntax: a lone field as its name (a bare word
/// if it is simple and there are no attributes), anything else as a
/// single-quoted string with `__Name__` placeholders. A column without
/// fields is written blank (with its attributes). Field names holding `__`
/// can only be written as a lone field.
impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attributes = self.attributes_text();
        let mut body = String::new();
        let lone = match &self.parts[..] {
            [Part::Field(field)] => Some(field.name()),
            _ => None,
        };
        // A lone field's name alone reads back as that field, unless it
        // holds placeholders or is a layout keyword.
        let name_alone = lone.filter(|name| split_placeholders(name).is_none() && !matches!(*name, "" | "NEWLINE"));
        if let Some(name) = name_alone
            && attributes.is_empty()
            && is_bare_name(name)
        {
            return f.write_str(name);
        }
        let wrapped = |name: &str| {
            let text = format!("__{name}__");
            matches!(split_placeholders(&text).as_deref(), Some([Segment::Field(field)]) if *field == name)
        };
        if let Some(name) = name_alone
            && !wrapped(name)
        {
            body.push_str(name);
        } else if self.fields().next().is_some() {
            for part in &self.parts {
                match part {
                    Part::Html(html) => body.push_str(html),
                    Part::Field(field) => {
                        body.push_str("__");
                        body.push_str(field.name());
                        body.push_str("__");
                    }
                }
            }
        }
        body.push_str(&attributes);
        f.write_char('\'')?;
        for c in body.chars() {
            if c == '\'' || c == '\\' {
                f.write_char('\\')?;
            }
            f.write_char(c)?;
        }
        f.write_char('\'')
    }
}

impl Column {
    /// The `/KEY:value` suffix of this column in RT's syntax.
    fn attributes_text(&self) -> String {
        let mut text = String::new();
        if let Some(title) = &self.title {
            text.push_str("/TITLE:");
            for c in title.chars() {
                match c {
                    '&' => text.push_str("&amp;"),
                    '<' => text.push_str("&lt;"),
                    '>' => text.push_str("&gt;"),
                    '/' => text.push_str("&#47;"),
                    '\u{a0}' => text.push_str("&nbsp;"),
                    c => text.push(c),
                }
            }
        }
        let mut push = |key: &str, value: &str| {
            text.push('/');
            text.push_str(key);
            text.push(':');
            text.push_str(value);
        };
        if let Some(attribute) = &self.attribute {
            push("ATTRIBUTE", attribute);
        }
        if let Some(align) = self.align {
            push("ALIGN", align.as_str());
        }
        if let Some(span) = self.span {
            push("SPAN", &span.to_string());
        }
        if let Some(style) = &self.style {
            push("STYLE", style);
        }
        if let Some(class) = &self.class {
            push("CLASS", class);
        }
        text
    }
}

// ---------------------------------------------------------------------------
// RT 5.0.8's ticket column map.

/// Ticket columns (`Elements/ColumnMap` and `Elements/RT__Ticket/ColumnMap`,
/// including those some configurations add), space-separated.
const TICKET_FIELDS: &str = "id Created CreatedRelative CreatedBy LastUpdated LastUpdatedRelative LastUpdatedBy \
    CheckBox RadioButton Queue QueueName OwnerName OwnerNameEdit Status Subject ExtendedStatus \
    Priority InitialPriority FinalPriority PriorityNumber InitialPriorityNumber FinalPriorityNumber \
    EffectiveId Type TimeWorked TimeLeft TimeEstimated TotalTimeWorked Starts StartsRelative Started \
    StartedRelative Told ToldRelative Due DueRelative Resolved ResolvedRelative SLA UpdateStatus \
    KeyRequestors KeyOwnerName KeyOwner _CLASS _CHECKBOX Bookmark Timer UnreadMessages";

/// Ticket roles, with the plural aliases RT adds for multi-member roles.
const ROLES: &str = "Requestor Requestors Cc Ccs AdminCc AdminCcs Owner";

/// `RT::Link`'s type map.
const LINK_TYPES: &str = "MemberOf Parents Parent Members Member Children Child HasMember RefersTo ReferredToBy \
    DependsOn DependedOnBy MergedInto";

/// Values of the site and the session.
const SITE_FIELDS: &str =
    "WebPath WebHomePath WebBaseURL WebURL WebRequestPath WebRequestPathDir CurrentUser CurrentUserName";

/// The site fields that an `href` may start with: each is a URL (or an
/// absolute path) of this RT.
const URL_BASE_FIELDS: &str = "WebPath WebHomePath WebBaseURL WebURL";

/// True if `name` is one of the space-separated `names`.
fn listed(names: &str, name: &str) -> bool {
    names.split_ascii_whitespace().any(|listed| listed == name)
}

/// RT's `s/^\{(.*)\}/$1/`: `{Due Date}` → `Due Date`.
fn strip_braces(sub: &str) -> &str {
    match (sub.strip_prefix('{'), sub.rfind('}')) {
        (Some(_), Some(end)) if end > 0 && end == sub.len() - 1 => &sub[1..end],
        _ => sub,
    }
}

// ---------------------------------------------------------------------------
// Lexing: the format text into raw (unquoted, unescaped) column texts.

fn lex(text: &str) -> Result<Vec<String>, FormatError> {
    let chars: Vec<char> = text.chars().collect();
    let error = |index: usize, message: String| FormatError { position: index + 1, message };
    let mut columns = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == ',' || c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut column = String::new();
        if c == '\'' || c == '"' {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(error(start, format!("unterminated {c}-quoted column"))),
                    Some(&q) if q == c => break,
                    // RT's `s/\\(.)/$1/`: `.` takes no newline.
                    Some(&'\\') if chars.get(i + 1).is_some_and(|&next| next != '\n') => {
                        column.extend(chars.get(i + 1));
                        i += 2;
                    }
                    Some(&other) => {
                        column.push(other);
                        i += 1;
                    }
                }
            }
            i += 1;
        } else if is_word_char(c) || c == '{' || c == '}' {
            let mut open_brace = None;
            while let Some(&c) = chars.get(i) {
                if open_brace.is_some() {
                    if c == '}' {
                        open_brace = None;
                    }
                } else if c == '{' {
                    open_brace = Some(i);
                } else if !is_word_char(c) && c != '}' {
                    break;
                }
                column.push(c);
                i += 1;
            }
            if let Some(brace) = open_brace {
                return Err(error(brace, "unclosed '{' in a bare column".to_string()));
            }
        } else {
            return Err(error(i, format!("unexpected '{c}': columns are quoted strings or bare words")));
        }
        if let Some(&next) = chars.get(i)
            && next != ','
            && !next.is_whitespace()
        {
            return Err(error(
                i,
                format!(
                    "expected ',' after a column, found '{next}' (attributes such as /TITLE: go inside the quotes)"
                ),
            ));
        }
        columns.push(column);
    }
    Ok(columns)
}

/// A character of a bare word (Perl's `[\w.]`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// True if a field name can be written as a bare word and read back as the
/// same lone field.
fn is_bare_name(name: &str) -> bool {
    let mut open = false;
    let simple = name.chars().all(|c| match c {
        '{' if !open => {
            open = true;
            true
        }
        '}' => {
            open = false;
            true
        }
        _ => is_word_char(c) && !(open && c == '{'),
    });
    simple && !open
}

// ---------------------------------------------------------------------------
// One column: attributes, then layout keywords, placeholders and sanitizing.

enum Item {
    Column(Column),
    NewLine,
}

/// The widest `/SPAN:` kept: renderers pad every row to the widest.
const MAX_SPAN: u32 = 100;

const ATTRIBUTE_KEYS: [&str; 6] = ["STYLE", "CLASS", "TITLE", "ALIGN", "SPAN", "ATTRIBUTE"];

fn parse_column(raw: &str) -> Item {
    let mut text = raw.to_string();
    let mut column = Column::default();
    // RT's `while (s{/(STYLE|…):([^/]*)}{}i)`: the first match each time.
    while let Some((start, key, value_start)) = find_attribute(&text) {
        let end = text[value_start..].find('/').map_or(text.len(), |i| value_start + i);
        let value = &text[value_start..end];
        match key {
            "TITLE" => column.title = Some(sanitize_text(value)),
            "ATTRIBUTE" => column.attribute = Some(value.to_string()),
            "ALIGN" => column.align = Align::parse(value),
            "SPAN" => column.span = value.trim().parse().ok().filter(|span: &NonZeroU32| span.get() <= MAX_SPAN),
            "STYLE" => column.style = sanitize_style(value),
            _ => column.class = sanitize_class(value),
        }
        text.replace_range(start..end, "");
    }
    match text.as_str() {
        "" => Item::Column(column),
        "__NEWLINE__" | "NEWLINE" => Item::NewLine,
        "__NBSP__" | "NBSP" => finish_column(column, vec![Part::Field(FormatField::new("NBSP"))]),
        _ => match split_placeholders(&text) {
            None => finish_column(column, vec![Part::Field(FormatField::new(text))]),
            Some(segments) => finish_column(column, sanitize_column(&segments)),
        },
    }
}

/// Where the first `/KEY:` attribute starts, its key, and where its value starts.
fn find_attribute(text: &str) -> Option<(usize, &'static str, usize)> {
    text.match_indices('/').find_map(|(slash, _)| {
        let rest = &text[slash + 1..];
        ATTRIBUTE_KEYS.into_iter().find_map(|key| {
            let matches = rest.get(..key.len()).is_some_and(|word| word.eq_ignore_ascii_case(key))
                && rest[key.len()..].starts_with(':');
            matches.then_some((slash, key, slash + key.len() + 2))
        })
    })
}

/// Settles a column's parts: what sanitizing reduced to one layout keyword is
/// that keyword (RT scrubs before it parses), and a spacer has no title.
fn finish_column(mut column: Column, parts: Vec<Part>) -> Item {
    match &parts[..] {
        [Part::Field(field)] if field.name() == "NEWLINE" => return Item::NewLine,
        [Part::Field(field)] if field.name() == "NBSP" => column.title = None,
        _ if !parts.iter().any(|part| matches!(part, Part::Field(_))) => return Item::Column(column),
        _ => {}
    }
    column.parts = parts;
    Item::Column(column)
}

enum Segment<'a> {
    Text(&'a str),
    Field(&'a str),
}

/// Splits a column at its `__Name__` placeholders, paired left to right like
/// RT's `s/^(.*?)__(.*?)__//`; `None` if it has no pair at all. An empty
/// name (`____`) and one spanning a line break stay text.
fn split_placeholders(text: &str) -> Option<Vec<Segment<'_>>> {
    let mut segments = Vec::new();
    let mut found = false;
    let mut rest = text;
    let mut literal = 0; // bytes of `rest` known to be text
    while let Some(open) = rest[literal..].find("__").map(|i| literal + i) {
        let Some(close) = rest[open + 2..].find("__").map(|i| open + 2 + i) else { break };
        let name = &rest[open + 2..close];
        if name.contains('\n') {
            literal = open + 1;
            continue;
        }
        found = true;
        if name.is_empty() {
            literal = close + 2;
            continue;
        }
        if open > 0 {
            segments.push(Segment::Text(&rest[..open]));
        }
        segments.push(Segment::Field(name));
        rest = &rest[close + 2..];
        literal = 0;
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest));
    }
    found.then_some(segments)
}

// ---------------------------------------------------------------------------
// Sanitizing.
//
// Placeholders are swapped for private-use tokens before the column goes
// through ammonia, so that their names are never parsed as HTML and the
// attribute filter can tell where they landed: FIELD_MARK index END_MARK for
// most fields, URL_MARK index END_MARK for the URL bases an href may start
// with.

const FIELD_MARK: char = '\u{e000}';
const URL_MARK: char = '\u{e001}';
const END_MARK: char = '\u{e002}';

const ALLOWED_TAGS: &[&str] = &[
    "a", "b", "br", "code", "del", "div", "em", "font", "i", "ins", "p", "s", "small", "span", "strike", "strong",
    "sub", "sup", "u",
];

const STYLE_PROPERTIES: &str =
    "color background-color font-size font-style font-weight font-family text-align text-decoration";

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let styled = || HashSet::from(["style"]);
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("font", HashSet::from(["color", "face", "size"])),
            ("span", styled()),
            ("div", styled()),
            ("p", styled()),
        ]))
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    builder
});

/// Text only: every tag goes, `script` and `style` with their content.
static TEXT_ONLY: LazyLock<ammonia::Builder<'static>> = LazyLock::new(ammonia::Builder::empty);

/// Keeps an `href` only with a safe start and a `style` only with safe
/// declarations, and drops any other attribute that a field would be
/// substituted into.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("a", "href") => is_safe_href(value).then_some(Cow::Borrowed(value)),
        (_, "style") => sanitize_style(value).map(Cow::Owned),
        _ => (!value.contains([FIELD_MARK, URL_MARK])).then_some(Cow::Borrowed(value)),
    }
}

fn is_safe_href(value: &str) -> bool {
    // Browsers ignore leading blanks and control characters in URLs.
    let mut rest = value.trim_start_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
    let mut after_base = false;
    while let Some(token) = rest.strip_prefix(URL_MARK) {
        let Some(end) = token.find(END_MARK) else { return false };
        rest = &token[end + END_MARK.len_utf8()..];
        after_base = true;
    }
    if after_base {
        return rest.is_empty() || rest.starts_with(['/', '?', '#']);
    }
    rest.starts_with('/')
        || ["http://", "https://", "mailto:"]
            .into_iter()
            .any(|scheme| rest.get(..scheme.len()).is_some_and(|start| start.eq_ignore_ascii_case(scheme)))
}

/// Sanitizes a column's text with its placeholders in place.
fn sanitize_column(segments: &[Segment<'_>]) -> Vec<Part> {
    let mut html = String::new();
    let mut names = Vec::new();
    for segment in segments {
        match *segment {
            Segment::Text(text) => html.extend(
                text.chars().map(|c| if matches!(c, FIELD_MARK | URL_MARK | END_MARK) { '\u{fffd}' } else { c }),
            ),
            Segment::Field(name) => {
                html.push(if listed(URL_BASE_FIELDS, name) { URL_MARK } else { FIELD_MARK });
                html.push_str(&names.len().to_string());
                html.push(END_MARK);
                names.push(name);
            }
        }
    }
    // Removing an element keeps its content, which can leave a tree that
    // reads back differently (a `p` in a `p`): clean until it is stable.
    let mut clean = SANITIZER.clean(&html).to_string();
    for _ in 0..3 {
        let again = SANITIZER.clean(&clean).to_string();
        if again == clean {
            break;
        }
        clean = again;
    }

    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = clean.as_str();
    while let Some(mark) = rest.find([FIELD_MARK, URL_MARK]) {
        text.push_str(&rest[..mark]);
        let token = &rest[mark + FIELD_MARK.len_utf8()..];
        let Some(end) = token.find(END_MARK) else {
            rest = token;
            continue;
        };
        if let Some(name) = token[..end].parse::<usize>().ok().and_then(|index| names.get(index)) {
            push_html(&mut parts, &mut text);
            parts.push(Part::Field(FormatField::new(*name)));
        }
        rest = &token[end + END_MARK.len_utf8()..];
    }
    text.push_str(rest);
    push_html(&mut parts, &mut text);
    parts
}

/// Adds pending HTML as a part, with what would read as syntax when written
/// back (`__`, a `_` before a field, `/TITLE:`) turned into character
/// references.
fn push_html(parts: &mut Vec<Part>, text: &mut String) {
    if text.is_empty() {
        return;
    }
    let mut html = std::mem::take(text).replace("__", "_&#95;");
    if html.ends_with('_') {
        html.pop();
        html.push_str("&#95;");
    }
    while let Some((slash, _, _)) = find_attribute(&html) {
        html.replace_range(slash..slash + 1, "&#47;");
    }
    parts.push(Part::Html(html));
}

/// A `/TITLE:` value as plain text.
fn sanitize_text(value: &str) -> String {
    let clean = TEXT_ONLY.clean(value).to_string();
    // ammonia's serializer escapes exactly these in text.
    let mut text = String::with_capacity(clean.len());
    let mut rest = clean.as_str();
    while let Some(amp) = rest.find('&') {
        text.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&nbsp;", '\u{a0}'), ("&quot;", '"')]
            .into_iter()
            .find(|(entity, _)| rest.starts_with(entity));
        match entity {
            Some((entity, c)) => {
                text.push(c);
                rest = &rest[entity.len()..];
            }
            None => {
                text.push('&');
                rest = &rest[1..];
            }
        }
    }
    text.push_str(rest);
    text
}

/// CSS declarations (a `/STYLE:` value or a `style` attribute) cut to those
/// of an allowed property with a plain value: letters, digits, blanks and
/// `#%.,-()'"!`, but no `url(` or `expression(`. Written `property:value`,
/// joined by `;`.
fn sanitize_style(css: &str) -> Option<String> {
    let declarations: Vec<String> = css
        .split(';')
        .filter_map(|declaration| {
            let (property, value) = declaration.split_once(':')?;
            let property = property.trim().to_ascii_lowercase();
            let value = value.trim();
            let lower = value.to_ascii_lowercase();
            let safe = listed(STYLE_PROPERTIES, &property)
                && !value.is_empty()
                && value.chars().all(|c| c.is_ascii_alphanumeric() || " #%.,-()'\"!".contains(c))
                && !lower.contains("url(")
                && !lower.contains("expression(");
            safe.then(|| format!("{property}:{value}"))
        })
        .collect();
    (!declarations.is_empty()).then(|| declarations.join(";"))
}

/// A `/CLASS:` value cut to plain class names.
fn sanitize_class(value: &str) -> Option<String> {
    let names: Vec<&str> = value
        .split_whitespace()
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .collect();
    (!names.is_empty()).then(|| names.join(" "))
}

/// Appends `text` to `out` escaped for HTML text and quoted attribute
/// values (`&`, `<`, `>`, `"`, `'`; `/` is left alone), line breaks as
/// `<br>` when `line_breaks`.
pub fn escape_html(out: &mut String, text: &str, line_breaks: bool) {
    out.reserve(text.len());
    // Runs of plain text are copied whole: messages are mostly plain.
    let mut plain = 0;
    for (i, b) in text.bytes().enumerate() {
        let escaped = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' if line_breaks => "<br>",
            _ => continue,
        };
        // Every special character is ASCII, so `i` is a char boundary.
        out.push_str(&text[plain..i]);
        out.push_str(escaped);
        plain = i + 1;
    }
    out.push_str(&text[plain..]);
}

/// Where in serialized HTML the next character falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HtmlContext {
    Text,
    Tag,
    AttributeValue,
}

impl HtmlContext {
    /// The context after `html`, as ammonia writes it: text escapes `<`, and
    /// attribute values are double-quoted with `"` escaped.
    fn after(self, html: &str) -> HtmlContext {
        html.chars().fold(self, |context, c| match (context, c) {
            (HtmlContext::Text, '<') => HtmlContext::Tag,
            (HtmlContext::Tag, '>') => HtmlContext::Text,
            (HtmlContext::Tag, '"') => HtmlContext::AttributeValue,
            (HtmlContext::AttributeValue, '"') => HtmlContext::Tag,
            (context, _) => context,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(text: &str) -> Format {
        match parse_format(text) {
            Ok(format) => format,
            Err(e) => panic!("{text:?} did not parse: {e}"),
        }
    }

    /// The only column of a one-column format.
    fn column(text: &str) -> Column {
        let format = parse(text);
        let columns: Vec<&Column> = format.columns().collect();
        assert_eq!(columns.len(), 1, "{text:?} gave {format:?}");
        columns[0].clone()
    }

    fn html(text: &str) -> Part {
        Part::Html(text.to_string())
    }

    fn field(name: &str) -> Part {
        Part::Field(FormatField::new(name))
    }

    fn names(format: &Format) -> Vec<&str> {
        format.fields().map(FormatField::name).collect()
    }

    fn assert_round_trip(format: &Format) {
        let written = format.to_string();
        assert_eq!(&parse(&written), format, "written as:\n{written}");
    }

    #[test]
    fn default_format() {
        let format = parse(DEFAULT_FORMAT);
        assert_eq!(format.rows.len(), 2);
        assert_eq!(format.rows[0].len(), 6);
        assert_eq!(format.rows[1].len(), 6);
        assert_eq!(format.width(), 6);
        let id = &format.rows[0][0];
        assert_eq!(
            id.parts,
            vec![
                html("<b><a href=\""),
                field("WebPath"),
                html("/Ticket/Display.html?id="),
                field("id"),
                html("\">"),
                field("id"),
                html("</a></b>"),
            ]
        );
        assert_eq!(id.title.as_deref(), Some("#"));
        assert_eq!(id.column_name(), Some("id"));
        assert_eq!(format.rows[0][1].title.as_deref(), Some("Subject"));
        assert_eq!(format.rows[0][1].sort_column(), Some("Subject"));
        assert_eq!(format.rows[0][2], Column::field("Status"));
        assert!(format.rows[1][0].is_spacer());
        assert_eq!(format.rows[1][0].column_name(), None);
        assert_eq!(format.rows[1][1].parts, vec![html("<small>"), field("Requestors"), html("</small>")]);
        assert_eq!(
            names(&format),
            [
                "WebPath",
                "id",
                "Subject",
                "Status",
                "QueueName",
                "Owner",
                "Priority",
                "NBSP",
                "Requestors",
                "CreatedRelative",
                "ToldRelative",
                "LastUpdatedRelative",
                "TimeLeft"
            ]
        );
        assert!(format.fields().all(FormatField::is_known));
        assert_round_trip(&format);

        let selfservice = parse(DEFAULT_SELFSERVICE_FORMAT);
        assert_eq!(selfservice.rows.len(), 1);
        assert_eq!(names(&selfservice), ["WebPath", "id", "Subject", "Status", "Requestors", "Owner"]);
        assert_round_trip(&selfservice);
    }

    /// Columns as RT's query builder (`Search/Elements/BuildFormatString`)
    /// writes them: Face, then Size, then Link prefixes, their suffixes in
    /// the same (mis-nested) order, an escaped title, `\` before quotes.
    #[test]
    fn query_builder_formats() {
        let text = r#"'__id__/TITLE:#',
'<b><span style="font-size:larger"><a HREF="__WebPath__/Ticket/Update.html?Action=Comment&DefaultStatus=resolved&id=__id__">__Subject__</b></span></a>/TITLE:Don&#39;t &lt;b&gt;',
'<i><Small><a HREF="__WebPath__/Ticket/Display.html?Action=Take&id=__id__">__Status__</i></Small></a>',
'__CustomField.{Severity}__',
'<b>__Requestor.EmailAddress__</b>',
'__CustomRole.{Approver}.Name__/TITLE:It\'s mine',
'__NEWLINE__',
''"#;
        let format = parse(text);
        assert_eq!(format.rows.len(), 2);
        let [id, subject, status, severity, requestor, approver] = &format.rows[0][..] else { panic!("{format:?}") };
        assert_eq!(id.parts, vec![field("id")]);
        assert_eq!(
            subject.parts,
            vec![
                html("<b><span style=\"font-size:larger\"><a href=\""),
                field("WebPath"),
                html("/Ticket/Update.html?Action=Comment&amp;DefaultStatus=resolved&amp;id="),
                field("id"),
                html("\">"),
                field("Subject"),
                html("</a></span></b>"),
            ]
        );
        assert_eq!(subject.title.as_deref(), Some("Don't <b>"));
        assert_eq!(
            status.parts,
            vec![
                html("<i><small><a href=\""),
                field("WebPath"),
                html("/Ticket/Display.html?Action=Take&amp;id="),
                field("id"),
                html("\">"),
                field("Status"),
                html("</a></small></i>"),
            ]
        );
        assert_eq!(severity.parts, vec![field("CustomField.{Severity}")]);
        assert_eq!(requestor.parts, vec![html("<b>"), field("Requestor.EmailAddress"), html("</b>")]);
        assert_eq!(approver.title.as_deref(), Some("It's mine"));
        assert_eq!(format.rows[1], vec![Column::default()]);
        assert!(format.rows[1][0].is_blank());
        assert_round_trip(&format);
    }

    #[test]
    fn bare_words() {
        let format = parse("id,Status  QueueName,\n\tCF.{Due Date}, __Subject__ , CF.Component,");
        assert_eq!(names(&format), ["id", "Status", "QueueName", "CF.{Due Date}", "Subject", "CF.Component"]);
        assert!(format.columns().all(|column| column.parts.len() == 1));
        // A column without placeholders names one field, quoted or not.
        assert_eq!(column("'Status'"), Column::field("Status"));
        assert_eq!(column("\"<b>Status</b>\""), Column::field("<b>Status</b>"));
        assert_eq!(parse("NBSP"), parse("'__NBSP__'"));
        assert_eq!(parse("").rows, vec![Vec::<Column>::new()]);
        assert_eq!(parse(" ,, ").rows, vec![Vec::<Column>::new()]);
    }

    #[test]
    fn quoting_and_escaping() {
        assert_eq!(column(r#""__Subject__/TITLE:It's""#).title.as_deref(), Some("It's"));
        assert_eq!(column(r"'It\'s __id__'").parts, vec![html("It's "), field("id")]);
        assert_eq!(column(r"'a\\b __id__ \c'").parts, vec![html(r"a\b "), field("id"), html(" c")]);
        assert_eq!(column(r#"'say "hi" __id__'"#).parts, vec![html("say \"hi\" "), field("id")]);
        // An escaped slash still starts an attribute: RT unescapes first.
        assert_eq!(column(r"'__id__\/TITLE:x'").title.as_deref(), Some("x"));
        // Placeholders pair left to right; `____` is text.
        assert_eq!(column("'a__b__c__d'").parts, vec![html("a"), field("b"), html("c_&#95;d")]);
        assert_eq!(column("'___x__'").parts, vec![field("_x")]);
        assert_eq!(column("'____ __id__'").parts, vec![html("_&#95;_&#95; "), field("id")]);
        // Placeholder names are never read as HTML.
        assert_eq!(column("'<b>__CF.{A&B <c>}__</b>'").parts, vec![html("<b>"), field("CF.{A&B <c>}"), html("</b>")]);
    }

    #[test]
    fn newline_rows() {
        let format = parse("id, NEWLINE, Subject, '__NEWLINE__', \"__NEWLINE__\", Status");
        let rows: Vec<Vec<&str>> =
            format.rows.iter().map(|row| row.iter().filter_map(Column::column_name).collect()).collect();
        assert_eq!(rows, vec![vec!["id"], vec!["Subject"], vec![], vec!["Status"]]);
        let leading = parse("'__NEWLINE__', id");
        assert_eq!(leading.rows.len(), 2);
        assert!(leading.rows[0].is_empty());
        // Attributes on a row break are ignored, as in RT.
        assert_eq!(parse("id, '__NEWLINE__/TITLE:x', Status"), parse("id, NEWLINE, Status"));
        // Case matters: this is an unknown field.
        assert_eq!(column("'__newline__'"), Column::field("newline"));
        assert_round_trip(&format);
        assert_round_trip(&leading);
    }

    #[test]
    fn attributes() {
        let c = column(
            "'__Subject__/title:Sub ject/ALIGN:Right/SPAN:2/STYLE:color: red; position: fixed/CLASS:big bad<x> y_z/ATTRIBUTE:Subject'",
        );
        assert_eq!(c.parts, vec![field("Subject")]);
        assert_eq!(c.title.as_deref(), Some("Sub ject"));
        assert_eq!(c.align, Some(Align::Right));
        assert_eq!(c.span, NonZeroU32::new(2));
        assert_eq!(c.style.as_deref(), Some("color:red"));
        assert_eq!(c.class.as_deref(), Some("big y_z"));
        assert_eq!(c.attribute.as_deref(), Some("Subject"));
        assert_round_trip(&parse(&c.to_string()));

        // Anywhere in the column, last one wins, the value runs to the next `/`.
        let c = column("'/TITLE:a<b>__id__</b>/TITLE:b/c'");
        assert_eq!(c.title.as_deref(), Some("b"));
        assert_eq!(c.parts, vec![field("/b>/c")]);
        assert_eq!(column("'/TITLE:x__id__'"), Column { title: Some("x__id__".into()), ..Column::default() });

        // Empty and invalid values are ignored; an empty title is a title.
        let c = column("'__id__/TITLE:/ALIGN:middle/SPAN:0/STYLE:position:fixed/CLASS:<b>/ALIGN:'");
        assert_eq!(c, Column { title: Some(String::new()), ..Column::field("id") });
        assert_eq!(column("'__id__/SPAN:101'").span, None);

        // Sorting and titles follow /ATTRIBUTE:, else the last field.
        let c = column("'__QueueName__ (__Queue__)'");
        assert_eq!((c.column_name(), c.sort_column()), (Some("Queue"), Some("Queue")));
        let c = column("'__CreatedRelative__/ATTRIBUTE:Created'");
        assert_eq!((c.column_name(), c.sort_column()), (Some("Created"), Some("Created")));
        let c = column("'__Subject__/ATTRIBUTE:'");
        assert_eq!((c.column_name(), c.sort_column()), (Some("Subject"), None));
        let c = column("'/TITLE:Blank'");
        assert!(c.is_blank());
        assert_eq!((c.column_name(), c.sort_column()), (None, None));

        // A spacer keeps no title.
        assert_eq!(column("'__NBSP__/TITLE:x/CLASS:gap'").title, None);
        // Spans count towards the width.
        assert_eq!(parse("'__Subject__/SPAN:3', NEWLINE, Status, Queue").width(), 3);
        // Titles are written escaped, and read back the same.
        let c = Column { title: Some("a/b & <c> \u{a0}".into()), ..Column::field("id") };
        assert_eq!(c.to_string(), "'__id__/TITLE:a&#47;b &amp; &lt;c&gt; &nbsp;'");
        assert_eq!(column(&c.to_string()), c);
    }

    #[test]
    fn round_trips() {
        for text in [
            DEFAULT_FORMAT,
            DEFAULT_SELFSERVICE_FORMAT,
            "",
            "''",
            "NEWLINE",
            "'__Subject__/SPAN:2', '__NEWLINE__', '__Status__', '__Queue__'",
            "'<p>a<div>b</div>__id__</p>'",
            "'<b><i>__id__</b></i>'",
            "'<a href=\"/x?a=1&b=2\">__id__ &amp; &nbsp; &lt; &#x41;</a>'",
            "'x<y>z__id__ & a_<q></q>_b /<q></q>TITLE:x'",
            "'<font color=\"red\" size=\"2\">__id__</font>', '<br/>__id__<br>'",
            "'__WebBaseURL____WebPath__/Ticket/Display.html?id=__id__'",
            "'it\\'s __id__ \\\\ \"', \"it's\"",
            "'__id__/STYLE:font-weight: bold; color: #f00/CLASS:a  b/ALIGN:center/ATTRIBUTE:Id'",
        ] {
            assert_round_trip(&parse(text));
        }
        assert_eq!(Format::default().to_string(), "");
        assert_eq!(parse(&Format::default().to_string()), parse(""));
    }

    #[test]
    fn errors_have_positions() {
        let error = |text: &str| parse_format(text).unwrap_err();
        assert_eq!(error("id, 'Subject").position, 5);
        assert!(error("id, 'Subject").message.contains("unterminated"));
        assert_eq!(error("id, \"Subject, Status").position, 5);
        assert_eq!(error(r"'abc\'").position, 1);
        // Positions count characters, not bytes.
        assert_eq!(error("'ü', 'é").position, 6);
        assert_eq!(error("id, CF.{Due Date").position, 8);
        assert_eq!(error("id; Status").position, 3);
        assert_eq!(error("id, -Status").position, 5);
        let attributes_outside = error("'__Subject__'/TITLE:Subject");
        assert_eq!(attributes_outside.position, 14);
        assert!(attributes_outside.to_string().starts_with("at character 14: expected ','"));
        assert!(error("'a''b'").message.contains("expected ','"));
    }

    #[test]
    fn sanitizes_html() {
        let c = column(r#"'<b onclick="evil()">__id__</b><script>alert("__Subject__")</script>'"#);
        assert_eq!(c.parts, vec![html("<b>"), field("id"), html("</b>")]);

        for href in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "&#106;avascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "__WebPath__javascript:alert(1)",
            "__Subject__",
            "__id__/x",
            "Ticket/Display.html",
        ] {
            let c = column(&format!("'<a href=\"{href}\">__id__</a>'"));
            assert_eq!(c.parts, vec![html("<a>"), field("id"), html("</a>")], "href {href:?}");
        }
        for (href, fields) in [
            ("__WebPath__/Ticket/Display.html?id=__id__", &["WebPath", "id"][..]),
            ("__WebHomePath__", &["WebHomePath"]),
            ("__WebBaseURL____WebPath__#x", &["WebBaseURL", "WebPath"]),
            ("__WebURL__?x=1", &["WebURL"]),
            ("/Ticket/Display.html?id=__id__", &["id"]),
            ("https://example.com/t/__id__", &["id"]),
            ("mailto:__Requestor.EmailAddress__", &["Requestor.EmailAddress"]),
        ] {
            let c = column(&format!("'<a href=\"{href}\">x</a>'"));
            assert_eq!(c.fields().map(FormatField::name).collect::<Vec<_>>(), fields, "href {href:?}");
            assert_eq!(c.to_string(), format!("'<a href=\"{href}\">x</a>'"));
        }

        // Other markup.
        assert_eq!(
            column("'<img src=x onerror=alert(1)><iframe src=\"/\"></iframe><!-- __Subject__ -->__id__'").parts,
            vec![field("id")]
        );
        assert_eq!(
            column(
                "'<span style=\"color: red; background-image: url(https://evil/x); position:absolute\">__id__</span>'"
            )
            .parts,
            vec![html("<span style=\"color:red\">"), field("id"), html("</span>")]
        );
        assert_eq!(
            column("'<div class=\"x\" id=\"y\" title=\"t\" style=\"color:__Status__\">__id__</div>'").parts,
            vec![html("<div>"), field("id"), html("</div>")]
        );
        assert_eq!(
            column("'<font color=\"__Status__\" size=\"2\">__id__</font>'").parts,
            vec![html("<font size=\"2\">"), field("id"), html("</font>")]
        );
        // A placeholder cannot open a tag, and fields only in dropped markup leave a blank cell.
        assert_eq!(column("'<__Subject__>'").parts, vec![html("&lt;"), field("Subject"), html("&gt;")]);
        assert!(column("'<script>__id__</script>'").is_blank());
        assert_eq!(parse("id, '<script>x</script>__NEWLINE__', Status"), parse("id, NEWLINE, Status"));
        // The private-use characters that stand for placeholders cannot be forged.
        assert_eq!(column("'\u{e000}0\u{e002}__id__'").parts, vec![html("\u{fffd}0\u{fffd}"), field("id")]);
        // Titles are text.
        assert_eq!(column("'__id__/TITLE:<b onclick=x>Id<script>alert(1)'").title.as_deref(), Some("Id"));
        assert_eq!(column("'__id__/TITLE:&lt;Id&gt; &amp; &quot;co&quot;'").title.as_deref(), Some("<Id> & \"co\""));
    }

    #[test]
    fn field_kinds() {
        let field = FormatField::new;
        assert_eq!(field("Subject").kind(), FieldKind::Ticket);
        assert_eq!(field("CreatedRelative").kind(), FieldKind::Ticket);
        assert_eq!(field("subject").kind(), FieldKind::Unknown);
        assert_eq!(field("Requestors").kind(), FieldKind::Role { role: "Requestors", attribute: None });
        assert_eq!(field("Owner").kind(), FieldKind::Role { role: "Owner", attribute: None });
        assert_eq!(
            field("Requestor.EmailAddress").kind(),
            FieldKind::Role { role: "Requestor", attribute: Some("EmailAddress") }
        );
        assert_eq!(
            field("AdminCc.CustomField.{Dept}").kind(),
            FieldKind::Role { role: "AdminCc", attribute: Some("CustomField.{Dept}") }
        );
        assert_eq!(field("CustomField.{Due Date}").kind(), FieldKind::CustomField { name: "Due Date", view: false });
        assert_eq!(field("CF.{Due Date}").kind(), FieldKind::CustomField { name: "Due Date", view: false });
        assert_eq!(field("CF.3").kind(), FieldKind::CustomField { name: "3", view: false });
        assert_eq!(field("CustomFieldView.{Foo}").kind(), FieldKind::CustomField { name: "Foo", view: true });
        assert_eq!(field("CustomRole.{Approver}").kind(), FieldKind::CustomRole { name: "Approver", attribute: None });
        assert_eq!(
            field("CustomRole.{Approver}.EmailAddress").kind(),
            FieldKind::CustomRole { name: "Approver", attribute: Some("EmailAddress") }
        );
        assert_eq!(field("CustomRole.Approver").kind(), FieldKind::Unknown);
        assert_eq!(field("RefersTo").kind(), FieldKind::Link { kind: "RefersTo", object_type: None });
        assert_eq!(
            field("RefersTo.{Ticket}").kind(),
            FieldKind::Link { kind: "RefersTo", object_type: Some("Ticket") }
        );
        assert_eq!(field("WebPath").kind(), FieldKind::Site);
        assert_eq!(field("CurrentUserName").kind(), FieldKind::Site);
        assert_eq!(field("NBSP").kind(), FieldKind::Layout);
        assert_eq!(field("CF.").kind(), FieldKind::Unknown);
        assert_eq!(field("Business Hours Open").kind(), FieldKind::Unknown);
        assert!(!FormatField::new("Nope").is_known());
    }

    #[test]
    fn renders_html() {
        let format = parse(DEFAULT_FORMAT);
        let value = |field: &FormatField| match field.name() {
            "WebPath" => FieldValue::Text("/rt".into()),
            "id" => FieldValue::Text("7".into()),
            "Subject" => FieldValue::Text("<script>\"hi\"\nthere".into()),
            "Requestors" => FieldValue::Html("<a href=\"/u/1\">ann</a>".into()),
            _ => FieldValue::Text(String::new()),
        };
        assert_eq!(format.rows[0][0].render_html(value), "<b><a href=\"/rt/Ticket/Display.html?id=7\">7</a></b>");
        assert_eq!(
            format.rows[0][1].render_html(value),
            "<b><a href=\"/rt/Ticket/Display.html?id=7\">&lt;script&gt;&quot;hi&quot;<br>there</a></b>"
        );
        assert_eq!(format.rows[1][0].render_html(value), "&nbsp;");
        assert_eq!(format.rows[1][1].render_html(value), "<small><a href=\"/u/1\">ann</a></small>");
        // Trusted HTML is still escaped inside an attribute.
        let link = column("'<a href=\"/x?q=__Requestors__\">__Requestors__</a>'");
        assert_eq!(
            link.render_html(value),
            "<a href=\"/x?q=&lt;a href=&quot;/u/1&quot;&gt;ann&lt;/a&gt;\"><a href=\"/u/1\">ann</a></a>"
        );
    }
}
