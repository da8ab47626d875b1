//! The TicketSQL parser: query text to an [`Expr`] tree, and RT's separate
//! `OrderBy`/`Order` and paging parameters.
//!
//! Grammar (keywords and field names case-insensitive):
//!
//! ```text
//! query     := ε | or_expr
//! or_expr   := and_expr ( OR and_expr )*
//! and_expr  := primary ( AND primary )*          -- AND binds tighter than OR
//! primary   := '(' or_expr ')' | key op value
//! key       := bare key (`Requestor.EmailAddress`, `CF.{Name with spaces}`)
//!            | quoted key (`'CF.{Foo}'`)
//! op        := [SHALLOW] ( = | != | < | > | <= | >= | [NOT] LIKE
//!            | [NOT] STARTSWITH | [NOT] ENDSWITH | IS [NOT] )
//! value     := 'single' | "double" (backslash escapes any character)
//!            | integer | NULL | bare word ([A-Za-z0-9_.@:/+-]+)
//! ```
//!
//! Decisions, compared with RT 5.0.8 (`RT::SQL`, `RT::Tickets`):
//! - The empty (or all-blank) query is valid and matches every ticket, as in
//!   RT; it parses to `Expr::And(vec![])`. `()` is an error, as in RT.
//! - `A OR B AND C` is `A OR (B AND C)` (RT applies the last AND/OR of an
//!   unparenthesised group to all its terms; see DESIGN.md).
//! - A bare word value is a string (`Status = open`). RT 5.0.x reads a bare
//!   word as a column name (column-to-column comparison); we do not support
//!   that, and reject `CF.{x}` as a bare value; a quoted `'CF.{x}'` value
//!   stays a string (RT 5.0.x turns it into a custom field comparison too).
//! - `IS` / `IS NOT` take `NULL` (bare or quoted); RT ignores whatever value
//!   follows them, we reject anything else. `= NULL` / `!= NULL` (bare NULL)
//!   become `IS NULL` / `IS NOT NULL`, as DBIx::SearchBuilder does.
//! - Placeholders are recognised case-insensitively, quoted or bare:
//!   `__CurrentUser__`, `__CurrentUserName__`, `__SelectedUser__`,
//!   `__SelectedUserName__` anywhere; `__Bookmarked__` only on `id`, and
//!   `__Active__` / `__Inactive__` only on `Status`, each with `=`/`!=` only
//!   (elsewhere they are plain strings, as in RT).
//! - Operators are checked per field family, following what RT's limit
//!   functions accept (dates take no `!=` or `LIKE`, `Type`/`Creator` only
//!   `=`/`!=`, group membership only `=`, links `=`/`!=`/`IS [NOT]`).
//!   `SHALLOW` is accepted on every role field (RT's check is a name regex
//!   that happens to exclude `Watcher` and `QueueWatcher`).
//! - Watcher sub-fields (`Requestor.emailaddress`) and custom field columns
//!   are matched case-insensitively; RT compares sub-fields case-sensitively.
//! - Error positions are 1-based character (not byte) positions; the length
//!   of the query plus one means "at the end".

use std::fmt;

use super::fields::*;
use Op::*;

/// A parse error: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct ParseError {
    /// 1-based character position in the parsed text (length + 1 = the end).
    pub position: usize,
    /// What went wrong, e.g. "expected an operator after Status, found 'foo'".
    pub message: String,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// All must hold; `And(vec![])` (the empty query) matches everything.
    And(Vec<Expr>),
    /// At least one must hold.
    Or(Vec<Expr>),
    /// One `key op value` condition.
    Cond(Condition),
}

impl Expr {
    /// True for the empty query, which matches every ticket.
    pub fn matches_everything(&self) -> bool {
        matches!(self, Expr::And(terms) if terms.is_empty())
    }
}

/// One condition, `Requestor.EmailAddress LIKE 'example.org'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// What is compared (including `SHALLOW` for role fields).
    pub field: Field,
    /// How.
    pub op: Op,
    /// With what; [`Value::Null`] for `IS NULL` / `IS NOT NULL`.
    pub value: Value,
}

/// An operator. `SHALLOW` is kept in [`Field::Watcher`], the only family
/// that takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `LIKE`: contains, case-insensitive (the value is wrapped in `%…%`).
    Like,
    /// `NOT LIKE`
    NotLike,
    /// `STARTSWITH`
    StartsWith,
    /// `NOT STARTSWITH`
    NotStartsWith,
    /// `ENDSWITH`
    EndsWith,
    /// `NOT ENDSWITH`
    NotEndsWith,
    /// `IS NULL`: unset / no such watcher, link or value.
    IsNull,
    /// `IS NOT NULL`
    IsNotNull,
}

impl Op {
    /// How TicketSQL writes it (`IS NULL` includes its value).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::Like => "LIKE",
            Op::NotLike => "NOT LIKE",
            Op::StartsWith => "STARTSWITH",
            Op::NotStartsWith => "NOT STARTSWITH",
            Op::EndsWith => "ENDSWITH",
            Op::NotEndsWith => "NOT ENDSWITH",
            Op::IsNull => "IS NULL",
            Op::IsNotNull => "IS NOT NULL",
        }
    }
}

/// A compared value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A string: quoted, or a bare word.
    Str(String),
    /// A bare integer (`[+-]?[0-9]+`); a quoted `'5'` stays a [`Value::Str`].
    Int(i64),
    /// `NULL`, the value of `IS NULL` / `IS NOT NULL`.
    Null,
    /// `__CurrentUser__`: the searching user's id.
    CurrentUser,
    /// `__CurrentUserName__`: the searching user's name.
    CurrentUserName,
    /// `__SelectedUser__`: the dashboard's selected user's id (else current).
    SelectedUser,
    /// `__SelectedUserName__`: the dashboard's selected user's name.
    SelectedUserName,
    /// `Status = '__Active__'`: initial and active statuses of the lifecycles.
    Active,
    /// `Status = '__Inactive__'`: inactive statuses of the lifecycles.
    Inactive,
    /// `id = '__Bookmarked__'`: the current user's bookmarked tickets.
    Bookmarked,
}

