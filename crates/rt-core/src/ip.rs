//! IP addresses and ranges: the values of RT's `IPAddress` and
//! `IPAddressRange` custom fields (RTIR's `IP` field is an `IPAddressRange`).
//!
//! # Semantics
//!
//! Every value is an inclusive range `[start, end]` of one address family,
//! an [`IpRange`]. A single address is a range with `start == end`. IPv4
//! values live in the low 32 bits of the `u128` bounds. Ranges of different
//! families never contain or overlap each other, even where the numbers
//! would (`::1.2.3.4` and `::ffff:1.2.3.4` are IPv6 values, unrelated to
//! the IPv4 value `1.2.3.4`).
//!
//! # Accepted input ([`IpRange::parse`], RT's `ParseIPRange`)
//!
//! The input is trimmed and lower-cased, then must be one of:
//!
//! - a single IPv4 address `1.2.3.4` (four decimal octets of one to three
//!   digits each, at most 255; `010.000.000.001` is `10.0.0.1`, decimal, as
//!   in RT);
//! - an IPv4 range `1.2.3.4-1.2.3.9`; ends given in reverse order are
//!   swapped; spaces around the `-` are allowed;
//! - an IPv4 CIDR block `1.2.3.0/24` (mask 0 to 32), including RT's
//!   abbreviated forms with two or three octets, the missing ones being 0
//!   (`172.16/16` is `172.16.0.0/16`); host bits of the given address are
//!   ignored (`1.2.3.4/24` is `1.2.3.0-1.2.3.255`), as `Net::CIDR::cidr2range`
//!   does. A single octet (`10/8`) is not a CIDR block, as in RT;
//! - a single IPv6 address, full (`abcd:0:0:0:0:0:0:34`), compressed
//!   (`abcd::34`, `::`), or with an embedded IPv4 tail (`::192.168.1.1`,
//!   `::ffff:1.2.3.4`, `1:2:3:4:5:6:1.2.3.4`);
//! - an IPv6 CIDR block `abcd::/16` (mask 0 to 128);
//! - an IPv6 range `abcd::1-abcd::ff` (swapped if reversed).
//!
//! Anything else, including a range whose ends are of different families
//! (`1.2.3.4-::1`) or the empty string, is an [`IpError::InvalidRange`]
//! ("... is not a valid IP address or range"; RT says "Content is an invalid
//! IP address range"). [`IpRange::parse_single`] is the stricter parser for
//! `IPAddress` fields: one address, no range or CIDR block.
//!
//! # Storage
//!
//! RT stores a value as zero-padded decimal (`010.000.000.001`) or fully
//! expanded IPv6 text in `Content`/`LargeContent`. We store instead, as
//! DESIGN.md decides, the family ([`IpFamily::as_str`]: `"4"` or `"6"`) and
//! the two bounds as fixed-width lower-case hex ([`IpRange::start_hex`],
//! [`IpRange::end_hex`]: 8 digits for IPv4, 32 for IPv6). Within a family,
//! string order of the hex equals numeric order, so the searches of RT's
//! TicketSQL `CF.{IP}` are indexed range comparisons on SQLite and
//! PostgreSQL alike, always restricted to the query's family:
//!
//! - `=` (overlap, [`IpRange::overlaps`]): `family = q.family AND start <=
//!   q.end_hex AND end >= q.start_hex`; so `CF.{IP} = '10.0.2.0/24'` finds a
//!   ticket holding `10.0.2.7`, and `CF.{IP} = '10.0.2.7'` one holding
//!   `10.0.2.0-10.0.2.127`;
//! - `!=`: the negation (`start > q.end_hex OR end < q.start_hex`);
//! - `<`, `<=` compare `start` with the query's start, `>`, `>=` with its
//!   end.
//!
//! [`IpRange::from_stored`] reads a stored value back.
//!
//! # Display
//!
//! As RT's `Content` accessor: IPv4 unpadded dotted decimal; IPv6 in
//! `Net::IP::ip_compress_address` form, which RT uses: lower-case hex groups
//! without leading zeros, always hex (an embedded IPv4 tail is shown in hex:
//! `abcd::192.168.1.1` is shown `abcd::c0a8:101`, `::ffff:1.2.3.4` is shown
//! `::ffff:102:304`, where std's `Ipv6Addr` would print `::ffff:1.2.3.4`),
//! and the longest run of two or more zero groups written `::`. On a tie
//! the first run wins, except that, as in `Net::IP`, a run touching neither
//! end of the address beats an equally long run at the start or end
//! (`0:0:1:0:0:2:3:4` is shown `0:0:1::2:3:4`; RFC 5952 and std would give
//! `::1:0:0:2:3:4`). A single address is shown alone, a range as
//! `start-end`; ranges are never turned back into CIDR notation
//! (`10.0.2.0/24` is shown `10.0.2.0-10.0.2.255`). Displayed text parses
//! back to the same value.
//!
//! # Extraction from message text ([`find_ips`], RTIR's `RTIR_FindIP`)
//!
//! [`find_ips`] returns the IP values mentioned in a text, each once, in
//! order of first appearance; see its documentation for the rules.
//!
//! ```
//! use rt_core::ip::{IpError, IpFamily, IpRange, find_ips};
//!
//! # fn main() -> Result<(), IpError> {
//! let net = IpRange::parse("172.16/16")?;
//! assert_eq!(net.to_string(), "172.16.0.0-172.16.255.255");
//! assert_eq!((net.family(), net.start_hex(), net.end_hex()), (IpFamily::V4, "ac100000".into(), "ac10ffff".into()));
//! assert_eq!(IpRange::from_stored("4", "ac100000", "ac10ffff")?, net);
//! assert!(net.contains(&IpRange::parse("172.16.1.1")?));
//! assert_eq!(find_ips("from 10.0.0.1, and 10.0.0.1/32."), vec![IpRange::parse("10.0.0.1")?]);
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The longest textual IPv6 address (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`).
const MAX_V6_TEXT: usize = 45;

/// How much of a refused input an error message quotes.
const QUOTE_MAX_CHARS: usize = 80;

/// The address family of an IP value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpFamily {
    /// IPv4: 32-bit addresses, held in the low 32 bits of the bounds.
    V4,
    /// IPv6: 128-bit addresses.
    V6,
}

impl IpFamily {
    /// The family as stored in the database: `"4"` for IPv4, `"6"` for
    /// IPv6. Its `FromStr` implementation reads it back.
    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::V4 => "4",
            IpFamily::V6 => "6",
        }
    }

    /// The width of an address of this family in bits: 32 or 128.
    pub fn bits(self) -> u32 {
        match self {
            IpFamily::V4 => 32,
            IpFamily::V6 => 128,
        }
    }

    /// The largest address of the family.
    fn max(self) -> u128 {
        match self {
            IpFamily::V4 => u128::from(u32::MAX),
            IpFamily::V6 => u128::MAX,
        }
    }

    /// The number of hex digits a stored bound has: 8 or 32.
    fn hex_width(self) -> usize {
        match self {
            IpFamily::V4 => 8,
            IpFamily::V6 => 32,
        }
    }
}

impl FromStr for IpFamily {
    type Err = IpError;

    /// Reads a stored family: exactly `"4"` or `"6"`.
    fn from_str(s: &str) -> Result<Self, IpError> {
        match s {
            "4" => Ok(IpFamily::V4),
            "6" => Ok(IpFamily::V6),
            _ => Err(IpError::InvalidFamily(s.to_owned())),
        }
    }
}

/// Why an IP value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpError {
    /// Input for an `IPAddressRange` value is not a single address, range
    /// or CIDR block. Holds the trimmed input.
    #[error("\"{}\" is not a valid IP address or range", quote(.0))]
    InvalidRange(String),
    /// Input for an `IPAddress` value is not a single address. Holds the
    /// trimmed input.
    #[error("\"{}\" is not a valid IP address", quote(.0))]
    InvalidAddress(String),
    /// A stored family is neither `"4"` nor `"6"`.
    #[error("invalid stored IP address family \"{}\" (expected \"4\" or \"6\")", quote(.0))]
    InvalidFamily(String),
    /// Stored bounds are not fixed-width lower-case hex of their family,
    /// or start after the end.
    #[error("invalid stored IPv{} range \"{}\"-\"{}\"", .family.as_str(), quote(.start), quote(.end))]
    InvalidStored {
        /// The stored family.
        family: IpFamily,
        /// The stored start.
        start: String,
        /// The stored end.
        end: String,
    },
}

/// The input as quoted in an error message: cut after
/// [`QUOTE_MAX_CHARS`] characters.
fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// One IP custom field value: an inclusive range of addresses of one
/// family (a single address when start equals end).
///
/// Ordered by family (IPv4 first), then start, then end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    family: IpFamily,
    start: u128,
    end: u128,
}

impl IpRange {
    /// Parses an `IPAddressRange` value: a single IPv4 or IPv6 address, a
    /// range `a-b` of one family, or a CIDR block (see the module
    /// documentation for the accepted forms). Leading and trailing white
    /// space and letter case are ignored.
    pub fn parse(input: &str) -> Result<IpRange, IpError> {
        let trimmed = input.trim();
        parse_range(&trimmed.to_ascii_lowercase()).ok_or_else(|| IpError::InvalidRange(trimmed.to_owned()))
    }

    /// Parses an `IPAddress` value: exactly one IPv4 or IPv6 address (no
    /// range, no CIDR block). Leading and trailing white space and letter
    /// case are ignored.
    pub fn parse_single(input: &str) -> Result<IpRange, IpError> {
        let trimmed = input.trim();
        match parse_addr(&trimmed.to_ascii_lowercase()) {
            Some((family, value)) => Ok(IpRange::single(family, value)),
            None => Err(IpError::InvalidAddress(trimmed.to_owned())),
        }
    }

    /// Reads back a stored value: the family (`"4"` or `"6"`) and the bounds
    /// as written by [`start_hex`](Self::start_hex) and
    /// [`end_hex`](Self::end_hex) (exactly 8 or 32 lower-case hex digits,
    /// start not after end).
    pub fn from_stored(family: &str, start_hex: &str, end_hex: &str) -> Result<IpRange, IpError> {
        let family: IpFamily = family.parse()?;
        let bounds = parse_hex(start_hex, family.hex_width()).zip(parse_hex(end_hex, family.hex_width()));
        match bounds {
            Some((start, end)) if start <= end => Ok(IpRange { family, start, end }),
            _ => Err(IpError::InvalidStored { family, start: start_hex.to_owned(), end: end_hex.to_owned() }),
        }
    }

    /// The range holding one address.
    fn single(family: IpFamily, value: u128) -> IpRange {
        IpRange { family, start: value, end: value }
    }

    /// The network block of `value/prefix`; host bits of `value` are
    /// ignored. `prefix` is at most the family's width.
    fn from_cidr(family: IpFamily, value: u128, prefix: u32) -> IpRange {
        let host = family.max().checked_shr(prefix).unwrap_or(0);
        let start = value & family.max() & !host;
        IpRange { family, start, end: start | host }
    }

    /// The address family.
    pub fn family(&self) -> IpFamily {
        self.family
    }

    /// The first address of the range as a number (IPv4 in the low 32
    /// bits).
    pub fn start(&self) -> u128 {
        self.start
    }

    /// The last address of the range as a number (IPv4 in the low 32 bits).
    pub fn end(&self) -> u128 {
        self.end
    }

    /// Whether the range holds exactly one address.
    pub fn is_single(&self) -> bool {
        self.start == self.end
    }

    /// The first address of the range.
    pub fn start_addr(&self) -> IpAddr {
        to_addr(self.family, self.start)
    }

    /// The last address of the range.
    pub fn end_addr(&self) -> IpAddr {
        to_addr(self.family, self.end)
    }

    /// The start as stored: fixed-width lower-case hex, 8 digits for IPv4
    /// and 32 for IPv6, so that string order equals numeric order within a
    /// family.
    pub fn start_hex(&self) -> String {
        to_hex(self.family, self.start)
    }

    /// The end as stored: fixed-width lower-case hex, like
    /// [`start_hex`](Self::start_hex).
    pub fn end_hex(&self) -> String {
        to_hex(self.family, self.end)
    }

    /// The range's width less one (`end - start`) as 32 lower-case hex
    /// digits whatever the family, so that spans compare as strings.
    pub fn span_hex(&self) -> String {
        format!("{:032x}", self.end - self.start)
    }

    /// Whether every address of `other` is in this range. Always false
    /// across families.
    pub fn contains(&self, other: &IpRange) -> bool {
        self.family == other.family && self.start <= other.start && other.end <= self.end
    }

    /// Whether the two ranges share at least one address: TicketSQL's
    /// `CF.{IP} = '...'` test. Always false across families.
    pub fn overlaps(&self, other: &IpRange) -> bool {
        self.family == other.family && self.start <= other.end && other.start <= self.end
    }
}

impl FromStr for IpRange {
    type Err = IpError;

    /// Same as [`IpRange::parse`].
    fn from_str(s: &str) -> Result<Self, IpError> {
        IpRange::parse(s)
    }
}

impl From<Ipv4Addr> for IpRange {
    fn from(addr: Ipv4Addr) -> Self {
        IpRange::single(IpFamily::V4, u128::from(u32::from(addr)))
    }
}

impl From<Ipv6Addr> for IpRange {
    fn from(addr: Ipv6Addr) -> Self {
        IpRange::single(IpFamily::V6, u128::from(addr))
    }
}

impl From<IpAddr> for IpRange {
    fn from(addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(v4) => v4.into(),
            IpAddr::V6(v6) => v6.into(),
        }
    }
}

impl fmt::Display for IpRange {
    /// RT's display form: `1.2.3.4`, `1.2.3.0-1.2.3.255`, `abcd::c0a8:101`,
    /// `::c0a8:100-::c0a8:1ff` (see the module documentation).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_addr(f, self.family, self.start)?;
        if self.end != self.start {
            f.write_str("-")?;
            write_addr(f, self.family, self.end)?;
        }
        Ok(())
    }
}

fn to_addr(family: IpFamily, value: u128) -> IpAddr {
    match family {
        IpFamily::V4 => IpAddr::V4(Ipv4Addr::from(value as u32)),
        IpFamily::V6 => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

fn to_hex(family: IpFamily, value: u128) -> String {
    match family {
        IpFamily::V4 => format!("{:08x}", value as u32),
        IpFamily::V6 => format!("{value:032x}"),
    }
}

/// Exactly `width` lower-case hex digits.
fn parse_hex(s: &str, width: usize) -> Option<u128> {
    if s.len() != width || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u128::from_str_radix(s, 16).ok()
}

fn write_addr(f: &mut fmt::Formatter<'_>, family: IpFamily, value: u128) -> fmt::Result {
    match family {
        IpFamily::V4 => write!(f, "{}", Ipv4Addr::from(value as u32)),
        IpFamily::V6 => write_v6(f, value),
    }
}

/// `Net::IP::ip_compress_address`: hex groups without leading zeros, the
/// zero run whose `(^|:)0(:0)+(:|$)` text is longest (first on ties)
/// written `::`.
fn write_v6(f: &mut fmt::Formatter<'_>, value: u128) -> fmt::Result {
    let groups: [u16; 8] = std::array::from_fn(|i| (value >> (112 - 16 * i)) as u16);
    // (start, len) of the chosen run and the length of its text.
    let mut best: Option<(usize, usize)> = None;
    let mut best_score = 0;
    let mut i = 0;
    while i < groups.len() {
        if groups[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < groups.len() && groups[i] == 0 {
            i += 1;
        }
        let len = i - start;
        let score = 2 * len - 1 + usize::from(start > 0) + usize::from(i < groups.len());
        if len >= 2 && score > best_score {
            best = Some((start, len));
            best_score = score;
        }
    }
    match best {
        Some((start, len)) => {
            write_groups(f, &groups[..start])?;
            f.write_str("::")?;
            write_groups(f, &groups[start + len..])
        }
        None => write_groups(f, &groups),
    }
}

fn write_groups(f: &mut fmt::Formatter<'_>, groups: &[u16]) -> fmt::Result {
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            f.write_str(":")?;
        }
        write!(f, "{group:x}")?;
    }
    Ok(())
}

/// A trimmed, lower-cased `IPAddressRange` input.
fn parse_range(s: &str) -> Option<IpRange> {
    if let Some((a, b)) = s.split_once('-') {
        let (family, a) = parse_addr(a.trim())?;
        let (family_b, b) = parse_addr(b.trim())?;
        if family != family_b {
            return None;
        }
        return Some(IpRange { family, start: a.min(b), end: a.max(b) });
    }
    if let Some((addr, mask)) = s.split_once('/') {
        let (family, value) =
            if addr.contains(':') { (IpFamily::V6, parse_v6(addr)?) } else { (IpFamily::V4, parse_v4_abbrev(addr)?) };
        let prefix = parse_mask(mask.as_bytes(), family.bits())?;
        return Some(IpRange::from_cidr(family, value, prefix));
    }
    let (family, value) = parse_addr(s)?;
    Some(IpRange::single(family, value))
}

/// One address: IPv6 if it has a colon, else IPv4 with four octets.
fn parse_addr(s: &str) -> Option<(IpFamily, u128)> {
    if s.contains(':') { Some((IpFamily::V6, parse_v6(s)?)) } else { Some((IpFamily::V4, u128::from(parse_v4(s)?))) }
}

/// A decimal octet: one to three digits, at most 255.
fn parse_octet(s: &[u8]) -> Option<u8> {
    if s.is_empty() || s.len() > 3 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = s.iter().fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    u8::try_from(value).ok()
}

/// Dotted-decimal IPv4 with exactly four octets.
fn parse_v4(s: &str) -> Option<u32> {
    let mut value = 0u32;
    let mut count = 0;
    for part in s.split('.') {
        count += 1;
        if count > 4 {
            return None;
        }
        value = (value << 8) | u32::from(parse_octet(part.as_bytes())?);
    }
    (count == 4).then_some(value)
}

/// The address of an IPv4 CIDR block: two to four octets, the missing ones
/// being 0 (`172.16` is `172.16.0.0`).
fn parse_v4_abbrev(s: &str) -> Option<u128> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    for part in s.split('.') {
        *octets.get_mut(count)? = parse_octet(part.as_bytes())?;
        count += 1;
    }
    (count >= 2).then(|| u128::from(u32::from_be_bytes(octets)))
}

/// A CIDR prefix length: decimal without leading zeros, at most `max`.
fn parse_mask(s: &[u8], max: u32) -> Option<u32> {
    if s.is_empty() || s.len() > 3 || !s.iter().all(u8::is_ascii_digit) || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let value = s.iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
    (value <= max).then_some(value)
}

/// An IPv6 address: eight groups of one to four hex digits, at most one
/// `::` standing for one or more zero groups, optionally ending in a
/// dotted IPv4 address standing for the last two groups. Either case.
fn parse_v6(s: &str) -> Option<u128> {
    let mut groups = [0u16; 8];
    match s.split_once("::") {
        None => {
            if parse_groups(s, &mut groups, true)? != 8 {
                return None;
            }
        }
        Some((head, tail)) => {
            let mut tail_groups = [0u16; 8];
            let head_len = parse_groups(head, &mut groups, false)?;
            let tail_len = parse_groups(tail, &mut tail_groups, true)?;
            if head_len + tail_len > 7 {
                return None;
            }
            groups[8 - tail_len..].copy_from_slice(&tail_groups[..tail_len]);
        }
    }
    Some(groups.iter().fold(0u128, |acc, &g| (acc << 16) | u128::from(g)))
}

/// Colon-separated groups into `out`; returns how many were written. An
/// empty string has none; an empty group is an error.
fn parse_groups(s: &str, out: &mut [u16; 8], allow_v4_tail: bool) -> Option<usize> {
    if s.is_empty() {
        return Some(0);
    }
    let mut count = 0;
    let mut parts = s.split(':').peekable();
    while let Some(part) = parts.next() {
        if allow_v4_tail && parts.peek().is_none() && part.contains('.') {
            let v4 = parse_v4(part)?;
            *out.get_mut(count)? = (v4 >> 16) as u16;
            *out.get_mut(count + 1)? = v4 as u16;
            count += 2;
        } else {
            if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            *out.get_mut(count)? = u16::from_str_radix(part, 16).ok()?;
            count += 1;
        }
    }
    Some(count)
}

/// The IP addresses, CIDR blocks and IPv6 prefixes mentioned in `text`, as
/// RTIR's `RTIR_FindIP` scrip action finds them, each value once, in order
/// of first appearance (`1.2.3.4` and `1.2.3.4/32` are the same value).
///
/// Recognised:
///
/// - IPv4 addresses `1.2.3.4` not preceded by a digit or dot and not
///   followed by a digit, a dot and a digit, or `/` and a digit; so
///   version strings (`1.2.3.4.5`, `8.13.8/8.13.0/1.0`) and invalid
///   octets (`255.255.255.256`) yield nothing, while a sentence's final
///   dot is fine (`seen from 1.2.3.4.`). `0.0.0.0` is skipped;
/// - IPv4 CIDR blocks `1.2.3.0/24`, under the same conditions, with two to
///   four octets (`172.16/16` is `172.16.0.0/16`) and a mask of 1 to 32,
///   as ranges; `/0` and blocks of the all-zero address are skipped;
/// - IPv6 addresses (any form [`IpRange::parse`] takes) not preceded by a
///   letter, digit, colon or dot and not followed by a letter, digit or
///   colon, nor a dot and one of those; optionally with a prefix length
///   `/1` to `/128` (as a range; `/128` is the address). The all-zero
///   address (`::`, also with a prefix length) and `/0` prefixes are
///   skipped; a prefix length that is out of range or directly followed by
///   a letter, digit or colon is not part of the value (`::1/129` yields
///   `::1`).
///
/// Words like `RT::IR` or `Foo::Bar` are not addresses.
pub fn find_ips(text: &str) -> Vec<IpRange> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        match scan_v6(bytes, i).or_else(|| scan_v4(bytes, i)) {
            Some((range, next)) => {
                if seen.insert(range) {
                    found.push(range);
                }
                i = next;
            }
            None => i += 1,
        }
    }
    found
}

/// A character that may not touch an IPv6 address in text.
fn v6_blocker(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b':'
}

/// A character of the word an IPv6 address is cut from.
fn v6_word(b: u8) -> bool {
    v6_blocker(b) || b == b'.'
}

/// Whether a value ending before `pos` is properly delimited for IPv6:
/// not followed by a blocker, nor by a dot and a blocker.
fn v6_end_ok(b: &[u8], pos: usize) -> bool {
    match b.get(pos) {
        Some(&c) if v6_blocker(c) => false,
        Some(b'.') => !b.get(pos + 1).is_some_and(|&c| v6_blocker(c)),
        _ => true,
    }
}

/// Whether a value ending before `pos` is properly delimited for IPv4:
/// not followed by a digit, nor by a dot and a digit.
fn v4_end_ok(b: &[u8], pos: usize) -> bool {
    match b.get(pos) {
        Some(c) if c.is_ascii_digit() => false,
        Some(b'.') => !b.get(pos + 1).is_some_and(u8::is_ascii_digit),
        _ => true,
    }
}

/// An IPv6 address (with optional prefix length) starting at `i`; returns
/// the value and where it ends.
fn scan_v6(b: &[u8], i: usize) -> Option<(IpRange, usize)> {
    if i > 0 && v6_word(b[i - 1]) {
        return None;
    }
    if !(b[i].is_ascii_hexdigit() || b[i] == b':') {
        return None;
    }
    let word_end = i + b[i..].iter().take_while(|&&c| v6_word(c)).count();
    // Most words have no colon and cannot be an address: skip them at once.
    if !b[i..word_end].contains(&b':') {
        return None;
    }
    // The address ends at the end of the word or at a dot not followed by
    // a blocker (a sentence's full stop); try the longest first.
    let last = word_end.min(i + MAX_V6_TEXT);
    let (end, value) =
        (i + 2..=last).rev().filter(|&e| e == word_end || (b[e] == b'.' && v6_end_ok(b, e))).find_map(|e| {
            let text = std::str::from_utf8(&b[i..e]).ok()?;
            Some((e, parse_v6(text)?))
        })?;
    if value == 0 || b[end..].starts_with(b"/0") {
        return None;
    }
    if b.get(end) == Some(&b'/') {
        let digits = b[end + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let mask_end = end + 1 + digits;
        if let Some(prefix) = parse_mask(&b[end + 1..mask_end], 128)
            && v6_end_ok(b, mask_end)
        {
            return Some((IpRange::from_cidr(IpFamily::V6, value, prefix), mask_end));
        }
    }
    Some((IpRange::single(IpFamily::V6, value), end))
}

/// An IPv4 address or CIDR block starting at `i`; returns the value and
/// where it ends.
fn scan_v4(b: &[u8], i: usize) -> Option<(IpRange, usize)> {
    if i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut count = 0;
    let mut pos = i;
    loop {
        let digits = b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
        octets[count] = parse_octet(&b[pos..pos + digits])?;
        count += 1;
        pos += digits;
        if count == 4 || b.get(pos) != Some(&b'.') || !b.get(pos + 1).is_some_and(u8::is_ascii_digit) {
            break;
        }
        pos += 1;
    }
    let value = u128::from(u32::from_be_bytes(octets));
    let slash_digit = b.get(pos) == Some(&b'/') && b.get(pos + 1).is_some_and(u8::is_ascii_digit);
    if count == 4 && !slash_digit {
        return (v4_end_ok(b, pos) && value != 0).then_some((IpRange::single(IpFamily::V4, value), pos));
    }
    if count < 2 || !slash_digit {
        return None;
    }
    let digits = b[pos + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mask_end = pos + 1 + digits;
    let prefix = parse_mask(&b[pos + 1..mask_end], 32)?;
    (prefix > 0 && value != 0 && v4_end_ok(b, mask_end))
        .then_some((IpRange::from_cidr(IpFamily::V4, value, prefix), mask_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IpRange {
        IpRange::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn shown(s: &str) -> String {
        p(s).to_string()
    }

    fn found(text: &str) -> Vec<String> {
        find_ips(text).iter().map(ToString::to_string).collect()
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
        u128::from(u32::from_be_bytes([a, b, c, d]))
    }

    #[test]
    fn single_ipv4() {
        let r = p("1.2.3.4");
        assert_eq!((r.family(), r.start(), r.end()), (IpFamily::V4, v4(1, 2, 3, 4), v4(1, 2, 3, 4)));
        assert!(r.is_single());
        assert_eq!(r.to_string(), "1.2.3.4");
        assert_eq!(shown("  10.0.0.1 \n "), "10.0.0.1");
        assert_eq!(shown("010.000.000.001"), "10.0.0.1");
        assert_eq!(shown("0.0.0.0"), "0.0.0.0");
        assert_eq!(shown("255.255.255.255"), "255.255.255.255");
        assert_eq!(shown("1.0.0.0"), "1.0.0.0");
    }

    #[test]
    fn ipv4_ranges() {
        assert_eq!(shown("172.16.0.0-172.16.0.255"), "172.16.0.0-172.16.0.255");
        assert_eq!(shown("172.16.0.255-172.16.0.0"), "172.16.0.0-172.16.0.255");
        assert_eq!(shown("1.2.3.4 - 1.2.3.9"), "1.2.3.4-1.2.3.9");
        assert_eq!(shown("1.2.3.4-1.2.3.4"), "1.2.3.4");
        let r = p("10.0.0.9-10.0.0.1");
        assert_eq!((r.start(), r.end()), (v4(10, 0, 0, 1), v4(10, 0, 0, 9)));
    }

    #[test]
    fn ipv4_cidr() {
        assert_eq!(shown("10.0.2.0/24"), "10.0.2.0-10.0.2.255");
        assert_eq!(shown("172.16/16"), "172.16.0.0-172.16.255.255");
        assert_eq!(shown("172.16.1/31"), "172.16.1.0-172.16.1.1");
        assert_eq!(shown("172.16.2/26"), "172.16.2.0-172.16.2.63");
        assert_eq!(shown("1.2.3.4/24"), "1.2.3.0-1.2.3.255");
        assert_eq!(shown("1.2.3.4/32"), "1.2.3.4");
        assert_eq!(shown("1.2.3.5/31"), "1.2.3.4-1.2.3.5");
        assert_eq!(shown("0.0.0.0/0"), "0.0.0.0-255.255.255.255");
        assert_eq!(shown("128.0.0.0/1"), "128.0.0.0-255.255.255.255");
        assert_eq!(shown("192.168.21.0/24"), "192.168.21.0-192.168.21.255");
    }

    #[test]
    fn single_ipv6() {
        let full = "abcd:abcd:abcd:abcd:abcd:abcd:abcd:abcd";
        assert_eq!(shown(full), full);
        assert_eq!(shown("034:034:034:034:034:034:034:034"), "34:34:34:34:34:34:34:34");
        assert_eq!(shown("abcd::"), "abcd::");
        assert_eq!(shown("::abcd"), "::abcd");
        assert_eq!(shown("abcd::034"), "abcd::34");
        assert_eq!(shown("abcd::192.168.1.1"), "abcd::c0a8:101");
        assert_eq!(shown("::192.168.1.1"), "::c0a8:101");
        assert_eq!(shown("  ::192.168.1.1  \n  "), "::c0a8:101");
        assert_eq!(shown("::ffff:1.2.3.4"), "::ffff:102:304");
        assert_eq!(shown("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
        assert_eq!(shown("ABCD::EF"), "abcd::ef");
        assert_eq!(shown("::"), "::");
        assert_eq!(shown("::1"), "::1");
        assert_eq!(shown("1::"), "1::");
        assert_eq!(shown("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
        assert_eq!(shown("::2:3:4:5:6:7:8"), "0:2:3:4:5:6:7:8");
        assert_eq!(shown("0000:0000:0000:0000:0000:0000:0000:0000"), "::");
        let r = p("abcd::192.168.1.1");
        assert_eq!(r.family(), IpFamily::V6);
        assert_eq!(r.start(), 0xabcd_0000_0000_0000_0000_0000_c0a8_0101);
        assert_eq!(r.start_addr(), IpAddr::V6("abcd::c0a8:101".parse().expect("valid")));
        // Embedded IPv4 is an IPv6 value, not the IPv4 address.
        assert_ne!(p("::ffff:1.2.3.4"), p("1.2.3.4"));
    }

    #[test]
    fn ipv6_cidr_and_ranges() {
        assert_eq!(
            shown("abcd:abcd:abcd:abcd:abcd:abcd:abcd:abcd/32"),
            "abcd:abcd::-abcd:abcd:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        assert_eq!(shown("::192.168.1.1/120"), "::c0a8:100-::c0a8:1ff");
        assert_eq!(shown("::1/128"), "::1");
        assert_eq!(shown("::/0"), "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assert_eq!(shown("2001:db8::/127"), "2001:db8::-2001:db8::1");
        assert_eq!(shown("::c0a8:0101-::c0a8:01ff"), "::c0a8:101-::c0a8:1ff");
        assert_eq!(shown("::c0a8:01ff - ::c0a8:0101"), "::c0a8:101-::c0a8:1ff");
        assert_eq!(shown("::192.168.0.0/112"), "::c0a8:0-::c0a8:ffff");
    }

    #[test]
    fn invalid_input() {
        for bad in [
            "",
            "   ",
            "garbage",
            "1.2.3.256",
            "256.1.1.1",
            "355.255.255.255",
            "1.2.3",
            "1.2.3.4.5",
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/08",
            "1.2.3.4/-1",
            "10/8",
            "1.2.3.0 /24",
            "1.2.3.4-",
            "-1.2.3.4",
            "1.2.3.4-1.2.3.5-1.2.3.6",
            "1.2.3.4-1.2.3.0/24",
            "1.2.3.4-::1",
            "::1-1.2.3.4",
            "1.2.3.4 1.2.3.5",
            "0001.2.3.4",
            "1..2.3",
            "8.13.8/8.13.0/1.0",
            "::g",
            ":::",
            "1:::2",
            "1::2::3",
            ":1::",
            "::1:",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::",
            "1:2:3:4::5:6:7:8",
            "12345::",
            "1.2.3.4::",
            "::1.2.3",
            "::1.2.3.4:5",
            "::1/129",
            "::1/",
            "Foo::Bar",
            "RT::IR",
            "1.2.3.4%eth0",
            "１.２.３.４",
        ] {
            assert_eq!(IpRange::parse(bad), Err(IpError::InvalidRange(bad.trim().to_owned())), "{bad:?}");
        }
    }

    #[test]
    fn error_messages() {
        let e = IpRange::parse(" 1.2.3.256 ").expect_err("refused");
        assert_eq!(e.to_string(), "\"1.2.3.256\" is not a valid IP address or range");
        let e = IpRange::parse_single("1.2.3.0/24").expect_err("refused");
        assert_eq!(e.to_string(), "\"1.2.3.0/24\" is not a valid IP address");
        let long = "x".repeat(200);
        let msg = IpRange::parse(&long).expect_err("refused").to_string();
        assert!(msg.starts_with(&format!("\"{}…\"", "x".repeat(80))), "{msg}");
        assert_eq!(
            IpRange::from_stored("5", "00000000", "00000000").expect_err("refused").to_string(),
            "invalid stored IP address family \"5\" (expected \"4\" or \"6\")"
        );
        assert_eq!(
            IpRange::from_stored("4", "0000000g", "00000000").expect_err("refused").to_string(),
            "invalid stored IPv4 range \"0000000g\"-\"00000000\""
        );
    }

    #[test]
    fn parse_single_only_takes_one_address() {
        assert_eq!(IpRange::parse_single(" 1.2.3.4 ").expect("valid"), p("1.2.3.4"));
        assert_eq!(IpRange::parse_single("ABCD::1").expect("valid"), p("abcd::1"));
        assert_eq!(IpRange::parse_single("::192.168.1.1").expect("valid"), p("::c0a8:101"));
        for bad in ["", "1.2.3.4-1.2.3.5", "1.2.3.0/24", "172.16/16", "::1/128", "::1-::2", "1.2.3", "x"] {
            assert_eq!(IpRange::parse_single(bad), Err(IpError::InvalidAddress(bad.to_owned())), "{bad:?}");
        }
    }

    #[test]
    fn from_str_and_std_conversions() {
        assert_eq!("1.2.3.4".parse::<IpRange>().expect("valid"), p("1.2.3.4"));
        assert_eq!(IpRange::from(Ipv4Addr::new(1, 2, 3, 4)), p("1.2.3.4"));
        assert_eq!(IpRange::from("::1".parse::<IpAddr>().expect("valid")), p("::1"));
        assert_eq!(IpRange::from(Ipv6Addr::LOCALHOST), p("::1"));
        let r = p("10.0.0.0/8");
        assert_eq!(r.start_addr(), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)));
        assert_eq!(r.end_addr(), IpAddr::V4(Ipv4Addr::new(10, 255, 255, 255)));
        assert_eq!("4".parse::<IpFamily>().expect("valid"), IpFamily::V4);
        assert_eq!("6".parse::<IpFamily>().expect("valid"), IpFamily::V6);
        assert!("ipv4".parse::<IpFamily>().is_err());
        assert_eq!((IpFamily::V4.as_str(), IpFamily::V6.as_str()), ("4", "6"));
        assert_eq!((IpFamily::V4.bits(), IpFamily::V6.bits()), (32, 128));
    }

    #[test]
    fn ipv6_display_compression() {
        let cases = [
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:0:2:3:0:0:4", "1::2:3:0:0:4"),
            ("0:0:1:2:3:4:0:0", "::1:2:3:4:0:0"),
            ("0:0:0:1:2:3:0:0", "::1:2:3:0:0"),
            ("1:2:3:4:5:6:0:0", "1:2:3:4:5:6::"),
            // Net::IP: an inner run beats an equally long run at either end.
            ("0:0:1:0:0:2:3:4", "0:0:1::2:3:4"),
            ("1:2:3:0:0:4:0:0", "1:2:3::4:0:0"),
            ("0:0:0:1:0:0:2:3", "::1:0:0:2:3"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ("::ffff:1.2.3.4", "::ffff:102:304"),
        ];
        for (input, expected) in cases {
            assert_eq!(shown(input), expected, "{input}");
        }
    }

    #[test]
    fn display_round_trips() {
        // Every pattern of zero and non-zero groups.
        for pattern in 0u32..256 {
            let mut value = 0u128;
            for g in 0u16..8 {
                let group = if pattern & (1 << g) != 0 { 0x1000 + g } else { 0 };
                value = (value << 16) | u128::from(group);
            }
            let r = IpRange::single(IpFamily::V6, value);
            let text = r.to_string();
            assert_eq!(p(&text), r, "{text}");
            assert_eq!(IpRange::from(text.parse::<Ipv6Addr>().expect("valid")), r, "{text}");
        }
        for input in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "10.0.2.0/24",
            "172.16/16",
            "1.2.3.9-1.2.3.4",
            "abcd::192.168.1.1",
            "::192.168.1.1/120",
            "::/0",
            "2001:db8::/32",
            "::ffff:1.2.3.4",
        ] {
            let r = p(input);
            assert_eq!(p(&r.to_string()), r, "{input}");
            assert_eq!(IpRange::from_stored(r.family().as_str(), &r.start_hex(), &r.end_hex()).expect("valid"), r);
        }
    }

    #[test]
    fn stored_hex() {
        let r = p("10.0.2.0/24");
        assert_eq!((r.family().as_str(), r.start_hex().as_str(), r.end_hex().as_str()), ("4", "0a000200", "0a0002ff"));
        let r = p("abcd::192.168.1.1");
        assert_eq!(r.start_hex(), "abcd00000000000000000000c0a80101");
        assert_eq!(r.end_hex(), r.start_hex());
        assert_eq!(p("::").start_hex(), "0".repeat(32));
        assert_eq!(p("0.0.0.0/0").end_hex(), "ffffffff");
        assert_eq!(p("::/0").end_hex(), "f".repeat(32));
        assert_eq!(IpRange::from_stored("4", "0a000200", "0a0002ff").expect("valid"), p("10.0.2.0-10.0.2.255"));
        assert_eq!(IpRange::from_stored("6", &"0".repeat(32), &"0".repeat(31)).map_err(|_| ()), Err(()));
        for (family, start, end) in [
            ("4", "0a000200", "0A0002FF"),
            ("4", "0a0002", "0a0002ff"),
            ("4", "000000000a000200", "000000000a0002ff"),
            ("4", "0a0002ff", "0a000200"),
            ("4", "+a000200", "0a0002ff"),
            ("6", "0a000200", "0a0002ff"),
            ("ipv4", "0a000200", "0a0002ff"),
            ("", "0a000200", "0a0002ff"),
        ] {
            assert!(IpRange::from_stored(family, start, end).is_err(), "{family} {start} {end}");
        }
    }

    #[test]
    fn hex_order_is_numeric_order() {
        let v4s =
            ["0.0.0.0", "0.0.0.9", "0.0.0.10", "1.2.3.4", "9.255.255.255", "10.0.0.0", "10.0.0.1", "255.255.255.255"];
        let v6s = ["::", "::1", "::9", "::a", "::10", "::ffff:1.2.3.4", "1::", "a::", "abcd::34", "ffff::", "ffff::1"];
        for list in [&v4s[..], &v6s[..]] {
            let ranges: Vec<IpRange> = list.iter().map(|s| p(s)).collect();
            for a in &ranges {
                for b in &ranges {
                    assert_eq!(a.start_hex().cmp(&b.start_hex()), a.start().cmp(&b.start()), "{a} vs {b}");
                    assert_eq!(a.start_hex().len(), if a.family() == IpFamily::V4 { 8 } else { 32 });
                }
            }
            let mut sorted = ranges.clone();
            sorted.sort();
            assert_eq!(sorted, ranges);
        }
    }

    #[test]
    fn containment_and_overlap() {
        let net = p("192.168.21.0/24");
        assert!(net.contains(&p("192.168.21.10")));
        assert!(net.overlaps(&p("192.168.21.10")));
        assert!(!net.contains(&p("192.168.22.10")));
        assert!(!net.overlaps(&p("192.168.22.10")));
        let half = p("192.168.21.0-192.168.21.127");
        assert!(half.overlaps(&p("192.168.21.64")));
        assert!(net.contains(&half));
        assert!(!half.contains(&net));
        assert!(half.overlaps(&net) && net.overlaps(&half));
        assert!(net.contains(&net));
        // Touching ends overlap; adjacent ranges do not.
        assert!(p("10.0.0.0-10.0.0.5").overlaps(&p("10.0.0.5-10.0.0.9")));
        assert!(!p("10.0.0.0-10.0.0.4").overlaps(&p("10.0.0.5-10.0.0.9")));
        // Partial overlap without containment.
        let (a, b) = (p("10.0.0.0-10.0.0.7"), p("10.0.0.4-10.0.0.9"));
        assert!(a.overlaps(&b) && !a.contains(&b) && !b.contains(&a));
        // IPv6.
        let v6 = p("::192.168.0.0/112");
        assert!(v6.contains(&p("::192.168.21.10")));
        assert!(!p("::192.168.22.0/120").overlaps(&p("::192.168.21.10")));
        // Never across families, even for the same numbers.
        let all_v4 = p("0.0.0.0/0");
        let all_v6 = p("::/0");
        for (v4, v6) in [
            (p("1.2.3.4"), p("::1.2.3.4")),
            (p("1.2.3.4"), p("::ffff:1.2.3.4")),
            (all_v4, all_v6),
            (all_v4, p("::1")),
            (p("0.0.0.1"), all_v6),
        ] {
            assert!(!v4.contains(&v6) && !v6.contains(&v4), "{v4} {v6}");
            assert!(!v4.overlaps(&v6) && !v6.overlaps(&v4), "{v4} {v6}");
        }
        assert_eq!(p("1.2.3.4").start(), p("::1.2.3.4").start());
    }

    #[test]
    fn find_ipv4() {
        assert_eq!(found("1.0.0.0"), ["1.0.0.0"]);
        assert_eq!(found("255.255.255.255"), ["255.255.255.255"]);
        assert_eq!(found("192.168.20.2"), ["192.168.20.2"]);
        assert_eq!(found("64.64.64.64, 32.32.32.32; 16.16.16.16."), ["64.64.64.64", "32.32.32.32", "16.16.16.16"]);
        assert_eq!(found("host (10.1.2.3) said hi to 10.1.2.4\n"), ["10.1.2.3", "10.1.2.4"]);
        assert_eq!(found("IP:1.2.3.4"), ["1.2.3.4"]);
        assert_eq!(found("RT::1.2.3.4"), ["1.2.3.4"]);
        assert_eq!(found("x1.2.3.4y"), ["1.2.3.4"]);
        assert_eq!(found("1.2.3.4/"), ["1.2.3.4"]);
        assert_eq!(found("1.2.3.4/x"), ["1.2.3.4"]);
        assert_eq!(found("010.000.000.001"), ["10.0.0.1"]);
        assert_eq!(found("«1.2.3.4» é 5.6.7.8"), ["1.2.3.4", "5.6.7.8"]);
        for none in [
            "",
            "no addresses here",
            "255.255.255.256",
            "355.255.255.255",
            "1.2.3.2555",
            "8.13.8/8.13.0/1.0",
            "1.2.3.4.5",
            "version 1.2.3.4.5.6",
            "11.2.3.4.5",
            ".1.2.3.4",
            "1.2.3",
            "0.0.0.0",
            "1.2.3.4/33",
            "1.2.3.4/0",
            "1.2.3.4/08",
            "1234.1.2.3",
        ] {
            assert_eq!(found(none), Vec::<String>::new(), "{none:?}");
        }
        assert_eq!(found("1.2.3.4."), ["1.2.3.4"]);
    }

    #[test]
    fn find_ipv4_cidr() {
        assert_eq!(found("172.16.1/31"), ["172.16.1.0-172.16.1.1"]);
        assert_eq!(found("172.16.2/26"), ["172.16.2.0-172.16.2.63"]);
        assert_eq!(found("block 10.0.2.0/24."), ["10.0.2.0-10.0.2.255"]);
        assert_eq!(found("172.16/16"), ["172.16.0.0-172.16.255.255"]);
        assert_eq!(found("1.2.3.4/24"), ["1.2.3.0-1.2.3.255"]);
        assert_eq!(found("1.2.3.4/1"), ["0.0.0.0-127.255.255.255"]);
        assert_eq!(found("1.2.3.4/32"), ["1.2.3.4"]);
        for none in ["0.0.0.0/0", "1.0.0.0/0", "0.0.0.0/8", "0.0/8", "10/8", "1.2.3.0/24.5", "1.2.3.0/245"] {
            assert_eq!(found(none), Vec::<String>::new(), "{none:?}");
        }
    }

    #[test]
    fn find_ipv6() {
        let full = "abcd:abcd:abcd:abcd:abcd:abcd:abcd:abcd";
        assert_eq!(found(full), [full]);
        assert_eq!(found("abcd::034"), ["abcd::34"]);
        assert_eq!(found("::192.168.1.1"), ["::c0a8:101"]);
        // A trailing dot is allowed since it's commonly used as end of sentence.
        assert_eq!(found("abcd::034."), ["abcd::34"]);
        assert_eq!(found("abcd::192.168.1.1."), ["abcd::c0a8:101"]);
        assert_eq!(found("abcd::034.."), ["abcd::34"]);
        assert_eq!(found(&format!("{full}/32")), ["abcd:abcd::-abcd:abcd:ffff:ffff:ffff:ffff:ffff:ffff"]);
        assert_eq!(found("::192.168.1.1/120"), ["::c0a8:100-::c0a8:1ff"]);
        assert_eq!(found("::c0a8:01a0"), ["::c0a8:1a0"]);
        assert_eq!(found("ABCD::EF"), ["abcd::ef"]);
        assert_eq!(found("see [2001:db8::1]:8080 and fe80::1%eth0"), ["2001:db8::1", "fe80::1"]);
        assert_eq!(found("::1/128"), ["::1"]);
        assert_eq!(found("::1/129"), ["::1"]);
        assert_eq!(found("::1/64x"), ["::1"]);
        assert_eq!(found("2001:db8::/127."), ["2001:db8::-2001:db8::1"]);
        assert_eq!(found("::ffff:1.2.3.4"), ["::ffff:102:304"]);
        for none in [
            "Scan::Address_Scan",
            "scan::add",
            "z::a",
            "a::z",
            "::z",
            "Foo::Bar",
            "Foo::",
            "::Bar",
            "RT::",
            "RT::IR",
            "abcd::34.3",
            "abcd::192.168.1.2.3",
            "::add.z",
            "::",
            "0000:0000:0000:0000:0000:0000:0000:0000",
            "::/0",
            "0000:0000:0000:0000:0000:0000:0000:0000/0",
            "::/64",
            "0000:0000:0000:0000:0000:0000:0000:0000/64",
            "abcd:0000:0000:0000:0000:0000:0000:0000/0",
            "0::0",
            "12:30",
            "abcd::1:",
            "abcd::1:x",
            "1:2:3:4:5:6:7:8:9",
        ] {
            assert_eq!(found(none), Vec::<String>::new(), "{none:?}");
        }
    }

    #[test]
    fn find_deduplicates_in_order() {
        assert_eq!(found("192.168.20.2 192.168.20.2 192.168.20.2/32"), ["192.168.20.2"]);
        assert_eq!(found("abcd::192.168.1.1 abcd::192.168.1.1 abcd::192.168.1.1/128"), ["abcd::c0a8:101"]);
        assert_eq!(
            found("2.2.2.2 then 10.0.0.0/31, 1.1.1.1, 10.0.0.0-10.0.0.1 10.0.0.0/31 2.2.2.2 ::1 1.1.1.1"),
            ["2.2.2.2", "10.0.0.0-10.0.0.1", "1.1.1.1", "10.0.0.0", "10.0.0.1", "::1"]
        );
        // An IPv4 value and its IPv6 embedding are different values.
        assert_eq!(found("1.2.3.4 ::1.2.3.4"), ["1.2.3.4", "::102:304"]);
    }

    #[test]
    fn find_handles_long_and_odd_text() {
        let long_word = "1:".repeat(10_000);
        assert_eq!(found(&long_word), Vec::<String>::new());
        let long_digits = "1.".repeat(10_000);
        assert_eq!(found(&long_digits), Vec::<String>::new());
        let mut text = "x ".repeat(1000);
        text.push_str("8.8.8.8");
        assert_eq!(found(&text), ["8.8.8.8"]);
        assert_eq!(found("1.2.3.4\u{0}5.6.7.8"), ["1.2.3.4", "5.6.7.8"]);
    }
}
