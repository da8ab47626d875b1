//! # rtfm: Articles, RT's knowledge base
//!
//! This crate will own articles, classes and topics, including articles in
//! replies and extracting articles from tickets.
//!
//! It depends on `rt-core` and `rt-scrips` and must not know HTTP.
//!
//! Nothing is implemented yet; the Articles issue fills this crate in.
