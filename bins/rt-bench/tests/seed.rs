//! `rt-bench seed` gives the same data for the same arguments, and the
//! data has the documented shape.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use rt_test_support::unique_name;

fn seed(tickets: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(unique_name("rt_seed_test"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("seed.sqlite3").display());
    let out = Command::new(env!("CARGO_BIN_EXE_rt-bench"))
        .args(["seed", "--db", &url, "--tickets", tickets, "--batch", "100"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_string();
    (json, dir)
}

/// The JSON line without its timing fields.
fn without_timing(json: &str) -> String {
    json.split(',').filter(|f| !f.contains("seconds") && !f.contains("per_second")).collect::<Vec<_>>().join(",")
}

#[test]
fn same_arguments_same_data() {
    let (a, dir_a) = seed("400");
    let (b, dir_b) = seed("400");
    assert_eq!(without_timing(&a), without_timing(&b));
    assert!(a.contains("\"tickets\":400"), "{a}");
    assert!(a.contains("\"ip_ranges\":20,"), "one range per 20 tickets: {a}");

    // What the database holds matches what the seed reports.
    let rt = rt_core::Rt::open(rt_core::Config {
        database_url: format!("sqlite://{}", dir_a.join("seed.sqlite3").display()),
        ..rt_core::Config::default()
    })
    .unwrap();
    let system = rt.system_session(rt_core::Interface::Cli);
    let resolved = system
        .read(|tx| {
            let mut n = 0;
            for id in 1..=400 {
                let t = tx.ticket(rt_core::TicketId(id))?;
                n += usize::from(t.status == "resolved" && t.kind == "ticket");
            }
            Ok(n)
        })
        .unwrap();
    assert!(a.contains(&format!("\"resolved\":{resolved}")), "{resolved} resolved in the database; seed said {a}");
    assert!((200..=280).contains(&resolved), "about 60 % resolved: {resolved}");
    for dir in [dir_a, dir_b] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}
