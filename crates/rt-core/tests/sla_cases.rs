#![allow(clippy::unwrap_used)]
//! Table-driven cases for `rt_core::sla` (no database).
//!
//! Every expected value was worked out by hand; the arithmetic is in the
//! comment beside each case. Calendar facts used: 2007-01-01 and
//! 2024-01-15 are Mondays, 2007-01-06 a Saturday; Europe/Berlin switches
//! to CEST on Sun 2024-03-31 (02:00 CET -> 03:00 CEST) and back on Sun
//! 2024-10-27 (03:00 CEST -> 02:00 CET); America/New_York switches to EDT
//! on Sun 2024-03-10 (02:00 EST -> 03:00 EDT) and back on Sun 2024-11-03
//! (02:00 EDT -> 01:00 EST). Cases named `*_t_*` mirror RT's own tests in
//! `t/sla/` (`starts.t`, `business_hours.t`, `timezone.t`, `queue.t`,
//! `due.t`, `ignore-on-statuses.t`).

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use rt_core::sla::{Act, ActSummary, Agreements, BusinessHours, DueInput, SlaError, StatusChange};

// ---------------------------------------------------------------------------
// Schedules (BusinessHours JSON; "" = RT's default Mon–Fri 09:00–18:00)
// ---------------------------------------------------------------------------

const RT_DEFAULT: &str = "";
const LUNCH: &str = r#"{"days": {
    "1": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
    "2": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}}"#;
const NIGHTS: &str = r#"{"days": {"0": {"start": "22:00", "end": "06:00"}, "1": {"start": "22:00", "end": "06:00"},
    "2": {"start": "22:00", "end": "06:00"}, "3": {"start": "22:00", "end": "06:00"}, "4": {"start": "22:00", "end": "06:00"},
    "5": {"start": "22:00", "end": "06:00"}, "6": {"start": "22:00", "end": "06:00"}}}"#;
const EVERY_DAY_9_17: &str = r#"{"days": {"sun": {"Start": "9:00", "End": "17:00"}, "mon": {"Start": "9:00", "End": "17:00"},
    "tue": {"Start": "9:00", "End": "17:00"}, "wed": {"Start": "9:00", "End": "17:00"},
    "thu": {"Start": "9:00", "End": "17:00"}, "fri": {"Start": "9:00", "End": "17:00"},
    "saturday": {"Start": "9:00", "End": "17:00"}}}"#;
const EARLY_0230: &str = r#"{"days": {"0": {"start": "02:30", "end": "04:00"}}}"#;
const EARLY_0130: &str = r#"{"days": {"0": {"start": "01:30", "end": "02:30"}}}"#;
const NEW_YEAR: &str = r#"{"days": {"1": {"start": "9:00", "end": "18:00"}, "2": {"start": "9:00", "end": "18:00"},
    "3": {"start": "9:00", "end": "18:00"}, "4": {"start": "9:00", "end": "18:00"}, "5": {"start": "9:00", "end": "18:00"}},
    "holidays": ["01-01"]}"#;
const NEW_YEAR_AND_2007_01_02: &str = r#"{"days": {"1": {"start": "9:00", "end": "18:00"}, "2": {"start": "9:00", "end": "18:00"},
    "3": {"start": "9:00", "end": "18:00"}, "4": {"start": "9:00", "end": "18:00"}, "5": {"start": "9:00", "end": "18:00"}},
    "holidays": ["01-01", "2007-01-02"]}"#;
const XMAS_2024: &str = r#"{"days": {"1": {"start": "9:00", "end": "18:00"}, "2": {"start": "9:00", "end": "18:00"},
    "3": {"start": "9:00", "end": "18:00"}, "4": {"start": "9:00", "end": "18:00"}, "5": {"start": "9:00", "end": "18:00"}},
    "holidays": ["12-25", "2024-12-27"]}"#;
const DATED_2006: &str = r#"{"days": {"1": {"start": "9:00", "end": "18:00"}, "2": {"start": "9:00", "end": "18:00"}},
    "holidays": ["2006-01-02"]}"#;

// ---------------------------------------------------------------------------
// Agreements (JSON; RT's CamelCase keys and our snake_case both accepted)
// ---------------------------------------------------------------------------

/// t/sla/starts.t: Mon and Tue 09:00–17:00.
const STARTS_T: &str = r#"{"Default": "standard",
  "Levels": {
    "standard": {"Response": 120, "Resolve": 10080},
    "immediately": {"StartImmediately": true, "Response": 120, "Resolve": 10080},
    "s60": {"Starts": 60, "Response": 120, "Resolve": 10080},
    "s120": {"Starts": 120, "Response": 180, "Resolve": 240}},
  "business_hours": {"Default": {"days": {"1": {"Start": "09:00", "End": "17:00"}, "2": {"Start": "09:00", "End": "17:00"}}}}}"#;

/// t/sla/business_hours.t
const BUSINESS_HOURS_T: &str = r#"{"Default": "Sunday",
  "Levels": {
    "Sunday": {"Resolve": {"BusinessMinutes": 60}, "BusinessHours": "Sunday"},
    "Monday": {"Resolve": {"BusinessMinutes": 60}}},
  "business_hours": {
    "Sunday": {"days": {"0": {"Name": "Sunday", "Start": "9:00", "End": "17:00"}}},
    "Default": {"days": {"1": {"Name": "Monday", "Start": "9:00", "End": "17:00"}}}}}"#;

/// t/sla/timezone.t
const TIMEZONE_T: &str = r#"{"Default": "2",
  "QueueDefault": {"RU": {"Timezone": "Europe/Moscow"}, "US": {"Timezone": "America/New_York"}},
  "Levels": {"2": {"Resolve": {"BusinessMinutes": 120}}}}"#;

/// t/sla/queue.t
const QUEUE_T: &str = r#"{"Default": "2",
  "Levels": {"2": {"Resolve": {"RealMinutes": 120}},
             "4": {"StartImmediately": true, "Resolve": {"RealMinutes": 240}}}}"#;

/// t/sla/due.t blocks
const RESOLVE_2H_4H: &str = r#"{"Default": "2", "Levels": {
  "2": {"Resolve": {"RealMinutes": 120}}, "4": {"Resolve": {"RealMinutes": 240}}}}"#;
const RESPONSE_2H: &str = r#"{"Default": "2", "Levels": {"2": {"Response": {"RealMinutes": 120}}}}"#;
const RESPONSE_2H_KIL_4H: &str =
    r#"{"Default": "2", "Levels": {"2": {"Response": {"RealMinutes": 120}, "KeepInLoop": {"RealMinutes": 240}}}}"#;

/// t/sla/ignore-on-statuses.t blocks
const KIL_4H_IGNORE_STALLED: &str =
    r#"{"Levels": {"2": {"KeepInLoop": {"RealMinutes": 240, "IgnoreOnStatuses": ["stalled"]}}}}"#;
const RESPONSE_2H_KIL_4H_IGNORE: &str = r#"{"Levels": {"2": {"Response": {"RealMinutes": 120},
  "KeepInLoop": {"RealMinutes": 240, "IgnoreOnStatuses": ["stalled"]}}}}"#;
