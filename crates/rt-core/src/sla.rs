//! # Service level agreements: business hours and SLA deadlines
//!
//! A pure (no database) reimplementation of what RT 5 computes for its
//! `%ServiceAgreements` / `%ServiceBusinessHours` configuration: the
//! ticket's `Starts` date and its `Due` date. The caller gathers the facts
//! about a ticket (creation time, status, who replied when, status history)
//! and this module turns them into instants. Everything is done in UTC
//! instants; business hours are interpreted in the wall clock of a
//! [`chrono_tz::Tz`].
//!
//! ## Business hours (RT uses CPAN's `Business::Hours`)
//!
//! - A schedule ([`BusinessHours`]) gives, per weekday (0 = Sunday .. 6 =
//!   Saturday), zero or more wall-clock [`Span`]s. A span includes its start
//!   and excludes its end ("End is the first minute we're closed"). As in
//!   `Business::Hours`, a span whose end is not after its start ends on the
//!   *next* day (`22:00`–`06:00` is a night shift, `00:00`–`00:00` is a whole
//!   day); `24:00` is accepted as an end and means the following midnight.
//!   Several spans per day express breaks (`Business::Hours` calls them
//!   `Breaks`); overlapping spans are merged, never counted twice.
//! - Holidays ([`Holiday`]) are `MM-DD` (every year) or `YYYY-MM-DD` (once).
//!   As in `Business::Hours`, a holiday removes the whole local calendar day,
//!   midnight to midnight, including the after-midnight part of a previous
//!   day's night shift.
//! - With no configured schedule named `Default`, RT's default applies:
//!   Monday–Friday 09:00–18:00, no holidays ([`BusinessHours::rt_default`]).
//!   RT silently falls back to that default for *any* unknown schedule name;
//!   we report [`SlaError::UnknownBusinessHours`] for names other than
//!   `Default` instead.
//! - `first_open_at_or_after` is `Business::Hours::first_after`: the instant
//!   itself when open, else the next opening.
//! - `add_business_*` is `Business::Hours::add_seconds`: business time is
//!   counted only inside open spans and the result is always an *open*
//!   instant. So when the amount is used up exactly at a closing time the
//!   result is the next opening (Monday 17:00 + 60 business minutes with a
//!   09:00–18:00 day is Tuesday 09:00, not Monday 18:00), and 0 minutes means
//!   the first business instant at/after the start. Negative amounts are
//!   treated as 0 (RT would index a Perl array from the end: garbage).
//! - `Business::Hours` gives up (returns -1) after 30 days without business
//!   time; we search up to about three years and return `None` (or
//!   [`SlaError::NoBusinessTime`] from the SLA functions).
//!
//! ### Time zones and daylight saving time
//!
//! Spans are wall-clock times: each day's span is converted to UTC with that
//! day's offset, so a 09:00–17:00 day is 8 real hours on a DST-change day
//! too, and a business hour means a real hour elapsed while open (a night
//! shift 22:00–06:00 lasts 7 real hours over spring-forward and 9 over
//! fall-back). Local times that do not exist or exist twice are resolved so
//! that a span covers exactly the instants whose wall-clock reading is in
//! `[start, end)`:
//!
//! - nonexistent (skipped by spring-forward, e.g. 02:30 in New York on
//!   2024-03-10): both a start and an end resolve to the instant the clock
//!   jumps (03:00 EDT there);
//! - ambiguous (repeated by fall-back): a start resolves to the earlier
//!   instant, an end to the later one (a 01:30–02:30 span on New York's
//!   fall-back day is two real hours long);
//! - holiday midnights use the start rule.
//!
//! Real minutes are plain elapsed time (UTC arithmetic), never wall-clock.
//!
//! ## Levels and intervals (RT's `%ServiceAgreements`)
//!
//! - An [`Interval`] has business minutes and/or real minutes; business
//!   minutes are applied first, then real minutes (RT_Config.pm "Using
//!   business and real time in one option"). A bare integer in the config is
//!   business minutes (`RT::SLA::Agreement`).
//! - `Starts` defaults to `{ BusinessMinutes => 0 }` (the first business
//!   minute at/after creation); the legacy `StartImmediately` means
//!   `{ RealMinutes => 0 }` and overrides `Starts`
//!   (`RT::SLA::Agreement`).
//! - `OutOfHours` modifiers (`RT::SLA::CalculateTime`): when the base time of
//!   a deadline is not inside business hours, the modifier's real/business
//!   minutes are added to the interval's (a business modifier on a real-only
//!   interval makes it business-then-real; zero modifiers are ignored).
//! - The time zone of a calculation (`RT::SLA::Agreement`): the queue's
//!   `QueueDefault` entry when it is the detailed form with a `Timezone`,
//!   else the level's `Timezone`, else the site time zone
//!   ([`Agreements::timezone`]), else UTC.
//! - `IgnoreOnStatuses` (`RT::SLA::Agreement`): a deadline type whose
//!   ignore list contains the ticket's current status yields no deadline.
//!   RT configures the list per deadline type (inside `Response => {...}`);
//!   [`Interval::ignore_on_statuses`] is that, and
//!   [`Level::ignore_on_statuses`] is a level-wide list applying to the
//!   Response, KeepInLoop and Resolve deadlines (not to Starts). Same for
//!   `ExcludeTimeOnIgnoredStatuses` (either flag enables it).
//! - `ExcludeTimeOnIgnoredStatuses` (`RT::SLA::CalculateTime`): walking the
//!   status changes made at/after the deadline's base time, in order, each
//!   change *out of* the ignored statuses (old ignored, new not) pushes the
//!   base time forward by the time since the later of the base time and the
//!   last change *from* a non-ignored status. The push is in business time
//!   when the (modified) interval has business minutes, else in real time.
//!   (RT counts the business seconds of that stretch inclusively, one second
//!   more than our half-open count.)
//!
//! ## Starts and Due (RT's `SLA_SetStarts` / `SLA_SetDue` scrip actions)
//!
//! - [`Agreements::starts`]: the Starts interval from the ticket's Created
//!   time (`RT::Action::SLA_SetStarts`). RT runs it on create and on a
//!   change of SLA level (`RT::Condition::SLA_RequireStartsSet`).
//! - [`Agreements::due`] (`RT::Action::SLA_SetDue`; RT re-runs it on create,
//!   correspond, status change and SLA change, see
//!   `RT::Condition::SLA_RequireDueSet`):
//!   1. the "last effective act" among the ticket's Create and Correspond
//!      transactions, newest first ([`ActSummary::from_acts`]): if the newest
//!      is by an inside actor, the KeepInLoop deadline runs from it; if it is
//!      by an outside actor, the Response deadline runs from the *oldest* act
//!      of the newest unbroken run of outside acts (later nagging does not
//!      move the deadline);
//!   2. the Resolve deadline runs from the ticket's Created time (replies
//!      never move it);
//!   3. Due is the earlier of the two defined deadlines, or none. With both
//!      Response and Resolve configured Due is therefore never unset, and
//!      once the Resolve deadline is the earlier one Due stays frozen there.
//! - Outside actor ([`is_outside_actor`], `SLA_SetDue::IsOutsideActor`): the
//!   Owner is always inside; by default only requestors (recursively) are
//!   outside; with `AssumeOutsideActor` everybody except ticket and queue
//!   AdminCcs is outside.
//! - Inactive statuses clear Due ([`DueInput::status_is_inactive`]). RT's
//!   documentation promises this ("until the ticket is closed, when the
//!   ticket's Due date is unset"), but RT 5's code does not do it: it
//!   recomputes Due on the status change like on any other (only statuses
//!   listed in `IgnoreOnStatuses` drop a deadline). We follow the
//!   documentation, so that closed tickets are never overdue.
//! - Unknown level names: RT silently leaves the dates alone; we report
//!   [`SlaError::UnknownLevel`].
//! - Default level of a new ticket ([`Agreements::default_level`],
//!   `RT::SLA::GetDefaultServiceLevel`): none when the queue has SLA
//!   disabled; else the queue's own SLA; else `QueueDefault` for the queue
//!   name (the detailed form without a level means `Default`); else
//!   `Default`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// What can go wrong reading an SLA configuration or computing with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    /// A level names a business-hours schedule that is not configured.
    #[error("unknown business hours {0:?}")]
    UnknownBusinessHours(String),
    /// A service level name that is not configured.
    #[error("unknown service level {0:?}")]
    UnknownLevel(String),
    /// A time zone name that the tz database does not know.
    #[error("unknown time zone {0:?}")]
    UnknownTimezone(String),
    /// A time of day that is not `H:MM`, `HH:MM` or `HH:MM:SS`.
    #[error("bad time of day {0:?} (expected HH:MM)")]
    BadTime(String),
    /// A holiday that is not `MM-DD` or `YYYY-MM-DD`.
    #[error("bad holiday {0:?} (expected MM-DD or YYYY-MM-DD)")]
    BadHoliday(String),
    /// A weekday key that is not 0..6 or a day name (Sunday is 0, not 7).
    #[error("bad weekday {0:?} (expected 0 = Sunday .. 6 = Saturday, or a day name)")]
    BadWeekday(String),
    /// The named schedule has no business time within the search horizon.
    #[error("business hours {0:?} have no open time within the search horizon")]
    NoBusinessTime(String),
    /// A date computation left chrono's representable range.
    #[error("date out of range")]
    OutOfRange,
}

