//! # rt-client: the client side of RT's protocols
//!
//! This crate will own the HTTP client side of REST 1.0 (RT's form codec),
//! REST 2.0 and the mail-gateway endpoint, used by the `rt`, `rt-mailgate`,
//! `rt-crontool` and `rt-bench` binaries.
//!
//! It depends on no server crate, so the clients stay small and can talk to
//! RT 5 as well as to us.
//!
//! Nothing is implemented yet; the mail gateway and REST issues fill it in.
