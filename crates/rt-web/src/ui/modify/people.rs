//! The people box of `/Ticket/ModifyPeople.html` and the Jumbo page:
//! the owner, the current watchers with RT's
//! `Ticket-DeleteWatcher-Type-<Role>-Principal-<id>` checkboxes, and new
//! watchers by `WatcherTypeEmailN`/`WatcherAddressEmailN`,
//! `Ticket-AddWatcher-Principal-<id>=<Role>` or the bulk editor's
//! `AddRequestor`, `DeleteCc`... (email addresses or user names).

use rt_core::{OwnerChange, PrincipalId, Role, Ticket, TicketId, Tx, UserId};
use serde::Serialize;

use super::{Form, Input, Outcome};
use crate::ui::{PageError, Viewer};

/// The roles the people box edits, by RT's type name.
const ROLES: [(&str, &str, Role); 3] =
    [("Requestor", "Requestors", Role::Requestor), ("Cc", "Cc", Role::Cc), ("AdminCc", "Admin Cc", Role::AdminCc)];

/// How many "add a watcher" rows the people box offers.
const ADD_ROWS: usize = 3;

/// A current watcher with its delete checkbox.
#[derive(Debug, Serialize)]
struct Member {
    param: String,
    name: String,
    error: Option<String>,
}

/// A role's current watchers.
#[derive(Debug, Serialize)]
pub(super) struct RoleBox {
    label: &'static str,
    members: Vec<Member>,
}

/// A row adding a watcher: its role select's name and the address input.
#[derive(Debug, Serialize)]
pub(super) struct AddRow {
    type_name: String,
    type_value: String,
    address: Input,
}

/// The rows adding watchers, with what was typed in refused ones.
pub(super) fn add_rows(out: &Outcome) -> Vec<AddRow> {
    (1..=ADD_ROWS)
        .map(|n| {
            let type_name = format!("WatcherTypeEmail{n}");
            let type_value = out.typed.get(&type_name).cloned().unwrap_or_default();
            let address = out.input(&format!("WatcherAddressEmail{n}"), "Email or user name", "text", "".into());
            AddRow { type_name, type_value, address }
        })
        .collect()
}

/// Each role's current watchers, with their delete checkboxes.
pub(super) fn role_boxes(tx: &mut Tx<'_>, t: &Ticket, out: &Outcome) -> rt_core::Result<Vec<RoleBox>> {
    let mut boxes = Vec::new();
    for (type_name, label, role) in ROLES {
        let mut members = Vec::new();
        for principal in tx.ticket_role_members(t.id, role)? {
            let param = format!("Ticket-DeleteWatcher-Type-{type_name}-Principal-{}", principal.0);
            let name = principal_name(tx, principal)?;
            members.push(Member { error: out.errors.get(&param).cloned(), param, name });
        }
        boxes.push(RoleBox { label, members });
    }
    Ok(boxes)
}

/// A user's name and address, or a group's name.
fn principal_name(tx: &mut Tx<'_>, principal: PrincipalId) -> rt_core::Result<String> {
    match tx.user(UserId(principal.0)) {
        Ok(u) => Ok(match u.email_address {
            Some(email) if email != u.name => format!("{} <{email}>", u.name),
            _ => u.name,
        }),
        Err(rt_core::Error::NotFound { .. }) => {
            Ok(tx.group(rt_core::GroupId(principal.0)).map(|g| format!("Group: {}", g.name)).unwrap_or_default())
        }
        Err(e) => Err(e),
    }
}

/// Owner, watchers removed, then watchers added, as RT's
/// ProcessTicketWatchers.
pub(super) fn apply_people(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    apply_owner(viewer, id, form, out)?;
    apply_watchers(viewer, id, form, out)
}

