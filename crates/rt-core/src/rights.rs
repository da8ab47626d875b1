//! The registry of rights: RT 5's complete list, each with its category and
//! the kinds of object it may be granted on.
//!
//! Rights are named by strings, as in RT's ACL table; the constants below
//! name the ones rt-core checks itself. Lifecycles may define further status
//! rights (category `Status`, queue rights); [`Registry`] holds both.

use std::collections::BTreeMap;

/// Where a right may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RightScope {
    /// Only on the system (`RT::System`).
    System,
    /// On a queue or globally.
    Queue,
    /// On a group or globally.
    Group,
    /// On a custom field or globally.
    CustomField,
    /// On an article class or globally.
    Class,
    /// On an asset catalog or globally.
    Catalog,
}

impl RightScope {
    /// RT's object type for this scope.
    pub fn object_type(self) -> &'static str {
        match self {
            RightScope::System => "RT::System",
            RightScope::Queue => "RT::Queue",
            RightScope::Group => "RT::Group",
            RightScope::CustomField => "RT::CustomField",
            RightScope::Class => "RT::Class",
            RightScope::Catalog => "RT::Catalog",
        }
    }
}

/// One right as RT 5 defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightDef {
    /// The right's name, as stored in the ACL (`ShowTicket`).
    pub name: String,
    /// RT's category: `General`, `Staff`, `Admin` or `Status`.
    pub category: &'static str,
    /// The kinds of object it may be granted on; every right may also be
    /// granted globally.
    pub scopes: Vec<RightScope>,
}

