//! TicketSQL gives the same answers on SQLite and PostgreSQL.
//!
//! One random fixture (40 tickets with mixed-case subjects, statuses, three
//! queues, owners, requestors and Ccs — some through nested groups —, queue
//! watchers, priorities, due dates, ticket custom fields of type Freeform,
//! IPAddressRange, Text (long values in `large_content`), Date and
//! DateTime, a queue and a transaction custom field, links, comments and
//! replies, merges) is built identically on both backends, in the same
//! order so that ids agree, with every write backdated so that dates agree
//! too. Then random queries (trees of
//! conditions up to depth 3 over the fixture's vocabulary, some sorted,
//! some paged) run on both, as a SuperUser and as a user who sees one queue
//! plus the tickets they request, with the clock frozen; the ticket ids in
//! order, the totals and `count_tickets` must agree, and any error must be
//! the same validation error on both.
//!
//! The data and queries come from a fixed seed, printed on failure;
//! `RT_SEARCH_SEED=<n>` runs another, `RT_SEARCH_QUERIES=<n>` more queries.
//! Without `RT_TEST_PG_URL` the test only checks that every query runs on
//! SQLite (and fails under `RT_REQUIRE_ALL=1`, like every other test).

use chrono::{DateTime, Duration, TimeZone, Utc};
use rt_core::db::Backend;
use rt_core::search::{Paging, parse_order_by};
use rt_core::{
    AclObject, CfObject, CfType, Config, Error, Grantee, Interface, LinkEnd, LinkType, LookupType, Message, MimeEntity,
    NewCustomField, NewQueue, NewTicket, NewUser, QueueId, Role, Session, TicketId, TicketQuery, Total, UserProfile,
};
use rt_test_support::{TestDb, backends};

const DEFAULT_SEED: u64 = 0x5EA2_C4E5;
const DEFAULT_QUERIES: usize = 400;
const TICKETS: usize = 40;

/// The frozen clock: every date is relative to it.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 15, 30, 0).single().unwrap_or_default()
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One of `words`, in a random case.
    fn word(&mut self, words: &[&str]) -> String {
        let w = *self.pick(words);
        self.case(w)
    }

    /// `word` in lower, upper or title case.
    fn case(&mut self, word: &str) -> String {
        match self.below(3) {
            0 => word.to_lowercase(),
            1 => word.to_uppercase(),
            _ => {
                let mut cs = word.chars();
                cs.next().map(|c| c.to_uppercase().chain(cs.flat_map(char::to_lowercase)).collect()).unwrap_or_default()
            }
        }
    }
}

const SUBJECT_WORDS: &[&str] =
    &["printer", "network", "mail", "disk", "backup", "vpn", "login", "error", "slow", "100%", "a_b", "back\\slash"];
const BODY_WORDS: &[&str] =
    &["printer", "toner", "jammed", "network", "cable", "password", "reset", "again", "please", "urgent", "quokka"];
const TAGS: &[&str] = &["alpha", "Beta", "GAMMA", "10", "9", "1.5", "-2", "x-1", "1.2.3", "abc10", "10.0", "5"];
const IPS: &[&str] = &[
    "10.0.0.5",
    "10.0.0.0/24",
    "10.0.1.0-10.0.1.50",
    "192.168.1.20",
    "192.168.1.0/28",
    "172.16.5.4",
    "2001:db8::1",
    "2001:db8::/64",
];
const STAFF: &[&str] = &["alice", "bob", "carol"];
/// Requestors and Ccs: names of staff, addresses of customers.
const PEOPLE: &[&str] = &[
    "alice",
    "bob",
    "viewer",
    "dave@example.org",
    "erin@example.org",
    "frank@customer.example.net",
    "grace@corp.example.org",
];
const STATUSES: &[&str] = &["new", "open", "stalled", "resolved", "rejected", "deleted"];
const QUEUES: &[&str] = &["General", "Support", "Sales"];
const URIS: &[&str] = &["https://example.org/a", "https://example.org/b"];

/// One backend's copy of the fixture.
struct Fixture {
    db: TestDb,
    tickets: Vec<TicketId>,
    /// A SuperUser.
    root: Session,
    /// Sees tickets in Support, and those they request; sees CF Tag only.
    viewer: Session,
}