/// `Owner` (an id or a user name), with `ForceOwnerChange`.
pub(super) fn apply_owner(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    let t = viewer.session.read(|tx| tx.ticket(id))?;
    if let Some(owner) = form.get("Owner").map(str::trim).filter(|o| !o.is_empty()) {
        let found = viewer.session.read(|tx| match owner.parse::<i64>() {
            Ok(n) => tx.user(UserId(n)),
            Err(_) => tx.user_by_name(owner),
        });
        match found {
            Ok(user) if user.user_id() == t.owner => {}
            Ok(user) => {
                let how = if form.get("ForceOwnerChange").is_some() { OwnerChange::Force } else { OwnerChange::Set };
                let done = viewer.session.write(|tx| {
                    let old = tx.user(t.owner)?.name;
                    tx.set_owner(id, user.user_id(), how)?;
                    Ok(old)
                });
                out.record("Owner", owner, done, |old| Some(format!("Owner changed from {old} to {}", user.name)))?;
            }
            Err(e) => out.record("Owner", owner, Err::<(), _>(e), |_| None)?,
        }
    }
    Ok(())
}

fn apply_watchers(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    for key in form.keys() {
        let Some(rest) = key.strip_prefix("Ticket-DeleteWatcher-Type-") else { continue };
        let Some((type_name, principal)) = rest.split_once("-Principal-") else { continue };
        let (Some(role), Ok(principal)) = (role_named(type_name), principal.parse::<i64>()) else {
            out.refuse(key, "", format!("There is no watcher {rest} to remove."));
            continue;
        };
        let principal = PrincipalId(principal);
        let done = viewer.session.write(|tx| {
            let name = principal_name(tx, principal)?;
            tx.delete_watcher(id, role, principal)?;
            Ok(name)
        });
        out.record(key, "", done, |name| Some(format!("{name} is no longer a {type_name} for this ticket")))?;
    }
    for (type_name, _, role) in ROLES {
        let key = format!("Delete{type_name}");
        for address in form.all(&key).into_iter().map(str::trim).filter(|a| !a.is_empty()) {
            let done = viewer.session.write(|tx| {
                let user = tx.user_by_name(address)?;
                tx.delete_watcher(id, role, user.user_id().into())
            });
            out.record(&key, address, done, |_| Some(format!("{address} is no longer a {type_name} for this ticket")))?;
        }
    }
    let mut adds: Vec<(String, String, String)> = Vec::new();
    for key in form.keys() {
        if let Some(n) = key.strip_prefix("WatcherTypeEmail") {
            let address_key = format!("WatcherAddressEmail{n}");
            let address = form.get(&address_key).unwrap_or("").trim();
            if !address.is_empty() {
                adds.push((form.get(key).unwrap_or("").to_string(), address_key, address.to_string()));
            }
        }
    }
    for (type_name, _, _) in ROLES {
        let key = format!("Add{type_name}");
        for address in form.all(&key).into_iter().map(str::trim).filter(|a| !a.is_empty()) {
            adds.push((type_name.to_string(), key.clone(), address.to_string()));
        }
    }
    for key in form.keys() {
        let Some(principal) = key.strip_prefix("Ticket-AddWatcher-Principal-") else { continue };
        let type_name = form.get(key).unwrap_or("").trim();
        if type_name.is_empty() {
            continue;
        }
        let (Some(role), Ok(principal)) = (role_named(type_name), principal.parse::<i64>()) else {
            out.refuse(key, type_name, "Choose Requestor, Cc or AdminCc.".into());
            continue;
        };
        let principal = PrincipalId(principal);
        let done = viewer.session.write(|tx| {
            tx.add_watcher(id, role, principal)?;
            principal_name(tx, principal)
        });
        out.record(key, type_name, done, |name| Some(format!("Added {name} as {type_name} for this ticket")))?;
    }
    for (type_name, key, typed) in adds {
        let Some(role) = role_named(&type_name) else {
            out.refuse(&key, &typed, "Choose Requestor, Cc or AdminCc.".into());
            continue;
        };
        for address in typed.split([',', ' ']).map(str::trim).filter(|a| !a.is_empty()) {
            let done = viewer.session.write(|tx| tx.add_watcher_address(id, role, address));
            out.record(&key, &typed, done, |_| Some(format!("Added {address} as {type_name} for this ticket")))?;
        }
    }
    Ok(())
}

/// RT's name of a role, as its forms write it.
fn role_named(name: &str) -> Option<Role> {
    ROLES.iter().find(|(type_name, _, _)| type_name.eq_ignore_ascii_case(name)).map(|(_, _, role)| *role)
}