/// Shorthand for results of this module.
pub type SlaResult<T> = std::result::Result<T, SlaError>;

// ---------------------------------------------------------------------------
// Times of day, spans, holidays
// ---------------------------------------------------------------------------

/// Parses a wall-clock time `H:MM`, `HH:MM` or `HH:MM:SS` (any single
/// non-digit separator, as `Business::Hours` accepts). `24:00` is accepted
/// and returned as `00:00`, which as a span end means the next midnight.
pub fn parse_time_of_day(s: &str) -> SlaResult<NaiveTime> {
    let bad = || SlaError::BadTime(s.to_owned());
    let t = s.trim();
    let parts: Vec<&str> = t.split(|c: char| !c.is_ascii_digit()).collect();
    if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return Err(bad());
    }
    let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
    let h = num(parts[0])?;
    let m = num(parts[1])?;
    let sec = match parts.get(2) {
        Some(p) => num(p)?,
        None => 0,
    };
    if h == 24 && m == 0 && sec == 0 {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::from_hms_opt(h, m, sec).ok_or_else(bad)
}

/// One open stretch of a day, in wall-clock time: open from `start`
/// (included) to `end` (excluded). When `end <= start` the span ends on the
/// following day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SpanRepr")]
pub struct Span {
    /// First open wall-clock time.
    pub start: NaiveTime,
    /// First closed wall-clock time (on the next day when `<= start`).
    pub end: NaiveTime,
}

