//! # rt-mail: the email gateway
//!
//! This crate owns everything that turns mail into ticket operations and
//! ticket events into mail:
//!
//! - **inbound**: MIME parsing (mailparse) into rt-core's [`MimeEntity`]
//!   trees ([`parse`]); the gateway ([`gateway`]): subject tags
//!   (`[rtname #N]`), the `correspond`/`comment`/`take`/`resolve` actions,
//!   autocreation of requestors, loop and automatic-mail detection, the
//!   sender's rights, attachment size limits, duplicate deliveries (mail
//!   receipts) and error answers to senders;
//! - **outbound**: building RFC 5322 messages with RT's headers and
//!   threading, recorded on their ticket and put in the outbox
//!   ([`compose`]), and delivering them from the durable outbox
//!   ([`outbound`]: SMTP through lettre, a sendmail pipe or files), retried
//!   with backoff.
//!
//! It depends on `rt-core` for every ticket operation and rights check and
//! must not know HTTP: the gateway endpoint lives in `rt-web`.
//!
//! [`MimeEntity`]: rt_core::MimeEntity

pub mod compose;
pub mod gateway;
pub mod outbound;
pub mod parse;

pub use compose::{
    ComposedMail, ErrorMail, MailClass, MailFile, TicketMail, compose_ticket_mail, record_ticket_mail,
    record_ticket_mails, send_error_mail, send_ticket_mail,
};
pub use gateway::{GatewayOutcome, GatewayRequest, deliver};
pub use outbound::{
    Mailer, SendError, SmtpSettings, TlsMode, Transport, deliver_pending, run_worker, transport_from_config,
};
pub use parse::{InboundMessage, mailboxes, parse_message};
pub use rt_core::outbox::DeliveryReport;
