//! Attributes (RT's per-object name/value store for preferences, saved
//! searches and dashboards) and bookmarks.
//!
//! Rights follow the object an attribute belongs to: a user's attributes
//! are theirs (and `AdminUsers`'); a queue's need `SeeQueue` to read and
//! `AdminQueue` to change; a ticket's `ShowTicket` / `ModifyTicket`; a
//! group's membership or `AdminGroup` to read and `AdminGroup` to change;
//! the system's are readable by staff and changed by super users. Saved
//! searches (`SavedSearch` attributes of users, groups and the system)
//! follow the rules of [`saved_search`] through these
//! calls too.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::acl::AclObject;
use crate::db::schema::{attributes, bookmarks, tickets};
use crate::error::{Error, Result};
use crate::ids::{GroupId, QueueId, TicketId, UserId};
use crate::rights;
use crate::saved_search::{self, Access, SearchOwner};
use crate::session::Tx;

/// What an attribute belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeObject {
    /// The whole system (`RT::System`).
    System,
    /// A user (`RT::User`).
    User(UserId),
    /// A group (`RT::Group`).
    Group(GroupId),
    /// A queue (`RT::Queue`).
    Queue(QueueId),
    /// A ticket (`RT::Ticket`).
    Ticket(TicketId),
}

impl AttributeObject {
    /// RT's `ObjectType` and `ObjectId` for the object.
    pub(crate) fn key(self) -> (&'static str, i64) {
        match self {
            AttributeObject::System => ("RT::System", 1),
            AttributeObject::User(u) => ("RT::User", u.0),
            AttributeObject::Group(g) => ("RT::Group", g.0),
            AttributeObject::Queue(q) => ("RT::Queue", q.0),
            AttributeObject::Ticket(t) => ("RT::Ticket", t.0),
        }
    }

    /// The object an `ObjectType` and `ObjectId` name; anything unknown is
    /// the system.
    pub(crate) fn from_key(object_type: &str, object_id: i64) -> AttributeObject {
        match object_type {
            "RT::User" => AttributeObject::User(UserId(object_id)),
            "RT::Group" => AttributeObject::Group(GroupId(object_id)),
            "RT::Queue" => AttributeObject::Queue(QueueId(object_id)),
            "RT::Ticket" => AttributeObject::Ticket(TicketId(object_id)),
            _ => AttributeObject::System,
        }
    }
}

/// A stored attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Its id.
    pub id: i64,
    /// Name (`Pref-RT::Ticket`, `SavedSearch`, `Dashboard`...).
    pub name: String,
    /// Description shown to people.
    pub description: String,
    /// The value (JSON for structured values).
    pub content: String,
    /// `application/json` or `text/plain`.
    pub content_type: String,
    /// When it last changed.
    pub last_updated: DateTime<Utc>,
}

type AttributeRow = (i64, String, String, String, String, NaiveDateTime);

