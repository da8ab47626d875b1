//! The real `rt-crontool` binary against a database of each backend: it
//! runs as the RT user whose Unix login is the one running the tests (the
//! tests give RT's root that login), with the database from
//! `RT_DATABASE_URL`, as cron would run it.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use rt_core::db::Backend;
use rt_core::{AclObject, Grantee, Interface, Message, NewTemplate, NewTicket, NewUser, TicketId, UserId, UserProfile};
use rt_test_support::{TestDb, backends};

/// A fresh database whose root user has the Unix login of whoever runs
/// the tests, so the binary acts as root.
fn site(backend: Backend) -> TestDb {
    let db = TestDb::new(backend);
    let login = Command::new("id").arg("-un").output().unwrap();
    let login = String::from_utf8(login.stdout).unwrap().trim().to_string();
    set_unix_login(&db, "root", &login);
    db
}

fn set_unix_login(db: &TestDb, user: &str, login: &str) {
    let root = db.root();
    root.write(|tx| {
        let id = tx.user_by_name(user)?.user_id();
        tx.update_user(id, &UserProfile { gecos: Some(login.into()), ..UserProfile::default() })
    })
    .unwrap();
}

fn crontool(db: &TestDb, args: &[&str]) -> Output {
    crontool_command(db, args).output().unwrap()
}

