//! Links between tickets, and from tickets to any URI: DependsOn,
//! MemberOf, RefersTo (each seen from the other end as DependedOnBy,
//! HasMember, ReferredToBy), and MergedInto, written by merges.
//!
//! A link is stored once, as RT does, with Base and Target URIs
//! (`fsck.com-rt://<organization>/ticket/<id>` for local tickets) and the
//! local ticket ids beside them; each local end gets its own `AddLink` or
//! `DeleteLink` transaction, named from its side.

use diesel::prelude::*;

use crate::db::schema::{links, tickets};
use crate::error::{Error, Result};
use crate::ids::TicketId;
use crate::rights;
use crate::session::Tx;
use crate::ticket::{TICKET, Ticket};
use crate::transaction::NewTransaction;

/// A kind of link, seen from one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// This ticket depends on the other.
    DependsOn,
    /// The other ticket depends on this one.
    DependedOnBy,
    /// This ticket is a member (child) of the other.
    MemberOf,
    /// The other ticket is a member (child) of this one.
    HasMember,
    /// This ticket refers to the other.
    RefersTo,
    /// The other ticket refers to this one.
    ReferredToBy,
    /// This ticket was merged into the other (written by merges only).
    MergedInto,
}

impl LinkType {
    /// The name RT uses for the link seen from this side.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::DependsOn => "DependsOn",
            LinkType::DependedOnBy => "DependedOnBy",
            LinkType::MemberOf => "MemberOf",
            LinkType::HasMember => "HasMember",
            LinkType::RefersTo => "RefersTo",
            LinkType::ReferredToBy => "ReferredToBy",
            LinkType::MergedInto => "MergedInto",
        }
    }

    /// Parses RT's names and aliases, ignoring case (`Members`,
    /// `Children`, `Parents`, `DependentOn` as RT's tools accept them).
    pub fn from_name(name: &str) -> Option<LinkType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "dependson" => LinkType::DependsOn,
            "dependedonby" | "dependenton" => LinkType::DependedOnBy,
            "memberof" | "parents" | "parent" => LinkType::MemberOf,
            "hasmember" | "members" | "children" | "child" => LinkType::HasMember,
            "refersto" => LinkType::RefersTo,
            "referredtoby" => LinkType::ReferredToBy,
            "mergedinto" => LinkType::MergedInto,
            _ => return None,
        })
    }

    /// The stored type and whether the ticket it is seen from is the base.
    fn stored(self) -> (&'static str, bool) {
        match self {
            LinkType::DependsOn => ("DependsOn", true),
            LinkType::DependedOnBy => ("DependsOn", false),
            LinkType::MemberOf => ("MemberOf", true),
            LinkType::HasMember => ("MemberOf", false),
            LinkType::RefersTo => ("RefersTo", true),
            LinkType::ReferredToBy => ("RefersTo", false),
            LinkType::MergedInto => ("MergedInto", true),
        }
    }

    /// The same link seen from the other end.
    pub fn reverse(self) -> LinkType {
        match self {
            LinkType::DependsOn => LinkType::DependedOnBy,
            LinkType::DependedOnBy => LinkType::DependsOn,
            LinkType::MemberOf => LinkType::HasMember,
            LinkType::HasMember => LinkType::MemberOf,
            LinkType::RefersTo => LinkType::ReferredToBy,
            LinkType::ReferredToBy => LinkType::RefersTo,
            LinkType::MergedInto => LinkType::MergedInto,
        }
    }
}

/// Whose right to change tickets adding or removing a link needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRights {
    /// `ModifyTicket` on every local end (RT with `$StrictLinkACL`, its
    /// default).
    BothEnds,
    /// `ModifyTicket` on either local end (RT with `$StrictLinkACL` off;
    /// RTIR links children to Incidents so).
    EitherEnd,
}

/// The other end of a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEnd {
    /// A ticket of this system.
    Ticket(TicketId),
    /// Any URI (`https://...`, another RT's `fsck.com-rt://...`).
    Uri(String),
}

/// A stored link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// RT's stored type: `DependsOn`, `MemberOf`, `RefersTo` or `MergedInto`.
    pub kind: String,
    /// URI of the base (the ticket that depends, is a member, refers...).
    pub base: String,
    /// URI of the target.
    pub target: String,
    /// The base, when it is a local ticket.
    pub local_base: Option<TicketId>,
    /// The target, when it is a local ticket.
    pub local_target: Option<TicketId>,
}

impl Link {
    /// How the link looks from `ticket`: its type from that side and the
    /// other end.
    pub fn seen_from(&self, ticket: TicketId) -> Option<(LinkType, LinkEnd)> {
        let kind = LinkType::from_name(&self.kind)?;
        let end = |local: Option<TicketId>, uri: &str| match local {
            Some(t) => LinkEnd::Ticket(t),
            None => LinkEnd::Uri(uri.to_string()),
        };
        if self.local_base == Some(ticket) {
            Some((kind, end(self.local_target, &self.target)))
        } else if self.local_target == Some(ticket) {
            Some((kind.reverse(), end(self.local_base, &self.base)))
        } else {
            None
        }
    }
}

