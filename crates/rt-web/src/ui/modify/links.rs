//! The links box of `/Ticket/ModifyLinks.html` and the Jumbo page: RT's
//! `N-DependsOn`, `DependsOn-N`, `N-MemberOf`, `MemberOf-N`,
//! `N-RefersTo`, `RefersTo-N` (ticket numbers or URIs separated by
//! spaces), `DeleteLink-<base>-<type>-<target>` checkboxes, and
//! `N-MergeInto` (or `MergeInto`), applied last.

use rt_core::{LinkEnd, LinkType, Ticket, TicketId, Tx};
use serde::Serialize;

use super::{Form, Input, Outcome};
use crate::ui::{PageError, Viewer};

/// The link kinds: the parameter naming tickets to add (`{}` is the
/// ticket's id), the kind seen from the ticket, and the label.
const LINK_KINDS: [(&str, LinkType, &str); 6] = [
    ("{}-DependsOn", LinkType::DependsOn, "Depends on"),
    ("DependsOn-{}", LinkType::DependedOnBy, "Depended on by"),
    ("{}-MemberOf", LinkType::MemberOf, "Parents"),
    ("MemberOf-{}", LinkType::HasMember, "Children"),
    ("{}-RefersTo", LinkType::RefersTo, "Refers to"),
    ("RefersTo-{}", LinkType::ReferredToBy, "Referred to by"),
];

/// A current link with its delete checkbox.
#[derive(Debug, Serialize)]
struct LinkRow {
    param: String,
    ticket: Option<i64>,
    text: String,
}

/// A kind of link: current ones and the input adding more.
#[derive(Debug, Serialize)]
pub(super) struct LinkBox {
    label: &'static str,
    items: Vec<LinkRow>,
    add: Input,
}

/// Each kind of link with the current ones (reminders left out) and the
/// input adding more.
pub(super) fn link_boxes(tx: &mut Tx<'_>, t: &Ticket, out: &Outcome) -> rt_core::Result<Vec<LinkBox>> {
    let links = tx.links(t.id)?;
    let mut boxes = Vec::new();
    for (param, kind, label) in LINK_KINDS {
        let mut items = Vec::new();
        for link in &links {
            let Some((seen, end)) = link.seen_from(t.id) else { continue };
            if seen != kind {
                continue;
            }
            let param = format!("DeleteLink-{}-{}-{}", link.base, link.kind, link.target);
            items.push(match end {
                LinkEnd::Ticket(other) => {
                    let text = match tx.ticket(other) {
                        Ok(o) if o.kind == "reminder" => continue,
                        Ok(o) => format!("#{}: {}", other.0, o.subject),
                        Err(rt_core::Error::PermissionDenied { .. } | rt_core::Error::NotFound { .. }) => {
                            format!("#{}", other.0)
                        }
                        Err(e) => return Err(e),
                    };
                    LinkRow { param, ticket: Some(other.0), text }
                }
                LinkEnd::Uri(uri) => LinkRow { param, ticket: None, text: uri },
            });
        }
        let name = param.replace("{}", &t.id.0.to_string());
        let mut add = out.input(&name, &format!("Add {}", label.to_lowercase()), "text", String::new());
        add.hint = "ticket numbers or URIs, separated by spaces".into();
        boxes.push(LinkBox { label, items, add });
    }
    Ok(boxes)
}

