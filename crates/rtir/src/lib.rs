//! # rtir: RT for Incident Response
//!
//! This crate owns the incident-response workflow layered on ordinary
//! tickets. What exists so far:
//!
//! - [`detect`]: finding IP addresses and ranges, domains and CVE ids in
//!   message text as RTIR's scrips do, and deciding which of them a
//!   ticket's `IP`, `Domain` and `CVE ID` fields get (on messages, and
//!   when tickets are linked or merged). Pure functions, no database.
//!
//! Still to come (the RTIR issue): the Incident Reports / Incidents /
//! Investigations / Countermeasures lifecycles and linking rules,
//! constituencies, RTIR's custom fields and the scrips that call
//! [`detect`], lookups, quick actions and reports.
//!
//! It depends on `rt-core` and `rt-scrips` and must not know HTTP.

pub mod detect;
