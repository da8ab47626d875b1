//! `rt-bench rights`: cold `has_right` latency with many groups and grants.

use std::time::Instant;

use anyhow::Context;
use rt_core::{AclObject, Config, Grantee, GroupId, Interface, NewQueue, NewUser, QueueId, Rt, UserId};

use crate::stats::{Latencies, Rng};

#[derive(clap::Args)]
pub struct Args {
    /// Database URL; should be a new database.
    #[arg(long)]
    db: String,
    /// User-defined groups to create.
    #[arg(long, default_value_t = 1000)]
    groups: usize,
    /// ACL entries to create.
    #[arg(long, default_value_t = 10_000)]
    acl: usize,
    /// Users, each placed in several groups.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Queues the grants are spread over.
    #[arg(long, default_value_t = 50)]
    queues: usize,
    /// Checks to measure.
    #[arg(long, default_value_t = 20_000)]
    checks: usize,
}

const QUEUE_RIGHTS: &[&str] = &[
    "SeeQueue",
    "ShowTicket",
    "CreateTicket",
    "ReplyToTicket",
    "CommentOnTicket",
    "Watch",
    "ShowTicketComments",
    "OwnTicket",
    "ModifyTicket",
    "DeleteTicket",
    "TakeTicket",
    "StealTicket",
    "ReassignTicket",
    "AdminQueue",
];

pub fn run(args: Args) -> anyhow::Result<()> {
    let rt = Rt::open(Config { database_url: args.db.clone(), ..Config::default() }).context("opening the database")?;
    let root = rt.session_for("root", Interface::Api)?;
    let mut rng = Rng::new(42);
    let setup = Instant::now();
    let (queues, groups, users) = root.write(|tx| {
        let queues: Vec<QueueId> = (0..args.queues)
            .map(|i| tx.create_queue(NewQueue { name: format!("Rights queue {i}"), ..NewQueue::default() }))
            .collect::<rt_core::Result<_>>()?;
        let groups: Vec<GroupId> = (0..args.groups)
            .map(|i| tx.create_group(&format!("Rights group {i}"), ""))
            .collect::<rt_core::Result<_>>()?;
        let users: Vec<UserId> = (0..args.users)
            .map(|i| {
                tx.create_user(NewUser { name: format!("rights-user-{i}"), privileged: true, ..NewUser::default() })
            })
            .collect::<rt_core::Result<_>>()?;
        Ok((queues, groups, users))
    })?;
    root.write(|tx| {
        // Each user in 5 groups; every tenth group nested in another.
        for u in &users {
            for _ in 0..5 {
                let g = groups[rng.below(groups.len() as u64) as usize];
                tx.add_group_member(g, (*u).into())?;
            }
        }
        for (i, g) in groups.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
            let parent = groups[(i + 1 + rng.below(groups.len() as u64 - 1) as usize) % groups.len()];
            // Refused only when it would make a cycle; skip those.
            let _ = tx.add_group_member(parent, (*g).into());
        }
        Ok(())
    })?;
    let mut granted = 0;
    while granted < args.acl {
        root.write(|tx| {
            for _ in 0..1000.min(args.acl - granted) {
                let g = groups[rng.below(groups.len() as u64) as usize];
                let right = QUEUE_RIGHTS[rng.below(QUEUE_RIGHTS.len() as u64) as usize];
                let q = queues[rng.below(queues.len() as u64) as usize];
                tx.grant(Grantee::Group(g), right, AclObject::Queue(q))?;
                granted += 1;
            }
            Ok(())
        })?;
    }
    let setup_secs = setup.elapsed().as_secs_f64();

    let mut samples = Vec::with_capacity(args.checks);
    let mut allowed = 0usize;
    root.read(|tx| {
        for _ in 0..args.checks {
            let u = users[rng.below(users.len() as u64) as usize];
            let right = QUEUE_RIGHTS[rng.below(QUEUE_RIGHTS.len() as u64) as usize];
            let q = queues[rng.below(queues.len() as u64) as usize];
            tx.clear_rights_cache();
            let t0 = Instant::now();
            let ok = tx.principal_has_right(u.into(), right, AclObject::Queue(q))?;
            samples.push(t0.elapsed());
            allowed += usize::from(ok);
        }
        Ok(())
    })?;
    let lat = Latencies::new(samples);
    let backend = format!("{:?}", rt.backend()).to_lowercase();
    println!(
        "{:<10} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "backend", "groups", "acl", "checks", "allowed", "p50 µs", "p90 µs", "p99 µs", "setup s"
    );
    println!(
        "{:<10} {:>7} {:>7} {:>7} {:>8} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
        backend,
        args.groups,
        args.acl,
        args.checks,
        allowed,
        lat.micros(50.0),
        lat.micros(90.0),
        lat.micros(99.0),
        setup_secs
    );
    println!(
        "{{\"bench\":\"rights\",\"backend\":\"{backend}\",\"groups\":{},\"acl\":{},\"checks\":{},\"allowed\":{allowed},\"p50_us\":{:.2},\"p90_us\":{:.2},\"p99_us\":{:.2}}}",
        args.groups,
        args.acl,
        args.checks,
        lat.micros(50.0),
        lat.micros(90.0),
        lat.micros(99.0)
    );
    Ok(())
}
