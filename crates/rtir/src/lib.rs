//! # rtir: RT for Incident Response
//!
//! This crate will own the incident-response workflow layered on ordinary
//! tickets: the Incident Reports / Incidents / Investigations /
//! Countermeasures lifecycles and linking rules, constituencies, RTIR's
//! custom fields, IP/domain/CVE detection, lookups, quick actions and
//! reports.
//!
//! It depends on `rt-core` and `rt-scrips` and must not know HTTP.
//!
//! Nothing is implemented yet; the RTIR issue fills this crate in.
