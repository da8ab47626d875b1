//! # rtir: RT for Incident Response
//!
//! The incident-response workflow, layered on ordinary tickets: queues are
//! RTIR's by their lifecycle ([`kind`]: Incident Reports, Incidents,
//! Investigations, Countermeasures), [`lifecycles`] adds RTIR's lifecycles
//! to the site's configuration, [`install`] creates RTIR's queues, custom
//! fields, DutyTeam group, rights, templates and scrips at first start,
//! [`links`] holds the rules by which children join Incidents, [`scrips`]
//! RTIR's scrip conditions and actions (the closing and reopening cascade,
//! owner and Due propagation...), [`workflow`] the actions of RTIR's
//! screens as library calls (with [`reply`], the Incident reply to
//! reporters or to all), [`constituency`] adds and renames
//! constituencies (RTIR's `add_constituency`) and says which a ticket is
//! of, and [`detect`] finds IP addresses and ranges,
//! domains and CVE ids in message text and decides which of them a
//! ticket's `IP`, `Domain` and `CVE ID` fields get (pure functions, no
//! database). docs/rtir.md describes the behaviour.
//!
//! It depends on `rt-core` and `rt-scrips` and must not know HTTP.
//!
//! Not yet: lookups, reports and the constituency-scoped UI. (rt-web
//! serves the workflow actions over REST 2.0.)

pub mod constituency;
pub mod detect;
pub mod install;
pub mod kind;
pub mod lifecycles;
pub mod links;
pub mod reply;
pub mod scrips;
pub mod workflow;