fn build(backend: Backend, seed: u64) -> Fixture {
    let config = Config { timezone: "America/New_York".into(), ..Config::default() };
    let db = TestDb::with_config(backend, config);
    let system = db.rt().system_session(Interface::Api);
    let mut rng = Rng(seed);
    let start = now() - Duration::days(30);
    let tickets = system
        .write(|tx| {
            tx.backdate(start - Duration::days(1))?;
            let mut queues = vec![tx.queue_by_name("General")?.queue_id()];
            for name in &QUEUES[1..] {
                queues.push(tx.create_queue(NewQueue { name: (*name).into(), ..NewQueue::default() })?);
            }
            let user = |name: &str, email: &str, real: &str, tz: Option<&str>| NewUser {
                name: name.into(),
                email: Some(email.into()),
                privileged: true,
                profile: UserProfile {
                    real_name: Some(real.into()),
                    organization: Some("Helpdesk".into()),
                    timezone: tz.map(str::to_string),
                    ..UserProfile::default()
                },
                ..NewUser::default()
            };
            let alice = tx.create_user(user("alice", "alice@helpdesk.example.com", "Alice Archer", None))?;
            let bob = tx.create_user(user("bob", "Bob@Helpdesk.Example.com", "Bob Baker", None))?;
            let carol = tx.create_user(user("carol", "carol@helpdesk.example.com", "Carol", None))?;
            let viewer =
                tx.create_user(user("viewer", "viewer@helpdesk.example.com", "Vera Viewer", Some("Asia/Kolkata")))?;
            let erin = tx.user_for_email("erin@example.org")?;
            tx.user_for_email("dave@example.org")?;
            tx.grant(Grantee::Group(tx.system().privileged), "OwnTicket", AclObject::System)?;
            tx.grant(Grantee::User(viewer), "ShowTicket", AclObject::Queue(queues[1]))?;
            tx.grant(Grantee::Role(Role::Requestor), "ShowTicket", AclObject::System)?;
            // Helpers = {bob, erin}; Nested = {Helpers, carol}.
            let helpers = tx.create_group("Helpers", "")?;
            tx.add_group_member(helpers, bob.into())?;
            tx.add_group_member(helpers, erin.into())?;
            let nested = tx.create_group("Nested", "")?;
            tx.add_group_member(nested, helpers.into())?;
            tx.add_group_member(nested, carol.into())?;

            let tag = tx.create_custom_field(NewCustomField::ticket("Tag", CfType::Freeform))?;
            tx.apply_custom_field(tag, None)?;
            tx.grant(Grantee::User(viewer), "SeeCustomField", AclObject::CustomField(tag))?;
            let ip = tx.create_custom_field(NewCustomField::ticket("IP", CfType::IpAddressRange))?;
            tx.apply_custom_field(ip, Some(queues[0]))?;
            tx.apply_custom_field(ip, Some(queues[1]))?;
            // Long values of Notes are kept in large_content.
            let notes = tx.create_custom_field(NewCustomField::ticket("Notes", CfType::Text))?;
            tx.apply_custom_field(notes, None)?;
            let team = tx.create_custom_field(NewCustomField {
                lookup: LookupType::Queue,
                ..NewCustomField::ticket("Team", CfType::Freeform)
            })?;
            tx.apply_custom_field(team, None)?;
            tx.add_cf_value(CfObject::Queue(queues[1]), team, "Ops")?;
            tx.add_cf_value(CfObject::Queue(queues[2]), team, "Sales Team")?;
            let reason = tx.create_custom_field(NewCustomField {
                lookup: LookupType::Transaction,
                ..NewCustomField::ticket("Reason", CfType::Freeform)
            })?;
            tx.apply_custom_field(reason, None)?;
            let start_day = tx.create_custom_field(NewCustomField::ticket("Start Day", CfType::Date))?;
            tx.apply_custom_field(start_day, None)?;
            let deadline = tx.create_custom_field(NewCustomField::ticket("Deadline", CfType::DateTime))?;
            tx.apply_custom_field(deadline, None)?;
            tx.add_queue_watcher(queues[1], Role::AdminCc, carol.into())?;
            tx.add_queue_watcher(queues[0], Role::Cc, helpers.into())?;

            let staff = [alice, bob, carol];
            let mut tickets: Vec<TicketId> = Vec::new();
            let mut statuses: Vec<&str> = Vec::new();
            for k in 0..TICKETS {
                let when = start + Duration::minutes(k as i64 * 17 * 60 + rng.below(600) as i64);
                tx.backdate(when)?;
                let queue: QueueId = *rng.pick(&queues);
                let words = rng.below(4);
                let subject: Vec<String> = (0..words).map(|_| rng.word(SUBJECT_WORDS)).collect();
                let requestors = people(&mut rng);
                let cc = people(&mut rng);
                let admin_cc = if rng.chance(15) { vec![rng.pick(STAFF).to_string()] } else { Vec::new() };
                let owner = rng.chance(60).then(|| *rng.pick(&staff));
                let due = rng.chance(70).then(|| {
                    // Whole hours from the frozen clock, so that query values hit them exactly.
                    now() + Duration::days(rng.below(21) as i64 - 10) + Duration::hours(rng.below(24) as i64)
                });
                let mut custom_fields = Vec::new();
                if rng.chance(70) {
                    let mut values: Vec<String> = Vec::new();
                    for _ in 0..1 + rng.below(2) {
                        let v = rng.pick(TAGS).to_string();
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                    custom_fields.push((tag, values));
                }
                let body: Vec<&str> = (0..3 + rng.below(6)).map(|_| *rng.pick(BODY_WORDS)).collect();
                let id = tx.create_ticket(NewTicket {
                    queue: Some(queue),
                    subject: subject.join(" "),
                    owner,
                    requestors,
                    cc,
                    admin_cc,
                    priority: Some(*rng.pick(&[0, 1, 5, 10, 50, 99])),
                    time_worked: *rng.pick(&[0, 15, 60]),
                    due,
                    content: rng.chance(85).then(|| MimeEntity::text(&body.join(" "))),
                    custom_fields,
                    ..NewTicket::default()
                })?;
                if queue != queues[2] && rng.chance(70) {
                    tx.add_cf_value(CfObject::Ticket(id), ip, *rng.pick(IPS))?;
                }
                if rng.chance(30) {
                    let words: Vec<String> = (0..2 + rng.below(3)).map(|_| rng.word(BODY_WORDS)).collect();
                    let text = if rng.chance(50) { words.join(" ") } else { words.join(" ").repeat(40) };
                    tx.add_cf_value(CfObject::Ticket(id), notes, text.as_str())?;
                }
                if rng.chance(50) {
                    let day = now() + Duration::days(rng.below(15) as i64 - 7);
                    tx.add_cf_value(CfObject::Ticket(id), start_day, day.format("%Y-%m-%d").to_string().as_str())?;
                }
                if rng.chance(50) {
                    // Whole hours from the frozen clock, as Due.
                    let at = now() + Duration::days(rng.below(15) as i64 - 7) + Duration::hours(rng.below(24) as i64);
                    let at = at.format("%Y-%m-%d %H:%M:%S").to_string();
                    tx.add_cf_value(CfObject::Ticket(id), deadline, at.as_str())?;
                }
                if rng.chance(15) {
                    let group = if rng.chance(50) { helpers } else { nested };
                    tx.add_watcher(id, Role::Cc, group.into())?;
                }
                for m in 0..rng.below(3) {
                    tx.backdate(when + Duration::hours(m as i64 + 1))?;
                    let text: Vec<String> = (0..2 + rng.below(5)).map(|_| rng.word(BODY_WORDS)).collect();
                    let message = Message::text(&text.join(" "));
                    let txn = if rng.chance(50) { tx.comment(id, message)? } else { tx.correspond(id, message)? };
                    if rng.chance(50) {
                        tx.add_cf_value(CfObject::Transaction(txn), reason, rng.word(TAGS).as_str())?;
                    }
                }
                let live: Vec<TicketId> =
                    tickets.iter().zip(&statuses).filter(|(_, s)| **s != "deleted").map(|(t, _)| *t).collect();
                if !live.is_empty() && rng.chance(35) {
                    let other = *rng.pick(&live);
                    let kind = *rng.pick(&[LinkType::DependsOn, LinkType::RefersTo, LinkType::MemberOf]);
                    tx.add_link(id, kind, LinkEnd::Ticket(other))?;
                }
                if rng.chance(10) {
                    tx.add_link(id, LinkType::RefersTo, LinkEnd::Uri(rng.pick(URIS).to_string()))?;
                }
                let status = *rng.pick(STATUSES);
                if status != "new" {
                    tx.backdate(when + Duration::hours(5))?;
                    if status == "stalled" {
                        tx.set_status(id, "open")?;
                    }
                    tx.set_status(id, status)?;
                }
                tickets.push(id);
                statuses.push(status);
            }
            // Two merges: the merged tickets' data counts for the survivors.
            tx.backdate(now() - Duration::days(1))?;
            let live: Vec<usize> = (0..TICKETS).filter(|k| statuses[*k] != "deleted").collect();
            for (from, into) in [(live[3], live[8]), (live[20], live[12])] {
                tx.merge_tickets(tickets[from], tickets[into])?;
            }
            Ok(tickets)
        })
        .unwrap_or_else(|e| panic!("building the fixture on {backend:?}: {e}"));
    let root = db.root();
    let viewer = db.rt().session_for("viewer", Interface::Api).unwrap();
    Fixture { db, tickets, root, viewer }
}

/// Up to two different requestors or Ccs.
fn people(rng: &mut Rng) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for _ in 0..rng.below(3) {
        let p = rng.pick(PEOPLE).to_string();
        if !chosen.contains(&p) {
            chosen.push(p);
        }
    }
    chosen
}