impl Tx<'_> {
    /// The URI of a local ticket: `fsck.com-rt://<organization>/ticket/<id>`.
    pub fn ticket_uri(&self, id: TicketId) -> String {
        format!("fsck.com-rt://{}/ticket/{id}", self.rt.config.organization)
    }

    /// Adds a link from `ticket`. Needs `ModifyTicket` on it and, when the
    /// other end is a local ticket, on that one too. A link to a deleted
    /// ticket or to itself is refused; adding an existing link changes
    /// nothing.
    pub fn add_link(&mut self, ticket: TicketId, kind: LinkType, other: LinkEnd) -> Result<()> {
        self.add_link_with(ticket, kind, other, LinkRights::BothEnds)
    }

    /// [`Tx::add_link`], needing the rights `rights` says.
    pub fn add_link_with(
        &mut self,
        ticket: TicketId,
        kind: LinkType,
        other: LinkEnd,
        rights: LinkRights,
    ) -> Result<()> {
        if kind == LinkType::MergedInto {
            return Err(Error::invalid("link", "MergedInto links are made by merging tickets"));
        }
        let (this, other) = self.link_ends(ticket, other, rights)?;
        if let Some(o) = &other.1 {
            if o.status == "deleted" {
                return Err(Error::invalid("link", format!("linking to deleted ticket {} is not allowed", o.id)));
            }
            if self.would_cycle(this.id, kind, o.id)? {
                return Err(Error::invalid("link", "refused to add a link which would create a circular relationship"));
            }
        }
        self.insert_link(&this, kind, &other)
    }

    /// Removes a link from `ticket`, with the rights of [`Tx::add_link`].
    /// Returns whether there was such a link.
    pub fn delete_link(&mut self, ticket: TicketId, kind: LinkType, other: LinkEnd) -> Result<bool> {
        self.delete_link_with(ticket, kind, other, LinkRights::BothEnds)
    }

    /// [`Tx::delete_link`], needing the rights `rights` says.
    pub fn delete_link_with(
        &mut self,
        ticket: TicketId,
        kind: LinkType,
        other: LinkEnd,
        rights: LinkRights,
    ) -> Result<bool> {
        let (this, other) = self.link_ends(ticket, other, rights)?;
        let this_uri = self.ticket_uri(this.id);
        let (stored, this_is_base) = kind.stored();
        let (base, target) = if this_is_base { (&this_uri, &other.0) } else { (&other.0, &this_uri) };
        let removed = diesel::delete(
            links::table.filter(links::base.eq(base)).filter(links::type_.eq(stored)).filter(links::target.eq(target)),
        )
        .execute(self.conn)?;
        if removed == 0 {
            return Ok(false);
        }
        self.record_link_change("DeleteLink", &this, kind, &other.0, other.1.as_ref(), &this_uri)?;
        Ok(true)
    }

    /// Every link of a ticket, both directions. Needs `ShowTicket`.
    pub fn links(&mut self, ticket: TicketId) -> Result<Vec<Link>> {
        let t = self.ticket(ticket)?;
        self.load_links(t.id)
    }

    /// Links of a ticket and of the tickets merged into it.
    pub(crate) fn load_links(&mut self, ticket: TicketId) -> Result<Vec<Link>> {
        let ids: Vec<i64> =
            tickets::table.filter(tickets::effective_id.eq(ticket.0)).select(tickets::id).load(self.conn)?;
        let rows: Vec<(String, String, String, i64, i64)> = links::table
            .filter(links::local_base.eq_any(&ids).or(links::local_target.eq_any(&ids)))
            .order(links::id)
            .select((links::type_, links::base, links::target, links::local_base, links::local_target))
            .load(self.conn)?;
        let local = |id: i64| (id != 0).then_some(TicketId(id));
        Ok(rows
            .into_iter()
            .map(|(kind, base, target, lb, lt)| Link {
                kind,
                base,
                target,
                local_base: local(lb),
                local_target: local(lt),
            })
            .collect())
    }

    /// Writes a link and its transactions; rights and ends are checked.
    pub(crate) fn insert_link(
        &mut self,
        this: &Ticket,
        kind: LinkType,
        other: &(String, Option<Ticket>),
    ) -> Result<()> {
        let this_uri = self.ticket_uri(this.id);
        let (stored, this_is_base) = kind.stored();
        let other_id = other.1.as_ref().map_or(0, |t| t.id.0);
        let (base, target, local_base, local_target) = if this_is_base {
            (&this_uri, &other.0, this.id.0, other_id)
        } else {
            (&other.0, &this_uri, other_id, this.id.0)
        };
        let exists = links::table
            .filter(links::base.eq(base))
            .filter(links::type_.eq(stored))
            .filter(links::target.eq(target))
            .select(links::id)
            .get_result::<i64>(self.conn)
            .optional()?;
        if exists.is_some() {
            return Ok(());
        }
        diesel::insert_into(links::table)
            .values((
                links::base.eq(base),
                links::target.eq(target),
                links::type_.eq(stored),
                links::local_base.eq(local_base),
                links::local_target.eq(local_target),
                links::creator.eq(self.user.id.0),
                links::created.eq(self.now),
                links::last_updated_by.eq(self.user.id.0),
                links::last_updated.eq(self.now),
            ))
            .execute(self.conn)?;
        self.record_link_change("AddLink", this, kind, &other.0, other.1.as_ref(), &this_uri)
    }

    fn record_link_change(
        &mut self,
        action: &'static str,
        this: &Ticket,
        kind: LinkType,
        other_uri: &str,
        other: Option<&Ticket>,
        this_uri: &str,
    ) -> Result<()> {
        let value = |uri: &str| Some(uri.to_string());
        let (old, new) = if action == "AddLink" { (None, value(other_uri)) } else { (value(other_uri), None) };
        let txn = NewTransaction {
            object_type: TICKET,
            object_id: this.id.0,
            kind: action,
            field: Some(kind.as_str()),
            old_value: old,
            new_value: new,
            ..NewTransaction::default()
        };
        self.record_ticket(this, txn, None)?;
        if let Some(o) = other {
            let (old, new) = if action == "AddLink" { (None, value(this_uri)) } else { (value(this_uri), None) };
            let txn = NewTransaction {
                object_type: TICKET,
                object_id: o.id.0,
                kind: action,
                field: Some(kind.reverse().as_str()),
                old_value: old,
                new_value: new,
                ..NewTransaction::default()
            };
            self.record_ticket(o, txn, None)?;
        }
        Ok(())
    }

    /// Loads both ends, resolving merged tickets and local URIs, and checks
    /// `ModifyTicket` on every local end (or, with
    /// [`LinkRights::EitherEnd`], on one of them).
    #[allow(clippy::type_complexity)]
    fn link_ends(
        &mut self,
        ticket: TicketId,
        other: LinkEnd,
        link_rights: LinkRights,
    ) -> Result<(Ticket, (String, Option<Ticket>))> {
        let this = self.load_ticket(ticket)?;
        let may_modify_this = self.has_right(rights::MODIFY_TICKET, this.acl_object())?;
        if !may_modify_this && link_rights == LinkRights::BothEnds {
            return Err(Error::denied(rights::MODIFY_TICKET, this.acl_object().describe()));
        }
        let local = match &other {
            LinkEnd::Ticket(id) => Ok(*id),
            LinkEnd::Uri(uri) => self.local_ticket_of(uri).ok_or_else(|| uri.trim().to_string()),
        };
        let other = match local {
            Ok(id) => {
                let o = self.load_ticket(id)?;
                if o.id == this.id {
                    return Err(Error::invalid("link", "a ticket cannot be linked to itself"));
                }
                if !may_modify_this || link_rights == LinkRights::BothEnds {
                    self.require(rights::MODIFY_TICKET, o.acl_object())?;
                }
                (self.ticket_uri(o.id), Some(o))
            }
            Err(uri) => {
                if !may_modify_this {
                    return Err(Error::denied(rights::MODIFY_TICKET, this.acl_object().describe()));
                }
                if uri.is_empty() || !uri.contains(':') || uri.chars().any(char::is_whitespace) {
                    return Err(Error::invalid("link", format!("{uri:?} is not a URI")));
                }
                (uri, None)
            }
        };
        Ok((this, other))
    }

    /// Whether a DependsOn or MemberOf link between `this` and `other` would
    /// close a loop of such links (RefersTo may loop).
    fn would_cycle(&mut self, this: TicketId, kind: LinkType, other: TicketId) -> Result<bool> {
        let (stored, this_is_base) = kind.stored();
        if !matches!(stored, "DependsOn" | "MemberOf") {
            return Ok(false);
        }
        let (base, target) = if this_is_base { (this.0, other.0) } else { (other.0, this.0) };
        // Walk from the target along base -> target links; reaching the base
        // means the new link closes a loop.
        let mut seen = std::collections::HashSet::from([target]);
        let mut frontier = vec![target];
        while !frontier.is_empty() {
            let next: Vec<i64> = links::table
                .filter(links::type_.eq(stored))
                .filter(links::local_base.eq_any(&frontier))
                .filter(links::local_target.ne(0))
                .select(links::local_target)
                .load(self.conn)?;
            if next.contains(&base) {
                return Ok(true);
            }
            frontier = next.into_iter().filter(|t| seen.insert(*t)).collect();
        }
        Ok(false)
    }

    /// The ticket id of one of our own ticket URIs.
    fn local_ticket_of(&self, uri: &str) -> Option<TicketId> {
        let prefix = format!("fsck.com-rt://{}/ticket/", self.rt.config.organization);
        uri.strip_prefix(&prefix)?.parse().ok().map(TicketId)
    }
}
