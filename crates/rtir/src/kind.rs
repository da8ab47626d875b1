//! RTIR's four kinds of ticket. A queue is an RTIR queue by its lifecycle,
//! never by its name: every queue whose lifecycle is `incident_reports`
//! holds Incident Reports, whatever it is called (a constituency's
//! `Incident Reports - EDUNET` included).

use rt_core::{Queue, Result, Ticket, Tx};

/// The kind of an RTIR ticket (RTIR's "type").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An Incident Report: what a reporter told us.
    Report,
    /// An Incident: the case that reports, investigations and
    /// countermeasures are members of.
    Incident,
    /// An Investigation: a conversation with a party about an incident.
    Investigation,
    /// A Countermeasure (formerly a Block): an action taken against an
    /// incident's source.
    Countermeasure,
}

/// How a kind of child relates to Incidents (RTIR's
/// `%RTIR_IncidentChildren`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildRule {
    /// May be a member of several Incidents at once; if not, linking it to
    /// another Incident replaces the link it had.
    pub multiple: bool,
    /// Must be a member of an Incident: refused at creation without one,
    /// and never unlinked from its last.
    pub required: bool,
}

impl Kind {
    /// Every kind, in RTIR's order (reports first).
    pub const ALL: [Kind; 4] = [Kind::Report, Kind::Incident, Kind::Investigation, Kind::Countermeasure];

    /// The children kinds of an Incident.
    pub const CHILDREN: [Kind; 3] = [Kind::Report, Kind::Investigation, Kind::Countermeasure];

    /// The lifecycle that makes a queue hold this kind.
    pub fn lifecycle(self) -> &'static str {
        match self {
            Kind::Report => "incident_reports",
            Kind::Incident => "incidents",
            Kind::Investigation => "investigations",
            Kind::Countermeasure => "countermeasures",
        }
    }

    /// The kind a lifecycle stands for, if it is one of RTIR's.
    pub fn from_lifecycle(lifecycle: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.lifecycle() == lifecycle)
    }

    /// The name of the queue RTIR creates for this kind.
    pub fn default_queue(self) -> &'static str {
        match self {
            Kind::Report => "Incident Reports",
            Kind::Incident => "Incidents",
            Kind::Investigation => "Investigations",
            Kind::Countermeasure => "Countermeasures",
        }
    }

    /// The kind's name in messages ("Incident Report").
    pub fn label(self) -> &'static str {
        match self {
            Kind::Report => "Incident Report",
            Kind::Incident => "Incident",
            Kind::Investigation => "Investigation",
            Kind::Countermeasure => "Countermeasure",
        }
    }

    /// How this kind relates to Incidents, or `None` for Incidents
    /// themselves. RTIR's defaults: reports may join several Incidents and
    /// need none; an Investigation belongs to one at most; a Countermeasure
    /// needs one and may join several.
    pub fn child_rule(self) -> Option<ChildRule> {
        match self {
            Kind::Report => Some(ChildRule { multiple: true, required: false }),
            Kind::Incident => None,
            Kind::Investigation => Some(ChildRule { multiple: false, required: false }),
            Kind::Countermeasure => Some(ChildRule { multiple: true, required: true }),
        }
    }
}

/// The RTIR kind of a queue's tickets, by its lifecycle.
pub fn rtir_kind(queue: &Queue) -> Option<Kind> {
    Kind::from_lifecycle(&queue.lifecycle)
}

/// The RTIR kind of a ticket, by its queue's lifecycle. No rights are
/// needed beyond having the ticket.
pub fn ticket_kind(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<Option<Kind>> {
    Ok(Kind::from_lifecycle(&tx.queue_lifecycle(ticket.queue)?.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_lifecycles() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_lifecycle(kind.lifecycle()), Some(kind));
        }
        assert_eq!(Kind::from_lifecycle("default"), None);
        assert_eq!(Kind::Incident.child_rule(), None);
        assert!(Kind::Countermeasure.child_rule().is_some_and(|r| r.required && r.multiple));
        assert!(Kind::Investigation.child_rule().is_some_and(|r| !r.required && !r.multiple));
    }
}
