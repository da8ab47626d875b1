//! RTIR's link model: an Incident Report, Investigation or Countermeasure
//! is a child of an Incident through RT's `MemberOf` link (the Incident
//! `HasMember` it), with the cardinality and requirement of its kind
//! ([`Kind::child_rule`]).
//!
//! [`link_to_incident`] and [`unlink_from_incident`] are the way RTIR's
//! screens link and unlink, and where its rules hold: only Incidents take
//! children; a child that belongs to one Incident at most leaves its
//! previous one; a child that needs an Incident is never unlinked from its
//! last; a user who owns neither end takes (or steals) the Incident first;
//! `ModifyTicket` on either end suffices (RTIR turns RT's
//! `$StrictLinkACL` off for its links); with `[rtir]
//! strict_constituency_linking` on, a child and an Incident of different
//! constituencies are not linked (RTIR's message: "Link failed: Ticket #N
//! is associated with a different constituency"). rt-core's generic
//! [`Tx::add_link`] stays what RT's "Advanced" links page is in RTIR: a
//! way around these rules for administrators.

use rt_core::lifecycles::StatusClass;
use rt_core::{Error, LinkEnd, LinkRights, LinkType, QueueId, Result, Ticket, TicketId, Tx};

use crate::constituency::{constituency_of, queue_constituency};
use crate::kind::{Kind, ticket_kind};

/// What linking a child to an Incident did besides the link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linked {
    /// Incidents the child left, because its kind belongs to one Incident
    /// at most.
    pub left: Vec<TicketId>,
    /// Of those, the Incidents left without any child (RTIR warns).
    pub childless: Vec<TicketId>,
    /// Whether the user took or stole the Incident first (they owned
    /// neither end).
    pub took_incident: bool,
}

/// The Incidents `ticket` is a member of, in link order. Tickets the user
/// may not see are left out.
pub fn incidents_of(tx: &mut Tx<'_>, ticket: TicketId) -> Result<Vec<Ticket>> {
    let mut incidents = Vec::new();
    for other in linked(tx, ticket, LinkType::MemberOf)? {
        if ticket_kind(tx, &other)? == Some(Kind::Incident) {
            incidents.push(other);
        }
    }
    Ok(incidents)
}

/// An Incident's children of RTIR's kinds (reports, investigations,
/// countermeasures) with their kind, in link order. Tickets the user may
/// not see are left out.
pub fn children_of(tx: &mut Tx<'_>, incident: TicketId) -> Result<Vec<(Kind, Ticket)>> {
    let mut children = Vec::new();
    for other in linked(tx, incident, LinkType::HasMember)? {
        if let Some(kind) = ticket_kind(tx, &other)?.filter(|k| *k != Kind::Incident) {
            children.push((kind, other));
        }
    }
    Ok(children)
}

