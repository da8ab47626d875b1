//! Saved searches: named ticket searches (TicketSQL query, display format,
//! sort order, page size) that belong to a user, a group or the whole
//! system — RT's "privacy" of a search.
//!
//! They are stored as RT 5 stores them, so that import and export map one
//! to one: an attribute named `SavedSearch` on the owner (`RT::User`,
//! `RT::Group` or `RT::System`), whose description is the search's name and
//! whose content is an object with RT's keys `Query`, `Format`, `OrderBy`,
//! `Order`, `RowsPerPage` and `SearchType` (JSON here, `application/json`;
//! RT itself freezes it with Perl's Storable). Keys RT may add that we do
//! not model (`ObjectType`, `ExtraQueryParams`...) are kept on update, as
//! RT's `SetSubValues` keeps them.
//!
//! ## Rights (RT 5.0.8)
//!
//! RT checks a saved search twice: the owner must be one the user may reach
//! (`RT::SharedSetting::_GetObject`: themselves, a group they are a member
//! of, recursively, or the system; super users reach any user or group), and
//! the attribute's own ACL map must allow the operation
//! (`RT::Attribute::$ACL_MAP` / `$PERSONAL_ACL_MAP`):
//!
//! | owner            | see                          | create, update, delete        |
//! |------------------|------------------------------|-------------------------------|
//! | the user         | always                       | `ModifySelf`                  |
//! | another user     | `SuperUser`                  | `SuperUser`                   |
//! | a group (member) | `ShowSavedSearches` on it    | `EditSavedSearches` on it     |
//! | the system       | `ShowSavedSearches` globally | `EditSavedSearches` globally  |
//!
//! Group rights count when granted on the group or globally; `SuperUser`
//! holds every right. Writing also needs the system right
//! `CreateSavedSearch`: RT's only editor of saved searches
//! (`share/html/Search/Elements/EditSearches`) offers Save, Update and
//! Delete only to holders of it. There is no check that the user is
//! privileged: RT's model has none (its web UI is staff-only as a whole).
//! `LoadSavedSearch` gates only the query builder's "Load saved search"
//! box in RT (not the home page list, REST 2.0 or result links), so it is
//! left to the web layer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::acl::AclObject;
use crate::attribute::{Attribute, AttributeObject};
use crate::db::schema::{attributes, cached_group_members as cgm, groups};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId};
use crate::principal::domain;
use crate::rights;
use crate::search;
use crate::session::Tx;

/// The attribute name saved searches are stored under.
pub const ATTRIBUTE_NAME: &str = "SavedSearch";

/// The content type of what rt-core writes.
const CONTENT_TYPE: &str = "application/json";

const CREATE_SAVED_SEARCH: &str = "CreateSavedSearch";
const SHOW_SAVED_SEARCHES: &str = "ShowSavedSearches";
const EDIT_SAVED_SEARCHES: &str = "EditSavedSearches";

/// A saved search's id (the id of the attribute that stores it, as in RT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SavedSearchId(pub i64);

impl SavedSearchId {
    /// The raw number, for display and URLs.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for SavedSearchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who a saved search belongs to (RT's "privacy").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchOwner {
    /// A user's personal search.
    User(UserId),
    /// Shared with the members of a user-defined group.
    Group(GroupId),
    /// A system-wide search.
    System,
}

impl SearchOwner {
    /// RT's privacy string: `RT::User-12`, `RT::Group-34`, `RT::System-1`
    /// (the value of the web form's `SavedSearchOwner`).
    pub fn privacy(self) -> String {
        let (object_type, object_id) = self.attribute_object().key();
        format!("{object_type}-{object_id}")
    }

