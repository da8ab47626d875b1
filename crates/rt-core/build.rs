//! Rebuilds the crate when a migration is added or changed: the
//! migrations are embedded at compile time (`db::SQLITE_MIGRATIONS`), and
//! cargo does not otherwise look at files outside `src/`.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