const RESPONSE_2H_IGNORE: &str =
    r#"{"Levels": {"2": {"Response": {"RealMinutes": 120, "IgnoreOnStatuses": ["stalled"]}}}}"#;
const RESPONSE_2H_IGNORE_EXCLUDE: &str = r#"{"Levels": {"2": {"Response": {"RealMinutes": 120,
  "IgnoreOnStatuses": ["stalled"], "ExcludeTimeOnIgnoredStatuses": true}}}}"#;

/// Our own scenarios.
const MISC: &str = r#"{"levels": {
  "resp_b120": {"response": 120},
  "resp_b120_exclude": {"response": {"business_minutes": 120, "ignore_on_statuses": ["stalled"],
                                     "exclude_time_on_ignored_statuses": true}},
  "resolve_r1440": {"resolve": {"real_minutes": 1440}},
  "resolve_2h_level_ignore": {"resolve": {"real_minutes": 120}, "ignore_on_statuses": ["stalled"]},
  "delivery": {"resolve": {"business_minutes": 0, "real_minutes": 480}},
  "fast_delivery": {"start_immediately": true, "resolve": {"real_minutes": 480}},
  "ooh_resolve": {"resolve": {"real_minutes": 1440}, "out_of_hours": {"resolve": {"real_minutes": 1440}}},
  "ooh_response_business": {"response": {"real_minutes": 60},
                            "out_of_hours": {"response": {"business_minutes": 120}}},
  "resp1h_resolve4h": {"response": {"real_minutes": 60}, "resolve": {"real_minutes": 240}},
  "kil_b120": {"response": 60, "keep_in_loop": {"business_minutes": 120}},
  "berlin": {"timezone": "Europe/Berlin", "starts": {"business_minutes": 0}, "response": 240,
             "resolve": {"real_minutes": 1440}},
  "berlin_response": {"timezone": "Europe/Berlin", "response": 240},
  "new_york": {"timezone": "America/New_York", "response": 240},
  "xmas": {"business_hours": "Xmas", "response": 120}},
  "business_hours": {"Xmas": {"days": {"1": {"start": "9:00", "end": "18:00"}, "2": {"start": "9:00", "end": "18:00"},
      "3": {"start": "9:00", "end": "18:00"}, "4": {"start": "9:00", "end": "18:00"}, "5": {"start": "9:00", "end": "18:00"}},
      "holidays": ["12-25", "2024-12-27"]}}}"#;

const ASSUME_OUTSIDE: &str = r#"{"assume_outside_actor": true,
  "levels": {"2": {"response": {"real_minutes": 120}, "keep_in_loop": {"real_minutes": 480}}}}"#;
const NOT_ASSUME_OUTSIDE: &str = r#"{"assume_outside_actor": false,
  "levels": {"2": {"response": {"real_minutes": 120}, "keep_in_loop": {"real_minutes": 480}}}}"#;

/// Site time zone New York; the queue "Berlin desk" overrides any level's zone.
const SITE_TZ: &str = r#"{"timezone": "America/New_York",
  "queue_default": {"Berlin desk": {"level": "ny", "timezone": "Europe/Berlin"}, "Plain": "plain"},
  "levels": {"plain": {"resolve": 60}, "ny": {"timezone": "America/New_York", "resolve": 60}}}"#;

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

/// Who performed a Create/Correspond act.
#[derive(Clone, Copy)]
enum Who {
    /// A requestor (not owner, not AdminCc).
    Req,
    /// A staff member: AdminCc, not a requestor.
    Staff,
    /// The owner (not a requestor, not AdminCc).
    Owner,
    /// The owner who is also the requestor.
    OwnerReq,
    /// Somebody else (a Cc): neither requestor nor AdminCc.
    Cc,
    /// RT_System: nobody in any role.
    System,
}

struct DueSpec {
    queue: Option<&'static str>,
    created: &'static str,
    status: &'static str,
    inactive: bool,
    acts: &'static [(&'static str, Who)],
    changes: &'static [(&'static str, &'static str, &'static str)],
}