    /// Reads a privacy string; `None` unless it names a user, a group or
    /// the system.
    pub fn from_privacy(privacy: &str) -> Option<SearchOwner> {
        let (object_type, id) = privacy.trim().rsplit_once('-')?;
        let id: i64 = id.parse().ok()?;
        match object_type {
            "RT::User" => Some(SearchOwner::User(UserId(id))),
            "RT::Group" => Some(SearchOwner::Group(GroupId(id))),
            "RT::System" => Some(SearchOwner::System),
            _ => None,
        }
    }

    fn attribute_object(self) -> AttributeObject {
        match self {
            SearchOwner::User(u) => AttributeObject::User(u),
            SearchOwner::Group(g) => AttributeObject::Group(g),
            SearchOwner::System => AttributeObject::System,
        }
    }

    pub(crate) fn from_attribute_object(object: AttributeObject) -> Option<SearchOwner> {
        match object {
            AttributeObject::User(u) => Some(SearchOwner::User(u)),
            AttributeObject::Group(g) => Some(SearchOwner::Group(g)),
            AttributeObject::System => Some(SearchOwner::System),
            AttributeObject::Queue(_) | AttributeObject::Ticket(_) => None,
        }
    }

    fn describe(self) -> String {
        match self {
            SearchOwner::User(u) => format!("saved searches of user {u}"),
            SearchOwner::Group(g) => format!("saved searches of group {g}"),
            SearchOwner::System => "system saved searches".into(),
        }
    }
}

/// A saved search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearch {
    /// Its id.
    pub id: SavedSearchId,
    /// Who it belongs to.
    pub owner: SearchOwner,
    /// Its name (RT's description of the search).
    pub name: String,
    /// The TicketSQL query (`Query`).
    pub query: String,
    /// The display format (`Format`); empty for the site's default.
    pub format: String,
    /// Sort keys, `|`-separated (`OrderBy`).
    pub order_by: String,
    /// Sort directions, `|`-separated (`Order`).
    pub order: String,
    /// Rows per page (`RowsPerPage`); 0 shows every row.
    pub rows_per_page: u32,
    /// What it searches (`SearchType`): `Ticket`, or for searches imported
    /// from RT also `Chart`, `Transaction`, `Asset`...
    pub search_type: String,
    /// When it last changed.
    pub last_updated: DateTime<Utc>,
}

/// A saved search to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSavedSearch {
    /// Who it will belong to.
    pub owner: SearchOwner,
    /// Its name; must not be blank.
    pub name: String,
    /// The TicketSQL query; must parse.
    pub query: String,
    /// The display format; empty for the site's default.
    pub format: String,
    /// Sort keys, `|`-separated.
    pub order_by: String,
    /// Sort directions, `|`-separated.
    pub order: String,
    /// Rows per page; 0 shows every row.
    pub rows_per_page: u32,
}

impl NewSavedSearch {
    /// A search with RT's defaults: the default format, sorted by `id`
    /// ascending, 50 rows per page.
    pub fn new(owner: SearchOwner, name: impl Into<String>, query: impl Into<String>) -> NewSavedSearch {
        NewSavedSearch {
            owner,
            name: name.into(),
            query: query.into(),
            format: String::new(),
            order_by: "id".into(),
            order: "ASC".into(),
            rows_per_page: 50,
        }
    }
}

/// Changes to a saved search; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedSearchUpdate {
    /// Moves the search to another owner.
    pub owner: Option<SearchOwner>,
    /// A new name; must not be blank.
    pub name: Option<String>,
    /// A new query; must parse.
    pub query: Option<String>,
    /// A new display format.
    pub format: Option<String>,
    /// New sort keys.
    pub order_by: Option<String>,
    /// New sort directions.
    pub order: Option<String>,
    /// New rows per page.
    pub rows_per_page: Option<u32>,
}

/// What is being done to an owner's saved searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    See,
    Write,
}