impl Span {
    /// A span from two times of day.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        Span { start, end }
    }

    /// A span from two `HH:MM` strings.
    pub fn parse(start: &str, end: &str) -> SlaResult<Self> {
        Ok(Span { start: parse_time_of_day(start)?, end: parse_time_of_day(end)? })
    }

    /// Whether the span ends on the following day.
    pub fn wraps_midnight(&self) -> bool {
        self.end <= self.start
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpanRepr {
    #[serde(alias = "Start")]
    start: String,
    #[serde(alias = "End")]
    end: String,
    #[serde(default, alias = "Name")]
    #[allow(dead_code)]
    name: Option<String>,
}

impl TryFrom<SpanRepr> for Span {
    type Error = SlaError;
    fn try_from(r: SpanRepr) -> SlaResult<Self> {
        Span::parse(&r.start, &r.end)
    }
}

/// A closed day: `MM-DD` every year or `YYYY-MM-DD` once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Holiday {
    /// The same month and day every year (a 02-29 holiday only exists in
    /// leap years).
    Yearly {
        /// Month, 1..=12.
        month: u32,
        /// Day of the month, 1..=31.
        day: u32,
    },
    /// One specific date.
    Date(NaiveDate),
}

impl Holiday {
    /// Whether the local calendar date is this holiday.
    pub fn matches(&self, date: NaiveDate) -> bool {
        match *self {
            Holiday::Yearly { month, day } => date.month() == month && date.day() == day,
            Holiday::Date(d) => d == date,
        }
    }
}

impl FromStr for Holiday {
    type Err = SlaError;
    fn from_str(s: &str) -> SlaResult<Self> {
        let bad = || SlaError::BadHoliday(s.to_owned());
        let parts: Vec<&str> = s.trim().split(|c: char| !c.is_ascii_digit()).collect();
        let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
        match parts.as_slice() {
            [m, d] if m.len() == 2 && d.len() == 2 => {
                let (month, day) = (num(m)?, num(d)?);
                // validate against a leap year so that 02-29 is accepted
                NaiveDate::from_ymd_opt(2000, month, day).ok_or_else(bad)?;
                Ok(Holiday::Yearly { month, day })
            }
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                let year = y.parse::<i32>().map_err(|_| bad())?;
                NaiveDate::from_ymd_opt(year, num(m)?, num(d)?).map(Holiday::Date).ok_or_else(bad)
            }
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for Holiday {
    type Error = SlaError;
    fn try_from(s: String) -> SlaResult<Self> {
        s.parse()
    }
}

// ---------------------------------------------------------------------------
// Business hours
// ---------------------------------------------------------------------------

/// How far (in days without any business time) searches go before giving up.
const HORIZON_DAYS: i64 = 3 * 366;
/// Size of the chunks in which open intervals are generated.
const WINDOW_DAYS: i64 = 7;

/// A weekly business schedule with holidays (RT's `%ServiceBusinessHours`
/// entry, CPAN `Business::Hours`).
///
/// Deserializes from `{ "days": { "1": [{"start": "09:00", "end": "18:00"}],
/// ... }, "holidays": ["01-01", "2015-10-12"] }`; a day key is `0`..`6`
/// (0 = Sunday) or an English day name (`"monday"`, `"mon"`), a day value is
/// one span or a list of spans (`Start`/`End` are accepted as RT spells
/// them). Missing days are closed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "BusinessHoursRepr")]
pub struct BusinessHours {
    /// Open spans per weekday, index 0 = Sunday .. 6 = Saturday; an empty
    /// list is a closed day.
    pub days: [Vec<Span>; 7],
    /// Closed dates.
    pub holidays: Vec<Holiday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessHoursRepr {
    #[serde(default)]
    days: BTreeMap<String, DayRepr>,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DayRepr {
    One(Span),
    Many(Vec<Span>),
}

/// Parses a weekday key: `0`..`6` (0 = Sunday) or an English day name.
fn parse_weekday_key(key: &str) -> SlaResult<usize> {
    const NAMES: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    let k = key.trim().to_ascii_lowercase();
    if let Ok(n) = k.parse::<usize>() {
        return if n < 7 { Ok(n) } else { Err(SlaError::BadWeekday(key.to_owned())) };
    }
    NAMES
        .iter()
        .position(|name| k.len() >= 3 && name.starts_with(k.as_str()))
        .ok_or_else(|| SlaError::BadWeekday(key.to_owned()))
}

impl TryFrom<BusinessHoursRepr> for BusinessHours {
    type Error = SlaError;
    fn try_from(r: BusinessHoursRepr) -> SlaResult<Self> {
        let mut bh = BusinessHours::closed();
        for (key, day) in r.days {
            let idx = parse_weekday_key(&key)?;
            let spans = match day {
                DayRepr::One(s) => vec![s],
                DayRepr::Many(v) => v,
            };
            if let Some(slot) = bh.days.get_mut(idx) {
                slot.extend(spans);
            }
        }
        bh.holidays = r.holidays;
        Ok(bh)
    }
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self::rt_default()
    }
}

/// Which instant to pick for an ambiguous local time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pick {
    Earliest,
    Latest,
}

type Iv = (DateTime<Utc>, DateTime<Utc>);

fn days(n: i64) -> TimeDelta {
    TimeDelta::try_days(n).unwrap_or(TimeDelta::MAX)
}

/// The wall-clock reading of a UNIX timestamp in `tz`.
fn local_at(tz: Tz, ts: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp(ts, 0).map(|u| u.with_timezone(&tz).naive_local())
}

/// Converts a wall-clock time to an instant (see the module doc for the
/// nonexistent / ambiguous rules).
fn resolve_local(tz: Tz, naive: NaiveDateTime, pick: Pick) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Some(if pick == Pick::Latest { a.max(b) } else { a.min(b) })
        }
        LocalResult::None => {
            // In a gap: the instant the clock jumps over `naive`, i.e. the
            // smallest instant whose reading is after it. Offsets are far
            // below a day, so the jump is within two days of `naive` as UTC.
            let guess = naive.and_utc().timestamp();
            let (mut lo, mut hi) = (guess - 2 * 86_400, guess + 2 * 86_400);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if local_at(tz, mid)? > naive {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            DateTime::from_timestamp(hi, 0)
        }
    }
}