impl Value {
    /// The value as text, if it is a string or an integer (`'5'` and `5`
    /// both give `"5"`).
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Int(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The value as an integer, if it is one, quoted or not.
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Parses a TicketSQL query. The empty query is valid and matches everything.
pub fn parse(query: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser { chars: query.chars().collect(), pos: 0 };
    parser.skip_ws();
    if parser.at_end() {
        return Ok(Expr::And(Vec::new()));
    }
    let expr = parser.or_expr()?;
    parser.skip_ws();
    if parser.at_end() {
        Ok(expr)
    } else if parser.peek() == Some(')') {
        Err(parser.error("unmatched ')'".to_string()))
    } else {
        Err(parser.error(format!("expected AND or OR, found {}", parser.found())))
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

enum RawValue {
    Quoted(String),
    Bare(String),
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn error(&self, message: String) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: String) -> ParseError {
        ParseError { position: pos + 1, message }
    }

    /// Describes what is at the current position, for error messages.
    fn found(&self) -> String {
        let Some(c) = self.peek() else { return "end of query".to_string() };
        if c == '\'' || c == '"' {
            return "a quoted string".to_string();
        }
        let rest = &self.chars[self.pos..];
        let len = if is_word_char(c) { rest.iter().take_while(|c| is_word_char(**c)).count() } else { 1 };
        format!("'{}'", rest[..len].iter().collect::<String>())
    }

    /// The alphanumeric word at the current position, without consuming it.
    fn peek_word(&self) -> String {
        self.chars[self.pos..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect()
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        self.skip_ws();
        let word = self.peek_word();
        let eaten = word.eq_ignore_ascii_case(keyword);
        if eaten {
            self.pos += word.chars().count();
        }
        eaten
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut terms = vec![self.and_expr()?];
        while self.eat_keyword("OR") {
            terms.push(self.and_expr()?);
        }
        Ok(combine(terms, Expr::Or))
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut terms = vec![self.primary()?];
        while self.eat_keyword("AND") {
            terms.push(self.primary()?);
        }
        Ok(combine(terms, Expr::And))
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek() != Some('(') {
            return self.condition();
        }
        let open = self.pos;
        self.pos += 1;
        let expr = self.or_expr()?;
        self.skip_ws();
        if self.peek() != Some(')') {
            let message =
                format!("expected AND, OR or ')' closing the '(' at character {}, found {}", open + 1, self.found());
            return Err(self.error(message));
        }
        self.pos += 1;
        Ok(expr)
    }

    fn condition(&mut self) -> Result<Expr, ParseError> {
        let key_pos = self.pos;
        let key = self.read_key()?;
        let mut field = Field::from_key(&key).map_err(|message| self.error_at(key_pos, message))?;
        self.skip_ws();
        let op_pos = self.pos;
        let (mut op, shallow) = self.read_op(&key)?;
        self.skip_ws();
        let value_pos = self.pos;
        let raw = self.read_value(&key, op)?;
        let value = match (op, raw) {
            (IsNull | IsNotNull, RawValue::Quoted(text) | RawValue::Bare(text))
                if text.eq_ignore_ascii_case("NULL") =>
            {
                Value::Null
            }
            (IsNull | IsNotNull, RawValue::Quoted(text) | RawValue::Bare(text)) => {
                let is = if op == IsNull { "IS" } else { "IS NOT" };
                return Err(self.error_at(value_pos, format!("expected NULL after {key} {is}, found '{text}'")));
            }
            (Eq | Ne, RawValue::Bare(text)) if text.eq_ignore_ascii_case("NULL") => {
                op = if op == Eq { IsNull } else { IsNotNull };
                Value::Null
            }
            (_, RawValue::Bare(text)) if text.eq_ignore_ascii_case("NULL") => {
                return Err(self.error_at(value_pos, "NULL can only be used with =, !=, IS and IS NOT".to_string()));
            }
            (_, RawValue::Bare(text)) if is_integer(&text) => text.parse().map_or(Value::Str(text), Value::Int),
            (_, RawValue::Quoted(text) | RawValue::Bare(text)) => {
                placeholder(&field, &text).unwrap_or(Value::Str(text))
            }
        };
        if matches!(value, Value::Active | Value::Inactive | Value::Bookmarked) && !matches!(op, Eq | Ne) {
            return Err(
                self.error_at(op_pos, format!("{key} {} cannot be used with {}", value_text(&value), op.as_str()))
            );
        }
        if !allowed_ops(&field).contains(&op) {
            let ops: Vec<&str> = allowed_ops(&field).iter().map(|o| o.as_str()).collect();
            let message = format!("{key} does not accept {} (use {})", op.as_str(), ops.join(", "));
            return Err(self.error_at(op_pos, message));
        }
        if shallow {
            match &mut field {
                Field::Watcher { shallow, .. } => *shallow = true,
                _ => return Err(self.error_at(op_pos, format!("SHALLOW applies only to role fields, not to {key}"))),
            }
        }
        Ok(Expr::Cond(Condition { field, op, value }))
    }

    fn read_quoted(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let Some(quote) = self.peek() else { return Err(self.error("expected a quoted string".to_string())) };
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(start, "unterminated quoted string".to_string())),
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => text.push(c),
                        None => return Err(self.error_at(start, "unterminated quoted string".to_string())),
                    }
                    self.pos += 1;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn read_key(&mut self) -> Result<String, ParseError> {
        if matches!(self.peek(), Some('\'' | '"')) {
            return self.read_quoted();
        }
        let start = self.pos;
        let end = scan_bare_key(&self.chars, start)
            .map_err(|brace| self.error_at(brace, "unclosed '{' in field name".to_string()))?;
        let key: String = self.chars[start..end].iter().collect();
        if key.is_empty() || key.eq_ignore_ascii_case("AND") || key.eq_ignore_ascii_case("OR") {
            let after = if start == 0 { String::new() } else { format!(" after {}", self.previous_word(start)) };
            return Err(self.error(format!("expected a field name or '('{after}, found {}", self.found())));
        }
        self.pos = end;
        Ok(key)
    }

    /// The token before `pos`, to say "after AND" / "after '('".
    fn previous_word(&self, pos: usize) -> String {
        let before: String = self.chars[..pos].iter().collect();
        let before = before.trim_end();
        match before.chars().last() {
            Some(c) if is_word_char(c) => before.rsplit(|c: char| !is_word_char(c)).next().unwrap_or("").to_uppercase(),
            Some(c) => format!("'{c}'"),
            None => String::new(),
        }
    }

    fn read_op(&mut self, key: &str) -> Result<(Op, bool), ParseError> {
        let mut shallow = false;
        loop {
            let rest = &self.chars[self.pos..];
            let symbol = |s: &str| rest.iter().take(s.len()).copied().eq(s.chars());
            if symbol("<>") {
                return Err(self.error("'<>' is not supported, use !=".to_string()));
            }
            for (text, op) in [("!=", Ne), (">=", Ge), ("<=", Le), ("=", Eq), ("<", Lt), (">", Gt)] {
                if symbol(text) {
                    self.pos += text.len();
                    return Ok((op, shallow));
                }
            }
            let word = self.peek_word().to_ascii_uppercase();
            let op = match word.as_str() {
                "SHALLOW" if !shallow => {
                    self.pos += word.len();
                    self.skip_ws();
                    shallow = true;
                    continue;
                }
                "LIKE" => Like,
                "STARTSWITH" => StartsWith,
                "ENDSWITH" => EndsWith,
                "IS" => {
                    self.pos += word.len();
                    return Ok((if self.eat_keyword("NOT") { IsNotNull } else { IsNull }, shallow));
                }
                "NOT" => {
                    self.pos += word.len();
                    self.skip_ws();
                    let next = self.peek_word().to_ascii_uppercase();
                    let op = match next.as_str() {
                        "LIKE" => NotLike,
                        "STARTSWITH" => NotStartsWith,
                        "ENDSWITH" => NotEndsWith,
                        _ => {
                            let message =
                                format!("expected LIKE, STARTSWITH or ENDSWITH after NOT, found {}", self.found());
                            return Err(self.error(message));
                        }
                    };
                    self.pos += next.len();
                    return Ok((op, shallow));
                }
                _ => {
                    let after = if shallow { format!("{key} SHALLOW") } else { key.to_string() };
                    return Err(self.error(format!("expected an operator after {after}, found {}", self.found())));
                }
            };
            self.pos += word.len();
            return Ok((op, shallow));
        }
    }

    fn read_value(&mut self, key: &str, op: Op) -> Result<RawValue, ParseError> {
        if matches!(self.peek(), Some('\'' | '"')) {
            return self.read_quoted().map(RawValue::Quoted);
        }
        let start = self.pos;
        let len = self.chars[start..].iter().take_while(|c| is_value_char(**c)).count();
        let op_text = match op {
            IsNull => "IS",
            IsNotNull => "IS NOT",
            op => op.as_str(),
        };
        if len == 0 {
            return Err(self.error(format!("expected a value after {key} {op_text}, found {}", self.found())));
        }
        if self.chars.get(start + len) == Some(&'{') {
            let message = "comparing with another column is not supported; quote the value".to_string();
            return Err(self.error_at(start, message));
        }
        self.pos += len;
        Ok(RawValue::Bare(self.chars[start..start + len].iter().collect()))
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_value_char(c: char) -> bool {
    is_word_char(c) || matches!(c, '.' | '-' | '+' | '@' | ':' | '/')
}

fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The end of a bare key starting at `start`: word characters, dots and
/// `{...}` groups. `Err(position of the '{')` for an unclosed group.
fn scan_bare_key(chars: &[char], start: usize) -> Result<usize, usize> {
    let mut pos = start;
    while let Some(&c) = chars.get(pos) {
        if c == '{' {
            let close = chars[pos..].iter().position(|&c| c == '}').ok_or(pos)?;
            pos += close + 1;
        } else if is_word_char(c) || c == '.' {
            pos += 1;
        } else {
            break;
        }
    }
    Ok(pos)
}

fn placeholder(field: &Field, text: &str) -> Option<Value> {
    let is = |name: &str| text.eq_ignore_ascii_case(name);
    Some(match field {
        _ if is("__CurrentUser__") => Value::CurrentUser,
        _ if is("__CurrentUserName__") => Value::CurrentUserName,
        _ if is("__SelectedUser__") => Value::SelectedUser,
        _ if is("__SelectedUserName__") => Value::SelectedUserName,
        Field::Id if is("__Bookmarked__") => Value::Bookmarked,
        Field::Status if is("__Active__") => Value::Active,
        Field::Status if is("__Inactive__") => Value::Inactive,
        _ => return None,
    })
}

fn value_text(value: &Value) -> &'static str {
    match value {
        Value::CurrentUser => "'__CurrentUser__'",
        Value::CurrentUserName => "'__CurrentUserName__'",
        Value::SelectedUser => "'__SelectedUser__'",
        Value::SelectedUserName => "'__SelectedUserName__'",
        Value::Active => "'__Active__'",
        Value::Inactive => "'__Inactive__'",
        Value::Bookmarked => "'__Bookmarked__'",
        Value::Null => "NULL",
        Value::Str(_) | Value::Int(_) => "",
    }
}

/// One term stays itself; nested groups of the same kind are flattened.
fn combine(terms: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if terms.len() == 1 {
        return terms.into_iter().next().unwrap_or(Expr::And(Vec::new()));
    }
    let mut flat = Vec::with_capacity(terms.len());
    for term in terms {
        match (make(Vec::new()), term) {
            (Expr::And(_), Expr::And(inner)) | (Expr::Or(_), Expr::Or(inner)) if !inner.is_empty() => {
                flat.extend(inner)
            }
            (_, term) => flat.push(term),
        }
    }
    make(flat)
}

impl fmt::Display for Value {
    /// TicketSQL: strings single-quoted with `\` escapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Value::Int(n) => write!(f, "{n}"),
            other => f.write_str(value_text(other)),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.field.to_string();
        let chars: Vec<char> = key.chars().collect();
        if scan_bare_key(&chars, 0) == Ok(chars.len()) {
            f.write_str(&key)?;
        } else {
            write!(f, "'{}'", key.replace('\\', "\\\\").replace('\'', "\\'"))?;
        }
        if matches!(self.field, Field::Watcher { shallow: true, .. }) {
            f.write_str(" SHALLOW")?;
        }
        match self.op {
            IsNull | IsNotNull => write!(f, " {}", self.op.as_str()),
            op => write!(f, " {} {}", op.as_str(), self.value),
        }
    }
}

impl fmt::Display for Expr {
    /// TicketSQL that means the same to us and to RT: nested groups are
    /// always parenthesised.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (terms, joiner) = match self {
            Expr::Cond(c) => return write!(f, "{c}"),
            Expr::And(terms) => (terms, " AND "),
            Expr::Or(terms) => (terms, " OR "),
        };
        for (i, term) in terms.iter().enumerate() {
            f.write_str(if i == 0 { "" } else { joiner })?;
            match term {
                Expr::Cond(c) => write!(f, "{c}")?,
                group => write!(f, "( {group} )")?,
            }
        }
        Ok(())
    }
}

/// What a search is sorted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderKey {
    /// A TicketSQL field (`Priority`, `Requestor.EmailAddress`, `CF.{x}`).
    Field(Field),
    /// Another name (e.g. one of `%CustomDateRanges`), for the compiler to
    /// resolve or reject.
    Other(String),
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// What to sort by.
    pub key: OrderKey,
    /// `DESC` rather than `ASC`.
    pub descending: bool,
}