// ---- queries ----

const STRING_OPS: &[&str] = &[
    "=",
    "!=",
    "LIKE",
    "NOT LIKE",
    "STARTSWITH",
    "NOT STARTSWITH",
    "ENDSWITH",
    "NOT ENDSWITH",
    "IS NULL",
    "IS NOT NULL",
];
const MATCH_OPS: &[&str] = &["=", "!=", "LIKE", "NOT LIKE", "STARTSWITH", "NOT STARTSWITH", "ENDSWITH", "NOT ENDSWITH"];
const NUMBER_OPS: &[&str] = &["=", "!=", "<", ">", "<=", ">=", "LIKE", "NOT LIKE", "STARTSWITH", "ENDSWITH"];
const DATE_OPS: &[&str] = &["=", "<", ">", "<=", ">=", "IS NULL", "IS NOT NULL"];
const DATE_VALUES: &[&str] = &[
    "'2026-03-01'",
    "'2026-03-04 13:30'",
    "'2026-03-06 10:30'",
    "'2026-02-20T10:00:00Z'",
    "'today'",
    "'yesterday'",
    "'tomorrow'",
    "'3 days ago'",
    "'in 2 days'",
    "'last week'",
    "'next week'",
    "'this month'",
    "'monday'",
    "'Feb 25 2026 9am'",
    "0",
];

