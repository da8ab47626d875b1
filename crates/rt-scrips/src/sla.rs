//! The SLA scrips: RT 5's `Require Starts/Due set according to SLA`
//! conditions and `Set starts/due date according to SLA` actions, over the
//! arithmetic of [`rt_core::sla`] and the site's `service_agreements`.
//!
//! Starts is set once, on create or when a level is set, from Created. Due
//! follows the conversation: it is recomputed on create, on every reply,
//! when the level changes and on status changes, from the ticket's history
//! (who answered last, the oldest unanswered outside reply, the time spent
//! in ignored statuses). A ticket without a level, or in a queue with SLAs
//! disabled, is left alone.

use rt_core::acl::Role;
use rt_core::lifecycles::StatusClass;
use rt_core::sla::{Act, DueInput, StatusChange};
use rt_core::{Error, PrincipalId, Result, Ticket, TicketUpdate, Tx};

use crate::conditions::Subject;

fn sla_error(e: rt_core::sla::SlaError) -> Error {
    Error::invalid("service_agreements", e.to_string())
}

/// `Require Starts set according to SLA`: a ticket with a level and no
/// Starts, on create or on a change.
pub fn require_starts(s: &Subject<'_>) -> bool {
    matches!(s.txn.kind.as_str(), "Create" | "Set") && s.ticket.sla.is_some() && s.ticket.starts.is_none()
}

/// `Require Due set according to SLA`: a ticket with a level, on create, a
/// reply, a status change or a change of level.
pub fn require_due(s: &Subject<'_>) -> bool {
    let field = s.txn.field.as_deref().unwrap_or("");
    s.ticket.sla.is_some()
        && match s.txn.kind.as_str() {
            "Create" | "Correspond" | "Status" => true,
            "Set" => field == "SLA",
            _ => false,
        }
}

/// `Set starts date according to SLA`.
pub fn set_starts(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<Option<String>> {
    let Some(level) = &ticket.sla else { return Ok(None) };
    let agreements = tx.config().service_agreements.clone();
    let queue = tx.queue(ticket.queue)?.name;
    let starts = agreements.starts(level, Some(&queue), ticket.created).map_err(sla_error)?;
    if ticket.starts == Some(starts) {
        return Ok(None);
    }
    tx.update_ticket(ticket.id, &TicketUpdate { starts: Some(Some(starts)), ..TicketUpdate::default() })?;
    Ok(Some(format!("starts set to {starts}")))
}

/// `Set due date according to SLA`.
pub fn set_due(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<Option<String>> {
    let Some(level) = &ticket.sla else { return Ok(None) };
    let agreements = tx.config().service_agreements.clone();
    let queue = tx.queue(ticket.queue)?.name;
    let inactive = tx.queue_lifecycle(ticket.queue)?.class_of(&ticket.status) == Some(StatusClass::Inactive);
    let members = |tx: &mut Tx<'_>, role| -> Result<(Vec<PrincipalId>, Vec<String>)> {
        Ok((tx.ticket_role_members(ticket.id, role)?, tx.role_addresses(ticket.id, role)?))
    };
    let requestors = members(tx, Role::Requestor)?;
    let admin_ccs = members(tx, Role::AdminCc)?;
    let mut acts = Vec::new();
    let mut status_changes = Vec::new();
    for txn in tx.history(ticket.id)? {
        match txn.kind.as_str() {
            "Create" | "Correspond" => {
                let creator = tx.user(txn.creator)?;
                let email = creator.email_address.unwrap_or_default().to_lowercase();
                let within = |(ids, addresses): &(Vec<PrincipalId>, Vec<String>)| {
                    ids.contains(&PrincipalId(txn.creator.0))
                        || (!email.is_empty() && addresses.iter().any(|a| a.to_lowercase() == email))
                };
                acts.push(Act {
                    at: txn.created,
                    by_owner: txn.creator == ticket.owner,
                    by_requestor: within(&requestors),
                    by_admin_cc: within(&admin_ccs),
                });
            }
            "Status" => status_changes.push(StatusChange::new(
                txn.created,
                txn.old_value.as_deref().unwrap_or(""),
                txn.new_value.as_deref().unwrap_or(""),
            )),
            _ => {}
        }
    }
    let input = DueInput {
        queue: Some(queue),
        created: ticket.created,
        status: ticket.status.clone(),
        status_is_inactive: inactive,
        acts: agreements.summarize_acts(&acts),
        status_changes,
    };
    let due = agreements.due(level, &input).map_err(sla_error)?;
    if ticket.due == due {
        return Ok(None);
    }
    tx.update_ticket(ticket.id, &TicketUpdate { due: Some(due), ..TicketUpdate::default() })?;
    Ok(Some(match due {
        Some(d) => format!("due set to {d}"),
        None => "due cleared".into(),
    }))
}