fn merge(mut ivs: Vec<Iv>) -> Vec<Iv> {
    ivs.sort();
    let mut out: Vec<Iv> = Vec::with_capacity(ivs.len());
    for (s, e) in ivs {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn subtract(ivs: Vec<Iv>, (hs, he): Iv) -> Vec<Iv> {
    let mut out = Vec::with_capacity(ivs.len() + 1);
    for (s, e) in ivs {
        if e <= hs || s >= he {
            out.push((s, e));
            continue;
        }
        if s < hs {
            out.push((s, hs));
        }
        if e > he {
            out.push((he, e));
        }
    }
    out
}

impl BusinessHours {
    /// No open time at all (a starting point for building a schedule).
    pub fn closed() -> Self {
        BusinessHours { days: Default::default(), holidays: Vec::new() }
    }

    /// RT's (`Business::Hours`') default: Monday–Friday 09:00–18:00.
    pub fn rt_default() -> Self {
        let nine_to_six = Span::new(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
        );
        let mut bh = Self::closed();
        for day in 1..=5 {
            bh.days[day] = vec![nine_to_six];
        }
        bh
    }

    /// Sets the spans of one weekday (0 = Sunday .. 6 = Saturday) from
    /// `(start, end)` strings.
    pub fn with_day(mut self, weekday: usize, spans: &[(&str, &str)]) -> SlaResult<Self> {
        let parsed = spans.iter().map(|(s, e)| Span::parse(s, e)).collect::<SlaResult<Vec<_>>>()?;
        let slot = self.days.get_mut(weekday).ok_or_else(|| SlaError::BadWeekday(weekday.to_string()))?;
        *slot = parsed;
        Ok(self)
    }

    /// Adds holidays (`MM-DD` or `YYYY-MM-DD`).
    pub fn with_holidays(mut self, holidays: &[&str]) -> SlaResult<Self> {
        for h in holidays {
            self.holidays.push(h.parse()?);
        }
        Ok(self)
    }

    /// Whether the local calendar date is a holiday.
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.iter().any(|h| h.matches(date))
    }

    fn has_spans(&self) -> bool {
        self.days.iter().any(|d| !d.is_empty())
    }

    /// The open intervals intersecting `[w0, w1)`, clipped to it, sorted,
    /// disjoint, holidays removed.
    fn open_in_window(&self, tz: Tz, w0: DateTime<Utc>, w1: DateTime<Utc>) -> Vec<Iv> {
        let first = w0.with_timezone(&tz).date_naive();
        let last = w1.with_timezone(&tz).date_naive();
        // a span may start the day before (night shift) – look back 2 days
        let (Some(d0), Some(d1)) = (first.checked_sub_days(chrono::Days::new(2)), last.succ_opt()) else {
            return Vec::new();
        };
        let mut ivs = Vec::new();
        let mut holidays = Vec::new();
        let mut d = d0;
        while d <= d1 {
            let Some(next) = d.succ_opt() else { break };
            let weekday = d.weekday().num_days_from_sunday() as usize;
            for span in self.days.get(weekday).map(Vec::as_slice).unwrap_or(&[]) {
                let end_date = if span.wraps_midnight() { next } else { d };
                let s = resolve_local(tz, d.and_time(span.start), Pick::Earliest);
                let e = resolve_local(tz, end_date.and_time(span.end), Pick::Latest);
                if let (Some(s), Some(e)) = (s, e) {
                    let (s, e) = (s.max(w0), e.min(w1));
                    if s < e {
                        ivs.push((s, e));
                    }
                }
            }
            if self.is_holiday(d) {
                let s = resolve_local(tz, d.and_time(NaiveTime::MIN), Pick::Earliest);
                let e = resolve_local(tz, next.and_time(NaiveTime::MIN), Pick::Earliest);
                if let (Some(s), Some(e)) = (s, e) {
                    holidays.push((s, e));
                }
            }
            d = next;
        }
        let mut ivs = merge(ivs);
        for h in holidays {
            ivs = subtract(ivs, h);
        }
        ivs
    }

    /// Feeds the open intervals at/after `from`, in order, to `f` until it
    /// returns a value; `None` after [`HORIZON_DAYS`] without open time.
    fn walk<F>(&self, tz: Tz, from: DateTime<Utc>, mut f: F) -> Option<DateTime<Utc>>
    where
        F: FnMut(DateTime<Utc>, DateTime<Utc>) -> Option<DateTime<Utc>>,
    {
        if !self.has_spans() {
            return None;
        }
        let mut w0 = from;
        let mut last_open = from;
        loop {
            let w1 = w0.checked_add_signed(days(WINDOW_DAYS))?;
            for (s, e) in self.open_in_window(tz, w0, w1) {
                last_open = e;
                if let Some(r) = f(s, e) {
                    return Some(r);
                }
            }
            if w1 - last_open > days(HORIZON_DAYS) {
                return None;
            }
            w0 = w1;
        }
    }

    /// Whether `at` is inside business hours (in `tz`'s wall clock).
    pub fn is_open(&self, tz: Tz, at: DateTime<Utc>) -> bool {
        match at.checked_add_signed(TimeDelta::seconds(1)) {
            Some(next) => !self.open_in_window(tz, at, next).is_empty(),
            None => false,
        }
    }

    /// `at` when open, else the next opening (`Business::Hours::first_after`);
    /// `None` when there is no business time within about three years.
    pub fn first_open_at_or_after(&self, tz: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.walk(tz, at, |s, _| Some(s))
    }

    /// The open instant reached after `seconds` business seconds counted
    /// from `start` (`Business::Hours::add_seconds`); see the module doc.
    pub fn add_business_seconds(&self, tz: Tz, start: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        let mut remaining = seconds.max(0);
        self.walk(tz, start, |s, e| {
            let len = (e - s).num_seconds();
            if len > remaining {
                s.checked_add_signed(TimeDelta::seconds(remaining))
            } else {
                remaining -= len;
                None
            }
        })
    }

    /// The open instant reached after `minutes` business minutes counted from
    /// `start`; 0 means the first business instant at/after `start`.
    pub fn add_business_minutes(&self, tz: Tz, start: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        self.add_business_seconds(tz, start, minutes.saturating_mul(60))
    }

    /// Business seconds in `[a, b)`; 0 when `b <= a`.
    pub fn business_seconds_between(&self, tz: Tz, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        let mut total = 0;
        let mut w0 = a;
        while w0 < b {
            let w1 = w0.checked_add_signed(days(WINDOW_DAYS)).map_or(b, |w| w.min(b));
            total += self.open_in_window(tz, w0, w1).iter().map(|(s, e)| (*e - *s).num_seconds()).sum::<i64>();
            w0 = w1;
        }
        total
    }

    /// Whole business minutes in `[a, b)` (rounded down); 0 when `b <= a`.
    pub fn business_minutes_between(&self, tz: Tz, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.business_seconds_between(tz, a, b) / 60
    }
}

// ---------------------------------------------------------------------------
// Levels and agreements
// ---------------------------------------------------------------------------

/// A deadline interval: business minutes first, then real minutes
/// (`{ BusinessMinutes => .., RealMinutes => .. }` or a bare integer =
/// business minutes). Neither set means "the base time itself".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "IntervalRepr")]
pub struct Interval {
    /// Business minutes (0 = the first business minute at/after the base).
    pub business_minutes: Option<i64>,
    /// Real (elapsed) minutes, added after the business minutes.
    pub real_minutes: Option<i64>,
    /// Statuses during which this deadline is not applied (RT's per-type
    /// `IgnoreOnStatuses`).
    pub ignore_on_statuses: Vec<String>,
    /// Push the deadline by the time spent in ignored statuses (RT's
    /// per-type `ExcludeTimeOnIgnoredStatuses`).
    pub exclude_time_on_ignored_statuses: bool,
}

impl Interval {
    /// Only business minutes.
    pub fn business(minutes: i64) -> Self {
        Interval { business_minutes: Some(minutes), ..Interval::default() }
    }

    /// Only real minutes.
    pub fn real(minutes: i64) -> Self {
        Interval { real_minutes: Some(minutes), ..Interval::default() }
    }

    /// Business minutes, then real minutes.
    pub fn business_then_real(business: i64, real: i64) -> Self {
        Interval { business_minutes: Some(business), real_minutes: Some(real), ..Interval::default() }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IntervalRepr {
    Bare(i64),
    Full(IntervalFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntervalFields {
    #[serde(default, alias = "BusinessMinutes")]
    business_minutes: Option<i64>,
    #[serde(default, alias = "RealMinutes")]
    real_minutes: Option<i64>,
    #[serde(default, alias = "IgnoreOnStatuses")]
    ignore_on_statuses: Vec<String>,
    #[serde(default, alias = "ExcludeTimeOnIgnoredStatuses")]
    exclude_time_on_ignored_statuses: bool,
}

impl From<IntervalRepr> for Interval {
    fn from(r: IntervalRepr) -> Self {
        match r {
            IntervalRepr::Bare(n) => Interval::business(n),
            IntervalRepr::Full(f) => Interval {
                business_minutes: f.business_minutes,
                real_minutes: f.real_minutes,
                ignore_on_statuses: f.ignore_on_statuses,
                exclude_time_on_ignored_statuses: f.exclude_time_on_ignored_statuses,
            },
        }
    }
}

/// Extra time added to a deadline whose base time is outside business hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    /// Extra business minutes.
    #[serde(default, alias = "BusinessMinutes")]
    pub business_minutes: Option<i64>,
    /// Extra real minutes.
    #[serde(default, alias = "RealMinutes")]
    pub real_minutes: Option<i64>,
}

/// RT's `OutOfHours` modifiers, per deadline type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutOfHours {
    /// Modifier of the Starts date.
    #[serde(alias = "Starts")]
    pub starts: Option<Extra>,
    /// Modifier of the Response deadline.
    #[serde(alias = "Response")]
    pub response: Option<Extra>,
    /// Modifier of the KeepInLoop deadline.
    #[serde(alias = "KeepInLoop")]
    pub keep_in_loop: Option<Extra>,
    /// Modifier of the Resolve deadline.
    #[serde(alias = "Resolve")]
    pub resolve: Option<Extra>,
}

impl OutOfHours {
    /// The modifier of one deadline type.
    pub fn get(&self, kind: DeadlineKind) -> Option<&Extra> {
        match kind {
            DeadlineKind::Starts => self.starts.as_ref(),
            DeadlineKind::Response => self.response.as_ref(),
            DeadlineKind::KeepInLoop => self.keep_in_loop.as_ref(),
            DeadlineKind::Resolve => self.resolve.as_ref(),
        }
    }
}

/// The kinds of time RT computes from a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineKind {
    /// The ticket's Starts date, from Created.
    Starts,
    /// Reply due to an outside actor, from their oldest unanswered act.
    Response,
    /// Next update due to requestors, from the last inside reply.
    KeepInLoop,
    /// Resolution due, from Created.
    Resolve,
}

/// One service level (an entry of `%ServiceAgreements{Levels}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Level {
    /// Starts interval; `None` = `{ BusinessMinutes => 0 }`.
    #[serde(alias = "Starts")]
    pub starts: Option<Interval>,
    /// Legacy `StartImmediately`: Starts = Created (overrides `starts`).
    #[serde(alias = "StartImmediately")]
    pub start_immediately: bool,
    /// Response deadline.
    #[serde(alias = "Response")]
    pub response: Option<Interval>,
    /// KeepInLoop deadline.
    #[serde(alias = "KeepInLoop")]
    pub keep_in_loop: Option<Interval>,
    /// Resolve deadline.
    #[serde(alias = "Resolve")]
    pub resolve: Option<Interval>,
    /// Out-of-hours modifiers.
    #[serde(alias = "OutOfHours")]
    pub out_of_hours: OutOfHours,
    /// Name of the business-hours schedule (`None` = `Default`).
    #[serde(alias = "BusinessHours")]
    pub business_hours: Option<String>,
    /// Time zone of this level (overridden by a queue's `QueueDefault`
    /// time zone).
    #[serde(alias = "Timezone")]
    pub timezone: Option<String>,
    /// Level-wide ignored statuses (added to each deadline's own list;
    /// Starts excluded).
    #[serde(alias = "IgnoreOnStatuses")]
    pub ignore_on_statuses: Vec<String>,
    /// Level-wide `ExcludeTimeOnIgnoredStatuses`.
    #[serde(alias = "ExcludeTimeOnIgnoredStatuses")]
    pub exclude_time_on_ignored_statuses: bool,
}

impl Level {
    /// The interval RT uses for a deadline type, with the Starts default.
    pub fn interval(&self, kind: DeadlineKind) -> Option<Cow<'_, Interval>> {
        match kind {
            DeadlineKind::Starts if self.start_immediately => Some(Cow::Owned(Interval::real(0))),
            DeadlineKind::Starts => {
                Some(self.starts.as_ref().map_or_else(|| Cow::Owned(Interval::business(0)), Cow::Borrowed))
            }
            DeadlineKind::Response => self.response.as_ref().map(Cow::Borrowed),
            DeadlineKind::KeepInLoop => self.keep_in_loop.as_ref().map(Cow::Borrowed),
            DeadlineKind::Resolve => self.resolve.as_ref().map(Cow::Borrowed),
        }
    }
}