/// `'value'` for a condition, quoted and escaped.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// One condition: `field op value`.
fn condition(rng: &mut Rng) -> String {
    let (field, ops, values): (String, &[&str], Vec<String>) = match rng.below(21) {
        0 => (
            "id".into(),
            &["=", "!=", "<", ">", "<=", ">=", "LIKE"],
            (1..=TICKETS as i64 + 2).map(|n| n.to_string()).collect(),
        ),
        1 | 2 => {
            let mut values: Vec<String> = SUBJECT_WORDS.iter().map(|w| quote(&rng.case(w))).collect();
            values.extend(
                ["'rint'", "'ER'", "''", "'o'", "'printer error'", "'%'", "'_'", "'\\\\'", "'k\\\\s'"]
                    .map(String::from),
            );
            ("Subject".into(), STRING_OPS, values)
        }
        3 => {
            let mut values: Vec<String> = STATUSES.iter().map(|s| quote(&rng.case(s))).collect();
            values.extend(["'__Active__'", "'__Inactive__'", "'e'"].map(String::from));
            let ops: &[&str] = if rng.chance(70) { &["=", "!="] } else { STRING_OPS };
            ("Status".into(), ops, values)
        }
        4 => {
            let field = rng.pick(&["Queue", "Queue", "Queue.Name", "Queue.id", "Lifecycle"]).to_string();
            let mut values: Vec<String> = QUEUES.iter().map(|q| quote(&rng.case(q))).collect();
            values.extend(["'Gen'", "'es'", "1", "2", "3", "'Nope'", "'default'", "'def'"].map(String::from));
            (field, MATCH_OPS, values)
        }
        5 | 6 => {
            let field = rng.pick(&["Owner", "Owner", "Owner.Name", "Owner.EmailAddress", "Owner.RealName"]).to_string();
            let values = [
                "'alice'",
                "'Bob'",
                "'carol'",
                "'Nobody'",
                "'root'",
                "'__CurrentUser__'",
                "'__CurrentUserName__'",
                "'alice@helpdesk.example.com'",
                "'helpdesk'",
                "'er'",
                "'nosuch'",
            ]
            .map(String::from)
            .to_vec();
            let ops: &[&str] = if rng.chance(50) { &["=", "!="] } else { STRING_OPS };
            (field, ops, values)
        }
        7..=9 => {
            let role = rng.pick(&["Requestor", "Requestors", "Cc", "AdminCc", "Watcher", "QueueCc", "QueueWatcher"]);
            let attribute = rng.pick(&["", "", ".EmailAddress", ".Name", ".RealName", ".Organization", ".id"]);
            let shallow = if rng.chance(20) { " SHALLOW" } else { "" };
            let field = format!("{role}{attribute}{shallow}");
            let values = [
                "'example.org'",
                "'Example.ORG'",
                "'dave@example.org'",
                "'erin@EXAMPLE.org'",
                "'bob'",
                "'Bob@helpdesk.example.com'",
                "'helpdesk'",
                "'corp'",
                "'__CurrentUser__'",
                "'__CurrentUserName__'",
                "''",
                "'grace'",
                "'viewer'",
                "'Vera'",
            ]
            .map(String::from)
            .to_vec();
            let values =
                if *attribute == ".id" { vec!["1".into(), "'0'".into(), "'__CurrentUser__'".into()] } else { values };
            (field, STRING_OPS, values)
        }
        10 => {
            let field =
                rng.pick(&["RequestorGroup", "CCGroup", "AdminCCGroup", "OwnerGroup", "WatcherGroup"]).to_string();
            (field, &["="], ["'Helpers'", "'nested'", "'Nope'"].map(String::from).to_vec())
        }
        11 => {
            let field = rng
                .pick(&["Priority", "Priority", "InitialPriority", "FinalPriority", "TimeWorked", "TimeLeft"])
                .to_string();
            let values = ["0", "1", "5", "10", "50", "99", "-1", "'5'", "60", "15"].map(String::from).to_vec();
            (field, NUMBER_OPS, values)
        }
        12 | 13 => {
            let field = rng.pick(&["Due", "Due", "Created", "Resolved", "Started", "Starts", "Told", "LastUpdated"]);
            (field.to_string(), DATE_OPS, DATE_VALUES.iter().map(|v| v.to_string()).collect())
        }
        14 => {
            let column = rng.pick(&["Due", "Created", "LastUpdated"]);
            let (part, values): (&str, &[&str]) = *rng.pick(&[
                ("Month", &["3", "2", "'March'", "'feb'"][..]),
                ("DayOfWeek", &["0", "3", "'Monday'", "'wed'"][..]),
                ("Hour", &["0", "9", "13", "23"][..]),
                ("Day", &["1", "4", "15", "28"][..]),
                ("Year", &["2026", "2025"][..]),
                ("Date", &["'2026-03-04'", "'2026-02-10'"][..]),
                ("Monthly", &["'2026-03'", "'2026-02'"][..]),
                ("WeekOfYear", &["8", "9", "10"][..]),
                ("DayOfYear", &["50", "63"][..]),
                ("Time", &["'12:00'", "'09:30'"][..]),
                ("Hourly", &["'2026-03-04 10'"][..]),
            ]);
            let ops: &[&str] = &["=", "<", ">", "<=", ">=", "IS NULL", "IS NOT NULL"];
            (format!("{column}.{part}"), ops, values.iter().map(|v| v.to_string()).collect())
        }
        15 if rng.chance(50) => {
            let field = rng.pick(&["CF.{Start Day}", "CF.{Deadline}", "'CF.{deadline}'", "CF.{Deadline}.Content"]);
            let mut values: Vec<String> = DATE_VALUES.iter().map(|v| v.to_string()).collect();
            values.extend(["'2026-03-05 15:30:00'", "'2026-03'", "'soon'", "''"].map(String::from));
            let ops: &[&str] = &["=", "!=", "<", ">", "<=", ">=", "LIKE", "IS NULL", "IS NOT NULL"];
            (field.to_string(), ops, values)
        }
        15 => ("Updated".into(), &["=", "<", ">", "<=", ">="], DATE_VALUES.iter().map(|v| v.to_string()).collect()),
        16 => {
            let mut values: Vec<String> = BODY_WORDS.iter().map(|w| quote(&rng.case(w))).collect();
            values.extend(
                ["'printer toner'", "'\"toner jammed\"'", "'nothing'", "'PLEASE again'", "''"].map(String::from),
            );
            ("Content".into(), &["LIKE", "NOT LIKE", "=", "!="], values)
        }
        17 | 18 => {
            let field = rng.pick(&[
                "CF.{Tag}",
                "CF.{Tag}",
                "CF.Tag",
                "'CF.{tag}'",
                "CustomField.{Tag}",
                "CF.{Nope}",
                "CF.{Tag}.Content",
                "CF.{Tag}.LargeContent",
                "CF.{Notes}",
                "CF.{Notes}.LargeContent",
                "QueueCF.{Team}",
                "TxnCF.{Reason}",
            ]);
            let mut values: Vec<String> = TAGS.iter().map(|t| quote(&rng.case(t))).collect();
            values.extend(["5", "10", "-3", "'a'", "''", "'1'", "'inf'", "'1e1'"].map(String::from));
            values.extend(["'toner'", "'JAMMED again'", "'ops'", "'Sales Team'", "'team'"].map(String::from));
            let ops: &[&str] = &[
                "=",
                "!=",
                "<",
                ">",
                "<=",
                ">=",
                "LIKE",
                "NOT LIKE",
                "STARTSWITH",
                "NOT STARTSWITH",
                "ENDSWITH",
                "NOT ENDSWITH",
                "IS NULL",
                "IS NOT NULL",
            ];
            (field.to_string(), ops, values)
        }
        19 => {
            let field = rng.pick(&["CF.{IP}", "CF.{IP}", "CF.Support.{IP}", "CF.Sales.{IP}"]);
            let values = [
                "'10.0.0.5'",
                "'10.0.0.0/24'",
                "'10.0.0.0/8'",
                "'10.0.1.20'",
                "'192.168.1.20'",
                "'192.168.1.0-192.168.1.100'",
                "'172.16.5.4'",
                "'2001:db8::1'",
                "'2001:DB8::/32'",
                "'8.8.8.8'",
            ]
            .map(String::from)
            .to_vec();
            let ops: &[&str] = &["=", "=", "!=", "<", ">", "<=", ">=", "LIKE", "IS NULL", "IS NOT NULL"];
            let values = if rng.chance(15) { vec!["'10.0'".into(), "'db8'".into()] } else { values };
            (field.to_string(), ops, values)
        }
        _ => {
            let field = rng.pick(&[
                "DependsOn",
                "DependedOnBy",
                "MemberOf",
                "HasMember",
                "RefersTo",
                "ReferredToBy",
                "Linked",
                "LinkedTo",
                "LinkedFrom",
                "Type",
                "Creator",
                "LastUpdatedBy",
                "UpdatedBy",
                "EffectiveId",
                "ContentType",
                "Filename",
                "SLA",
                "HasAttribute",
            ]);
            let (ops, values): (&[&str], Vec<String>) = match *field {
                "Type" => (&["=", "!="], vec!["'ticket'".into(), "'Reminder'".into()]),
                "Creator" | "LastUpdatedBy" | "UpdatedBy" => {
                    (&["=", "!="], vec!["'RT_System'".into(), "'root'".into(), "'alice'".into()])
                }
                "EffectiveId" => (&["=", "!=", "<", ">"], (1..=12).map(|n| n.to_string()).collect()),
                "ContentType" | "Filename" => (STRING_OPS, vec!["'text/plain'".into(), "'text'".into(), "''".into()]),
                "SLA" => (STRING_OPS, vec!["'4h'".into()]),
                "HasAttribute" => (MATCH_OPS, vec!["'Seen'".into()]),
                _ => {
                    let mut values: Vec<String> = (1..=TICKETS as i64).map(|n| n.to_string()).collect();
                    values.extend(URIS.iter().map(|u| quote(u)));
                    (&["=", "!=", "IS NULL", "IS NOT NULL"], values)
                }
            };
            (field.to_string(), ops, values)
        }
    };
    let op = *rng.pick(ops);
    let op = if rng.chance(10) { op.to_lowercase() } else { op.to_string() };
    if op.starts_with("IS") || op.starts_with("is") {
        format!("{field} {op}")
    } else {
        format!("{field} {op} {}", rng.pick(&values))
    }
}

