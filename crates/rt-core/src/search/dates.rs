//! Date values in TicketSQL: `Created > '2 days ago'`, `Due = 'tomorrow'`,
//! `Resolved < '2026-12-04 10:00'`.
//!
//! RT parses such values with Time::ParseDate and DateTime::Format::Natural
//! in the searching user's time zone. [`parse_date`] covers the forms people
//! write, always relative to an explicit `now` and time zone so that results
//! are reproducible:
//!
//! - absolute: `2026-12-04`, `2026/12/04`, `04/12/2026` (day first, RT's
//!   default `$DateDayBeforeMonth = 1`), `Dec 4 2026`, `4 December 2026`,
//!   `Friday, December 4, 2026`, `Dec 4` (this year), each optionally
//!   followed by a time (`10:00`, `10:00:30`, `9am`, `9:30 pm`) and a zone
//!   (`Z`, `UTC`, `GMT`, `+01:00`, `-0500`); ISO 8601 (`2026-12-04T10:00:00Z`)
//!   and RFC 2822 dates; `0` (the epoch, so that `Due > 0` means "has a due
//!   date", as in RT);
//! - named days: `today`, `yesterday`, `tomorrow`, `monday` (the Monday of the
//!   current week), `this monday`, `last monday` (the latest Monday before
//!   today), `next monday` (the first Monday after today); also with a time
//!   (`yesterday 17:00`);
//! - periods: `this|last|next week|month|year` (weeks start on Monday);
//! - offsets: `now`, `2 days ago`, `1 week 2 days ago`, `in 3 hours`,
//!   `3 hours` and `+3 hours` (future), `-3 hours` (past), `2 days from now`;
//!   units `s/sec/second`, `min/minute`, `h/hr/hour`, `d/day`, `w/wk/week`,
//!   `mon/month`, `y/yr/year` (singular or plural). Seconds, minutes and hours
//!   are exact durations; days and longer move the local calendar and keep
//!   the wall-clock time (so `1 day ago` across a DST change is 23 or 25
//!   hours).
//!
//! Local times that do not exist (inside a DST gap) move forward past the
//! gap; ambiguous ones (the repeated hour) take the earlier instant.

use chrono::{DateTime, Datelike, Days, Duration, FixedOffset, LocalResult, Months, NaiveDate, NaiveDateTime};
use chrono::{NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// What a date value denotes.
///
/// How the SQL compiler uses it, following RT's `_DateLimit`:
/// - `=` matches [`DateSpec::day_or_range`]: the whole period of a
///   [`DateSpec::Range`], or the whole local day containing an
///   [`DateSpec::Instant`] (RT compares `Created = '2026-12-04 10:00'` with
///   that day, not with the minute);
/// - `<`, `<=`, `>`, `>=` compare with [`DateSpec::start`]: the instant, or
///   the start of the period (so `Created > 'yesterday'` includes all of
///   yesterday and `Created < 'today'` excludes today, as in RT, where a day
///   value is its local midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSpec {
    /// One instant (`now`, `2 days ago`, `2026-12-04 10:00`).
    Instant(DateTime<Utc>),
    /// A calendar period in the user's zone, `start` inclusive, `end`
    /// exclusive: a day (`2026-12-04`, `today`, `next monday`), a week, a
    /// month or a year (`last week`).
    Range {
        /// The first instant of the period (local midnight).
        start: DateTime<Utc>,
        /// The first instant after the period.
        end: DateTime<Utc>,
    },
}

impl DateSpec {
    /// The instant that `<`, `<=`, `>` and `>=` compare with.
    pub fn start(&self) -> DateTime<Utc> {
        match *self {
            DateSpec::Instant(at) => at,
            DateSpec::Range { start, .. } => start,
        }
    }

    /// The half-open interval `[start, end)` that `=` matches: the period
    /// itself, or the local day (in `tz`) containing the instant.
    pub fn day_or_range(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            DateSpec::Range { start, end } => (start, end),
            DateSpec::Instant(at) => {
                let day = at.with_timezone(&tz).date_naive();
                let next = day.succ_opt().unwrap_or(day);
                (local_midnight(tz, day), local_midnight(tz, next))
            }
        }
    }
}

/// A date value that [`parse_date`] does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot understand the date '{input}'")]
pub struct DateError {
    /// The value as written.
    pub input: String,
}