fn crontool_command(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rt-crontool"));
    command.args(args).env("RT_DATABASE_URL", &db.url).env_remove("RT_CONFIG").env_remove("RT_LOG");
    command
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn assert_ok(out: &Output) {
    assert!(out.status.success(), "exit {:?}\nstdout:\n{}\nstderr:\n{}", out.status, stdout(out), stderr(out));
}

/// A ticket in `queue`, created by root.
fn ticket(db: &TestDb, queue: &str, new: NewTicket) -> TicketId {
    db.root()
        .write(|tx| {
            let queue = Some(tx.queue_by_name(queue)?.queue_id());
            tx.create_ticket(NewTicket { queue, requestors: vec!["ana@example.net".into()], ..new })
        })
        .unwrap()
}

fn priority(db: &TestDb, id: TicketId) -> i64 {
    db.root().read(|tx| tx.ticket(id)).unwrap().priority
}

fn status(db: &TestDb, id: TicketId) -> String {
    db.root().read(|tx| tx.ticket(id)).unwrap().status
}

/// A privileged user who may own tickets in General.
fn staff(db: &TestDb, name: &str) -> UserId {
    db.root()
        .write(|tx| {
            let id = tx.create_user(NewUser {
                name: name.into(),
                email: Some(format!("{name}@example.com")),
                ..NewUser::default()
            })?;
            tx.set_privileged(id, true)?;
            let general = tx.queue_by_name("General")?.queue_id();
            tx.grant(Grantee::User(id), "OwnTicket", AclObject::Queue(general))?;
            Ok(id)
        })
        .unwrap()
}

fn template(db: &TestDb, name: &str, content: &str) {
    let new = NewTemplate { name: name.into(), content: content.into(), ..NewTemplate::default() };
    db.root().write(|tx| rt_scrips::template::save(tx, &new)).unwrap();
}

/// Every message in the outbox: (envelope recipients, message text).
fn outbox(db: &TestDb) -> Vec<(Vec<String>, String)> {
    let system = db.rt().system_session(Interface::Api);
    let items = system.write(|tx| tx.claim_outbox("test", 1000, std::time::Duration::from_secs(60))).unwrap();
    items.into_iter().map(|i| (i.mail.recipients, String::from_utf8_lossy(&i.mail.content).into_owned())).collect()
}

#[test]
fn escalates_the_priority_of_the_active_tickets_of_a_queue() {
    for backend in backends() {
        let db = site(backend);
        let escalating = |priority, due| NewTicket {
            subject: "slow".into(),
            priority: Some(priority),
            final_priority: Some(50),
            due,
            ..NewTicket::default()
        };
        let no_due = ticket(&db, "General", escalating(10, None));
        let overdue = ticket(&db, "General", escalating(10, Some(Utc::now() - Duration::hours(1))));
        let resolved = ticket(&db, "General", NewTicket { status: Some("resolved".into()), ..escalating(10, None) });
        let elsewhere = db
            .root()
            .write(|tx| tx.create_queue(rt_core::NewQueue { name: "Elsewhere".into(), ..rt_core::NewQueue::default() }))
            .map(|_| ticket(&db, "Elsewhere", escalating(10, None)))
            .unwrap();

        let out = crontool(
            &db,
            &[
                "--search",
                "RT::Search::ActiveTicketsInQueue",
                "--search-arg",
                "General",
                "--action",
                "RT::Action::EscalatePriority",
                "--verbose",
            ],
        );
        assert_ok(&out);
        // Without a Due date by one step; past Due straight to the final priority.
        assert_eq!(priority(&db, no_due), 11);
        assert_eq!(priority(&db, overdue), 50);
        assert_eq!((priority(&db, resolved), priority(&db, elsewhere)), (10, 10), "not found by the search");
        let text = stdout(&out);
        assert!(text.contains(&format!("{no_due}:\n\tUsing transaction #")), "{text}");
        assert!(text.contains("RT::Action::EscalatePriority: priority set to 50"), "{text}");
        assert!(text.contains("2 ticket(s) found, 2 acted on"), "{text}");
        let change = db.root().read(|tx| tx.history(overdue)).unwrap().pop().unwrap();
        assert_eq!((change.field.as_deref(), change.interface.as_str()), (Some("Priority"), "CLI"));
    }
}

#[test]
fn notifies_the_owners_of_overdue_tickets_with_the_template() {
    for backend in backends() {
        let db = site(backend);
        let alice = staff(&db, "alice");
        let owned = |subject: &str, due| NewTicket {
            subject: subject.into(),
            owner: Some(alice),
            due: Some(due),
            ..NewTicket::default()
        };
        let late = ticket(&db, "General", owned("Printer", Utc::now() - Duration::days(2)));
        let on_time = ticket(&db, "General", owned("Scanner", Utc::now() + Duration::days(2)));
        template(
            &db,
            "Overdue",
            "Subject: Overdue: {{ ticket.subject }}\n\nTicket {{ ticket.id }} is past its due date.\n",
        );

        let out = crontool(
            &db,
            &[
                "--search",
                "RT::Search::FromSQL",
                "--search-arg",
                "Owner = 'alice' AND Status = '__Active__'",
                "--condition",
                "RT::Condition::Overdue",
                "--action",
                "RT::Action::Notify",
                "--action-arg",
                "Owner",
                "--template",
                "Overdue",
                "--transaction",
                "last",
            ],
        );
        assert_ok(&out);
        let sent = outbox(&db);
        assert_eq!(sent.len(), 1, "only the overdue ticket: {sent:?}");
        let (recipients, message) = &sent[0];
        assert_eq!(recipients, &["alice@example.com"]);
        assert!(message.contains("Overdue: Printer"), "{message}");
        assert!(message.contains(&format!("Ticket {late} is past its due date.")), "{message}");
        let recorded = db.root().read(|tx| tx.history(late)).unwrap();
        assert!(recorded.iter().any(|t| t.kind == "EmailRecord"), "the mail is on the ticket's history");
        assert!(db.root().read(|tx| tx.history(on_time)).unwrap().iter().all(|t| t.kind != "EmailRecord"));
    }
}

#[test]
fn resolves_tickets_untouched_for_two_days() {
    for backend in backends() {
        let db = site(backend);
        // Made three days ago (only RT_System may write the past).
        let stale = db
            .rt()
            .system_session(Interface::Api)
            .write(|tx| {
                tx.backdate(Utc::now() - Duration::days(3))?;
                let queue = Some(tx.queue_by_name("General")?.queue_id());
                tx.create_ticket(NewTicket {
                    queue,
                    subject: "old".into(),
                    status: Some("open".into()),
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let fresh = ticket(&db, "General", NewTicket { subject: "new".into(), ..NewTicket::default() });

        let out = crontool(
            &db,
            &[
                "--search",
                "RT::Search::FromSQL",
                "--search-arg",
                "Status = '__Active__'",
                "--condition",
                "RT::Condition::UntouchedInHours",
                "--condition-arg",
                "48",
                "--action",
                "RT::Action::SetStatus",
                "--action-arg",
                "resolved",
                "--verbose",
            ],
        );
        assert_ok(&out);
        assert_eq!(status(&db, stale), "resolved");
        assert_eq!(status(&db, fresh), "new");
        assert!(stdout(&out).contains(&format!("{fresh}:\n\tCondition does not match")), "{}", stdout(&out));
    }
}

#[test]
fn a_bad_query_fails_clearly_and_changes_nothing() {
    for backend in backends() {
        let db = site(backend);
        let id = ticket(&db, "General", NewTicket { subject: "x".into(), priority: Some(3), ..NewTicket::default() });
        let out = crontool(
            &db,
            &[
                "--search",
                "RT::Search::FromSQL",
                "--search-arg",
                "Status = 'new' AND (",
                "--action",
                "RT::Action::SetPriority",
                "--action-arg",
                "99",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{:?} {}", out.status, stderr(&out));
        let message = stderr(&out);
        assert!(message.contains("the search failed") && message.contains("query"), "{message}");
        assert_eq!(priority(&db, id), 3);
    }
}

#[test]
fn unknown_modules_and_users_are_refused_before_anything_runs() {
    for backend in backends() {
        let db = site(backend);
        let id = ticket(&db, "General", NewTicket { subject: "x".into(), priority: Some(3), ..NewTicket::default() });
        let base = ["--search", "RT::Search::FromSQL", "--search-arg", "id > 0"];
        for (extra, said) in [
            (&["--action", "RT::Action::Frobnicate"][..], r#"no action module "RT::Action::Frobnicate""#),
            (
                &[
                    "--condition",
                    "RT::Condition::Sometimes",
                    "--action",
                    "RT::Action::SetPriority",
                    "--action-arg",
                    "9",
                ],
                r#"no condition module "RT::Condition::Sometimes""#,
            ),
        ] {
            let out = crontool(&db, &[&base[..], extra].concat());
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            assert!(stderr(&out).contains(said), "{}", stderr(&out));
        }
        let out = crontool(&db, &["--search", "RT::Search::Googleish", "--search-arg", "x", "--action", "RT::Action"]);
        assert!(stderr(&out).contains(r#"no search module "RT::Search::Googleish""#), "{}", stderr(&out));

        // Nobody in RT has this Unix login any more.
        set_unix_login(&db, "root", "");
        let out = crontool(&db, &[&base[..], &["--action", "RT::Action::SetPriority", "--action-arg", "9"]].concat());
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("no RT user has the Unix login"), "{}", stderr(&out));
        assert_eq!(priority(&db, id), 3);
    }
}

#[test]
fn the_last_transaction_of_a_type_is_the_one_actions_see() {
    for backend in backends() {
        let db = site(backend);
        let talked = ticket(&db, "General", NewTicket { subject: "chat".into(), ..NewTicket::default() });
        let silent = ticket(&db, "General", NewTicket { subject: "quiet".into(), ..NewTicket::default() });
        db.root()
            .write(|tx| {
                tx.correspond(talked, Message::text("first reply"))?;
                tx.comment(talked, Message::text("a note"))?;
                tx.correspond(talked, Message::text("second reply"))?;
                tx.comment(talked, Message::text("another note"))
            })
            .unwrap();
        template(&db, "Follow-up", "Subject: follow-up\n\nLast reply: {{ transaction.content_text }}");

        let out = crontool(
            &db,
            &[
                "--search",
                "RT::Search::FromSQL",
                "--search-arg",
                "Queue = 'General'",
                "--transaction",
                "last",
                "--transaction-type",
                "Correspond",
                "--action",
                "RT::Action::RecordComment",
                "--template",
                "Follow-up",
                "--verbose",
            ],
        );
        assert_ok(&out);
        let history = db.root().read(|tx| tx.history(talked)).unwrap();
        let last = history.last().unwrap();
        assert_eq!(last.kind, "Comment");
        let attachments = db.root().read(|tx| tx.transaction_attachments(last.id)).unwrap();
        let (_, body) = db.root().read(|tx| tx.attachment(attachments[0].id)).unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("Last reply: second reply"), "{body}");
        assert!(stdout(&out).contains(&format!("{silent}:\n\tCouldn't find suitable transaction")), "{}", stdout(&out));
        assert_eq!(db.root().read(|tx| tx.history(silent)).unwrap().len(), 1, "nothing recorded on it");
    }
}

#[test]
fn concurrent_runs_of_one_job_act_on_each_ticket_once() {
    for backend in backends() {
        let db = site(backend);
        let alice = staff(&db, "alice");
        let ids: Vec<TicketId> = (0..20)
            .map(|i| {
                let new = NewTicket {
                    subject: format!("t{i}"),
                    owner: Some(alice),
                    priority: Some(10),
                    final_priority: Some(90),
                    ..NewTicket::default()
                };
                ticket(&db, "General", new)
            })
            .collect();
        template(&db, "Escalated", "Subject: escalated\n\nPriority is now {{ ticket.priority }}.\n");
        let job = [
            "--search",
            "RT::Search::FromSQL",
            "--search-arg",
            "Owner = 'alice'",
            "--action",
            "RT::Action::EscalatePriority",
            "--action",
            "RT::Action::Notify",
            "--action-arg",
            "",
            "--action-arg",
            "Owner",
            "--template",
            "Escalated",
            "--transaction",
            "last",
            "--verbose",
        ];
        // Two nodes' crons fire at once. The first ticket is held until
        // both have started, so that they go through the tickets side by
        // side rather than one after the other.
        let mut holder = rt_core::db::connect(&db.url).unwrap();
        let hold = match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE".to_string(),
            Backend::Postgres => format!("BEGIN; SELECT id FROM tickets WHERE id = {} FOR UPDATE", ids[0]),
        };
        holder.batch_execute(&hold).unwrap();
        let runs: Vec<_> = (0..2)
            .map(|_| crontool_command(&db, &job).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        holder.batch_execute("COMMIT").unwrap();
        let outs: Vec<Output> = runs.into_iter().map(|r| r.wait_with_output().unwrap()).collect();
        for out in &outs {
            assert_ok(out);
        }
        for id in &ids {
            assert_eq!(priority(&db, *id), 11, "ticket {id} escalated once");
        }
        assert_eq!(outbox(&db).len(), 20, "one mail per ticket");
        let acted: usize = outs
            .iter()
            .map(|o| {
                let text = stdout(o);
                let summary = text.lines().find(|l| l.contains("ticket(s) found")).unwrap_or_else(|| panic!("{text}"));
                summary.split(", ").nth(1).unwrap().split(' ').next().unwrap().parse::<usize>().unwrap()
            })
            .sum();
        assert_eq!(acted, 20, "{}\n---\n{}", stdout(&outs[0]), stdout(&outs[1]));

        // The next run, outside the window, is a run of its own.
        let out = crontool(&db, &[&job[..], &["--window", "0"]].concat());
        assert_ok(&out);
        assert!(ids.iter().all(|id| priority(&db, *id) == 12));
    }
}