/// A query of depth up to `depth`: a condition, or 2-3 subqueries joined
/// by AND or OR.
fn query(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.chance(40) {
        return condition(rng);
    }
    let joiner = if rng.chance(50) { " AND " } else { " OR " };
    let terms: Vec<String> = (0..2 + rng.below(2))
        .map(|_| {
            let q = query(rng, depth - 1);
            if q.contains(" AND ") || q.contains(" OR ") { format!("( {q} )") } else { q }
        })
        .collect();
    terms.join(joiner)
}

/// Sort keys for some queries: ties broken by id on both backends.
fn order(rng: &mut Rng) -> (String, String) {
    if rng.chance(50) {
        return (String::new(), String::new());
    }
    let keys = [
        "Priority",
        "Subject",
        "Due",
        "Status",
        "Owner",
        "Requestor",
        "Requestor.EmailAddress",
        "CF.{Tag}",
        "Queue",
        "Queue.id",
        "Created",
        "Resolved",
        "TimeWorked",
        "id",
        "Creator",
    ];
    let n = 1 + rng.below(2);
    let by: Vec<&str> = (0..n).map(|_| *rng.pick(&keys)).collect();
    let dir: Vec<&str> = (0..n).map(|_| *rng.pick(&["ASC", "DESC", ""])).collect();
    (by.join("|"), dir.join("|"))
}