/// A `QueueDefault` entry: a level name, or a level and a time zone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum QueueDefault {
    /// Just the level name.
    Level(String),
    /// Level (missing = the global default) and time zone for the queue.
    Detailed {
        /// The level (`Level`).
        #[serde(default, alias = "Level")]
        level: Option<String>,
        /// The time zone used for every level on this queue (`Timezone`).
        #[serde(default, alias = "Timezone")]
        timezone: Option<String>,
    },
}

/// The site's SLA configuration: RT's `%ServiceAgreements` plus
/// `%ServiceBusinessHours`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Agreements {
    /// Levels by name.
    #[serde(alias = "Levels")]
    pub levels: BTreeMap<String, Level>,
    /// Level of tickets whose queue gives none (`Default`).
    #[serde(alias = "Default")]
    pub default_level: Option<String>,
    /// Per-queue defaults, by queue name (`QueueDefault`).
    #[serde(alias = "QueueDefault")]
    pub queue_default: BTreeMap<String, QueueDefault>,
    /// `AssumeOutsideActor`: only Owner/AdminCc replies satisfy Response.
    #[serde(alias = "AssumeOutsideActor")]
    pub assume_outside_actor: bool,
    /// The site time zone (RT's `$Timezone`); `None` = UTC.
    pub timezone: Option<String>,
    /// Business-hours schedules by name (`%ServiceBusinessHours`); a missing
    /// `Default` is [`BusinessHours::rt_default`].
    pub business_hours: BTreeMap<String, BusinessHours>,
}

