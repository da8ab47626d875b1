//! Links over REST 1.0: `ticket/<id>/links` (set a ticket's links),
//! `ticket/<id>/links/show`, and the CLI's `ticket/link`.

use rt_core::{Error, LinkEnd, LinkType, Session, TicketId, Tx};

use super::form::{Form, parse};
use super::ticket::{addresses, does_not_exist, not_allowed, syntax_error, ticket_id};
use super::{Reply, Request, comment_payload, form_payload, internal};

/// Link fields in RT's REST order.
const LINK_FIELDS: [(&str, LinkType); 6] = [
    ("DependsOn", LinkType::DependsOn),
    ("DependedOnBy", LinkType::DependedOnBy),
    ("MemberOf", LinkType::MemberOf),
    ("Members", LinkType::HasMember),
    ("RefersTo", LinkType::RefersTo),
    ("ReferredToBy", LinkType::ReferredToBy),
];

fn link_type(key: &str) -> Option<LinkType> {
    LINK_FIELDS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, t)| *t)
        .or_else(|| LinkType::from_name(key).filter(|t| *t != LinkType::MergedInto))
}

/// The other end as written: a ticket number, this site's ticket URI, or
/// any URI.
pub(crate) fn link_end(tx: &Tx<'_>, text: &str) -> LinkEnd {
    let prefix = tx.ticket_uri(TicketId(0));
    let prefix = prefix.trim_end_matches('0');
    let number = text.strip_prefix(prefix).unwrap_or(text);
    match number.parse::<i64>() {
        Ok(n) if n > 0 => LinkEnd::Ticket(TicketId(n)),
        _ => LinkEnd::Uri(text.to_string()),
    }
}

pub fn show_links(session: &Session, id: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let result = session.read(|tx| {
        let links = tx.links(number)?;
        let mut form = Form::new().text("id", format!("ticket/{number}/links"));
        for (name, kind) in LINK_FIELDS {
            let ends: Vec<String> = links
                .iter()
                .filter_map(|l| l.seen_from(number))
                .filter(|(k, _)| *k == kind)
                .map(|(_, end)| match end {
                    LinkEnd::Ticket(t) => tx.ticket_uri(t),
                    LinkEnd::Uri(u) => u,
                })
                .collect();
            if !ends.is_empty() {
                form = form.list(name, ends);
            }
        }
        Ok(form)
    });
    match result {
        Ok(form) => Reply::ok(form_payload(&form)),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(Error::PermissionDenied { .. }) => not_allowed(number),
        Err(e) => internal(&e),
    }
}

/// `ticket/<id>/links` with `content`: each link field given is set to
/// exactly the listed ends.
pub fn edit_links(session: &Session, request: &Request, id: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let Some(content) = request.field("content") else { return show_links(session, id) };
    let form = match parse(content) {
        Ok(forms) => forms.into_iter().next().unwrap_or_default(),
        Err(e) => return syntax_error(e),
    };
    let mut unknown = Vec::new();
    let mut wanted: Vec<(LinkType, Vec<String>)> = Vec::new();
    for (key, value) in &form.fields {
        if key.eq_ignore_ascii_case("id") {
            continue;
        }
        match link_type(key) {
            Some(kind) => wanted.push((kind, addresses(value))),
            None => unknown.push(key.to_ascii_lowercase()),
        }
    }
    if !unknown.is_empty() {
        let mut answer = Form::new();
        for k in unknown {
            answer = answer.comment(format!("{k}: Unknown field."));
        }
        return Reply::status(409, "Syntax Error", form_payload(&answer));
    }
    let result = session.write(|tx| {
        let current = tx.links(number)?;
        for (kind, ends) in &wanted {
            let ends: Vec<LinkEnd> = ends.iter().map(|e| link_end(tx, e)).collect();
            let have: Vec<LinkEnd> =
                current.iter().filter_map(|l| l.seen_from(number)).filter(|(k, _)| k == kind).map(|(_, e)| e).collect();
            for end in &ends {
                if !have.contains(end) {
                    tx.add_link(number, *kind, end.clone())?;
                }
            }
            for end in have {
                if !ends.contains(&end) {
                    tx.delete_link(number, *kind, end)?;
                }
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => Reply::ok(Form::new().comment(format!("Links for ticket {number} updated.")).render()),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(Error::PermissionDenied { .. }) => Reply::status(
            400,
            "Bad Request",
            comment_payload(&format!("You are not allowed to modify links of ticket {number}.")),
        ),
        Err(e @ Error::Validation { .. }) => Reply::status(400, "Bad Request", comment_payload(&e.to_string())),
        Err(e) => internal(&e),
    }
}

/// `ticket/link` (the CLI's `rt link`): fields `id`, `rel`, `to`, `del`.
pub fn link(session: &Session, request: &Request) -> Reply {
    let (Some(from), Some(rel), Some(to)) = (request.field("id"), request.field("rel"), request.field("to")) else {
        return Reply::status(400, "Bad Request", comment_payload("id, rel and to are required."));
    };
    let Some(number) = ticket_id(from) else { return does_not_exist(from) };
    let Some(kind) = link_type(rel) else {
        return Reply::status(400, "Bad Request", comment_payload(&format!("Invalid link type: {rel}")));
    };
    let delete = request.field("del").is_some_and(|d| d.trim() == "1");
    let result = session.write(|tx| {
        let end = link_end(tx, to.trim());
        if delete { tx.delete_link(number, kind, end).map(|_| ()) } else { tx.add_link(number, kind, end) }
    });
    let to = to.trim();
    // RT names the relation as it spells it, whatever the case given.
    let rel = match kind {
        LinkType::DependsOn => "DependsOn",
        LinkType::DependedOnBy => "DependedOnBy",
        LinkType::MemberOf => "MemberOf",
        LinkType::HasMember => "HasMember",
        LinkType::RefersTo => "RefersTo",
        LinkType::ReferredToBy => "ReferredToBy",
        LinkType::MergedInto => rel,
    };
    let (done, sentence) = if delete { ("Deleted", "no longer ") } else { ("Created", "") };
    match result {
        Ok(()) => {
            Reply::ok(format!("{}. {done} link {number} {rel} {to}\n", link_sentence(kind, number, to, sentence)))
        }
        Err(Error::NotFound { .. }) => does_not_exist(from),
        Err(Error::PermissionDenied { .. }) => Reply::status(400, "Bad Request", "Permission Denied\n"),
        Err(e @ Error::Validation { .. }) => Reply::status(400, "Bad Request", format!("{e}\n")),
        Err(e) => internal(&e),
    }
}

/// RT's sentence for a link between two tickets made (`not` empty) or
/// removed (`not` = "no longer "): "Ticket 1 no longer refers to Ticket 2".
pub(crate) fn link_sentence(kind: LinkType, from: TicketId, to: &str, not: &str) -> String {
    let other = if to.parse::<i64>().is_ok() { format!("Ticket {to}") } else { to.to_string() };
    let this = format!("Ticket {from}");
    match kind {
        LinkType::DependsOn => format!("{this} {not}depends on {other}"),
        LinkType::DependedOnBy => format!("{other} {not}depends on {this}"),
        LinkType::MemberOf => format!("{this} {not}member of {other}"),
        LinkType::HasMember => format!("{other} {not}member of {this}"),
        LinkType::RefersTo => format!("{this} {not}refers to {other}"),
        LinkType::ReferredToBy | LinkType::MergedInto => format!("{other} {not}refers to {this}"),
    }
}