// ---- running ----

/// What one backend answered, with ticket ids as fixture indexes.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Found { tickets: Vec<usize>, total: Total, page: Vec<usize>, page_total: Total, counted: Total },
    Refused(String),
}

fn run(f: &Fixture, as_viewer: bool, q: &TicketQuery, page: &TicketQuery) -> Answer {
    let session = if as_viewer { &f.viewer } else { &f.root };
    let index = |ids: Vec<TicketId>| -> Vec<usize> {
        ids.into_iter()
            .map(|id| f.tickets.iter().position(|t| *t == id).unwrap_or_else(|| panic!("unknown ticket {id}")))
            .collect()
    };
    let answer = session.read(|tx| {
        let all = tx.search_tickets(q)?;
        let one = tx.search_tickets(page)?;
        let counted = tx.count_tickets(&q.query, page.count_limit)?;
        Ok((all, one, counted))
    });
    match answer {
        Ok((all, one, counted)) => Answer::Found {
            tickets: index(all.ids),
            total: all.total,
            page: index(one.ids),
            page_total: one.total,
            counted,
        },
        Err(Error::Validation { field, message }) => Answer::Refused(format!("invalid {field}: {message}")),
        Err(e) => panic!("{:?}: query {:?} failed: {e}", f.db.backend, q.query),
    }
}