/// Whether a ticket is in an initial or active status of its lifecycle
/// (RTIR's "active" tickets; an Incident is active while open).
pub fn is_active(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<bool> {
    let class = tx.queue_lifecycle(ticket.queue)?.class_of(&ticket.status);
    Ok(matches!(class, Some(StatusClass::Initial | StatusClass::Active)))
}

/// Whether `child` is a member of an active Incident other than `except`
/// (RTIR's `IsLinkedToActiveIncidents`).
pub fn in_other_active_incident(tx: &mut Tx<'_>, child: TicketId, except: TicketId) -> Result<bool> {
    for incident in incidents_of(tx, child)? {
        if incident.id != except && is_active(tx, &incident)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Makes `child` a member of `incident` by RTIR's rules (see the module
/// documentation). Linking a child to an Incident it is already in
/// changes nothing.
pub fn link_to_incident(tx: &mut Tx<'_>, child: TicketId, incident: TicketId) -> Result<Linked> {
    let (child, incident) = (tx.ticket(child)?, tx.ticket(incident)?);
    require_incident(tx, &incident)?;
    let kind = ticket_kind(tx, &child)?;
    if kind == Some(Kind::Incident) {
        return Err(Error::invalid("link", format!("Incident #{} cannot be a child of another Incident", child.id)));
    }
    require_same_constituency(tx, &child, incident.queue)?;
    let mut linked = Linked::default();
    let current = incidents_of(tx, child.id)?;
    if current.iter().any(|i| i.id == incident.id) {
        return Ok(linked);
    }
    if kind.and_then(Kind::child_rule).is_some_and(|rule| !rule.multiple) {
        for old in current {
            tx.delete_link_with(child.id, LinkType::MemberOf, LinkEnd::Ticket(old.id), LinkRights::EitherEnd)?;
            if children_of(tx, old.id)?.is_empty() {
                linked.childless.push(old.id);
            }
            linked.left.push(old.id);
        }
    }
    let me = tx.current_user().id;
    if incident.owner != me && child.owner != me {
        // As in RTIR, a refused take leaves the link to the rights it needs.
        linked.took_incident = match tx.savepoint(|tx| take_or_steal(tx, &incident)) {
            Ok(took) => took,
            Err(Error::PermissionDenied { .. } | Error::Validation { .. }) => false,
            Err(e) => return Err(e),
        };
    }
    tx.add_link_with(child.id, LinkType::MemberOf, LinkEnd::Ticket(incident.id), LinkRights::EitherEnd)?;
    Ok(linked)
}

/// Removes `child` from `incident`. Refused for a child whose kind needs an
/// Incident when this is its last one. Returns whether the Incident is
/// left without children (RTIR warns about it).
pub fn unlink_from_incident(tx: &mut Tx<'_>, child: TicketId, incident: TicketId) -> Result<bool> {
    let (child, incident) = (tx.ticket(child)?, tx.ticket(incident)?);
    require_incident(tx, &incident)?;
    let incidents = incidents_of(tx, child.id)?;
    if !incidents.iter().any(|i| i.id == incident.id) {
        return Err(Error::invalid(
            "link",
            format!("ticket #{} is not a member of Incident #{}", child.id, incident.id),
        ));
    }
    if let Some(kind) = ticket_kind(tx, &child)?
        && kind.child_rule().is_some_and(|rule| rule.required)
        && incidents.len() <= 1
    {
        return Err(Error::invalid(
            "link",
            format!("{} #{} must stay linked to an Incident: link it to another one first", kind.label(), child.id),
        ));
    }
    tx.delete_link_with(child.id, LinkType::MemberOf, LinkEnd::Ticket(incident.id), LinkRights::EitherEnd)?;
    Ok(children_of(tx, incident.id)?.is_empty())
}

/// Takes an unowned ticket or steals an owned one for the current user
/// (RTIR's `TakeOrStealFirst`). Returns whether the owner changed.
pub fn take_or_steal(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<bool> {
    if ticket.owner == tx.current_user().id {
        return Ok(false);
    }
    if ticket.owner == tx.system().nobody {
        tx.take(ticket.id)?;
    } else {
        tx.steal(ticket.id)?;
    }
    Ok(true)
}

/// With strict constituency linking on, fails with RTIR's message unless
/// `ticket` is of the constituency of `queue` (where the ticket it is to
/// be linked to is, or is to be created).
pub(crate) fn require_same_constituency(tx: &mut Tx<'_>, ticket: &Ticket, queue: QueueId) -> Result<()> {
    if tx.config().rtir.strict_constituency_linking && constituency_of(tx, ticket)? != queue_constituency(tx, queue)? {
        return Err(Error::invalid(
            "link",
            format!("Link failed: Ticket #{} is associated with a different constituency", ticket.id),
        ));
    }
    Ok(())
}

/// Fails unless `ticket` is an Incident.
pub(crate) fn require_incident(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<()> {
    match ticket_kind(tx, ticket)? {
        Some(Kind::Incident) => Ok(()),
        _ => Err(Error::invalid("incident", format!("ticket #{} is not an Incident", ticket.id))),
    }
}

/// The local tickets at the other end of `ticket`'s links of type `kind`
/// (seen from `ticket`), that the user may see.
fn linked(tx: &mut Tx<'_>, ticket: TicketId, kind: LinkType) -> Result<Vec<Ticket>> {
    let mut found = Vec::new();
    for link in tx.links(ticket)? {
        let Some((seen, LinkEnd::Ticket(other))) = link.seen_from(ticket) else { continue };
        if seen != kind || found.iter().any(|t: &Ticket| t.id == other) {
            continue;
        }
        match tx.ticket(other) {
            Ok(t) => found.push(t),
            Err(Error::PermissionDenied { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}