impl Tx<'_> {
    /// Adds an attribute (several may share a name, e.g. saved searches).
    pub fn add_attribute(
        &mut self,
        object: AttributeObject,
        name: &str,
        description: &str,
        content: &str,
        content_type: &str,
    ) -> Result<i64> {
        self.require_attribute_access(object, name, true)?;
        if name.trim().is_empty() {
            return Err(Error::invalid("name", "an attribute needs a name"));
        }
        self.insert_attribute(object, name, description, content, content_type)
    }

    /// Adds an attribute without checking rights: for modules with rules
    /// of their own (saved searches), which check them first.
    pub(crate) fn insert_attribute(
        &mut self,
        object: AttributeObject,
        name: &str,
        description: &str,
        content: &str,
        content_type: &str,
    ) -> Result<i64> {
        let (object_type, object_id) = object.key();
        Ok(diesel::insert_into(attributes::table)
            .values((
                attributes::name.eq(name),
                attributes::description.eq(description),
                attributes::content.eq(content),
                attributes::content_type.eq(content_type),
                attributes::object_type.eq(object_type),
                attributes::object_id.eq(object_id),
                attributes::creator.eq(self.user.id.0),
                attributes::created.eq(self.now),
                attributes::last_updated_by.eq(self.user.id.0),
                attributes::last_updated.eq(self.now),
            ))
            .returning(attributes::id)
            .get_result(self.conn)?)
    }

    /// Replaces every attribute of that name on the object with one value
    /// (RT's `SetAttribute`).
    pub fn set_attribute(
        &mut self,
        object: AttributeObject,
        name: &str,
        content: &str,
        content_type: &str,
    ) -> Result<i64> {
        self.require_attribute_access(object, name, true)?;
        let (object_type, object_id) = object.key();
        diesel::delete(
            attributes::table
                .filter(attributes::object_type.eq(object_type))
                .filter(attributes::object_id.eq(object_id))
                .filter(attributes::name.eq(name)),
        )
        .execute(self.conn)?;
        self.add_attribute(object, name, "", content, content_type)
    }

    /// The object's attributes called `name`, oldest first.
    pub fn attributes(&mut self, object: AttributeObject, name: &str) -> Result<Vec<Attribute>> {
        self.require_attribute_access(object, name, false)?;
        self.object_attributes(object, name)
    }

    /// The object's attributes called `name`, oldest first, without
    /// checking rights.
    pub(crate) fn object_attributes(&mut self, object: AttributeObject, name: &str) -> Result<Vec<Attribute>> {
        let (object_type, object_id) = object.key();
        let rows: Vec<AttributeRow> = attributes::table
            .filter(attributes::object_type.eq(object_type))
            .filter(attributes::object_id.eq(object_id))
            .filter(attributes::name.eq(name))
            .order(attributes::id)
            .select(columns())
            .load(self.conn)?;
        Ok(rows.into_iter().map(attribute).collect())
    }

    /// One attribute and the object it belongs to, without checking
    /// rights; `None` when there is no such attribute.
    pub(crate) fn attribute_by_id(&mut self, id: i64) -> Result<Option<(AttributeObject, Attribute)>> {
        let row: Option<((String, i64), AttributeRow)> = attributes::table
            .find(id)
            .select(((attributes::object_type, attributes::object_id), columns()))
            .get_result(self.conn)
            .optional()?;
        Ok(row.map(|((object_type, object_id), r)| (AttributeObject::from_key(&object_type, object_id), attribute(r))))
    }

    /// Changes one attribute's content.
    pub fn update_attribute(&mut self, id: i64, content: &str) -> Result<()> {
        let (object, name) = self.attribute_object(id)?;
        self.require_attribute_access(object, &name, true)?;
        diesel::update(attributes::table.find(id))
            .set((
                attributes::content.eq(content),
                attributes::last_updated.eq(self.now),
                attributes::last_updated_by.eq(self.user.id.0),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Deletes one attribute.
    pub fn delete_attribute(&mut self, id: i64) -> Result<()> {
        let (object, name) = self.attribute_object(id)?;
        self.require_attribute_access(object, &name, true)?;
        diesel::delete(attributes::table.find(id)).execute(self.conn)?;
        Ok(())
    }

    /// Bookmarks a ticket for the current user, or removes the bookmark.
    /// Needs `ShowTicket`.
    pub fn set_bookmark(&mut self, ticket: TicketId, on: bool) -> Result<()> {
        let t = self.ticket(ticket)?;
        let mine =
            bookmarks::table.filter(bookmarks::user_id.eq(self.user.id.0)).filter(bookmarks::ticket_id.eq(t.id.0));
        let exists = mine.select(bookmarks::id).get_result::<i64>(self.conn).optional()?.is_some();
        match (on, exists) {
            (true, false) => {
                diesel::insert_into(bookmarks::table)
                    .values((
                        bookmarks::user_id.eq(self.user.id.0),
                        bookmarks::ticket_id.eq(t.id.0),
                        bookmarks::created.eq(self.now),
                    ))
                    .execute(self.conn)?;
            }
            (false, true) => {
                diesel::delete(mine).execute(self.conn)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The current user's bookmarked tickets (those still visible), by id.
    pub fn bookmarks(&mut self) -> Result<Vec<TicketId>> {
        let ids: Vec<i64> = bookmarks::table
            .inner_join(tickets::table.on(tickets::id.eq(bookmarks::ticket_id)))
            .filter(bookmarks::user_id.eq(self.user.id.0))
            .order(bookmarks::ticket_id)
            .select(tickets::effective_id)
            .load(self.conn)?;
        let mut visible = Vec::with_capacity(ids.len());
        for id in ids.into_iter().map(TicketId) {
            if !visible.contains(&id) && self.ticket(id).is_ok() {
                visible.push(id);
            }
        }
        Ok(visible)
    }

    /// Up to `limit` of the current user's bookmarked tickets that they may
    /// still see, most recently bookmarked first: a bounded read for
    /// lists such as the home page's.
    pub fn recent_bookmarks(&mut self, limit: usize) -> Result<Vec<TicketId>> {
        // Some may have become invisible: read a few more than asked.
        let ids: Vec<i64> = bookmarks::table
            .inner_join(tickets::table.on(tickets::id.eq(bookmarks::ticket_id)))
            .filter(bookmarks::user_id.eq(self.user.id.0))
            .order(bookmarks::id.desc())
            .select(tickets::effective_id)
            .limit(i64::try_from(limit.saturating_mul(2).saturating_add(5)).unwrap_or(i64::MAX))
            .load(self.conn)?;
        let mut visible = Vec::with_capacity(limit.min(ids.len()));
        for id in ids.into_iter().map(TicketId) {
            if visible.len() == limit {
                break;
            }
            if !visible.contains(&id) && self.ticket(id).is_ok() {
                visible.push(id);
            }
        }
        Ok(visible)
    }

    /// The object an attribute belongs to, and its name.
    fn attribute_object(&mut self, id: i64) -> Result<(AttributeObject, String)> {
        let (object_type, object_id, name): (String, i64, String) = attributes::table
            .find(id)
            .select((attributes::object_type, attributes::object_id, attributes::name))
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("attribute", id))?;
        Ok((AttributeObject::from_key(&object_type, object_id), name))
    }

    /// Saved searches follow their own rules wherever they are reached
    /// from (see `saved_search`); other attributes those of their object.
    fn require_attribute_access(&mut self, object: AttributeObject, name: &str, write: bool) -> Result<()> {
        if name == saved_search::ATTRIBUTE_NAME
            && let Some(owner) = SearchOwner::from_attribute_object(object)
        {
            let access = if write { Access::Write } else { Access::See };
            return self.require_saved_search_access(owner, access);
        }
        match object {
            AttributeObject::User(u) if u == self.user.id => Ok(()),
            AttributeObject::User(_) => self.require(rights::ADMIN_USERS, AclObject::System),
            AttributeObject::System if write => self.require(rights::SUPER_USER, AclObject::System),
            AttributeObject::System => {
                if self.is_system() || self.is_privileged(self.user.id)? {
                    Ok(())
                } else {
                    Err(Error::denied("Privileged", "system attributes"))
                }
            }
            AttributeObject::Queue(q) => {
                self.require(if write { rights::ADMIN_QUEUE } else { rights::SEE_QUEUE }, AclObject::Queue(q))
            }
            AttributeObject::Ticket(t) => {
                let ticket = self.load_ticket(t)?;
                let right = if write { rights::MODIFY_TICKET } else { rights::SHOW_TICKET };
                self.require(right, ticket.acl_object())
            }
            AttributeObject::Group(g) => {
                if !write && self.is_group_member(g, self.user.id.into())? {
                    return Ok(());
                }
                self.require(rights::ADMIN_GROUP, AclObject::Group(g))
            }
        }
    }
}

fn columns() -> (
    attributes::id,
    attributes::name,
    attributes::description,
    attributes::content,
    attributes::content_type,
    attributes::last_updated,
) {
    (
        attributes::id,
        attributes::name,
        attributes::description,
        attributes::content,
        attributes::content_type,
        attributes::last_updated,
    )
}

fn attribute(r: AttributeRow) -> Attribute {
    Attribute { id: r.0, name: r.1, description: r.2, content: r.3, content_type: r.4, last_updated: r.5.and_utc() }
}