macro_rules! right_consts {
    ($($konst:ident = $name:literal),* $(,)?) => {
        $(#[doc = concat!("The `", $name, "` right.")] pub const $konst: &str = $name;)*
    };
}

right_consts! {
    SUPER_USER = "SuperUser",
    SEE_QUEUE = "SeeQueue",
    SHOW_TICKET = "ShowTicket",
    CREATE_TICKET = "CreateTicket",
    REPLY_TO_TICKET = "ReplyToTicket",
    COMMENT_ON_TICKET = "CommentOnTicket",
    FORWARD_MESSAGE = "ForwardMessage",
    WATCH = "Watch",
    WATCH_AS_ADMIN_CC = "WatchAsAdminCc",
    SHOW_TICKET_COMMENTS = "ShowTicketComments",
    SHOW_OUTGOING_EMAIL = "ShowOutgoingEmail",
    OWN_TICKET = "OwnTicket",
    MODIFY_TICKET = "ModifyTicket",
    DELETE_TICKET = "DeleteTicket",
    TAKE_TICKET = "TakeTicket",
    STEAL_TICKET = "StealTicket",
    REASSIGN_TICKET = "ReassignTicket",
    ADMIN_QUEUE = "AdminQueue",
    SHOW_ACL = "ShowACL",
    MODIFY_ACL = "ModifyACL",
    MODIFY_QUEUE_WATCHERS = "ModifyQueueWatchers",
    ADMIN_USERS = "AdminUsers",
    MANAGE_AUTH_TOKENS = "ManageAuthTokens",
    MODIFY_SELF = "ModifySelf",
    SHOW_USER_HISTORY = "ShowUserHistory",
    ADMIN_GROUP = "AdminGroup",
    ADMIN_GROUP_MEMBERSHIP = "AdminGroupMembership",
    MODIFY_OWN_MEMBERSHIP = "ModifyOwnMembership",
    SEE_GROUP = "SeeGroup",
    SEE_CUSTOM_FIELD = "SeeCustomField",
    MODIFY_CUSTOM_FIELD = "ModifyCustomField",
    SET_INITIAL_CUSTOM_FIELD = "SetInitialCustomField",
    ADMIN_CUSTOM_FIELD = "AdminCustomField",
    ADMIN_CUSTOM_FIELD_VALUES = "AdminCustomFieldValues",
    ASSIGN_CUSTOM_FIELDS = "AssignCustomFields",
}

use RightScope::{Catalog, Class, CustomField, Group, Queue, System};

/// RT 5's rights: (name, category, scopes).
const BUILTIN: &[(&str, &str, &[RightScope])] = &[
    // Queue rights, grantable on a queue or globally.
    ("SeeQueue", "General", &[Queue]),
    ("ShowTicket", "General", &[Queue]),
    ("CreateTicket", "General", &[Queue]),
    ("ReplyToTicket", "General", &[Queue]),
    ("CommentOnTicket", "General", &[Queue]),
    ("Watch", "General", &[Queue]),
    ("SeeCustomField", "General", &[Queue, CustomField, Catalog]),
    ("ShowTicketComments", "Staff", &[Queue]),
    ("ShowOutgoingEmail", "Staff", &[Queue]),
    ("WatchAsAdminCc", "Staff", &[Queue]),
    ("OwnTicket", "Staff", &[Queue]),
    ("ModifyTicket", "Staff", &[Queue]),
    ("DeleteTicket", "Staff", &[Queue]),
    ("TakeTicket", "Staff", &[Queue]),
    ("StealTicket", "Staff", &[Queue]),
    ("ReassignTicket", "Staff", &[Queue]),
    ("ForwardMessage", "Staff", &[Queue]),
    ("ModifyCustomField", "Staff", &[Queue, CustomField, Catalog]),
    ("SetInitialCustomField", "Staff", &[Queue, CustomField, Catalog]),
    ("AdminQueue", "Admin", &[Queue]),
    ("ShowACL", "Admin", &[Queue, Group, CustomField, Class, Catalog]),
    ("ModifyACL", "Admin", &[Queue, Group, CustomField, Class, Catalog]),
    ("ModifyQueueWatchers", "Admin", &[Queue]),
    ("AssignCustomFields", "Admin", &[Queue]),
    ("ModifyTemplate", "Admin", &[Queue]),
    ("ShowTemplate", "Admin", &[Queue]),
    ("ModifyScrips", "Admin", &[Queue]),
    ("ShowScrips", "Admin", &[Queue]),
    // System rights.
    ("SuperUser", "Admin", &[System]),
    ("AdminUsers", "Admin", &[System]),
    ("AdminCustomRoles", "Admin", &[System]),
    ("ModifySelf", "Staff", &[System]),
    ("ShowUserHistory", "Staff", &[System]),
    ("ShowArticlesMenu", "Staff", &[System]),
    ("ShowConfigTab", "Admin", &[System]),
    ("ShowApprovalsTab", "Staff", &[System]),
    ("ShowAssetsMenu", "Staff", &[System]),
    ("ShowGlobalTemplates", "Staff", &[System]),
    ("LoadSavedSearch", "General", &[System]),
    ("CreateSavedSearch", "General", &[System]),
    ("ExecuteCode", "Admin", &[System]),
    ("SeeSelfServiceGroupTicket", "General", &[System]),
    ("ShowSearchAdvanced", "Staff", &[System]),
    ("ShowSearchBulkUpdate", "Staff", &[System]),
    ("ManageAuthTokens", "Staff", &[System]),
    ("CreateDashboard", "Staff", &[System]),
    ("DeleteDashboard", "Staff", &[System]),
    ("ModifyDashboard", "Staff", &[System]),
    ("SeeDashboard", "Staff", &[System]),
    ("CreateOwnDashboard", "Staff", &[System]),
    ("DeleteOwnDashboard", "Staff", &[System]),
    ("ModifyOwnDashboard", "Staff", &[System]),
    ("SeeOwnDashboard", "Staff", &[System]),
    ("SubscribeDashboard", "Staff", &[System]),
    // Group rights.
    ("AdminGroup", "Admin", &[Group]),
    ("AdminGroupMembership", "Admin", &[Group]),
    ("ModifyOwnMembership", "Staff", &[Group]),
    ("SeeGroup", "General", &[Group]),
    ("ModifyGroupLinks", "Staff", &[Group]),
    ("ShowSavedSearches", "Staff", &[Group]),
    ("EditSavedSearches", "Admin", &[Group]),
    ("SeeGroupDashboard", "Staff", &[Group]),
    ("CreateGroupDashboard", "Admin", &[Group]),
    ("ModifyGroupDashboard", "Admin", &[Group]),
    ("DeleteGroupDashboard", "Admin", &[Group]),
    // Custom field rights.
    ("AdminCustomField", "Admin", &[CustomField]),
    ("AdminCustomFieldValues", "Admin", &[CustomField]),
    // Article class rights.
    ("SeeClass", "General", &[Class]),
    ("CreateArticle", "General", &[Class]),
    ("ShowArticle", "General", &[Class]),
    ("ShowArticleHistory", "General", &[Class]),
    ("ModifyArticle", "Staff", &[Class]),
    ("ModifyArticleTopics", "Staff", &[Class]),
    ("DisableArticle", "Staff", &[Class]),
    ("AdminClass", "Admin", &[Class]),
    ("AdminTopics", "Admin", &[Class]),
    // Asset catalog rights.
    ("ShowCatalog", "General", &[Catalog]),
    ("AdminCatalog", "Admin", &[Catalog]),
    ("ShowAsset", "General", &[Catalog]),
    ("CreateAsset", "General", &[Catalog]),
    ("ModifyAsset", "Staff", &[Catalog]),
];

/// All known rights, keyed case-insensitively.
#[derive(Debug, Clone)]
pub struct Registry {
    rights: BTreeMap<String, RightDef>,
}

impl Default for Registry {
    fn default() -> Self {
        let mut registry = Registry { rights: BTreeMap::new() };
        for (name, category, scopes) in BUILTIN {
            registry.insert(RightDef { name: (*name).to_string(), category, scopes: scopes.to_vec() });
        }
        registry
    }
}

impl Registry {
    fn insert(&mut self, def: RightDef) {
        self.rights.insert(def.name.to_ascii_lowercase(), def);
    }

    /// Adds a status right named by a lifecycle (a queue right in category
    /// `Status`); known rights are left as they are.
    pub fn add_status_right(&mut self, name: &str) {
        if self.get(name).is_none() {
            self.insert(RightDef { name: name.to_string(), category: "Status", scopes: vec![Queue] });
        }
    }

    /// Looks a right up by name, ignoring case.
    pub fn get(&self, name: &str) -> Option<&RightDef> {
        self.rights.get(&name.to_ascii_lowercase())
    }

    /// Every right, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &RightDef> {
        self.rights.values()
    }

    /// The canonical spelling of `name`, if it may be granted on `scope`
    /// (every right may be granted on the system).
    pub fn canonical(&self, name: &str, scope: RightScope) -> Option<&str> {
        let def = self.get(name)?;
        (scope == System || def.scopes.contains(&scope)).then_some(def.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_respect_scope() {
        let r = Registry::default();
        assert_eq!(r.canonical("showticket", Queue), Some("ShowTicket"));
        assert_eq!(r.canonical("ShowTicket", System), Some("ShowTicket"));
        assert_eq!(r.canonical("SuperUser", Queue), None);
        assert_eq!(r.canonical("NoSuchRight", System), None);
    }

    #[test]
    fn status_rights_join_the_queue_rights() {
        let mut r = Registry::default();
        r.add_status_right("ApproveTicket");
        assert_eq!(r.get("approveticket").map(|d| d.category), Some("Status"));
        assert_eq!(r.canonical("ApproveTicket", Queue), Some("ApproveTicket"));
    }
}
