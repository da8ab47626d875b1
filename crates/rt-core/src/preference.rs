//! Users' preferences, stored as RT stores them: one attribute per
//! preference set on the user, named `Pref-<name>` (RT's `_PrefName`),
//! holding an object (JSON here, `application/json`; RT freezes it with
//! Perl's Storable).
//!
//! The sets the UI uses are RT's: [`GENERAL`] for the settings of
//! `/Prefs/Other.html` (`DateTimeFormat`, `DefaultQueue`,
//! `HomePageRefreshInterval`...), [`SEARCH_DISPLAY`] for the defaults of
//! search results (`Format`, `OrderBy`, `Order`, `RowsPerPage`),
//! [`HOMEPAGE_SETTINGS`] for the portlets of "RT at a glance" (`body` and
//! `sidebar`, lists of `{type, name}`) and [`SUMMARY_ROWS`]. What the
//! values mean is the UI's business; this module stores them.
//!
//! Rights are RT's `CurrentUserCanModify('Preferences')`: one's own
//! preferences are read freely and written with `ModifySelf`; anyone's
//! with `AdminUsers`.

use diesel::prelude::*;

use crate::attribute::AttributeObject;
use crate::db::schema::attributes;
use crate::{AclObject, Result, Tx, UserId, rights};

/// The preference set of `/Prefs/Other.html` (RT's preferences for the
/// `RT::System` object).
pub const GENERAL: &str = "RT::System-1";

/// The defaults of search results (RT's `SearchDisplay`).
pub const SEARCH_DISPLAY: &str = "SearchDisplay";

/// The portlets of the home page (RT's `HomepageSettings`).
pub const HOMEPAGE_SETTINGS: &str = "HomepageSettings";

/// Rows per portlet of the home page (RT's `SummaryRows`).
pub const SUMMARY_ROWS: &str = "SummaryRows";

/// The content type of what is written.
const CONTENT_TYPE: &str = "application/json";

impl Tx<'_> {
    /// A user's preference set `name`, or `None` when they have not set it
    /// (or it cannot be read: Storable from an RT database). One's own, or
    /// anyone's with `AdminUsers`.
    pub fn preferences(&mut self, user: UserId, name: &str) -> Result<Option<serde_json::Value>> {
        if user != self.user.id {
            self.require(rights::ADMIN_USERS, AclObject::System)?;
        }
        let (object_type, object_id) = AttributeObject::User(user).key();
        let content: Option<String> = attributes::table
            .filter(attributes::object_type.eq(object_type))
            .filter(attributes::object_id.eq(object_id))
            .filter(attributes::name.eq(pref_name(name)))
            .order(attributes::id.desc())
            .select(attributes::content)
            .first(self.conn)
            .optional()?;
        Ok(content.and_then(|c| {
            serde_json::from_str(&c)
                .map_err(|e| tracing::warn!(user = user.0, preference = name, "unreadable preference: {e}"))
                .ok()
        }))
    }

    /// Replaces a user's preference set `name`. Needs `ModifySelf` for
    /// one's own, `AdminUsers` for anyone's.
    pub fn set_preferences(&mut self, user: UserId, name: &str, value: &serde_json::Value) -> Result<()> {
        self.require_user_admin(user)?;
        let object = AttributeObject::User(user);
        self.delete_pref(object, name)?;
        self.insert_attribute(object, &pref_name(name), "", &value.to_string(), CONTENT_TYPE)?;
        Ok(())
    }

    /// Removes a user's preference set `name`, so the site's defaults
    /// apply again. Same rights as [`Tx::set_preferences`].
    pub fn delete_preferences(&mut self, user: UserId, name: &str) -> Result<()> {
        self.require_user_admin(user)?;
        self.delete_pref(AttributeObject::User(user), name)
    }

    fn delete_pref(&mut self, object: AttributeObject, name: &str) -> Result<()> {
        let (object_type, object_id) = object.key();
        diesel::delete(
            attributes::table
                .filter(attributes::object_type.eq(object_type))
                .filter(attributes::object_id.eq(object_id))
                .filter(attributes::name.eq(pref_name(name))),
        )
        .execute(self.conn)?;
        Ok(())
    }
}

/// The attribute a preference set is stored under.
fn pref_name(name: &str) -> String {
    format!("Pref-{name}")
}