/// A status change of the ticket (a `Status` transaction).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusChange {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Old status.
    pub from: String,
    /// New status.
    pub to: String,
}

impl StatusChange {
    /// Shorthand constructor.
    pub fn new(at: DateTime<Utc>, from: &str, to: &str) -> Self {
        StatusChange { at, from: from.to_owned(), to: to.to_owned() }
    }
}

/// What one deadline computation needs besides the level
/// (`RT::SLA::CalculateTime`'s arguments).
#[derive(Debug, Clone, Copy)]
pub struct TimeQuery<'a> {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// Its base time.
    pub time: DateTime<Utc>,
    /// The ticket's queue name (for the `QueueDefault` time zone).
    pub queue: Option<&'a str>,
    /// The ticket's current status (for `IgnoreOnStatuses`); `None` = no
    /// ticket, no status checks.
    pub status: Option<&'a str>,
    /// The ticket's status changes, oldest first (for
    /// `ExcludeTimeOnIgnoredStatuses`).
    pub status_changes: &'a [StatusChange],
}

/// A Create or Correspond transaction, as far as the SLA cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Act {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// By the ticket's Owner.
    pub by_owner: bool,
    /// By a (recursive) member of the ticket's Requestors.
    pub by_requestor: bool,
    /// By a (recursive) member of the ticket's or the queue's AdminCc.
    pub by_admin_cc: bool,
}

