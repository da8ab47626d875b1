//! # rt-client: the client side of RT's protocols
//!
//! This crate owns the HTTP client side of RT's protocols, used by the
//! `rt`, `rt-mailgate`, `rt-crontool` and `rt-bench` binaries:
//!
//! - [`mailgate`]: posting mail to the mail-gateway endpoint;
//! - [`rest1`]: REST 1.0 as RT's `rt` client speaks it: login and session
//!   cookies ([`rest1::Client`], [`rest1::Sessions`]), RT's status line
//!   ([`rest1::Response`]) and its form format ([`rest1::form`]).
//!
//! HTTP is `ureq` (blocking, rustls, no OpenSSL); multipart bodies, which
//! both protocols post, are built here.
//!
//! It depends on no server crate, so the clients stay small and can talk to
//! RT 5 as well as to us.

mod http;
pub mod mailgate;
pub mod rest1;
