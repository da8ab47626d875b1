//! # rt-scrips: RT's automation
//!
//! This crate will own scrips (condition + action + template), RT's default
//! scrips and templates (Tera), the engine that runs them from rt-core's
//! durable event queue, the SLA scrips, and webhook delivery.
//!
//! It depends on `rt-core` and `rt-mail` and must not serve HTTP (webhook
//! delivery is an HTTP client, nothing more).
//!
//! Nothing is implemented yet; the scrips issue fills this crate in.