/// Whether an act counts as the customer's (`SLA_SetDue::IsOutsideActor`).
pub fn is_outside_actor(act: &Act, assume_outside_actor: bool) -> bool {
    if act.by_owner {
        false
    } else if assume_outside_actor {
        !act.by_admin_cc
    } else {
        act.by_requestor
    }
}

/// Who is waiting for whom (`SLA_SetDue::LastEffectiveAct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActSummary {
    /// When the newest act is by an outside actor: the oldest act of the
    /// newest unbroken run of outside acts (Response runs from it).
    pub oldest_unanswered_outside: Option<DateTime<Utc>>,
    /// The newest act by an inside actor (KeepInLoop runs from it when no
    /// outside act is waiting).
    pub last_inside: Option<DateTime<Utc>>,
}

impl ActSummary {
    /// Summarizes the ticket's Create and Correspond acts (in any order;
    /// ties are kept in the given order, which should be the id order).
    pub fn from_acts(acts: &[Act], assume_outside_actor: bool) -> Self {
        let mut sorted: Vec<&Act> = acts.iter().collect();
        sorted.sort_by_key(|a| a.at); // stable
        let mut summary = ActSummary::default();
        let mut run_open = true;
        for act in sorted.iter().rev() {
            if is_outside_actor(act, assume_outside_actor) {
                if run_open {
                    summary.oldest_unanswered_outside = Some(act.at);
                }
            } else {
                run_open = false;
                if summary.last_inside.is_none() {
                    summary.last_inside = Some(act.at);
                }
            }
        }
        summary
    }

    /// Whether an inside actor has acted on the ticket.
    pub fn responded(&self) -> bool {
        self.last_inside.is_some()
    }
}

/// The ticket facts [`Agreements::due`] needs.
#[derive(Debug, Clone, Default)]
pub struct DueInput {
    /// The ticket's queue name.
    pub queue: Option<String>,
    /// The ticket's Created time.
    pub created: DateTime<Utc>,
    /// Its current status.
    pub status: String,
    /// Whether that status is inactive in the ticket's lifecycle (closes
    /// the SLA: no Due).
    pub status_is_inactive: bool,
    /// The last effective acts.
    pub acts: ActSummary,
    /// Its status changes, oldest first.
    pub status_changes: Vec<StatusChange>,
}

impl Agreements {
    /// A level by name.
    pub fn level(&self, name: &str) -> SlaResult<&Level> {
        self.levels.get(name).ok_or_else(|| SlaError::UnknownLevel(name.to_owned()))
    }

