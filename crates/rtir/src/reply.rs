//! RTIR's Incident reply: one message sent as separate correspondence (or
//! comment) to each selected child of an Incident, "Reply to Reporters"
//! (its active reports) or "Reply to All" (its active reports,
//! Investigations and Countermeasures), optionally to the Incident too,
//! with a status for the Incident mapped onto each child.
//!
//! A child still a member of another active Incident gets the message but
//! keeps its status; so does a child whose status the user may not
//! change (the message stands, as in RTIR). The Incident takes an inactive status only when none
//! of its children is left active ("Status of the Incident left
//! unchanged; not all children were updated"). A child the user may not
//! update is reported and skipped; the others go on.

use rt_core::lifecycles::StatusClass;
use rt_core::{Error, Message, Result, TicketId, Tx};

use crate::kind::Kind;
use crate::links::{children_of, in_other_active_incident, is_active, require_incident};

/// Which children an Incident reply goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyTo {
    /// The Incident's active Incident Reports ("Reply to Reporters").
    Reporters,
    /// Its active reports, Investigations and Countermeasures ("Reply to
    /// All").
    All,
    /// These children of the Incident.
    These(Vec<TicketId>),
}

/// An Incident reply.
#[derive(Debug, Clone)]
pub struct IncidentReply {
    /// The children it goes to.
    pub to: ReplyTo,
    /// Whether the Incident gets the message too (`SelectedIncident`).
    pub incident_too: bool,
    /// The message.
    pub message: Message,
    /// A comment rather than correspondence.
    pub comment: bool,
    /// A status of the Incident's lifecycle, mapped onto each child.
    pub status: Option<String>,
}

/// What an Incident reply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replied {
    /// The children that got the message.
    pub updated: Vec<TicketId>,
    /// The children that did not, with why (nothing changed on them).
    pub refused: Vec<(TicketId, String)>,
    /// Whether the Incident's status was changed as asked (false also
    /// when no status was asked).
    pub incident_status_changed: bool,
    /// What did not go as asked, e.g. "Ticket #7: permission denied: ..."
    /// for a child that got the message but kept its status, and RTIR's
    /// "Status of the Incident left unchanged; not all children were
    /// updated".
    pub notes: Vec<String>,
}

/// Sends `reply` to the chosen children of `incident` (see the module
/// documentation).
pub fn reply_to_children(tx: &mut Tx<'_>, incident: TicketId, reply: IncidentReply) -> Result<Replied> {
    let ticket = tx.ticket(incident)?;
    require_incident(tx, &ticket)?;
    let incident_lifecycle = tx.queue_lifecycle(ticket.queue)?.clone();
    let status = reply.status.filter(|s| *s != ticket.status);
    if let Some(status) = &status
        && !incident_lifecycle.is_valid(status)
    {
        return Err(Error::invalid("Status", format!("{status} is not a status of Incidents")));
    }
    let children = children_of(tx, incident)?;
    let chosen: Vec<TicketId> = match &reply.to {
        ReplyTo::These(ids) => {
            for id in ids {
                if !children.iter().any(|(_, t)| t.id == *id) {
                    return Err(Error::invalid(
                        "children",
                        format!("ticket #{id} is not a child of Incident #{incident}"),
                    ));
                }
            }
            ids.clone()
        }
        to => {
            let mut ids = Vec::new();
            for (kind, child) in &children {
                if (kind == &Kind::Report || to == &ReplyTo::All) && is_active(tx, child)? {
                    ids.push(child.id);
                }
            }
            ids
        }
    };
    let mut done = Replied::default();
    for id in chosen {
        if let Err(e) = tx.savepoint(|tx| add_message(tx, id, &reply.message, reply.comment)) {
            done.refused.push((id, e.to_string()));
            continue;
        }
        done.updated.push(id);
        let Some(status) = &status else { continue };
        let changed = tx.savepoint(|tx| {
            if in_other_active_incident(tx, id, incident)? {
                return Ok(());
            }
            let child = tx.ticket(id)?;
            let lifecycle = tx.queue_lifecycle(child.queue)?.name.clone();
            match tx.lifecycles().map_status(&incident_lifecycle.name, &lifecycle, status) {
                Some(mapped) if mapped != child.status => tx.set_status(id, &mapped).map(|_| ()),
                _ => Ok(()),
            }
        });
        if let Err(e) = changed {
            done.notes.push(format!("Ticket #{id}: {e}"));
        }
    }
    if reply.incident_too
        && let Err(e) = tx.savepoint(|tx| add_message(tx, incident, &reply.message, reply.comment))
    {
        done.notes.push(format!("Incident #{incident}: {e}"));
    }
    if let Some(status) = status {
        let closing = incident_lifecycle.class_of(&status) == Some(StatusClass::Inactive);
        let mut active_left = false;
        for (_, child) in children_of(tx, incident)? {
            if is_active(tx, &child)? && !in_other_active_incident(tx, child.id, incident)? {
                active_left = true;
            }
        }
        if closing && active_left {
            done.notes.push("Status of the Incident left unchanged; not all children were updated".into());
        } else {
            match tx.savepoint(|tx| tx.set_status(incident, &status)) {
                Ok(_) => done.incident_status_changed = true,
                Err(e) => done.notes.push(format!("Incident #{incident}: {e}")),
            }
        }
    }
    Ok(done)
}

fn add_message(tx: &mut Tx<'_>, id: TicketId, message: &Message, comment: bool) -> Result<()> {
    if comment {
        tx.comment(id, message.clone())?;
    } else {
        tx.correspond(id, message.clone())?;
    }
    Ok(())
}