/// Parses a TicketSQL date value relative to `now`, reading local dates and
/// times in the user's zone `tz`. See the module documentation for the forms.
pub fn parse_date(input: &str, now: DateTime<Utc>, tz: Tz) -> Result<DateSpec, DateError> {
    let error = || DateError { input: input.to_string() };
    let text = input.trim().to_lowercase().replace(',', " ");
    if text.is_empty() {
        return Err(error());
    }
    if text == "0" {
        return Ok(DateSpec::Instant(DateTime::UNIX_EPOCH));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(input.trim()) {
        return Ok(DateSpec::Instant(at.with_timezone(&Utc)));
    }
    if let Ok(at) = DateTime::parse_from_rfc2822(input.trim()) {
        return Ok(DateSpec::Instant(at.with_timezone(&Utc)));
    }
    let words = split_words(&text);
    if let Some(spec) = parse_offset(&words, now, tz) {
        return Ok(spec);
    }
    if let Some(spec) = parse_period(&words, now, tz) {
        return Ok(spec);
    }
    parse_day_and_time(&words, now, tz).ok_or_else(error)
}

/// Splits on whitespace, and an ISO `T` between a date and a time.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        match word.split_once('t') {
            Some((date, time))
                if date.len() == 10 && date.as_bytes()[4] == b'-' && time.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                words.push(date.to_string());
                words.push(time.to_string());
            }
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// `now`, `N unit ago`, `in N unit`, `N unit`, `+N unit`, `-N unit`,
/// `N unit from now`, with one or more `N unit` pairs.
fn parse_offset(words: &[String], now: DateTime<Utc>, tz: Tz) -> Option<DateSpec> {
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    if words == ["now"] {
        return Some(DateSpec::Instant(now));
    }
    let mut sign = 1i64;
    if words.first() == Some(&"in") {
        words.remove(0);
    } else if words.ends_with(&["from", "now"]) {
        words.truncate(words.len() - 2);
    } else if words.last() == Some(&"ago") {
        words.pop();
        sign = -1;
    }
    if let Some(first) = words.first_mut() {
        if let Some(rest) = first.strip_prefix('-') {
            sign = -sign;
            *first = rest;
        } else if let Some(rest) = first.strip_prefix('+') {
            *first = rest;
        }
    }
    // Pairs of "N unit"; also "3days" and "a day".
    let mut tokens: Vec<&str> = Vec::new();
    for word in words {
        let split = word.find(|c: char| !c.is_ascii_digit()).filter(|&i| i > 0);
        match split {
            Some(i) => tokens.extend([&word[..i], &word[i..]]),
            None => tokens.push(word),
        }
    }
    if tokens.is_empty() || !tokens.len().is_multiple_of(2) {
        return None;
    }
    let mut local = now.with_timezone(&tz).naive_local();
    let mut exact = Duration::zero();
    let mut calendar = false;
    for pair in tokens.chunks(2) {
        let n: i64 = match pair[0] {
            "a" | "an" => 1,
            digits => digits.parse().ok()?,
        };
        let n = n.checked_mul(sign)?;
        let unit = pair[1];
        let unit = unit.strip_suffix('s').filter(|u| !u.is_empty() && unit != "s").unwrap_or(unit);
        match unit {
            "s" | "sec" | "second" => exact = exact.checked_add(&Duration::try_seconds(n)?)?,
            "m" | "min" | "minute" => exact = exact.checked_add(&Duration::try_minutes(n)?)?,
            "h" | "hr" | "hour" => exact = exact.checked_add(&Duration::try_hours(n)?)?,
            "d" | "day" => local = add_days(local, n)?,
            "w" | "wk" | "week" => local = add_days(local, n.checked_mul(7)?)?,
            "mon" | "month" => local = add_months(local, n)?,
            "y" | "yr" | "year" => local = add_months(local, n.checked_mul(12)?)?,
            _ => return None,
        }
        calendar |= matches!(unit, "d" | "day" | "w" | "wk" | "week" | "mon" | "month" | "y" | "yr" | "year");
    }
    let base = if calendar { resolve_local(tz, local)? } else { now };
    Some(DateSpec::Instant(base.checked_add_signed(exact)?))
}

fn add_days(at: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
    let days = Days::new(n.unsigned_abs());
    if n >= 0 { at.checked_add_days(days) } else { at.checked_sub_days(days) }
}

fn add_months(at: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
    let months = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 { at.checked_add_months(months) } else { at.checked_sub_months(months) }
}