    /// A business-hours schedule by name (`None` = `Default`; an
    /// unconfigured `Default` is RT's default schedule).
    pub fn business_hours_named(&self, name: Option<&str>) -> SlaResult<Cow<'_, BusinessHours>> {
        let name = name.unwrap_or("Default");
        match self.business_hours.get(name) {
            Some(bh) => Ok(Cow::Borrowed(bh)),
            None if name == "Default" => Ok(Cow::Owned(BusinessHours::rt_default())),
            None => Err(SlaError::UnknownBusinessHours(name.to_owned())),
        }
    }

    /// The time zone for a level on a queue: the queue's `QueueDefault`
    /// time zone, else the level's, else the site's, else UTC.
    pub fn timezone_for(&self, level: &Level, queue: Option<&str>) -> SlaResult<Tz> {
        let from_queue = queue.and_then(|q| self.queue_default.get(q)).and_then(|qd| match qd {
            QueueDefault::Detailed { timezone, .. } => timezone.as_deref(),
            QueueDefault::Level(_) => None,
        });
        let name = from_queue.or(level.timezone.as_deref()).or(self.timezone.as_deref()).unwrap_or("UTC");
        name.parse::<Tz>().map_err(|_| SlaError::UnknownTimezone(name.to_owned()))
    }

    /// The level a new ticket in a queue gets
    /// (`RT::SLA::GetDefaultServiceLevel`): none if the queue has SLA
    /// disabled, else the queue's own SLA, else `QueueDefault`, else
    /// `Default`.
    pub fn default_level(
        &self,
        queue: Option<&str>,
        queue_sla_disabled: bool,
        queue_sla: Option<&str>,
    ) -> Option<String> {
        if queue.is_some() {
            if queue_sla_disabled {
                return None;
            }
            if let Some(sla) = queue_sla.filter(|s| !s.is_empty()) {
                return Some(sla.to_owned());
            }
            match queue.and_then(|q| self.queue_default.get(q)) {
                Some(QueueDefault::Level(l)) => return Some(l.clone()),
                Some(QueueDefault::Detailed { level: Some(l), .. }) => return Some(l.clone()),
                _ => {}
            }
        }
        self.default_level.clone()
    }

    /// One deadline (`RT::SLA::CalculateTime`): `None` when the level does
    /// not define that kind or the ticket's status is ignored for it.
    pub fn calculate_time(&self, level_name: &str, q: &TimeQuery<'_>) -> SlaResult<Option<DateTime<Utc>>> {
        let level = self.level(level_name)?;
        let Some(interval) = level.interval(q.kind) else { return Ok(None) };
        let mut ignored: Vec<&str> = interval.ignore_on_statuses.iter().map(String::as_str).collect();
        let mut exclude = interval.exclude_time_on_ignored_statuses;
        if q.kind != DeadlineKind::Starts {
            ignored.extend(level.ignore_on_statuses.iter().map(String::as_str));
            exclude |= level.exclude_time_on_ignored_statuses;
        }
        if q.status.is_some_and(|s| ignored.contains(&s)) {
            return Ok(None);
        }
        let tz = self.timezone_for(level, q.queue)?;
        let hours_name = level.business_hours.as_deref().unwrap_or("Default");
        let hours = self.business_hours_named(Some(hours_name))?;
        let no_time = || SlaError::NoBusinessTime(hours_name.to_owned());

        let mut business = interval.business_minutes;
        let mut real = interval.real_minutes;
        if let Some(extra) = level.out_of_hours.get(q.kind)
            && !hours.is_open(tz, q.time)
        {
            if let Some(m) = extra.business_minutes.filter(|m| *m != 0) {
                business = Some(business.unwrap_or(0).saturating_add(m));
            }
            if let Some(m) = extra.real_minutes.filter(|m| *m != 0) {
                real = Some(real.unwrap_or(0).saturating_add(m));
            }
        }

        let mut res = q.time;
        if exclude && !ignored.is_empty() {
            let mut last = q.time;
            for change in q.status_changes.iter().filter(|c| c.at >= q.time) {
                if ignored.contains(&change.from.as_str()) {
                    if !ignored.contains(&change.to.as_str()) {
                        if business.is_some() {
                            let secs = hours.business_seconds_between(tz, last, change.at);
                            if secs > 0 {
                                res = hours.add_business_seconds(tz, res, secs).ok_or_else(no_time)?;
                            }
                        } else {
                            res = res.checked_add_signed(change.at - last).ok_or(SlaError::OutOfRange)?;
                        }
                        last = change.at;
                    }
                } else {
                    last = change.at;
                }
            }
        }

        if let Some(b) = business {
            res = hours.add_business_minutes(tz, res, b).ok_or_else(no_time)?;
        }
        if let Some(r) = real {
            let delta = TimeDelta::try_minutes(r).ok_or(SlaError::OutOfRange)?;
            res = res.checked_add_signed(delta).ok_or(SlaError::OutOfRange)?;
        }
        Ok(Some(res))
    }

    /// [`ActSummary::from_acts`] with this configuration's
    /// `AssumeOutsideActor`.
    pub fn summarize_acts(&self, acts: &[Act]) -> ActSummary {
        ActSummary::from_acts(acts, self.assume_outside_actor)
    }

    /// The ticket's Starts date (`RT::Action::SLA_SetStarts`).
    pub fn starts(&self, level: &str, queue: Option<&str>, created: DateTime<Utc>) -> SlaResult<DateTime<Utc>> {
        let q = TimeQuery { kind: DeadlineKind::Starts, time: created, queue, status: None, status_changes: &[] };
        // Starts always has an interval (default BusinessMinutes 0)
        self.calculate_time(level, &q)?.ok_or(SlaError::OutOfRange)
    }

    /// The ticket's Due date (`RT::Action::SLA_SetDue`, see the module doc);
    /// `None` = unset.
    pub fn due(&self, level: &str, input: &DueInput) -> SlaResult<Option<DateTime<Utc>>> {
        self.level(level)?;
        if input.status_is_inactive {
            return Ok(None);
        }
        let query = |kind, time| TimeQuery {
            kind,
            time,
            queue: input.queue.as_deref(),
            status: Some(input.status.as_str()),
            status_changes: &input.status_changes,
        };
        let response = match (input.acts.oldest_unanswered_outside, input.acts.last_inside) {
            (Some(t), _) => self.calculate_time(level, &query(DeadlineKind::Response, t))?,
            (None, Some(t)) => self.calculate_time(level, &query(DeadlineKind::KeepInLoop, t))?,
            (None, None) => None,
        };
        let resolve = self.calculate_time(level, &query(DeadlineKind::Resolve, input.created))?;
        Ok(match (response, resolve) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }
}