/// Parses RT's sort parameters: `OrderBy=Priority|Created` with
/// `Order=DESC|ASC` (missing or empty orders are `ASC`), and REST 1.0's
/// `orderby=-Created` (a `+`/`-` prefix overrides `order`). Empty keys are
/// skipped; an unknown name becomes [`OrderKey::Other`]. Positions in errors
/// count in `orderby`, or in `order` for a bad direction.
pub fn parse_order_by(orderby: &str, order: &str) -> Result<Vec<Order>, ParseError> {
    let directions: Vec<(usize, &str)> = split_positions(order).collect();
    let mut orders = Vec::new();
    for (index, (pos, item)) in split_positions(orderby).enumerate() {
        if item.is_empty() {
            continue;
        }
        let mut descending = match directions.get(index) {
            Some((_, d)) if d.eq_ignore_ascii_case("DESC") => true,
            Some((_, d)) if d.is_empty() || d.eq_ignore_ascii_case("ASC") => false,
            None => false,
            Some((pos, d)) => {
                return Err(ParseError {
                    position: pos + 1,
                    message: format!("expected ASC or DESC in Order, found '{d}'"),
                });
            }
        };
        let name = match item.strip_prefix('-') {
            Some(name) => {
                descending = true;
                name
            }
            None => {
                if let Some(name) = item.strip_prefix('+') {
                    descending = false;
                    name
                } else {
                    item
                }
            }
        };
        // Both ends the same ASCII quote, so slicing them off is on char boundaries.
        let quoted = name.len() >= 2
            && ((name.starts_with('\'') && name.ends_with('\'')) || (name.starts_with('"') && name.ends_with('"')));
        let name = if quoted { &name[1..name.len() - 1] } else { name };
        let key = match Field::from_key(name) {
            Ok(field) => OrderKey::Field(field),
            // Only a name that is no field at all; `CF.{}` is still an error.
            Err(message) if message.starts_with("unknown field") => OrderKey::Other(name.to_string()),
            Err(message) => return Err(ParseError { position: pos + 1, message }),
        };
        orders.push(Order { key, descending });
    }
    Ok(orders)
}