/// Links removed, links added, then the merge; answers the ticket to show
/// afterwards (the one merged into, after a merge).
pub(super) fn apply_links(
    viewer: &Viewer,
    id: TicketId,
    form: &Form,
    out: &mut Outcome,
) -> Result<TicketId, PageError> {
    let here = viewer.session.read(|tx| Ok(tx.ticket_uri(id)))?;
    for key in form.keys() {
        let Some(rest) = key.strip_prefix("DeleteLink-") else { continue };
        let parsed = ["-DependsOn-", "-MemberOf-", "-RefersTo-"]
            .iter()
            .find_map(|sep| rest.split_once(sep).map(|(base, target)| (base, sep.trim_matches('-'), target)));
        let Some((base, stored, target)) = parsed else {
            out.refuse(key, "", format!("There is no link {rest} to remove."));
            continue;
        };
        let Some(stored_kind) = LinkType::from_name(stored) else { continue };
        let (kind, other) = if base == here {
            (stored_kind, target)
        } else if target == here {
            (stored_kind.reverse(), base)
        } else {
            out.refuse(key, "", format!("The link {rest} is not one of this ticket's."));
            continue;
        };
        let end = viewer.session.read(|tx| Ok(link_end(tx, other)))?;
        let done = viewer.session.write(|tx| tx.delete_link(id, kind, end));
        out.record(key, "", done, |removed| removed.then(|| format!("Link removed: {} {other}", describe(kind))))?;
    }
    for (param, kind, _) in LINK_KINDS {
        let key = param.replace("{}", &id.0.to_string());
        let Some(typed) = form.get(&key) else { continue };
        for word in typed.split_whitespace() {
            let end = match parse_link_end(word) {
                Ok(end) => end,
                Err(message) => {
                    out.refuse(&key, typed, message);
                    continue;
                }
            };
            let done = viewer.session.write(|tx| tx.add_link(id, kind, end));
            out.record(&key, typed, done, |_| Some(format!("Link added: ticket {} {} {word}", id.0, describe(kind))))?;
        }
    }
    let merge_key = format!("{}-MergeInto", id.0);
    let (key, typed) = match (form.get(&merge_key), form.get("MergeInto")) {
        (Some(v), _) if !v.trim().is_empty() => (merge_key, v),
        (_, Some(v)) if !v.trim().is_empty() => ("MergeInto".to_string(), v),
        _ => return Ok(id),
    };
    let number: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(into) = number.trim_start_matches('#').parse::<i64>().ok().filter(|n| *n > 0).map(TicketId) else {
        out.refuse(&key, typed, format!("'{}' is not a ticket number.", typed.trim()));
        return Ok(id);
    };
    let done = viewer.session.write(|tx| {
        tx.merge_tickets(id, into)?;
        tx.resolve_ticket_id(into)
    });
    let mut shown = id;
    out.record(&key, typed, done, |target| {
        shown = target;
        Some(format!("Merge Successful: ticket {} merged into ticket {}", id.0, target.0))
    })?;
    Ok(shown)
}

/// A link's other end as written in a form: a ticket number (`#` allowed)
/// or a URI.
fn parse_link_end(word: &str) -> Result<LinkEnd, String> {
    if let Ok(n) = word.trim_start_matches('#').parse::<i64>() {
        return if n > 0 { Ok(LinkEnd::Ticket(TicketId(n))) } else { Err(format!("'{word}' is not a ticket number.")) };
    }
    if word.contains("://") || word.starts_with("mailto:") {
        Ok(LinkEnd::Uri(word.to_string()))
    } else {
        Err(format!("'{word}' is neither a ticket number nor a URI."))
    }
}

/// A link's stored end as rt-core takes it: this system's ticket URIs as
/// tickets.
fn link_end(tx: &mut Tx<'_>, uri: &str) -> LinkEnd {
    if let Some((_, n)) = uri.rsplit_once("/ticket/")
        && let Ok(n) = n.parse::<i64>()
        && tx.ticket_uri(TicketId(n)) == uri
    {
        return LinkEnd::Ticket(TicketId(n));
    }
    LinkEnd::Uri(uri.to_string())
}

fn describe(kind: LinkType) -> &'static str {
    match kind {
        LinkType::DependsOn => "depends on",
        LinkType::DependedOnBy => "is depended on by",
        LinkType::MemberOf => "is a member of",
        LinkType::HasMember => "has member",
        LinkType::RefersTo => "refers to",
        LinkType::ReferredToBy => "is referred to by",
        LinkType::MergedInto => "is merged into",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_ends_are_numbers_or_uris() {
        assert_eq!(parse_link_end("#12"), Ok(LinkEnd::Ticket(TicketId(12))));
        assert_eq!(parse_link_end("https://example.org/x"), Ok(LinkEnd::Uri("https://example.org/x".into())));
        assert!(parse_link_end("0").is_err());
        assert!(parse_link_end("soon").is_err());
    }
}
