//! # rt-client: the client side of RT's protocols
//!
//! This crate owns the HTTP client side of RT's protocols, used by the
//! `rt`, `rt-mailgate`, `rt-crontool` and `rt-bench` binaries:
//!
//! - [`mailgate`]: posting mail to the mail-gateway endpoint (done);
//! - REST 1.0 (RT's form codec) and REST 2.0 (to come with the REST issue).
//!
//! It depends on no server crate, so the clients stay small and can talk to
//! RT 5 as well as to us.

pub mod mailgate;
