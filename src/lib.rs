//! # rt: Request Tracker, RTIR and Articles in Rust
//!
//! The facade crate for programs that embed us: it re-exports the library
//! crates under short names, so one dependency brings the whole system.
//!
//! - [`core`]: RT's domain and storage (tickets, queues, users, rights...).
//! - [`mail`]: the email gateway.
//! - [`scrips`]: automation (scrips, templates, SLAs).
//! - [`ir`]: RT for Incident Response.
//! - [`articles`]: the knowledge base.
//! - [`web`]: the web UI and REST APIs.
//! - [`client`]: the client side of RT's protocols.
//!
//! `examples/embed.rs` opens a database, creates a queue and a ticket,
//! replies to it and prints its history.

pub use rt_client as client;
pub use rt_core as core;
pub use rt_mail as mail;
pub use rt_scrips as scrips;
pub use rt_web as web;
pub use rtfm as articles;
pub use rtir as ir;