/// Checks one backend's answer against itself: the page is a slice of the
/// whole list and the totals agree with its length.
fn consistent(answer: &Answer, page: &TicketQuery) -> Result<(), String> {
    // `counted` is only compared across backends: `count_tickets` reads
    // relative dates against the real clock, not the frozen one.
    let Answer::Found { tickets, total, page: shown, page_total, .. } = answer else { return Ok(()) };
    let n = tickets.len() as u64;
    if *total != Total::Exact(n) {
        return Err(format!("total {total:?} for {n} tickets"));
    }
    let rows = page.paging.rows_per_page.map_or(usize::MAX, |r| r as usize);
    let offset = page.paging.offset() as usize;
    let expected: Vec<usize> = tickets.iter().copied().skip(offset).take(rows).collect();
    if *shown != expected {
        return Err(format!("page {:?} is not {expected:?}", shown));
    }
    let limit = page.count_limit.unwrap_or(u64::MAX);
    let expected_total = if n > limit { Total::AtLeast(limit) } else { Total::Exact(n) };
    // A short page gives the exact count without counting.
    let short = (shown.len() as u64) < u64::from(page.paging.rows_per_page.unwrap_or(u32::MAX))
        && (!shown.is_empty() || page.paging.page == 1);
    if !short && *page_total != expected_total {
        return Err(format!("page total {page_total:?}, expected {expected_total:?}"));
    }
    if short && *page_total != Total::Exact(n) {
        return Err(format!("short page total {page_total:?}, expected {n}"));
    }
    Ok(())
}