const fn open(created: &'static str, acts: &'static [(&'static str, Who)]) -> DueSpec {
    DueSpec { queue: None, created, status: "open", inactive: false, acts, changes: &[] }
}

enum Op {
    IsOpen { hours: &'static str, tz: &'static str, at: &'static str },
    FirstOpen { hours: &'static str, tz: &'static str, at: &'static str },
    Add { hours: &'static str, tz: &'static str, start: &'static str, minutes: i64 },
    Between { hours: &'static str, tz: &'static str, a: &'static str, b: &'static str },
    Starts { sla: &'static str, level: &'static str, queue: Option<&'static str>, created: &'static str },
    Due { sla: &'static str, level: &'static str, spec: DueSpec },
}

struct Case {
    name: &'static str,
    op: Op,
    /// RFC 3339 UTC instant, "none", "true"/"false", or a number of minutes.
    expect: &'static str,
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("bad time {s}: {e}")).with_timezone(&Utc)
}

fn show(d: Option<DateTime<Utc>>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn hours(json: &str) -> BusinessHours {
    if json.is_empty() { BusinessHours::rt_default() } else { serde_json::from_str(json).unwrap() }
}

fn zone(name: &str) -> Tz {
    name.parse().unwrap()
}

fn act(at: &str, who: Who) -> Act {
    let at = t(at);
    match who {
        Who::Req => Act { at, by_requestor: true, ..Act::default() },
        Who::Staff => Act { at, by_admin_cc: true, ..Act::default() },
        Who::Owner => Act { at, by_owner: true, ..Act::default() },
        Who::OwnerReq => Act { at, by_owner: true, by_requestor: true, ..Act::default() },
        Who::Cc | Who::System => Act { at, ..Act::default() },
    }
}

fn run(op: &Op) -> Result<String, SlaError> {
    Ok(match op {
        Op::IsOpen { hours: h, tz, at } => hours(h).is_open(zone(tz), t(at)).to_string(),
        Op::FirstOpen { hours: h, tz, at } => show(hours(h).first_open_at_or_after(zone(tz), t(at))),
        Op::Add { hours: h, tz, start, minutes } => show(hours(h).add_business_minutes(zone(tz), t(start), *minutes)),
        Op::Between { hours: h, tz, a, b } => hours(h).business_minutes_between(zone(tz), t(a), t(b)).to_string(),
        Op::Starts { sla, level, queue, created } => {
            let sla: Agreements = serde_json::from_str(sla).unwrap();
            show(Some(sla.starts(level, *queue, t(created))?))
        }
        Op::Due { sla, level, spec } => {
            let sla: Agreements = serde_json::from_str(sla).unwrap();
            let acts: Vec<Act> = spec.acts.iter().map(|(at, who)| act(at, *who)).collect();
            let input = DueInput {
                queue: spec.queue.map(str::to_owned),
                created: t(spec.created),
                status: spec.status.to_owned(),
                status_is_inactive: spec.inactive,
                acts: sla.summarize_acts(&acts),
                status_changes: spec.changes.iter().map(|(at, from, to)| StatusChange::new(t(at), from, to)).collect(),
            };
            show(sla.due(level, &input)?)
        }
    })
}

use Who::*;

const D0: &str = "2024-01-15T10:00:00Z"; // a Monday

fn cases() -> Vec<Case> {
    vec![
        // ---------------- business hours primitives (UTC unless noted) ----------------
        Case {
            name: "bh_open_monday_morning",
            // Mon 10:00 is inside 09:00–18:00
            op: Op::IsOpen { hours: RT_DEFAULT, tz: "UTC", at: "2007-01-01T10:00:00Z" },
            expect: "true",
        },
        Case {
            name: "bh_closed_at_closing_time",
            // End is the first closed minute: 18:00 is closed
            op: Op::IsOpen { hours: RT_DEFAULT, tz: "UTC", at: "2007-01-01T18:00:00Z" },
            expect: "false",
        },
        Case {
            name: "bh_first_open_from_saturday",
            // Sat 13:15 -> Sun closed -> Mon 2007-01-08 09:00
            op: Op::FirstOpen { hours: RT_DEFAULT, tz: "UTC", at: "2007-01-06T13:15:00Z" },
            expect: "2007-01-08T09:00:00Z",
        },
        Case {
            name: "bh_add_zero_inside_hours",
            // 0 minutes = first business minute at/after 13:15 = 13:15
            op: Op::Add { hours: RT_DEFAULT, tz: "UTC", start: "2007-01-01T13:15:00Z", minutes: 0 },
            expect: "2007-01-01T13:15:00Z",
        },
        Case {
            name: "bh_add_ends_exactly_at_closing",
            // Mon 17:00 + 60: the 60 minutes end at 18:00 (closed); Business::Hours
            // returns the next business second = Tue 09:00
            op: Op::Add { hours: RT_DEFAULT, tz: "UTC", start: "2007-01-01T17:00:00Z", minutes: 60 },
            expect: "2007-01-02T09:00:00Z",
        },
        Case {
            name: "bh_between_whole_week",
            // Mon 00:00 .. next Mon 00:00 = 5 days * 9 h * 60 = 2700
            op: Op::Between { hours: RT_DEFAULT, tz: "UTC", a: "2007-01-01T00:00:00Z", b: "2007-01-08T00:00:00Z" },
            expect: "2700",
        },
        Case {
            name: "bh_lunch_break_add",
            // Mon 11:00 + 120: 11–12 (60), lunch, 13:00 + 60 = 14:00
            op: Op::Add { hours: LUNCH, tz: "UTC", start: "2007-01-01T11:00:00Z", minutes: 120 },
            expect: "2007-01-01T14:00:00Z",
        },
        Case {
            name: "bh_lunch_break_between",
            // 09–12 (180) + 13–17 (240) = 420
            op: Op::Between { hours: LUNCH, tz: "UTC", a: "2007-01-01T09:00:00Z", b: "2007-01-01T17:00:00Z" },
            expect: "420",
        },
        Case {
            name: "bh_lunch_break_closed",
            // 12:30 is in the break
            op: Op::IsOpen { hours: LUNCH, tz: "UTC", at: "2007-01-01T12:30:00Z" },
            expect: "false",
        },
        Case {
            name: "bh_night_shift_over_spring_forward_berlin",
            // Sat 22:00 CET (21:00Z) .. Sun 06:00 CEST (04:00Z) = 7 h = 420
            // (Fri's shift ended Sat 05:00Z; Sun's starts 20:00Z, outside)
            op: Op::Between {
                hours: NIGHTS,
                tz: "Europe/Berlin",
                a: "2024-03-30T20:00:00Z",
                b: "2024-03-31T12:00:00Z",
            },
            expect: "420",
        },
        Case {
            name: "bh_night_shift_over_fall_back_berlin",
            // Sat 22:00 CEST (20:00Z) .. Sun 06:00 CET (05:00Z) = 9 h = 540
            op: Op::Between {
                hours: NIGHTS,
                tz: "Europe/Berlin",
                a: "2024-10-26T18:00:00Z",
                b: "2024-10-27T12:00:00Z",
            },
            expect: "540",
        },
        Case {
            name: "bh_spring_forward_day_is_8h_berlin",
            // Sun 2024-03-31 local day = 23:00Z .. 22:00Z; 09:00–17:00 CEST = 07:00Z–15:00Z = 480
            op: Op::Between {
                hours: EVERY_DAY_9_17,
                tz: "Europe/Berlin",
                a: "2024-03-30T23:00:00Z",
                b: "2024-03-31T22:00:00Z",
            },
            expect: "480",
        },
        Case {
            name: "bh_add_across_spring_forward_berlin",
            // Sat 16:00 CET (15:00Z) + 120: Sat 16–17 (60); Sun 09:00 CEST = 07:00Z, + 60 = 08:00Z
            op: Op::Add { hours: EVERY_DAY_9_17, tz: "Europe/Berlin", start: "2024-03-30T15:00:00Z", minutes: 120 },
            expect: "2024-03-31T08:00:00Z",
        },
        Case {
            name: "bh_add_across_fall_back_new_york",
            // Sat 16:00 EDT (20:00Z) + 120: Sat 16–17 (60); Sun 09:00 EST = 14:00Z, + 60 = 15:00Z
            op: Op::Add { hours: EVERY_DAY_9_17, tz: "America/New_York", start: "2024-11-02T20:00:00Z", minutes: 120 },
            expect: "2024-11-03T15:00:00Z",
        },
        Case {
            name: "bh_fall_back_day_is_8h_new_york",
            // Sun 2024-11-03 local day = 04:00Z .. Mon 05:00Z (25 h); 09–17 EST = 14:00Z–22:00Z = 480
            op: Op::Between {
                hours: EVERY_DAY_9_17,
                tz: "America/New_York",
                a: "2024-11-03T04:00:00Z",
                b: "2024-11-04T05:00:00Z",
            },
            expect: "480",
        },
        Case {
            name: "bh_nonexistent_start_new_york",
            // Sun 02:30 does not exist on 2024-03-10: the span opens when the clock
            // jumps, 03:00 EDT = 07:00Z
            op: Op::FirstOpen { hours: EARLY_0230, tz: "America/New_York", at: "2024-03-10T05:00:00Z" },
            expect: "2024-03-10T07:00:00Z",
        },
        Case {
            name: "bh_nonexistent_start_span_length",
            // 03:00 EDT (07:00Z) .. 04:00 EDT (08:00Z) = 60
            op: Op::Between {
                hours: EARLY_0230,
                tz: "America/New_York",
                a: "2024-03-10T05:00:00Z",
                b: "2024-03-10T12:00:00Z",
            },
            expect: "60",
        },
        Case {
            name: "bh_ambiguous_span_new_york",
            // 01:30 (earlier: EDT, 05:30Z) .. 02:30 EST (07:30Z) = 120
            op: Op::Between {
                hours: EARLY_0130,
                tz: "America/New_York",
                a: "2024-11-03T04:00:00Z",
                b: "2024-11-03T10:00:00Z",
            },
            expect: "120",
        },
        Case {
            name: "bh_ambiguous_second_pass_open",
            // 06:45Z = 01:45 EST, the repeated hour: still inside 01:30–02:30
            op: Op::IsOpen { hours: EARLY_0130, tz: "America/New_York", at: "2024-11-03T06:45:00Z" },
            expect: "true",
        },
        Case {
            name: "bh_yearly_holiday",
            // Mon 2007-01-01 is a holiday -> Tue 09:00
            op: Op::FirstOpen { hours: NEW_YEAR, tz: "UTC", at: "2007-01-01T10:00:00Z" },
            expect: "2007-01-02T09:00:00Z",
        },
        Case {
            name: "bh_yearly_and_dated_holiday",
            // 01-01 and 2007-01-02 closed -> Wed 2007-01-03 09:00
            op: Op::FirstOpen { hours: NEW_YEAR_AND_2007_01_02, tz: "UTC", at: "2007-01-01T10:00:00Z" },
            expect: "2007-01-03T09:00:00Z",
        },
        Case {
            name: "bh_dated_holiday_of_other_year_ignored",
            // 2006-01-02 does not close Tue 2007-01-02
            op: Op::FirstOpen { hours: DATED_2006, tz: "UTC", at: "2007-01-02T08:00:00Z" },
            expect: "2007-01-02T09:00:00Z",
        },
        Case {
            name: "bh_holiday_on_friday_before_weekend",
            // Thu 2024-12-26 17:00 + 120: Thu 17–18 (60); Fri 27 holiday; Sat/Sun closed;
            // Mon 30 09:00 + 60 = 10:00
            op: Op::Add { hours: XMAS_2024, tz: "UTC", start: "2024-12-26T17:00:00Z", minutes: 120 },
            expect: "2024-12-30T10:00:00Z",
        },
        Case {
            name: "bh_yearly_holiday_in_next_year",
            // Tue 2024-12-31 17:30 + 60: 30 min Tue; Wed 2025-01-01 holiday; Thu 09:00 + 30 = 09:30
            op: Op::Add { hours: NEW_YEAR, tz: "UTC", start: "2024-12-31T17:30:00Z", minutes: 60 },
            expect: "2025-01-02T09:30:00Z",
        },
        // ---------------- RT t/sla/starts.t ----------------
        Case {
            name: "starts_t_inside_hours",
            // Mon 13:15 is open (Mon/Tue 09–17): Starts = Created
            op: Op::Starts { sla: STARTS_T, level: "standard", queue: None, created: "2007-01-01T13:15:00Z" },
            expect: "2007-01-01T13:15:00Z",
        },
        Case {
            name: "starts_t_after_hours",
            // Mon 19:15 closed -> Tue 09:00 (RT expects 1167728400)
            op: Op::Starts { sla: STARTS_T, level: "standard", queue: None, created: "2007-01-01T19:15:00Z" },
            expect: "2007-01-02T09:00:00Z",
        },
        Case {
            name: "starts_t_weekend",
            // Sat 13:15 -> Mon 2007-01-08 09:00 (RT expects 1168246800)
            op: Op::Starts { sla: STARTS_T, level: "standard", queue: None, created: "2007-01-06T13:15:00Z" },
            expect: "2007-01-08T09:00:00Z",
        },
        Case {
            name: "starts_t_start_immediately",
            // StartImmediately: Starts = Created even on Saturday
            op: Op::Starts { sla: STARTS_T, level: "immediately", queue: None, created: "2007-01-06T13:15:00Z" },
            expect: "2007-01-06T13:15:00Z",
        },
        Case {
            name: "starts_t_changing_start_time_standard",
            // Starts => 60 business minutes: Mon 2021-06-21 10:00 + 60 = 11:00
            op: Op::Starts { sla: STARTS_T, level: "s60", queue: None, created: "2021-06-21T10:00:00Z" },
            expect: "2021-06-21T11:00:00Z",
        },
        Case {
            name: "starts_t_changing_start_time_nonstandard",
            // Starts => 120: 10:00 + 120 = 12:00 (RT: 3600 s later than standard)
            op: Op::Starts { sla: STARTS_T, level: "s120", queue: None, created: "2021-06-21T10:00:00Z" },
            expect: "2021-06-21T12:00:00Z",
        },
        // ---------------- RT t/sla/business_hours.t ----------------
        Case {
            name: "business_hours_t_sunday_level_starts",
            // Sunday-only 09–17; created Mon 2007-01-01 00:00 -> Sun 2007-01-07 09:00 (1168160400)
            op: Op::Starts { sla: BUSINESS_HOURS_T, level: "Sunday", queue: None, created: "2007-01-01T00:00:00Z" },
            expect: "2007-01-07T09:00:00Z",
        },
        Case {
            name: "business_hours_t_sunday_level_due",
            // Resolve 60 business from Created: Sun 09:00 + 60 = 10:00 (1168164000)
            op: Op::Due {
                sla: BUSINESS_HOURS_T,
                level: "Sunday",
                spec: open("2007-01-01T00:00:00Z", &[("2007-01-01T00:00:00Z", System)]),
            },
            expect: "2007-01-07T10:00:00Z",
        },
        Case {
            name: "business_hours_t_monday_level_due",
            // after SetSLA('Monday'): Default = Monday 09–17: Mon 09:00 + 60 = 10:00 (1167645600)
            op: Op::Due {
                sla: BUSINESS_HOURS_T,
                level: "Monday",
                spec: open("2007-01-01T00:00:00Z", &[("2007-01-01T00:00:00Z", System)]),
            },
            expect: "2007-01-01T10:00:00Z",
        },
        // ---------------- RT t/sla/timezone.t ----------------
        Case {
            name: "timezone_t_us_queue_starts",
            // 22:00Z = Mon 17:00 EST, open (09–18): Starts = Created
            op: Op::Starts { sla: TIMEZONE_T, level: "2", queue: Some("US"), created: "2007-01-01T22:00:00Z" },
            expect: "2007-01-01T22:00:00Z",
        },
        Case {
            name: "timezone_t_us_queue_due",
            // 120 business: Mon 17–18 EST (60) + Tue 09:00 EST + 60 = 10:00 EST = 15:00Z
            op: Op::Due {
                sla: TIMEZONE_T,
                level: "2",
                spec: DueSpec { queue: Some("US"), ..open("2007-01-01T22:00:00Z", &[]) },
            },
            expect: "2007-01-02T15:00:00Z",
        },
        Case {
            name: "timezone_t_ru_queue_starts",
            // 22:00Z = Tue 01:00 MSK (UTC+3 in 2007) -> Tue 09:00 MSK = 06:00Z
            op: Op::Starts { sla: TIMEZONE_T, level: "2", queue: Some("RU"), created: "2007-01-01T22:00:00Z" },
            expect: "2007-01-02T06:00:00Z",
        },
        Case {
            name: "timezone_t_ru_queue_due",
            // Tue 09:00 MSK + 120 = 11:00 MSK = 08:00Z
            op: Op::Due {
                sla: TIMEZONE_T,
                level: "2",
                spec: DueSpec { queue: Some("RU"), ..open("2007-01-01T22:00:00Z", &[]) },
            },
            expect: "2007-01-02T08:00:00Z",
        },
        // ---------------- RT t/sla/queue.t ----------------
        Case {
            name: "queue_t_level_4_starts",
            // StartImmediately: Starts = Created (Mon 00:00, closed, still Created)
            op: Op::Starts { sla: QUEUE_T, level: "4", queue: Some("General"), created: "2007-01-01T00:00:00Z" },
            expect: "2007-01-01T00:00:00Z",
        },
        Case {
            name: "queue_t_level_4_due",
            // Resolve 240 real: 00:00 + 4 h
            op: Op::Due { sla: QUEUE_T, level: "4", spec: open("2007-01-01T00:00:00Z", &[]) },
            expect: "2007-01-01T04:00:00Z",
        },
        // ---------------- RT t/sla/due.t ----------------
        Case {
            name: "due_t_sla_change_level_2",
            // Resolve 120 real: 10:00 + 2 h
            op: Op::Due { sla: RESOLVE_2H_4H, level: "2", spec: open(D0, &[(D0, System)]) },
            expect: "2024-01-15T12:00:00Z",
        },
        Case {
            name: "due_t_sla_change_level_4",
            // Resolve 240 real: 10:00 + 4 h (two hours later than level 2)
            op: Op::Due { sla: RESOLVE_2H_4H, level: "4", spec: open(D0, &[(D0, System)]) },
            expect: "2024-01-15T14:00:00Z",
        },
        Case {
            name: "due_t_not_requestor_creates",
            // creator is inside -> KeepInLoop (undefined) -> no Due
            op: Op::Due { sla: RESPONSE_2H, level: "2", spec: open(D0, &[(D0, System)]) },
            expect: "none",
        },
        Case {
            name: "due_t_requestor_creates",
            // Response from Create: 10:00 + 2 h
            op: Op::Due { sla: RESPONSE_2H, level: "2", spec: open(D0, &[(D0, Req)]) },
            expect: "2024-01-15T12:00:00Z",
        },
        Case {
            name: "due_t_non_requestor_reply_unsets",
            // newest act inside, no KeepInLoop -> unset
            op: Op::Due { sla: RESPONSE_2H, level: "2", spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)]) },
            expect: "none",
        },
        Case {
            name: "due_t_non_requestor_reply_again",
            // still inside last -> unset
            op: Op::Due {
                sla: RESPONSE_2H,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T11:00:00Z", Staff)]),
            },
            expect: "none",
        },
        Case {
            name: "due_t_requestor_reply_sets_again",
            // requestor 13:00 -> Response 13:00 + 2 h = 15:00
            op: Op::Due {
                sla: RESPONSE_2H,
                level: "2",
                spec: open(
                    D0,
                    &[
                        (D0, Req),
                        ("2024-01-15T10:30:00Z", Staff),
                        ("2024-01-15T11:00:00Z", Staff),
                        ("2024-01-15T13:00:00Z", Req),
                    ],
                ),
            },
            expect: "2024-01-15T15:00:00Z",
        },
        Case {
            name: "due_t_requestor_replies_again_due_unchanged",
            // run of outside acts 13:00, 13:30: oldest 13:00 -> still 15:00
            op: Op::Due {
                sla: RESPONSE_2H,
                level: "2",
                spec: open(
                    D0,
                    &[
                        (D0, Req),
                        ("2024-01-15T10:30:00Z", Staff),
                        ("2024-01-15T11:00:00Z", Staff),
                        ("2024-01-15T13:00:00Z", Req),
                        ("2024-01-15T13:30:00Z", Req),
                    ],
                ),
            },
            expect: "2024-01-15T15:00:00Z",
        },
        Case {
            name: "due_t_keep_in_loop_create",
            // Response 10:00 + 2 h
            op: Op::Due { sla: RESPONSE_2H_KIL_4H, level: "2", spec: open(D0, &[(D0, Req)]) },
            expect: "2024-01-15T12:00:00Z",
        },
        Case {
            name: "due_t_keep_in_loop_staff_reply",
            // KeepInLoop 10:30 + 4 h = 14:30 (later than the 12:00 Response due)
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)]),
            },
            expect: "2024-01-15T14:30:00Z",
        },
        Case {
            name: "due_t_keep_in_loop_staff_reply_again",
            // KeepInLoop 11:00 + 4 h = 15:00 (slightly moved)
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T11:00:00Z", Staff)]),
            },
            expect: "2024-01-15T15:00:00Z",
        },
        Case {
            name: "due_t_keep_in_loop_requestor_reply",
            // Response 12:00 + 2 h = 14:00, earlier than the 15:00 KeepInLoop
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H,
                level: "2",
                spec: open(
                    D0,
                    &[
                        (D0, Req),
                        ("2024-01-15T10:30:00Z", Staff),
                        ("2024-01-15T11:00:00Z", Staff),
                        ("2024-01-15T12:00:00Z", Req),
                    ],
                ),
            },
            expect: "2024-01-15T14:00:00Z",
        },
        Case {
            name: "due_t_keep_in_loop_requestor_replies_again",
            // outside run 12:00, 12:30: oldest 12:00 -> 14:00 unchanged
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H,
                level: "2",
                spec: open(
                    D0,
                    &[
                        (D0, Req),
                        ("2024-01-15T10:30:00Z", Staff),
                        ("2024-01-15T11:00:00Z", Staff),
                        ("2024-01-15T12:00:00Z", Req),
                        ("2024-01-15T12:30:00Z", Req),
                    ],
                ),
            },
            expect: "2024-01-15T14:00:00Z",
        },
        Case {
            name: "due_t_replies_dont_affect_resolve",
            // Resolve from Created only: 10:00 + 2 h
            op: Op::Due {
                sla: RESOLVE_2H_4H,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T11:00:00Z", Req)]),
            },
            expect: "2024-01-15T12:00:00Z",
        },
        Case {
            name: "due_t_owner_is_not_treated_as_requestor",
            // requestor == owner -> inside -> no Due
            op: Op::Due { sla: RESPONSE_2H, level: "2", spec: open(D0, &[(D0, OwnerReq)]) },
            expect: "none",
        },
        Case {
            name: "due_t_no_requestor",
            // root (AdminCc-like staff, not requestor) creates -> no Due
            op: Op::Due { sla: RESPONSE_2H, level: "2", spec: open(D0, &[(D0, Staff)]) },
            expect: "none",
        },
        // ---------------- RT t/sla/ignore-on-statuses.t ----------------
        Case {
            name: "ignore_t_keep_in_loop_only_create",
            // outside Create -> Response, which is not configured -> none
            op: Op::Due { sla: KIL_4H_IGNORE_STALLED, level: "2", spec: open(D0, &[(D0, Req)]) },
            expect: "none",
        },
        Case {
            name: "ignore_t_keep_in_loop_only_staff_reply",
            // KeepInLoop 10:30 + 4 h
            op: Op::Due {
                sla: KIL_4H_IGNORE_STALLED,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)]),
            },
            expect: "2024-01-15T14:30:00Z",
        },
        Case {
            name: "ignore_t_keep_in_loop_only_stalled",
            // status stalled is ignored for KeepInLoop -> none
            op: Op::Due {
                sla: KIL_4H_IGNORE_STALLED,
                level: "2",
                spec: DueSpec {
                    status: "stalled",
                    changes: &[("2024-01-15T10:40:00Z", "open", "stalled")],
                    ..open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)])
                },
            },
            expect: "none",
        },
        Case {
            name: "ignore_t_keep_in_loop_only_reply_and_open",
            // staff 11:00, reopened: KeepInLoop 11:00 + 4 h = 15:00 (no exclusion)
            op: Op::Due {
                sla: KIL_4H_IGNORE_STALLED,
                level: "2",
                spec: DueSpec {
                    changes: &[
                        ("2024-01-15T10:40:00Z", "open", "stalled"),
                        ("2024-01-15T11:00:00Z", "stalled", "open"),
                    ],
                    ..open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T11:00:00Z", Staff)])
                },
            },
            expect: "2024-01-15T15:00:00Z",
        },
        Case {
            name: "ignore_t_failing_to_reply_not_ignored",
            // stalled, but Response is not ignored: 10:00 + 2 h stays
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H_IGNORE,
                level: "2",
                spec: DueSpec {
                    status: "stalled",
                    changes: &[("2024-01-15T10:10:00Z", "new", "stalled")],
                    ..open(D0, &[(D0, Req)])
                },
            },
            expect: "2024-01-15T12:00:00Z",
        },
        Case {
            name: "ignore_t_failing_to_reply_then_staff_reply",
            // staff 10:30 + reopen: KeepInLoop 10:30 + 4 h = 14:30 (> 12:00)
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H_IGNORE,
                level: "2",
                spec: DueSpec {
                    changes: &[("2024-01-15T10:10:00Z", "new", "stalled"), ("2024-01-15T10:30:00Z", "stalled", "open")],
                    ..open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)])
                },
            },
            expect: "2024-01-15T14:30:00Z",
        },
        Case {
            name: "ignore_t_failing_to_reply_stalled_again",
            // KeepInLoop ignored on stalled -> none
            op: Op::Due {
                sla: RESPONSE_2H_KIL_4H_IGNORE,
                level: "2",
                spec: DueSpec { status: "stalled", ..open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)]) },
            },
            expect: "none",
        },
        Case {
            name: "ignore_t_exclude_off_stalled",
            // Response ignored on stalled -> none
            op: Op::Due {
                sla: RESPONSE_2H_IGNORE,
                level: "2",
                spec: DueSpec { status: "stalled", ..open(D0, &[(D0, Req)]) },
            },
            expect: "none",
        },
        Case {
            name: "ignore_t_exclude_off_reopened_deadline_not_changed",
            // requestor replies 10:30 and reopens: oldest unanswered = Create 10:00 -> 12:00
            op: Op::Due {
                sla: RESPONSE_2H_IGNORE,
                level: "2",
                spec: DueSpec {
                    changes: &[("2024-01-15T10:10:00Z", "new", "stalled"), ("2024-01-15T10:30:00Z", "stalled", "open")],
                    ..open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Req)])
                },
            },
            expect: "2024-01-15T12:00:00Z",
        },
        Case {
            name: "ignore_t_exclude_time_on_ignored_statuses",
            // stalled 10:10–10:30 (20) and 10:40–11:00 (20): 10:00 + 40 real + 2 h = 12:40
            op: Op::Due {
                sla: RESPONSE_2H_IGNORE_EXCLUDE,
                level: "2",
                spec: DueSpec {
                    changes: &[
                        ("2024-01-15T10:10:00Z", "new", "stalled"),
                        ("2024-01-15T10:30:00Z", "stalled", "open"),
                        ("2024-01-15T10:40:00Z", "open", "stalled"),
                        ("2024-01-15T11:00:00Z", "stalled", "open"),
                    ],
                    ..open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Req)])
                },
            },
            expect: "2024-01-15T12:40:00Z",
        },
        // ---------------- our own scenarios ----------------
        Case {
            name: "exclude_time_in_business_minutes",
            // stalled Mon 11:00 .. Tue 10:00 = Mon 11–18 (420) + Tue 09–10 (60) = 480 business;
            // Mon 10:00 + 480 = exactly Mon 18:00 -> Tue 09:00; + 120 = Tue 11:00
            op: Op::Due {
                sla: MISC,
                level: "resp_b120_exclude",
                spec: DueSpec {
                    changes: &[
                        ("2007-01-01T11:00:00Z", "open", "stalled"),
                        ("2007-01-02T10:00:00Z", "stalled", "open"),
                    ],
                    ..open("2007-01-01T10:00:00Z", &[("2007-01-01T10:00:00Z", Req)])
                },
            },
            expect: "2007-01-02T11:00:00Z",
        },
        Case {
            name: "level_wide_ignore_on_statuses",
            // level-level IgnoreOnStatuses covers Resolve: stalled -> none
            op: Op::Due {
                sla: MISC,
                level: "resolve_2h_level_ignore",
                spec: DueSpec { status: "stalled", ..open(D0, &[(D0, Req)]) },
            },
            expect: "none",
        },
        Case {
            name: "inactive_status_clears_due",
            // resolved (inactive) -> no Due
            op: Op::Due {
                sla: RESOLVE_2H_4H,
                level: "2",
                spec: DueSpec { status: "resolved", inactive: true, ..open(D0, &[(D0, Req)]) },
            },
            expect: "none",
        },
        Case {
            name: "response_business_over_night",
            // Mon 17:00 + 120: Mon 17–18 (60) + Tue 09:00 + 60 = 10:00
            op: Op::Due {
                sla: MISC,
                level: "resp_b120",
                spec: open("2007-01-01T17:00:00Z", &[("2007-01-01T17:00:00Z", Req)]),
            },
            expect: "2007-01-02T10:00:00Z",
        },
        Case {
            name: "response_business_over_weekend",
            // Fri 17:30 + 120: Fri 30 + Mon 09:00 + 90 = 10:30
            op: Op::Due {
                sla: MISC,
                level: "resp_b120",
                spec: open("2007-01-05T17:30:00Z", &[("2007-01-05T17:30:00Z", Req)]),
            },
            expect: "2007-01-08T10:30:00Z",
        },
        Case {
            name: "resolve_real_minutes_over_weekend",
            // Fri 17:30 + 1440 real = Sat 17:30 (business hours irrelevant)
            op: Op::Due {
                sla: MISC,
                level: "resolve_r1440",
                spec: open("2007-01-05T17:30:00Z", &[("2007-01-05T17:30:00Z", Req)]),
            },
            expect: "2007-01-06T17:30:00Z",
        },
        Case {
            name: "business_then_real_out_of_hours",
            // RT_Config 'delivery': Sat 13:15 -> first business minute Mon 09:00, + 8 h real = 17:00
            op: Op::Due {
                sla: MISC,
                level: "delivery",
                spec: open("2007-01-06T13:15:00Z", &[("2007-01-06T13:15:00Z", Req)]),
            },
            expect: "2007-01-08T17:00:00Z",
        },
        Case {
            name: "business_then_real_in_hours",
            // 'delivery' Mon 10:00: business 0 = 10:00, + 8 h real = 18:00
            op: Op::Due {
                sla: MISC,
                level: "delivery",
                spec: open("2007-01-01T10:00:00Z", &[("2007-01-01T10:00:00Z", Req)]),
            },
            expect: "2007-01-01T18:00:00Z",
        },
        Case {
            name: "fast_delivery_real_only",
            // RT_Config 'fast delivery': Sat 13:15 + 8 h real = 21:15
            op: Op::Due {
                sla: MISC,
                level: "fast_delivery",
                spec: open("2007-01-06T13:15:00Z", &[("2007-01-06T13:15:00Z", Req)]),
            },
            expect: "2007-01-06T21:15:00Z",
        },
        Case {
            name: "out_of_hours_real_modifier_in_hours",
            // created Mon 10:00 (open): no modifier, + 24 h
            op: Op::Due { sla: MISC, level: "ooh_resolve", spec: open("2007-01-01T10:00:00Z", &[]) },
            expect: "2007-01-02T10:00:00Z",
        },
        Case {
            name: "out_of_hours_real_modifier_at_night",
            // created Mon 20:00 (closed): 1440 + 1440 = 48 h -> Wed 20:00
            op: Op::Due { sla: MISC, level: "ooh_resolve", spec: open("2007-01-01T20:00:00Z", &[]) },
            expect: "2007-01-03T20:00:00Z",
        },
        Case {
            name: "out_of_hours_business_modifier",
            // Sat 13:15 closed: business 0+120 first (Mon 09:00 + 2 h = 11:00), then real 60 = 12:00
            op: Op::Due {
                sla: MISC,
                level: "ooh_response_business",
                spec: open("2007-01-06T13:15:00Z", &[("2007-01-06T13:15:00Z", Req)]),
            },
            expect: "2007-01-08T12:00:00Z",
        },
        Case {
            name: "out_of_hours_business_modifier_in_hours",
            // Mon 10:00 open: real 60 only = 11:00
            op: Op::Due {
                sla: MISC,
                level: "ooh_response_business",
                spec: open("2007-01-01T10:00:00Z", &[("2007-01-01T10:00:00Z", Req)]),
            },
            expect: "2007-01-01T11:00:00Z",
        },
        Case {
            name: "response_and_resolve_earliest_wins",
            // min(10:00 + 1 h, 10:00 + 4 h) = 11:00
            op: Op::Due { sla: MISC, level: "resp1h_resolve4h", spec: open(D0, &[(D0, Req)]) },
            expect: "2024-01-15T11:00:00Z",
        },
        Case {
            name: "response_and_resolve_staff_reply_falls_back_to_resolve",
            // inside last, no KeepInLoop -> Resolve 14:00 (never unset)
            op: Op::Due {
                sla: MISC,
                level: "resp1h_resolve4h",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff)]),
            },
            expect: "2024-01-15T14:00:00Z",
        },
        Case {
            name: "response_and_resolve_frozen_at_resolve",
            // requestor 13:30 -> Response 14:30, Resolve 14:00 earlier -> 14:00 (frozen)
            op: Op::Due {
                sla: MISC,
                level: "resp1h_resolve4h",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T13:30:00Z", Req)]),
            },
            expect: "2024-01-15T14:00:00Z",
        },
        Case {
            name: "keep_in_loop_business_minutes",
            // staff Mon 17:00: KeepInLoop 120 business = Mon 17–18 (60) + Tue 09:00 + 60 = 10:00
            op: Op::Due {
                sla: MISC,
                level: "kil_b120",
                spec: open("2007-01-01T10:00:00Z", &[("2007-01-01T10:00:00Z", Req), ("2007-01-01T17:00:00Z", Staff)]),
            },
            expect: "2007-01-02T10:00:00Z",
        },
        Case {
            name: "assume_outside_actor_cc_reply_needs_response",
            // AssumeOutsideActor: Cc (not AdminCc) reply 11:00 is outside -> Response 11:00 + 2 h
            op: Op::Due {
                sla: ASSUME_OUTSIDE,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T11:00:00Z", Cc)]),
            },
            expect: "2024-01-15T13:00:00Z",
        },
        Case {
            name: "assume_outside_actor_off_cc_reply_is_inside",
            // default: only requestors are outside -> Cc 11:00 is inside -> KeepInLoop 11:00 + 8 h
            op: Op::Due {
                sla: NOT_ASSUME_OUTSIDE,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Staff), ("2024-01-15T11:00:00Z", Cc)]),
            },
            expect: "2024-01-15T19:00:00Z",
        },
        Case {
            name: "assume_outside_actor_owner_is_inside",
            // AssumeOutsideActor: owner (not AdminCc) 10:30 is still inside -> KeepInLoop 10:30 + 8 h
            op: Op::Due {
                sla: ASSUME_OUTSIDE,
                level: "2",
                spec: open(D0, &[(D0, Req), ("2024-01-15T10:30:00Z", Owner)]),
            },
            expect: "2024-01-15T18:30:00Z",
        },
        Case {
            name: "tz_same_instant_berlin",
            // 14:00Z = Mon 15:00 CET: 240 business = 15–18 (180) + Tue 09:00 CET + 60 = 10:00 CET = 09:00Z
            op: Op::Due {
                sla: MISC,
                level: "berlin",
                spec: DueSpec { status: "open", ..open("2024-01-15T14:00:00Z", &[("2024-01-15T14:00:00Z", Req)]) },
            },
            expect: "2024-01-16T09:00:00Z",
        },
        Case {
            name: "tz_same_instant_new_york",
            // 14:00Z = Mon 09:00 EST: + 240 business = 13:00 EST = 18:00Z
            op: Op::Due {
                sla: MISC,
                level: "new_york",
                spec: open("2024-01-15T14:00:00Z", &[("2024-01-15T14:00:00Z", Req)]),
            },
            expect: "2024-01-15T18:00:00Z",
        },
        Case {
            name: "dst_spring_forward_new_york_response",
            // Fri 2024-03-08 17:00 EST (22:00Z) + 240: Fri 17–18 (60); Mon 03-11 09:00 EDT
            // (13:00Z) + 180 = 12:00 EDT = 16:00Z
            op: Op::Due {
                sla: MISC,
                level: "new_york",
                spec: open("2024-03-08T22:00:00Z", &[("2024-03-08T22:00:00Z", Req)]),
            },
            expect: "2024-03-11T16:00:00Z",
        },
        Case {
            name: "dst_spring_forward_berlin_real_minutes",
            // Resolve 1440 real from Sat 12:00 CET (11:00Z) = Sun 11:00Z (13:00 CEST): elapsed time
            op: Op::Due { sla: MISC, level: "berlin", spec: open("2024-03-30T11:00:00Z", &[]) },
            expect: "2024-03-31T11:00:00Z",
        },
        Case {
            name: "dst_fall_back_berlin_business",
            // Fri 2024-10-25 17:00 CEST (15:00Z) + 240: Fri 17–18 (60); Mon 10-28 09:00 CET
            // (08:00Z) + 180 = 12:00 CET = 11:00Z
            op: Op::Due {
                sla: MISC,
                level: "berlin_response",
                spec: open("2024-10-25T15:00:00Z", &[("2024-10-25T15:00:00Z", Req)]),
            },
            expect: "2024-10-28T11:00:00Z",
        },
        Case {
            name: "dst_berlin_starts_after_spring_forward_weekend",
            // Sat 2024-03-30 12:00 CET closed -> Mon 04-01 09:00 CEST = 07:00Z
            op: Op::Starts { sla: MISC, level: "berlin", queue: None, created: "2024-03-30T11:00:00Z" },
            expect: "2024-04-01T07:00:00Z",
        },
        Case {
            name: "holiday_friday_before_weekend_named_hours",
            // level uses "Xmas" hours: Thu 12-26 17:00 + 120 = Thu 60 + (Fri 27 holiday,
            // weekend) Mon 30 09:00 + 60 = 10:00
            op: Op::Due {
                sla: MISC,
                level: "xmas",
                spec: open("2024-12-26T17:00:00Z", &[("2024-12-26T17:00:00Z", Req)]),
            },
            expect: "2024-12-30T10:00:00Z",
        },
        Case {
            name: "site_timezone_applies_without_level_zone",
            // site zone New York: 13:00Z = 08:00 EST closed -> 09:00 EST = 14:00Z
            op: Op::Starts { sla: SITE_TZ, level: "plain", queue: Some("Plain"), created: "2024-01-15T13:00:00Z" },
            expect: "2024-01-15T14:00:00Z",
        },
        Case {
            name: "queue_default_timezone_overrides_level",
            // queue zone Berlin beats level zone New York: 13:00Z = 14:00 CET, open -> 13:00Z
            op: Op::Starts { sla: SITE_TZ, level: "ny", queue: Some("Berlin desk"), created: "2024-01-15T13:00:00Z" },
            expect: "2024-01-15T13:00:00Z",
        },
        Case {
            name: "level_timezone_without_queue_override",
            // level zone New York: 13:00Z = 08:00 EST -> 09:00 EST = 14:00Z
            op: Op::Starts { sla: SITE_TZ, level: "ny", queue: Some("Plain"), created: "2024-01-15T13:00:00Z" },
            expect: "2024-01-15T14:00:00Z",
        },
    ]
}

