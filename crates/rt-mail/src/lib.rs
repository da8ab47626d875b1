//! # rt-mail: the email gateway
//!
//! This crate will own everything that turns mail into ticket operations and
//! ticket events into mail:
//!
//! - **inbound**: MIME parsing (mailparse), subject tags (`[rtname #N]`),
//!   the `correspond`/`comment`/`take`/`resolve` actions, autocreation of
//!   requestors, loop and bounce detection, charset decoding, attachment
//!   size limits;
//! - **outbound**: building RFC 5322 messages and delivering them from the
//!   durable outbox (lettre), retried with backoff.
//!
//! It depends on `rt-core` for every ticket operation and rights check and
//! must not know HTTP: the gateway endpoint lives in `rt-web`.
//!
//! Nothing is implemented yet; the email gateway issue fills this crate in.