/// `this|last|next week|month|year`.
fn parse_period(words: &[String], now: DateTime<Utc>, tz: Tz) -> Option<DateSpec> {
    let [which, unit] = words else { return None };
    let step: i32 = match which.as_str() {
        "this" => 0,
        "last" => -1,
        "next" => 1,
        _ => return None,
    };
    let today = now.with_timezone(&tz).date_naive();
    let (start, end) = match unit.as_str() {
        "week" => {
            let monday = today.checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))?;
            let start = add_days(monday.and_time(NaiveTime::MIN), i64::from(step) * 7)?.date();
            (start, start.checked_add_days(Days::new(7))?)
        }
        "month" => {
            let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?;
            let start = add_months(first.and_time(NaiveTime::MIN), i64::from(step))?.date();
            (start, start.checked_add_months(Months::new(1))?)
        }
        "year" => {
            let start = NaiveDate::from_ymd_opt(today.year().checked_add(step)?, 1, 1)?;
            (start, NaiveDate::from_ymd_opt(start.year().checked_add(1)?, 1, 1)?)
        }
        _ => return None,
    };
    Some(DateSpec::Range { start: local_midnight(tz, start), end: local_midnight(tz, end) })
}

/// A day expression, optionally followed by a time and a zone.
fn parse_day_and_time(words: &[String], now: DateTime<Utc>, tz: Tz) -> Option<DateSpec> {
    let mut words: Vec<&str> = words.iter().map(String::as_str).collect();
    let zone = take_zone(&mut words);
    let time = take_time(&mut words)?;
    let today = now.with_timezone(&tz).date_naive();
    let day = if words.is_empty() && time.is_some() { today } else { parse_day(&words, today)? };
    match (time, zone) {
        (None, None) => {
            let next = day.succ_opt()?;
            Some(DateSpec::Range { start: local_midnight(tz, day), end: local_midnight(tz, next) })
        }
        (time, Some(offset)) => {
            let local = day.and_time(time.unwrap_or(NaiveTime::MIN));
            let at = offset.from_local_datetime(&local).single()?;
            Some(DateSpec::Instant(at.with_timezone(&Utc)))
        }
        (Some(time), None) => Some(DateSpec::Instant(resolve_local(tz, day.and_time(time))?)),
    }
}

/// Removes a trailing zone (`z`, `utc`, `gmt`, `+01:00`, `-0500`, also glued
/// to the time as in `10:00z` or `10:00+01:00`).
fn take_zone(words: &mut Vec<&str>) -> Option<FixedOffset> {
    let last = *words.last()?;
    if matches!(last, "z" | "utc" | "gmt") {
        words.pop();
        return FixedOffset::east_opt(0);
    }
    if let Some(offset) = parse_offset_suffix(last) {
        words.pop();
        return Some(offset);
    }
    // Glued to a time: "10:00z", "10:00:00+01:00".
    if !last.contains(':') {
        return None;
    }
    let at = last.find(['z', '+', '-'])?;
    let (time, zone) = last.split_at(at);
    let offset = if zone == "z" { FixedOffset::east_opt(0)? } else { parse_offset_suffix(zone)? };
    let index = words.len() - 1;
    words[index] = time;
    Some(offset)
}

fn parse_offset_suffix(text: &str) -> Option<FixedOffset> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|&c| c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits.get(2..).filter(|m| !m.is_empty()).map_or(Some(0), |m| m.parse().ok())?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// Removes a trailing time: `10:00`, `10:00:30`, `10:00:30.5`, `9am`,
/// `9:30 pm`. `Some(None)` when there is none; `None` for a malformed one.
fn take_time(words: &mut Vec<&str>) -> Option<Option<NaiveTime>> {
    let mut meridiem = None;
    if let Some(&last) = words.last()
        && (last == "am" || last == "pm")
        && words.len() >= 2
    {
        meridiem = Some(last == "pm");
        words.pop();
    }
    let Some(&last) = words.last() else { return Some(None) };
    let mut text = last;
    if meridiem.is_none() {
        for (suffix, pm) in [("am", false), ("pm", true)] {
            if let Some(rest) = last.strip_suffix(suffix).filter(|r| r.starts_with(|c: char| c.is_ascii_digit())) {
                meridiem = Some(pm);
                text = rest;
            }
        }
    }
    if meridiem.is_none() && !text.contains(':') {
        return Some(None);
    }
    words.pop();
    let mut parts = text.split(':');
    let hour: u32 = parts.next()?.parse().ok()?;
    let minute: u32 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let (second, nano) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            let mut nano = 0u32;
            for (i, d) in frac.bytes().take(9).enumerate() {
                if !d.is_ascii_digit() {
                    return None;
                }
                nano += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
            }
            (whole.parse().ok()?, nano)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let hour = match meridiem {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
        None => hour,
    };
    Some(Some(NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?))
}