#[test]
fn sqlite_and_postgres_agree() {
    let started = std::time::Instant::now();
    let seed = std::env::var("RT_SEARCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED);
    let queries = std::env::var("RT_SEARCH_QUERIES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_QUERIES);
    let fixtures: Vec<Fixture> = backends().into_iter().map(|b| build(b, seed)).collect();
    for f in &fixtures[1..] {
        assert_eq!(f.tickets, fixtures[0].tickets, "seed {seed}: ticket ids differ between backends");
    }
    eprintln!("search_equivalence: seed {seed}, fixture built in {:?}", started.elapsed());
    let mut rng = Rng(seed ^ 0xA5A5_5A5A);
    let mut refused = 0;
    let mut matched = 0;
    for i in 0..queries {
        let text = query(&mut rng, 3);
        let (by, dir) = order(&mut rng);
        let sort = parse_order_by(&by, &dir).unwrap_or_else(|e| panic!("order {by:?} {dir:?}: {e}"));
        // No time budget for counting: totals must not depend on speed.
        let q = TicketQuery {
            order: sort,
            paging: Paging { rows_per_page: None, page: 1 },
            count_limit: None,
            count_budget: None,
            now: Some(now()),
            ..TicketQuery::new(&text)
        };
        let rows = *rng.pick(&[3u32, 5, 10, 50]);
        let page = TicketQuery {
            paging: Paging { rows_per_page: Some(rows), page: 1 + rng.below(3) as u32 },
            count_limit: Some(*rng.pick(&[2u64, 4, 8, 1000])),
            ..q.clone()
        };
        let as_viewer = i % 3 == 2;
        let answers: Vec<Answer> = fixtures.iter().map(|f| run(f, as_viewer, &q, &page)).collect();
        let who = if as_viewer { "viewer" } else { "root" };
        for (f, answer) in fixtures.iter().zip(&answers) {
            if let Err(problem) = consistent(answer, &page) {
                panic!(
                    "seed {seed}, query #{i} as {who} on {:?}: {problem}\n  query: {text}\n  order: {by:?} {dir:?}\n  \
                     paging: {:?} count limit {:?}\n  answer: {answer:?}",
                    f.db.backend, page.paging, page.count_limit
                );
            }
        }
        if let [sqlite, pg] = &answers[..] {
            assert!(
                sqlite == pg,
                "seed {seed}, query #{i} as {who}: the backends disagree\n  query: {text}\n  order: {by:?} {dir:?}\n  \
                 paging: {:?} count limit {:?}\n  SQLite:     {sqlite:?}\n  PostgreSQL: {pg:?}",
                page.paging,
                page.count_limit
            );
        }
        match &answers[0] {
            Answer::Refused(_) => refused += 1,
            Answer::Found { tickets, .. } if !tickets.is_empty() => matched += 1,
            Answer::Found { .. } => {}
        }
    }
    eprintln!(
        "search_equivalence: {queries} queries on {} backends, {matched} found tickets, {refused} refused, in {:?}",
        fixtures.len(),
        started.elapsed()
    );
    // The generator must mostly produce queries that run and find something.
    assert!(refused * 4 < queries, "{refused} of {queries} queries were refused");
    assert!(matched * 3 > queries, "only {matched} of {queries} queries found tickets");
}