#[test]
fn sla_table() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        match run(&case.op) {
            Ok(got) if got == case.expect => {}
            Ok(got) => failures.push(format!("{}: expected {}, got {}", case.name, case.expect, got)),
            Err(e) => failures.push(format!("{}: expected {}, got error {e}", case.name, case.expect)),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Configuration errors and helpers
// ---------------------------------------------------------------------------

#[test]
fn business_hours_t_sunday_as_day_7_is_rejected() {
    // RT warns "Sunday should be specified as day 0"; we refuse the config.
    let err = serde_json::from_str::<BusinessHours>(r#"{"days": {"7": {"Start": "9:00", "End": "17:00"}}}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad weekday"), "{err}");
}

#[test]
fn bad_time_and_holiday_strings_are_errors() {
    assert!(matches!(BusinessHours::closed().with_day(1, &[("9h", "17:00")]), Err(SlaError::BadTime(_))));
    assert!(matches!(BusinessHours::closed().with_day(1, &[("25:00", "17:00")]), Err(SlaError::BadTime(_))));
    assert!(matches!(BusinessHours::closed().with_holidays(&["13-01"]), Err(SlaError::BadHoliday(_))));
    assert!(matches!(BusinessHours::closed().with_holidays(&["2023-02-29"]), Err(SlaError::BadHoliday(_))));
    assert!(BusinessHours::closed().with_holidays(&["02-29", "2024-02-29"]).is_ok());
    let err = serde_json::from_str::<BusinessHours>(r#"{"days": {"1": {"start": "9", "end": "17:00"}}}"#);
    assert!(err.is_err());
}

#[test]
fn unknown_names_are_errors() {
    let sla: Agreements = serde_json::from_str(
        r#"{"levels": {"x": {"business_hours": "Nope", "resolve": 60}, "tz": {"timezone": "Mars/Base", "resolve": 60}}}"#,
    )
    .unwrap();
    let created = t("2024-01-15T10:00:00Z");
    let input = DueInput { created, status: "open".into(), ..DueInput::default() };
    assert_eq!(sla.due("x", &input), Err(SlaError::UnknownBusinessHours("Nope".into())));
    assert_eq!(sla.due("tz", &input), Err(SlaError::UnknownTimezone("Mars/Base".into())));
    assert_eq!(sla.starts("missing", None, created), Err(SlaError::UnknownLevel("missing".into())));
}

#[test]
fn closed_schedule_has_no_business_time() {
    let closed = BusinessHours::closed();
    let tz: Tz = "UTC".parse().unwrap();
    assert_eq!(closed.first_open_at_or_after(tz, t("2024-01-15T10:00:00Z")), None);
    let sla: Agreements =
        serde_json::from_str(r#"{"levels": {"x": {"resolve": 60}}, "business_hours": {"Default": {}}}"#).unwrap();
    assert_eq!(sla.starts("x", None, t("2024-01-15T10:00:00Z")), Err(SlaError::NoBusinessTime("Default".into())));
}

#[test]
fn default_level_follows_get_default_service_level() {
    // t/sla/queue.t: the queue's own SLA ("4") beats Default ("2")
    let sla: Agreements = serde_json::from_str(
        r#"{"Default": "2", "QueueDefault": {"IR": "urgent", "RU": {"Timezone": "Europe/Moscow"}},
            "Levels": {"2": {"Resolve": 120}, "4": {"Resolve": 240}, "urgent": {"Resolve": 60}}}"#,
    )
    .unwrap();
    assert_eq!(sla.default_level(Some("General"), false, Some("4")).as_deref(), Some("4"));
    assert_eq!(sla.default_level(Some("General"), true, Some("4")), None);
    assert_eq!(sla.default_level(Some("IR"), false, None).as_deref(), Some("urgent"));
    assert_eq!(sla.default_level(Some("RU"), false, None).as_deref(), Some("2"));
    assert_eq!(sla.default_level(Some("General"), false, None).as_deref(), Some("2"));
    assert_eq!(sla.default_level(None, false, None).as_deref(), Some("2"));
}

#[test]
fn act_summary_mirrors_last_effective_act() {
    let acts = [
        act("2024-01-15T10:00:00Z", Req),
        act("2024-01-15T10:30:00Z", Staff),
        act("2024-01-15T11:00:00Z", Req),
        act("2024-01-15T11:30:00Z", Req),
    ];
    let s = ActSummary::from_acts(&acts, false);
    assert_eq!(s.oldest_unanswered_outside, Some(t("2024-01-15T11:00:00Z")));
    assert_eq!(s.last_inside, Some(t("2024-01-15T10:30:00Z")));
    assert!(s.responded());
    // order of the input does not matter
    let mut shuffled = acts;
    shuffled.reverse();
    assert_eq!(ActSummary::from_acts(&shuffled, false), s);
    let none = ActSummary::from_acts(&[act("2024-01-15T10:00:00Z", Req)], false);
    assert!(!none.responded());
}