/// `|`-separated items, trimmed, with their 0-based character positions.
fn split_positions(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split('|').map(move |item| {
        let leading = item.chars().take_while(|c| c.is_whitespace()).count();
        let pos = offset + leading;
        offset += item.chars().count() + 1;
        (pos, item.trim())
    })
}

/// RT's paging parameters, `RowsPerPage` and `Page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Rows per page; `None` for all rows (RT's `RowsPerPage=0`).
    pub rows_per_page: Option<u32>,
    /// 1-based page number.
    pub page: u32,
}

impl Paging {
    /// Reads the parameters as RT does: a missing, non-numeric or zero
    /// `RowsPerPage` means all rows; a missing or non-positive `Page` is 1.
    pub fn from_params(rows_per_page: Option<&str>, page: Option<&str>) -> Paging {
        let number = |text: Option<&str>| text.and_then(|t| t.trim().parse::<u32>().ok()).filter(|n| *n > 0);
        Paging { rows_per_page: number(rows_per_page), page: number(page).unwrap_or(1) }
    }

    /// Rows to skip (0 when there is no limit).
    pub fn offset(&self) -> u64 {
        self.rows_per_page.map_or(0, |rows| u64::from(rows) * u64::from(self.page.saturating_sub(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(query: &str) -> Expr {
        parse(query).unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    fn cond(query: &str) -> Condition {
        match ok(query) {
            Expr::Cond(c) => c,
            other => panic!("{query}: not one condition: {other:?}"),
        }
    }

    fn field(key: &str) -> Field {
        Field::from_key(key).unwrap_or_else(|e| panic!("{key}: {e}"))
    }

    fn err(query: &str) -> String {
        parse(query).expect_err(query).to_string()
    }

    fn c(key: &str, op: Op, value: Value) -> Expr {
        Expr::Cond(Condition { field: field(key), op, value })
    }

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    #[test]
    fn empty_query_matches_everything() {
        assert!(ok("").matches_everything());
        assert!(ok("  \n\t").matches_everything());
        assert!(!ok("id = 1").matches_everything());
        assert_eq!(ok("").to_string(), "");
    }

    #[test]
    fn every_operator() {
        let cases = [
            ("id = 5", Op::Eq),
            ("id != 5", Op::Ne),
            ("id < 5", Op::Lt),
            ("id > 5", Op::Gt),
            ("id <= 5", Op::Le),
            ("id >= 5", Op::Ge),
            ("Subject LIKE 'x'", Op::Like),
            ("Subject NOT LIKE 'x'", Op::NotLike),
            ("Subject STARTSWITH 'x'", Op::StartsWith),
            ("Subject NOT STARTSWITH 'x'", Op::NotStartsWith),
            ("Subject ENDSWITH 'x'", Op::EndsWith),
            ("Subject NOT ENDSWITH 'x'", Op::NotEndsWith),
            ("Due IS NULL", Op::IsNull),
            ("Due IS NOT NULL", Op::IsNotNull),
            ("Due IS 'null'", Op::IsNull),
            ("Due = NULL", Op::IsNull),
            ("Due != null", Op::IsNotNull),
            ("Subject like 'x'", Op::Like),
            ("Subject  not\tlike 'x'", Op::NotLike),
            ("Due is not null", Op::IsNotNull),
            ("id=5", Op::Eq),
            ("id>=5", Op::Ge),
        ];
        for (query, op) in cases {
            assert_eq!(cond(query).op, op, "{query}");
        }
        assert_eq!(cond("Due IS NULL").value, Value::Null);
        assert_eq!(cond("Subject = NULL").value, Value::Null);
    }

    #[test]
    fn shallow_forms() {
        let shallow = |key: &str| match field(key) {
            Field::Watcher { role, queue, attribute, .. } => Field::Watcher { role, queue, attribute, shallow: true },
            other => other,
        };
        assert_eq!(cond("Requestor SHALLOW = 'alice@example.org'").field, shallow("Requestor"));
        assert_eq!(cond("Cc shallow != 'bob'").op, Op::Ne);
        assert_eq!(cond("AdminCc.Name SHALLOW LIKE 'bo'").field, shallow("AdminCc.Name"));
        assert_eq!(cond("Owner SHALLOW NOT LIKE 'x'").op, Op::NotLike);
        assert_eq!(cond("Watcher SHALLOW IS NULL").op, Op::IsNull);
        assert_eq!(cond("CustomRole.{Engineer} SHALLOW = 'x'").field, shallow("CustomRole.{Engineer}"));
        assert_eq!(ok("Requestor SHALLOW = 'a'").to_string(), "Requestor SHALLOW = 'a'");
        assert_eq!(err("Subject SHALLOW = 'x'"), "at character 9: SHALLOW applies only to role fields, not to Subject");
        assert_eq!(
            err("RequestorGroup SHALLOW = 'x'"),
            "at character 16: SHALLOW applies only to role fields, not to RequestorGroup"
        );
        assert_eq!(
            err("Cc SHALLOW SHALLOW = 'x'"),
            "at character 12: expected an operator after Cc SHALLOW, found 'SHALLOW'"
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let a = || c("id", Op::Eq, Value::Int(1));
        let b = || c("id", Op::Eq, Value::Int(2));
        let cc = || c("id", Op::Eq, Value::Int(3));
        assert_eq!(ok("id = 1 OR id = 2 AND id = 3"), Expr::Or(vec![a(), Expr::And(vec![b(), cc()])]));
        assert_eq!(ok("id = 1 AND id = 2 OR id = 3"), Expr::Or(vec![Expr::And(vec![a(), b()]), cc()]));
        assert_eq!(ok("(id = 1 OR id = 2) AND id = 3"), Expr::And(vec![Expr::Or(vec![a(), b()]), cc()]));
        assert_eq!(ok("id = 1 and id = 2 and id = 3"), Expr::And(vec![a(), b(), cc()]));
        assert_eq!(ok("id = 1 or (id = 2 or id = 3)"), Expr::Or(vec![a(), b(), cc()]));
        assert_eq!(ok("((((id = 1))))"), a());
        assert_eq!(
            ok("( id = 1 AND ( id = 2 OR ( id = 3 AND id = 1 ) ) )"),
            Expr::And(vec![a(), Expr::Or(vec![b(), Expr::And(vec![cc(), a()])])])
        );
        assert_eq!(ok("(id=1)OR(id=2)"), Expr::Or(vec![a(), b()]));
    }

    #[test]
    fn display_round_trips_with_explicit_parentheses() {
        for (query, shown) in [
            ("id = 1 OR id = 2 AND id = 3", "id = 1 OR ( id = 2 AND id = 3 )"),
            (
                "status='open' and (queue = General or Queue LIKE \"x\")",
                "Status = 'open' AND ( Queue = 'General' OR Queue LIKE 'x' )",
            ),
            ("Subject LIKE 'it\\'s' AND Due IS NOT NULL", "Subject LIKE 'it\\'s' AND Due IS NOT NULL"),
            ("'CF.{My Field}' = 'a' OR QueueCF.{x} = 1", "CF.{My Field} = 'a' OR QueueCF.{x} = 1"),
            ("cf.general.{x}.largecontent = 'a'", "CF.general.{x}.LargeContent = 'a'"),
            ("'CF.My Queue.{x}' = 'a'", "'CF.My Queue.{x}' = 'a'"),
            (
                "Owner = '__CurrentUser__' AND Status = '__Active__'",
                "Owner = '__CurrentUser__' AND Status = '__Active__'",
            ),
        ] {
            let expr = ok(query);
            assert_eq!(expr.to_string(), shown, "{query}");
            assert_eq!(ok(&expr.to_string()), expr, "{query}");
        }
    }

    #[test]
    fn quoting_and_escapes() {
        assert_eq!(cond("Subject LIKE 'it\\'s'").value, s("it's"));
        assert_eq!(cond("Subject = \"say \\\"hi\\\"\"").value, s("say \"hi\""));
        assert_eq!(cond("Subject = \"it's\"").value, s("it's"));
        assert_eq!(cond("Subject = 'back\\\\slash'").value, s("back\\slash"));
        assert_eq!(cond("Subject = 'a\\nb'").value, s("anb"));
        assert_eq!(cond("Subject = 'AND OR ( )'").value, s("AND OR ( )"));
        assert_eq!(cond("Subject = ''").value, s(""));
        assert_eq!(cond("Subject = 'héllo wörld'").value, s("héllo wörld"));
        // Bare words and numbers.
        assert_eq!(cond("Status = open").value, s("open"));
        assert_eq!(cond("Requestor = alice@example.org").value, s("alice@example.org"));
        assert_eq!(cond("Due > 2026-12-04").value, s("2026-12-04"));
        assert_eq!(cond("id = 42").value, Value::Int(42));
        assert_eq!(cond("Priority > -3").value, Value::Int(-3));
        assert_eq!(cond("Priority > +3").value, Value::Int(3));
        assert_eq!(cond("id = '42'").value, s("42"));
        assert_eq!(cond("id = '42'").value.int(), Some(42));
        assert_eq!(cond("id = 99999999999999999999").value, s("99999999999999999999"));
    }

    #[test]
    fn placeholders() {
        assert_eq!(cond("Owner = '__CurrentUser__'").value, Value::CurrentUser);
        assert_eq!(cond("Creator = __currentuser__").value, Value::CurrentUser);
        assert_eq!(cond("Owner.Name = '__CurrentUserName__'").value, Value::CurrentUserName);
        assert_eq!(cond("Owner = '__SelectedUser__'").value, Value::SelectedUser);
        assert_eq!(cond("Owner.Name = '__SelectedUserName__'").value, Value::SelectedUserName);
        assert_eq!(cond("Status = '__Active__'").value, Value::Active);
        assert_eq!(cond("status != '__inactive__'").value, Value::Inactive);
        assert_eq!(cond("id = '__Bookmarked__'").value, Value::Bookmarked);
        // Only meaningful on their field; elsewhere a plain string, as in RT.
        assert_eq!(cond("Subject = '__Active__'").value, s("__Active__"));
        assert_eq!(cond("EffectiveId = '__Bookmarked__'").value, s("__Bookmarked__"));
        assert_eq!(err("Status LIKE '__Active__'"), "at character 8: Status '__Active__' cannot be used with LIKE");
        assert_eq!(err("id < '__Bookmarked__'"), "at character 4: id '__Bookmarked__' cannot be used with <");
    }

    #[test]
    fn case_insensitive_keywords_and_fields() {
        assert_eq!(ok("STATUS = 'new' and QUEUE = 'x'"), ok("Status = 'new' AND Queue = 'x'"));
        assert_eq!(field("requestor.emailaddress"), field("Requestor.EmailAddress"));
        assert_eq!(field("LASTUPDATED"), Field::Date { column: DateField::LastUpdated, part: None });
        assert_eq!(field("cf.{Foo}"), field("CustomField.{Foo}"));
        assert_eq!(ok("id = 1 oR id = 2"), ok("id = 1 OR id = 2"));
    }

    #[test]
    fn core_fields() {
        assert_eq!(field("id"), Field::Id);
        assert_eq!(field("EffectiveId"), Field::EffectiveId);
        assert_eq!(field("Queue"), Field::Queue { attribute: None });
        assert_eq!(field("Queue.Name"), Field::Queue { attribute: Some(QueueAttribute::Name) });
        assert_eq!(field("Queue.id"), Field::Queue { attribute: Some(QueueAttribute::Id) });
        for (key, f) in [
            ("Status", Field::Status),
            ("Subject", Field::Subject),
            ("SLA", Field::Sla),
            ("Type", Field::Type),
            ("Lifecycle", Field::Lifecycle),
            ("Creator", Field::Creator),
            ("LastUpdatedBy", Field::LastUpdatedBy),
            ("UpdatedBy", Field::UpdatedBy),
            ("Updated", Field::TransactionDate),
            ("TransactionDate", Field::TransactionDate),
            ("Content", Field::Content),
            ("ContentType", Field::ContentType),
            ("Filename", Field::Filename),
            ("HasAttribute", Field::HasAttribute),
            ("HasNoAttribute", Field::HasNoAttribute),
            ("HasUnreadMessages", Field::HasUnreadMessages),
            ("HasNoUnreadMessages", Field::HasNoUnreadMessages),
        ] {
            assert_eq!(field(key), f, "{key}");
        }
        for n in NumberField::ALL {
            assert_eq!(field(n.name()), Field::Number(*n));
        }
        for d in DateField::ALL {
            assert_eq!(field(d.name()), Field::Date { column: *d, part: None });
        }
        assert_eq!(
            field("Created.DayOfWeek"),
            Field::Date { column: DateField::Created, part: Some(DatePart::DayOfWeek) }
        );
        assert_eq!(field("due.month"), Field::Date { column: DateField::Due, part: Some(DatePart::Month) });
        for l in LinkField::ALL {
            assert_eq!(field(l.name()), Field::Link(*l));
        }
        assert_eq!(field("DependentOn"), Field::Link(LinkField::DependedOnBy));
    }

    #[test]
    fn watcher_fields() {
        let w = |role: Option<WatcherRole>, queue: bool, attribute: Option<UserAttribute>| Field::Watcher {
            role,
            queue,
            attribute,
            shallow: false,
        };
        assert_eq!(field("Owner"), w(Some(WatcherRole::Owner), false, None));
        assert_eq!(field("Owner.Name"), w(Some(WatcherRole::Owner), false, Some(UserAttribute::Name)));
        assert_eq!(field("Requestor"), w(Some(WatcherRole::Requestor), false, None));
        assert_eq!(
            field("Requestors.EmailAddress"),
            w(Some(WatcherRole::Requestor), false, Some(UserAttribute::EmailAddress))
        );
        assert_eq!(field("Cc.Name"), w(Some(WatcherRole::Cc), false, Some(UserAttribute::Name)));
        assert_eq!(field("AdminCc.id"), w(Some(WatcherRole::AdminCc), false, Some(UserAttribute::Id)));
        assert_eq!(field("Watcher.RealName"), w(None, false, Some(UserAttribute::RealName)));
        assert_eq!(field("QueueCc"), w(Some(WatcherRole::Cc), true, None));
        assert_eq!(
            field("QueueAdminCc.EmailAddress"),
            w(Some(WatcherRole::AdminCc), true, Some(UserAttribute::EmailAddress))
        );
        assert_eq!(field("QueueWatcher"), w(None, true, None));
        let engineer = Some(WatcherRole::Custom(NameOrId::Name("Sales Engineer".into())));
        assert_eq!(field("CustomRole.{Sales Engineer}"), w(engineer.clone(), false, None));
        assert_eq!(
            field("CustomRole.{Sales Engineer}.Organization"),
            w(engineer, false, Some(UserAttribute::Organization))
        );
        assert_eq!(field("CustomRole.{3}"), w(Some(WatcherRole::Custom(NameOrId::Id(3))), false, None));
        for a in UserAttribute::ALL {
            assert_eq!(field(&format!("Requestor.{}", a.name())), w(Some(WatcherRole::Requestor), false, Some(*a)));
        }
        for (key, role) in [
            ("OwnerGroup", Some(WatcherRole::Owner)),
            ("RequestorGroup", Some(WatcherRole::Requestor)),
            ("CCGroup", Some(WatcherRole::Cc)),
            ("AdminCCGroup", Some(WatcherRole::AdminCc)),
            ("WatcherGroup", None),
        ] {
            assert_eq!(field(key), Field::WatcherGroup { role }, "{key}");
            assert_eq!(field(key).to_string(), key);
        }
        assert_eq!(cond("Requestor.EmailAddress LIKE 'example.org'").value, s("example.org"));
    }

    #[test]
    fn custom_fields() {
        let cf = |applies_to, object: Option<&str>, cf, column| Field::CustomField {
            applies_to,
            object: object.map(str::to_string),
            cf,
            column,
        };
        let name = |n: &str| NameOrId::Name(n.to_string());
        use CfAppliesTo::{Queue, Ticket, Transaction};
        assert_eq!(field("CF.{Name With Spaces}"), cf(Ticket, None, name("Name With Spaces"), None));
        assert_eq!(field("CF.Severity"), cf(Ticket, None, name("Severity"), None));
        assert_eq!(field("CF.{12}"), cf(Ticket, None, NameOrId::Id(12), None));
        assert_eq!(field("CustomField.{Severity}"), cf(Ticket, None, name("Severity"), None));
        assert_eq!(field("CustomFieldValue.{Severity}"), cf(Ticket, None, name("Severity"), None));
        assert_eq!(field("QueueCF.{Team}"), cf(Queue, None, name("Team"), None));
        assert_eq!(field("TxnCF.{Reason}"), cf(Transaction, None, name("Reason"), None));
        assert_eq!(field("TransactionCF.{Reason}"), cf(Transaction, None, name("Reason"), None));
        assert_eq!(field("CF.{IP}.LargeContent"), cf(Ticket, None, name("IP"), Some(CfColumn::LargeContent)));
        assert_eq!(field("CF.IP.content"), cf(Ticket, None, name("IP"), Some(CfColumn::Content)));
        assert_eq!(field("CF.Content"), cf(Ticket, None, name("Content"), None));
        assert_eq!(field("CF.General.{Severity}"), cf(Ticket, Some("General"), name("Severity"), None));
        assert_eq!(field("CF.{a.b}"), cf(Ticket, None, name("a.b"), None));
        let c = cond("CF.{Name With Spaces} = 'x' ");
        assert_eq!(c.field, cf(Ticket, None, name("Name With Spaces"), None));
        assert_eq!(cond("'CF.{Name With Spaces}' LIKE 'x'").field, c.field);
        assert_eq!(cond("\"CF.{Name With Spaces}\" IS NULL").op, Op::IsNull);
        assert_eq!(cond("QueueCF.{Name With Spaces} < 5").op, Op::Lt);
        assert_eq!(err("CF.{} = 1"), "at character 1: empty custom field name in 'CF.{}'");
        assert_eq!(err("CF = 1"), "at character 1: expected a custom field name after 'CF'");
    }

    #[test]
    fn operators_are_checked_per_field() {
        assert_eq!(
            err("Due LIKE '2026'"),
            "at character 5: Due does not accept LIKE (use =, <, >, <=, >=, IS NULL, IS NOT NULL)"
        );
        assert_eq!(
            err("Created != 'today'"),
            "at character 9: Created does not accept != (use =, <, >, <=, >=, IS NULL, IS NOT NULL)"
        );
        assert_eq!(err("Type LIKE 'tick'"), "at character 6: Type does not accept LIKE (use =, !=)");
        assert_eq!(err("RequestorGroup != 'x'"), "at character 16: RequestorGroup does not accept != (use =)");
        assert_eq!(
            err("MemberOf LIKE 5"),
            "at character 10: MemberOf does not accept LIKE (use =, !=, IS NULL, IS NOT NULL)"
        );
        assert_eq!(
            err("Queue IS NULL"),
            "at character 7: Queue does not accept IS NULL (use =, !=, LIKE, NOT LIKE, STARTSWITH, NOT STARTSWITH, ENDSWITH, NOT ENDSWITH)"
        );
        assert_eq!(err("Updated IS NULL"), "at character 9: Updated does not accept IS NULL (use =, <, >, <=, >=)");
        assert_eq!(err("Subject < 'x'").split(" (").next(), Some("at character 9: Subject does not accept <"));
        for ok_query in [
            "Queue LIKE 'Gen'",
            "Queue.Name = 'General'",
            "Lifecycle = 'default'",
            "Creator = 'root'",
            "LastUpdatedBy != 12",
            "UpdatedBy = 'alice'",
            "Updated > 'yesterday'",
            "TransactionDate = '2026-01-01'",
            "Content LIKE 'printer'",
            "ContentType = 'text/plain'",
            "Filename ENDSWITH '.pdf'",
            "HasAttribute = 'Seen'",
            "HasNoAttribute LIKE 'Seen'",
            "HasUnreadMessages = 1",
            "SLA = '4h'",
            "Type = 'ticket'",
            "Created.Month = 'December'",
            "Due > 0",
            "Told < '2 days ago'",
            "Resolved IS NOT NULL",
            "DependsOn = 12",
            "RefersTo = 'https://example.org/'",
            "HasMember IS NULL",
            "Linked IS NOT NULL",
            "LinkedTo != 3",
            "LinkedFrom = 4",
            "ReferredToBy = 5",
            "DependedOnBy = 6",
            "MemberOf = 7",
            "OwnerGroup = 'Support'",
            "WatcherGroup = 'Support'",
            "Priority > 50",
            "TimeWorked >= 60",
            "TimeLeft LIKE 5",
            "CF.{Date} < 'last week'",
            "CF.{Text} NOT ENDSWITH 'x'",
            "Requestor IS NULL",
            "Owner = 'Nobody'",
        ] {
            ok(ok_query);
        }
    }

    #[test]
    fn error_positions() {
        assert_eq!(err("Status foo"), "at character 8: expected an operator after Status, found 'foo'");
        assert_eq!(err("Status = 'open"), "at character 10: unterminated quoted string");
        assert_eq!(err("Subject = 'it\\'"), "at character 11: unterminated quoted string");
        assert_eq!(err("Status ="), "at character 9: expected a value after Status =, found end of query");
        assert_eq!(err("Status = )"), "at character 10: expected a value after Status =, found ')'");
        assert_eq!(err("Due IS"), "at character 7: expected a value after Due IS, found end of query");
        assert_eq!(err("Due IS 'x'"), "at character 8: expected NULL after Due IS, found 'x'");
        assert_eq!(err("Due < NULL"), "at character 7: NULL can only be used with =, !=, IS and IS NOT");
        assert_eq!(err("Sttaus = 'open'"), "at character 1: unknown field 'Sttaus'");
        assert_eq!(err("id = 1 AND Foo.Bar = 2"), "at character 12: unknown field 'Foo.Bar'");
        assert_eq!(
            err("Requestor.Email = 'x'"),
            "at character 1: unknown sub-field in 'Requestor.Email', expected a user attribute such as EmailAddress"
        );
        assert_eq!(err("Status.Name = 'x'"), "at character 1: 'Status' has no sub-fields (in 'Status.Name')");
        assert_eq!(err("Status = 'open')"), "at character 16: unmatched ')'");
        assert_eq!(
            err("(Status = 'open'"),
            "at character 17: expected AND, OR or ')' closing the '(' at character 1, found end of query"
        );
        assert_eq!(
            err("((id = 1) OR (id = 2)"),
            "at character 22: expected AND, OR or ')' closing the '(' at character 1, found end of query"
        );
        assert_eq!(err("()"), "at character 2: expected a field name or '(' after '(', found ')'");
        assert_eq!(err(")"), "at character 1: expected a field name or '(', found ')'");
        assert_eq!(
            err("Status = 'open' AND"),
            "at character 20: expected a field name or '(' after AND, found end of query"
        );
        assert_eq!(
            err("Status = 'open' OR OR id = 1"),
            "at character 20: expected a field name or '(' after OR, found 'OR'"
        );
        assert_eq!(err("AND id = 1"), "at character 1: expected a field name or '(', found 'AND'");
        assert_eq!(err("id = 1 id = 2"), "at character 8: expected AND or OR, found 'id'");
        assert_eq!(
            err("(id = 1 id = 2)"),
            "at character 9: expected AND, OR or ')' closing the '(' at character 1, found 'id'"
        );
        assert_eq!(err("Status = 'open' ORDER BY id"), "at character 17: expected AND or OR, found 'ORDER'");
        assert_eq!(err("id <> 1"), "at character 4: '<>' is not supported, use !=");
        assert_eq!(
            err("Subject NOT = 'x'"),
            "at character 13: expected LIKE, STARTSWITH or ENDSWITH after NOT, found '='"
        );
        assert_eq!(err("CF.{Foo = 1"), "at character 4: unclosed '{' in field name");
        assert_eq!(
            err("Due < CF.{Start}"),
            "at character 7: comparing with another column is not supported; quote the value"
        );
        assert_eq!(err("'Status = 1"), "at character 1: unterminated quoted string");
        // Positions count characters, not bytes.
        assert_eq!(err("Subject = 'é' x"), "at character 15: expected AND or OR, found 'x'");
        let e = parse("Status foo").expect_err("error");
        assert_eq!((e.position, e.message.as_str()), (8, "expected an operator after Status, found 'foo'"));
    }

    #[test]
    fn order_by() {
        let o = |key: &str, descending| Order { key: OrderKey::Field(field(key)), descending };
        let ob = |by: &str, order: &str| parse_order_by(by, order).unwrap_or_else(|e| panic!("{by}: {e}"));
        assert_eq!(ob("Priority|Created", "DESC|ASC"), vec![o("Priority", true), o("Created", false)]);
        assert_eq!(ob("Priority|Created|id", "desc"), vec![o("Priority", true), o("Created", false), o("id", false)]);
        assert_eq!(ob("id", ""), vec![o("id", false)]);
        assert_eq!(ob("", ""), vec![]);
        assert_eq!(ob("|Due|", "ASC|DESC|DESC"), vec![o("Due", true)]);
        assert_eq!(ob("-id", ""), vec![o("id", true)]);
        assert_eq!(ob("+Created", "DESC"), vec![o("Created", false)]);
        assert_eq!(
            ob("Requestor.EmailAddress|CF.{Due Date}", "ASC|DESC"),
            vec![o("Requestor.EmailAddress", false), o("CF.{Due Date}", true)]
        );
        assert_eq!(ob("'CF.{Due Date}'", ""), vec![o("CF.{Due Date}", false)]);
        assert_eq!(ob("Owner| Queue ", ""), vec![o("Owner", false), o("Queue", false)]);
        assert_eq!(
            ob("Resolution Time", "DESC"),
            vec![Order { key: OrderKey::Other("Resolution Time".into()), descending: true }]
        );
        let e = parse_order_by("id|Due", "ASC|sideways").expect_err("bad order");
        assert_eq!(e.to_string(), "at character 5: expected ASC or DESC in Order, found 'sideways'");
        let e = parse_order_by("id|CF.{}", "").expect_err("bad key");
        assert_eq!(e.to_string(), "at character 4: empty custom field name in 'CF.{}'");
    }

    #[test]
    fn paging() {
        assert_eq!(Paging::from_params(None, None), Paging { rows_per_page: None, page: 1 });
        assert_eq!(Paging::from_params(Some("50"), Some("3")), Paging { rows_per_page: Some(50), page: 3 });
        assert_eq!(Paging::from_params(Some("0"), Some("0")), Paging { rows_per_page: None, page: 1 });
        assert_eq!(Paging::from_params(Some("x"), Some("-2")), Paging { rows_per_page: None, page: 1 });
        assert_eq!(Paging::from_params(Some("50"), Some("3")).offset(), 100);
        assert_eq!(Paging::from_params(None, Some("3")).offset(), 0);
    }

    #[test]
    fn a_realistic_query() {
        let q = "Queue = 'General' AND ( Status = '__Active__' OR Status = 'resolved' ) \
                 AND Requestor.EmailAddress LIKE '@example.org' AND CF.{Severity Level} != \"low\" \
                 AND Created > '2 days ago' AND Owner = '__CurrentUser__'";
        let Expr::And(terms) = ok(q) else { panic!("not an AND") };
        assert_eq!(terms.len(), 6);
        assert_eq!(terms[1], Expr::Or(vec![c("Status", Op::Eq, Value::Active), c("Status", Op::Eq, s("resolved"))]));
        assert_eq!(terms[4], c("Created", Op::Gt, s("2 days ago")));
    }
}