impl Tx<'_> {
    /// Saves a search. Needs `CreateSavedSearch`, and the right to write
    /// the owner's searches (see the [module documentation](self)); a group
    /// owner must be a user-defined group.
    pub fn create_saved_search(&mut self, new: NewSavedSearch) -> Result<SavedSearchId> {
        self.require_saved_search_access(new.owner, Access::Write)?;
        if let SearchOwner::Group(g) = new.owner {
            require_user_defined(self, g)?;
        }
        let name = valid_name(&new.name)?;
        valid_query(&new.query)?;
        valid_order(&new.order_by, &new.order)?;
        let content = serde_json::json!({
            "Query": new.query,
            "Format": new.format,
            "OrderBy": new.order_by,
            "Order": new.order,
            "RowsPerPage": new.rows_per_page,
            "SearchType": "Ticket",
        });
        let id = self.insert_attribute(
            new.owner.attribute_object(),
            ATTRIBUTE_NAME,
            name,
            &content.to_string(),
            CONTENT_TYPE,
        )?;
        Ok(SavedSearchId(id))
    }

    /// A saved search, if the current user may see it.
    pub fn saved_search(&mut self, id: SavedSearchId) -> Result<SavedSearch> {
        let (owner, attribute) = self.load_saved_search(id)?;
        self.require_saved_search_access(owner, Access::See)?;
        decode(owner, attribute)
    }

    /// Changes a saved search. Needs `CreateSavedSearch` and the right to
    /// write the owner's searches; moving it to another owner also needs
    /// that right on the new owner.
    pub fn update_saved_search(&mut self, id: SavedSearchId, update: &SavedSearchUpdate) -> Result<()> {
        let (owner, attribute) = self.load_saved_search(id)?;
        self.require_saved_search_access(owner, Access::Write)?;
        let new_owner = update.owner.unwrap_or(owner);
        if new_owner != owner {
            self.require_saved_search_access(new_owner, Access::Write)?;
            if let SearchOwner::Group(g) = new_owner {
                require_user_defined(self, g)?;
            }
        }
        let name = match &update.name {
            Some(name) => valid_name(name)?,
            None => attribute.description.as_str(),
        };
        let mut content = content_of(&attribute)?;
        if let Some(query) = &update.query {
            valid_query(query)?;
            content.insert("Query".into(), query.clone().into());
        }
        if update.order_by.is_some() || update.order.is_some() {
            let current = |key: &str| content.get(key).and_then(as_text).unwrap_or_default();
            let order_by = update.order_by.clone().unwrap_or_else(|| current("OrderBy"));
            let order = update.order.clone().unwrap_or_else(|| current("Order"));
            valid_order(&order_by, &order)?;
            content.insert("OrderBy".into(), order_by.into());
            content.insert("Order".into(), order.into());
        }
        if let Some(format) = &update.format {
            content.insert("Format".into(), format.clone().into());
        }
        if let Some(rows) = update.rows_per_page {
            content.insert("RowsPerPage".into(), rows.into());
        }
        let (object_type, object_id) = new_owner.attribute_object().key();
        diesel::update(attributes::table.find(id.0))
            .set((
                attributes::description.eq(name),
                attributes::content.eq(serde_json::Value::Object(content).to_string()),
                attributes::content_type.eq(CONTENT_TYPE),
                attributes::object_type.eq(object_type),
                attributes::object_id.eq(object_id),
                attributes::last_updated.eq(self.now),
                attributes::last_updated_by.eq(self.user.id.0),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Deletes a saved search. Needs `CreateSavedSearch` and the right to
    /// write the owner's searches.
    pub fn delete_saved_search(&mut self, id: SavedSearchId) -> Result<()> {
        let (owner, _) = self.load_saved_search(id)?;
        self.require_saved_search_access(owner, Access::Write)?;
        diesel::delete(attributes::table.find(id.0)).execute(self.conn)?;
        Ok(())
    }

    /// Every saved search the current user may see, as RT lists them: their
    /// own, then those of the user-defined groups they are a member of
    /// (with `ShowSavedSearches` there), by group name, then the system's
    /// (with `ShowSavedSearches` globally); oldest first within each owner.
    /// Searches of every `search_type` are returned.
    pub fn saved_searches(&mut self) -> Result<Vec<SavedSearch>> {
        let mut found = Vec::new();
        for owner in self.own_owners()? {
            if self.saved_search_access(owner, Access::See)?.is_ok() {
                found.extend(self.owner_searches(owner)?);
            }
        }
        Ok(found)
    }

    /// The saved searches of one owner, oldest first, if the current user
    /// may see them (super users may list any user's or group's).
    pub fn saved_searches_of(&mut self, owner: SearchOwner) -> Result<Vec<SavedSearch>> {
        self.require_saved_search_access(owner, Access::See)?;
        self.owner_searches(owner)
    }

    /// The owners the current user may save searches for (RT's choices of
    /// "Privacy"): themselves, the user-defined groups they are a member of,
    /// and the system, each where they hold the rights to write there.
    pub fn saved_search_owners(&mut self) -> Result<Vec<SearchOwner>> {
        let mut allowed = Vec::new();
        for owner in self.own_owners()? {
            if self.saved_search_access(owner, Access::Write)?.is_ok() {
                allowed.push(owner);
            }
        }
        Ok(allowed)
    }

    /// The saved search stored under `id` and its owner, unchecked.
    fn load_saved_search(&mut self, id: SavedSearchId) -> Result<(SearchOwner, Attribute)> {
        let not_found = || Error::not_found("saved search", id);
        let (object, attribute) = self.attribute_by_id(id.0)?.ok_or_else(not_found)?;
        if attribute.name != ATTRIBUTE_NAME {
            return Err(not_found());
        }
        let owner = SearchOwner::from_attribute_object(object).ok_or_else(not_found)?;
        Ok((owner, attribute))
    }

    /// An owner's searches, unchecked; any whose content cannot be read
    /// (Perl Storable from an RT database not yet converted) are skipped.
    fn owner_searches(&mut self, owner: SearchOwner) -> Result<Vec<SavedSearch>> {
        let attributes = self.object_attributes(owner.attribute_object(), ATTRIBUTE_NAME)?;
        Ok(attributes
            .into_iter()
            .filter_map(|a| {
                let id = a.id;
                decode(owner, a).map_err(|e| tracing::warn!(saved_search = id, "unreadable saved search: {e}")).ok()
            })
            .collect())
    }

    /// The owners RT offers the current user (`_PrivacyObjects`), before
    /// rights: themselves, the enabled user-defined groups they belong to
    /// (directly or through other groups) by name, and the system.
    fn own_owners(&mut self) -> Result<Vec<SearchOwner>> {
        let groups: Vec<i64> = groups::table
            .inner_join(cgm::table.on(cgm::group_id.eq(groups::id)))
            .filter(cgm::member_id.eq(self.user.id.0))
            .filter(groups::domain.eq(domain::USER_DEFINED))
            .order((groups::name_folded, groups::id))
            .select(groups::id)
            .load(self.conn)?;
        let mut owners = vec![SearchOwner::User(self.user.id)];
        owners.extend(groups.into_iter().map(|g| SearchOwner::Group(GroupId(g))));
        owners.push(SearchOwner::System);
        Ok(owners)
    }

    pub(crate) fn require_saved_search_access(&mut self, owner: SearchOwner, access: Access) -> Result<()> {
        self.saved_search_access(owner, access)?
    }

    /// Whether the current user may see or write the searches of `owner`:
    /// the outer `Result` is a database failure or a missing owner, the
    /// inner one the answer.
    fn saved_search_access(&mut self, owner: SearchOwner, access: Access) -> Result<Result<()>> {
        if access == Access::Write && !self.has_right(CREATE_SAVED_SEARCH, AclObject::System)? {
            return Ok(Err(Error::denied(CREATE_SAVED_SEARCH, AclObject::System.describe())));
        }
        let group_right = match access {
            Access::See => SHOW_SAVED_SEARCHES,
            Access::Write => EDIT_SAVED_SEARCHES,
        };
        let allowed =
            |ok: bool, right: &str, object: String| if ok { Ok(()) } else { Err(Error::denied(right, object)) };
        Ok(match owner {
            SearchOwner::User(u) if u == self.user.id => match access {
                Access::See => Ok(()),
                Access::Write => {
                    let ok = self.has_right(rights::MODIFY_SELF, AclObject::System)?;
                    allowed(ok, rights::MODIFY_SELF, owner.describe())
                }
            },
            SearchOwner::User(u) => {
                self.user(u)?;
                let ok = self.has_right(rights::SUPER_USER, AclObject::System)?;
                allowed(ok, rights::SUPER_USER, owner.describe())
            }
            SearchOwner::Group(g) => {
                self.group(g)?;
                let member = self.is_group_member(g, self.user.id.into())?
                    || self.has_right(rights::SUPER_USER, AclObject::System)?;
                if member {
                    let ok = self.has_right(group_right, AclObject::Group(g))?;
                    allowed(ok, group_right, owner.describe())
                } else {
                    Err(Error::denied("membership", format!("group {g}")))
                }
            }
            SearchOwner::System => {
                let ok = self.has_right(group_right, AclObject::System)?;
                allowed(ok, group_right, owner.describe())
            }
        })
    }
}

/// Searches are shared with user-defined groups only, as RT offers them.
fn require_user_defined(tx: &mut Tx<'_>, group: GroupId) -> Result<()> {
    let g = tx.group(group)?;
    if g.domain == domain::USER_DEFINED {
        Ok(())
    } else {
        Err(Error::invalid("owner", format!("searches are shared with user-defined groups, not {} groups", g.domain)))
    }
}

fn valid_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() { Err(Error::invalid("name", "a saved search needs a name")) } else { Ok(name) }
}

fn valid_query(query: &str) -> Result<()> {
    search::parse(query).map(drop).map_err(|e| Error::invalid("query", e.to_string()))
}

/// Sort keys are checked on their own first, so that an error names the
/// parameter it is in.
fn valid_order(order_by: &str, order: &str) -> Result<()> {
    search::parse_order_by(order_by, "").map_err(|e| Error::invalid("order_by", e.to_string()))?;
    search::parse_order_by(order_by, order).map(drop).map_err(|e| Error::invalid("order", e.to_string()))
}

/// The stored content as a JSON object.
fn content_of(attribute: &Attribute) -> Result<serde_json::Map<String, serde_json::Value>> {
    let unreadable = |why: String| Error::invalid("content", format!("saved search {}: {why}", attribute.id));
    if attribute.content_type != CONTENT_TYPE {
        return Err(unreadable(format!("stored as {}, not JSON", attribute.content_type)));
    }
    match serde_json::from_str(&attribute.content) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(unreadable("not a JSON object".into())),
        Err(e) => Err(unreadable(e.to_string())),
    }
}

fn decode(owner: SearchOwner, attribute: Attribute) -> Result<SavedSearch> {
    let content = content_of(&attribute)?;
    let text = |key: &str| content.get(key).and_then(as_text).unwrap_or_default();
    // RT's web forms store RowsPerPage as a string.
    let rows_per_page = text("RowsPerPage").trim().parse().unwrap_or(0);
    let search_type = Some(text("SearchType")).filter(|t| !t.is_empty()).unwrap_or_else(|| "Ticket".into());
    Ok(SavedSearch {
        id: SavedSearchId(attribute.id),
        owner,
        query: text("Query"),
        format: text("Format"),
        order_by: text("OrderBy"),
        order: text("Order"),
        rows_per_page,
        search_type,
        name: attribute.description,
        last_updated: attribute.last_updated,
    })
}

/// A string or number as text (RT's web forms store `RowsPerPage` as a
/// string).
fn as_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