/// A single local day.
fn parse_day(words: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    match words {
        ["today"] => Some(today),
        ["yesterday"] => today.pred_opt(),
        ["tomorrow"] => today.succ_opt(),
        [word] if weekday(word).is_none() && month(word).is_none() => numeric_date(word),
        [which @ ("last" | "next" | "this"), day] => relative_weekday(which, weekday(day)?, today),
        [day] if weekday(day).is_some() => relative_weekday("this", weekday(day)?, today),
        // "Friday December 4 2026": a leading weekday name is ignored.
        [day, rest @ ..] if weekday(day).is_some() && !rest.is_empty() => parse_day(rest, today),
        _ => named_month_date(words, today),
    }
}

fn numeric_date(word: &str) -> Option<NaiveDate> {
    let sep = if word.contains('-') { '-' } else { '/' };
    let parts: Vec<&str> = word.split(sep).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    let (year, month, day) = if a.len() == 4 {
        (a, b, c)
    } else if c.len() == 4 && sep == '/' {
        (c, b, a)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// `dec 4 2026`, `december 4`, `4 dec 2026`, `4 december`.
fn named_month_date(words: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let (m, d, y) = match *words {
        [m, d] if month(m).is_some() => (m, d, None),
        [d, m] if month(m).is_some() => (m, d, None),
        [m, d, y] if month(m).is_some() => (m, d, Some(y)),
        [d, m, y] if month(m).is_some() => (m, d, Some(y)),
        _ => return None,
    };
    let d = d.trim_end_matches("st").trim_end_matches("nd").trim_end_matches("rd").trim_end_matches("th");
    let year = match y {
        Some(y) if y.len() == 4 => y.parse().ok()?,
        Some(_) => return None,
        None => today.year(),
    };
    NaiveDate::from_ymd_opt(year, month(m)?, d.parse().ok()?)
}

fn relative_weekday(which: &str, day: Weekday, today: NaiveDate) -> Option<NaiveDate> {
    let from_today = i64::from(day.num_days_from_monday()) - i64::from(today.weekday().num_days_from_monday());
    let offset = match which {
        "this" => from_today,
        "last" if from_today < 0 => from_today,
        "last" => from_today - 7,
        "next" if from_today > 0 => from_today,
        "next" => from_today + 7,
        _ => return None,
    };
    Some(add_days(today.and_time(NaiveTime::MIN), offset)?.date())
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// Month names, January first.
pub(crate) const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    if word.len() < 3 {
        return None;
    }
    let index = MONTHS
        .iter()
        .position(|name| name.starts_with(word) && (word.len() == 3 || word.len() == name.len() || word == "sept"))?;
    u32::try_from(index + 1).ok()
}

/// The UTC instant of a local wall-clock time: the earlier one when the time
/// is repeated, the first one after a DST gap when it does not exist.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let mut probe = local;
    for _ in 0..=24 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(at) => return Some(at.with_timezone(&Utc)),
            LocalResult::Ambiguous(earlier, _) => return Some(earlier.with_timezone(&Utc)),
            LocalResult::None => probe = probe.checked_add_signed(Duration::minutes(15))?,
        }
    }
    None
}

fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    // Every zone has a valid instant within a few hours of midnight; the
    // fallback (UTC midnight) cannot be reached with real zone data.
    resolve_local(tz, day.and_time(NaiveTime::MIN)).unwrap_or_else(|| day.and_time(NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test date").with_timezone(&Utc)
    }

    fn at(input: &str, now: &str, tz: Tz) -> DateSpec {
        parse_date(input, utc(now), tz).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn instant(s: &str) -> DateSpec {
        DateSpec::Instant(utc(s))
    }

    fn range(start: &str, end: &str) -> DateSpec {
        DateSpec::Range { start: utc(start), end: utc(end) }
    }

    // Saturday 2026-03-28, 12:00 UTC = 12:00 CET; DST starts in Paris on
    // Sunday 2026-03-29 at 02:00 CET (-> 03:00 CEST).
    const BEFORE_DST: &str = "2026-03-28T12:00:00Z";
    // Monday 2026-03-30, 12:00 UTC = 14:00 CEST.
    const AFTER_DST: &str = "2026-03-30T12:00:00Z";

    #[test]
    fn absolute_days_are_local_day_ranges() {
        let day = range("2026-12-03T23:00:00Z", "2026-12-04T23:00:00Z");
        for input in
            ["2026-12-04", "2026/12/04", "04/12/2026", "Dec 4 2026", "4 December 2026", "Friday, December 4, 2026"]
        {
            assert_eq!(at(input, AFTER_DST, Paris), day, "{input}");
        }
        assert_eq!(at("Dec 4", AFTER_DST, Paris), day);
        assert_eq!(at("2026-12-04", AFTER_DST, Tz::UTC), range("2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z"));
        // The day of the DST change is 23 hours long.
        assert_eq!(at("2026-03-29", AFTER_DST, Paris), range("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
    }

    #[test]
    fn absolute_times() {
        assert_eq!(at("2026-12-04 10:00", AFTER_DST, Paris), instant("2026-12-04T09:00:00Z"));
        assert_eq!(at("2026-07-04 10:00:30", AFTER_DST, Paris), instant("2026-07-04T08:00:30Z"));
        assert_eq!(at("2026-12-04T10:00:00Z", AFTER_DST, Paris), instant("2026-12-04T10:00:00Z"));
        assert_eq!(at("2026-12-04T10:00:00+02:00", AFTER_DST, Paris), instant("2026-12-04T08:00:00Z"));
        assert_eq!(at("2026-12-04T10:00Z", AFTER_DST, Paris), instant("2026-12-04T10:00:00Z"));
        assert_eq!(at("2026-12-04 10:00 UTC", AFTER_DST, Paris), instant("2026-12-04T10:00:00Z"));
        assert_eq!(at("2026-12-04 10:00 -0500", AFTER_DST, Paris), instant("2026-12-04T15:00:00Z"));
        assert_eq!(at("Dec 4 2026 9:30 pm", AFTER_DST, Paris), instant("2026-12-04T20:30:00Z"));
        assert_eq!(at("Dec 4 2026 12am", AFTER_DST, Paris), instant("2026-12-03T23:00:00Z"));
        assert_eq!(at("Fri, 04 Dec 2026 10:00:00 +0000", AFTER_DST, Paris), instant("2026-12-04T10:00:00Z"));
        assert_eq!(at("0", AFTER_DST, Paris), DateSpec::Instant(DateTime::UNIX_EPOCH));
        // 02:30 does not exist on 2026-03-29 in Paris: moved past the gap.
        assert_eq!(at("2026-03-29 02:30", AFTER_DST, Paris), instant("2026-03-29T01:00:00Z"));
        // 02:30 happens twice on 2026-10-25: the earlier one.
        assert_eq!(at("2026-10-25 02:30", AFTER_DST, Paris), instant("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn named_days_in_the_users_zone() {
        // 23:30 UTC on the 28th is already the 29th in Paris.
        let late = "2026-03-28T23:30:00Z";
        assert_eq!(at("today", late, Paris), range("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
        assert_eq!(at("today", late, Tz::UTC), range("2026-03-28T00:00:00Z", "2026-03-29T00:00:00Z"));
        assert_eq!(at("yesterday", AFTER_DST, Paris), range("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
        assert_eq!(at("tomorrow", BEFORE_DST, Paris), range("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
        assert_eq!(at("yesterday 17:00", AFTER_DST, Paris), instant("2026-03-29T15:00:00Z"));
        assert_eq!(at("17:00", AFTER_DST, Paris), instant("2026-03-30T15:00:00Z"));
    }

    #[test]
    fn weekdays() {
        // AFTER_DST is a Monday.
        let monday = range("2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z");
        assert_eq!(at("monday", AFTER_DST, Paris), monday);
        assert_eq!(at("this monday", AFTER_DST, Paris), monday);
        assert_eq!(at("last monday", AFTER_DST, Paris), range("2026-03-22T23:00:00Z", "2026-03-23T23:00:00Z"));
        assert_eq!(at("next monday", AFTER_DST, Paris), range("2026-04-05T22:00:00Z", "2026-04-06T22:00:00Z"));
        assert_eq!(at("last friday", AFTER_DST, Paris), range("2026-03-26T23:00:00Z", "2026-03-27T23:00:00Z"));
        assert_eq!(at("next friday", AFTER_DST, Paris), range("2026-04-02T22:00:00Z", "2026-04-03T22:00:00Z"));
        assert_eq!(at("sunday", AFTER_DST, Paris), range("2026-04-04T22:00:00Z", "2026-04-05T22:00:00Z"));
        assert_eq!(at("next monday 9am", AFTER_DST, Paris), instant("2026-04-06T07:00:00Z"));
    }

    #[test]
    fn periods() {
        // Week of Monday 2026-03-23 (CET) to Monday 2026-03-30 (CEST).
        assert_eq!(at("this week", BEFORE_DST, Paris), range("2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z"));
        assert_eq!(at("last week", AFTER_DST, Paris), range("2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z"));
        assert_eq!(at("next week", BEFORE_DST, Paris), range("2026-03-29T22:00:00Z", "2026-04-05T22:00:00Z"));
        assert_eq!(at("this month", AFTER_DST, Paris), range("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"));
        assert_eq!(at("last month", AFTER_DST, Paris), range("2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z"));
        assert_eq!(at("next year", AFTER_DST, Paris), range("2026-12-31T23:00:00Z", "2027-12-31T23:00:00Z"));
    }

    #[test]
    fn offsets() {
        assert_eq!(at("now", AFTER_DST, Paris), instant(AFTER_DST));
        assert_eq!(at("NOW", AFTER_DST, Paris), instant(AFTER_DST));
        // Hours are exact: 48 hours before.
        assert_eq!(at("48 hours ago", AFTER_DST, Paris), instant("2026-03-28T12:00:00Z"));
        // Days keep the wall clock: 14:00 CEST -> 14:00 CET two days before (47 h).
        assert_eq!(at("2 days ago", AFTER_DST, Paris), instant("2026-03-28T13:00:00Z"));
        assert_eq!(at("-2 days", AFTER_DST, Paris), instant("2026-03-28T13:00:00Z"));
        assert_eq!(at("2 days ago", AFTER_DST, Tz::UTC), instant("2026-03-28T12:00:00Z"));
        assert_eq!(at("in 2 days", BEFORE_DST, Paris), instant("2026-03-30T11:00:00Z"));
        assert_eq!(at("2 days", BEFORE_DST, Paris), instant("2026-03-30T11:00:00Z"));
        assert_eq!(at("+2 days", BEFORE_DST, Paris), instant("2026-03-30T11:00:00Z"));
        assert_eq!(at("2 days from now", BEFORE_DST, Paris), instant("2026-03-30T11:00:00Z"));
        assert_eq!(at("1 week 2 days ago", AFTER_DST, Tz::UTC), instant("2026-03-21T12:00:00Z"));
        assert_eq!(at("a week ago", AFTER_DST, Tz::UTC), instant("2026-03-23T12:00:00Z"));
        assert_eq!(at("3 minutes ago", AFTER_DST, Paris), instant("2026-03-30T11:57:00Z"));
        assert_eq!(at("90 sec ago", AFTER_DST, Paris), instant("2026-03-30T11:58:30Z"));
        assert_eq!(at("1 month ago", "2026-03-31T12:00:00Z", Tz::UTC), instant("2026-02-28T12:00:00Z"));
        assert_eq!(at("2 years ago", AFTER_DST, Tz::UTC), instant("2024-03-30T12:00:00Z"));
        assert_eq!(at("3days ago", AFTER_DST, Tz::UTC), instant("2026-03-27T12:00:00Z"));
    }

    #[test]
    fn how_operators_use_a_spec() {
        let day = at("2026-12-04", AFTER_DST, Paris);
        assert_eq!(day.start(), utc("2026-12-03T23:00:00Z"));
        assert_eq!(day.day_or_range(Paris), (utc("2026-12-03T23:00:00Z"), utc("2026-12-04T23:00:00Z")));
        let moment = at("2026-12-04 10:00", AFTER_DST, Paris);
        assert_eq!(moment.start(), utc("2026-12-04T09:00:00Z"));
        assert_eq!(moment.day_or_range(Paris), (utc("2026-12-03T23:00:00Z"), utc("2026-12-04T23:00:00Z")));
    }

    #[test]
    fn rejects_nonsense() {
        for input in
            ["", "  ", "soon", "2026-13-01", "2026-02-30", "25:00", "3 parsecs ago", "last fortnight", "Dec 4 26", "in"]
        {
            let err = parse_date(input, utc(AFTER_DST), Paris).expect_err(input);
            assert_eq!(err.to_string(), format!("cannot understand the date '{input}'"));
        }
    }
}
