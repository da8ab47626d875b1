//! Principals, users and groups, and the membership closure.
//!
//! Users and groups share the principal id space, as in RT: a principal row
//! is created first and the user or group row reuses its id. Every user is
//! in `Everyone` and in exactly one of `Privileged` / `Unprivileged`, and has
//! an ACL-equivalence group (`UserEquiv`) through which rights granted "to
//! the user" are stored.
//!
//! `cached_group_members` is the transitive closure of `group_members`, with
//! a count of distinct paths per (group, member) pair: adding an edge G → M
//! adds `paths(A, G) × paths(M, D)` to every ancestor A of G and descendant D
//! of M; removing it subtracts the same, and pairs at zero are deleted. This
//! is exact for any acyclic nesting, and cycles are refused. Edges touching
//! a disabled group are left out of the closure (and put back when it is
//! enabled), so a disabled group passes on no rights.
//!
//! A closure row whose group is a ticket role group (other than the group's
//! own row) also carries that ticket and role (`ticket_id`, `ticket_role`,
//! the role's folded name), indexed by member: searches list a user's
//! Requestor or Cc tickets from those rows alone, without reading the
//! thousands of Owner memberships a busy owner has.

use diesel::prelude::*;

use crate::acl::{AclObject, Role, TICKET_ROLE};
use crate::db::schema::{cached_group_members as cgm, group_members, groups, principals, users};
use crate::db::{DbConnection, allow_empty_changeset, dialect};
use crate::error::{Error, Result};
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::password;
use crate::rights;
use crate::session::Tx;

/// Group domains, as RT names them.
pub mod domain {
    /// `Everyone`, `Privileged`, `Unprivileged`.
    pub const SYSTEM_INTERNAL: &str = "SystemInternal";
    /// Groups administrators create.
    pub const USER_DEFINED: &str = "UserDefined";
    /// One per user, holding just that user.
    pub const ACL_EQUIVALENCE: &str = "ACLEquivalence";
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    /// Principal id.
    pub id: i64,
    /// Login name (unique, case-insensitive).
    pub name: String,
    /// Email address (unique, case-insensitive), if any.
    pub email_address: Option<String>,
    /// Full name.
    pub real_name: String,
    /// Nickname.
    pub nick_name: String,
    /// Organization.
    pub organization: String,
    /// Preferred language (`fr`, `de`, ... or empty for the browser's).
    pub lang: String,
    /// Time zone (IANA name, empty for the site's).
    pub timezone: String,
    /// Signature appended to replies.
    pub signature: String,
    /// Administrators' comments.
    pub comments: String,
    /// Free-form contact information.
    pub freeform_contact_info: String,
    /// Unix login (for the CLI).
    pub gecos: String,
    /// Home phone.
    pub home_phone: String,
    /// Work phone.
    pub work_phone: String,
    /// Mobile phone.
    pub mobile_phone: String,
    /// Pager.
    pub pager_phone: String,
    /// Address line 1.
    pub address1: String,
    /// Address line 2.
    pub address2: String,
    /// City.
    pub city: String,
    /// State or region.
    pub state: String,
    /// Postal code.
    pub zip: String,
    /// Country.
    pub country: String,
}

impl User {
    /// The typed id.
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }
}

/// Profile fields to set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserProfile {
    /// Full name.
    pub real_name: Option<String>,
    /// Nickname.
    pub nick_name: Option<String>,
    /// Organization.
    pub organization: Option<String>,
    /// Preferred language.
    pub lang: Option<String>,
    /// Time zone (IANA name).
    pub timezone: Option<String>,
    /// Signature.
    pub signature: Option<String>,
    /// Administrators' comments.
    pub comments: Option<String>,
    /// Free-form contact information.
    pub freeform_contact_info: Option<String>,
    /// Unix login.
    pub gecos: Option<String>,
    /// Home phone.
    pub home_phone: Option<String>,
    /// Work phone.
    pub work_phone: Option<String>,
    /// Mobile phone.
    pub mobile_phone: Option<String>,
    /// Pager.
    pub pager_phone: Option<String>,
    /// Address line 1.
    pub address1: Option<String>,
    /// Address line 2.
    pub address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// Country.
    pub country: Option<String>,
}

/// What to create a user with.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Login name; defaults to the email address when empty.
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Initial password (hashed with argon2), or none.
    pub password: Option<String>,
    /// Staff (`Privileged`) rather than requestor (`Unprivileged`).
    pub privileged: bool,
    /// Profile fields.
    pub profile: UserProfile,
}

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = groups)]
pub struct Group {
    /// Principal id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// RT's domain (`UserDefined`, `SystemInternal`, `RT::Ticket-Role`, ...).
    pub domain: String,
    /// The object a role or equivalence group belongs to (0 otherwise).
    pub instance: i64,
}

impl Group {
    /// The typed id.
    pub fn group_id(&self) -> GroupId {
        GroupId(self.id)
    }
}

impl Tx<'_> {
    /// Creates a user. Needs `AdminUsers`.
    pub fn create_user(&mut self, new: NewUser) -> Result<UserId> {
        self.require(rights::ADMIN_USERS, AclObject::System)?;
        // A new principal has no cached rights, so the ACL version stays.
        insert_user(self.conn, self.user.id, self.now, &new, self.rt.system)
    }

    /// A user by id.
    pub fn user(&mut self, id: UserId) -> Result<User> {
        if let Some(user) = self.cache.users.get(&id.0) {
            return Ok(user.clone());
        }
        let user = users::table
            .find(id.0)
            .select(User::as_select())
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("user", id))?;
        // A page names the same few people again and again (a history's
        // authors), a batch of scrips its actors: remembered until the
        // transaction changes a user.
        self.cache.users.insert(id.0, user.clone());
        Ok(user)
    }

    /// A user's record as a person may see it through the UI or an API:
    /// their own always; anyone's for privileged users; an unprivileged
    /// user sees no one else ([`Error::PermissionDenied`]). `key` is an id
    /// or a name (or email address). [`Tx::user`] is the unchecked read
    /// the library itself uses.
    pub fn visible_user(&mut self, key: &str) -> Result<User> {
        let user = match key.parse::<i64>() {
            Ok(n) => self.user(UserId(n))?,
            Err(_) => self.user_by_name(key)?,
        };
        let me = self.user.id;
        if me != user.user_id() && !self.is_system() && !self.is_privileged(me)? {
            return Err(Error::denied("ShowUser", format!("user {}", user.id)));
        }
        Ok(user)
    }

    /// A user by name or, failing that, by email address (case-insensitive).
    pub fn user_by_name(&mut self, name: &str) -> Result<User> {
        let folded = name.to_lowercase();
        let user = users::table
            .filter(users::name_folded.eq(&folded))
            .select(User::as_select())
            .get_result(self.conn)
            .optional()?;
        match user {
            Some(u) => Ok(u),
            None => users::table
                .filter(users::email_folded.eq(&folded))
                .select(User::as_select())
                .get_result(self.conn)
                .optional()?
                .ok_or_else(|| Error::not_found("user", name)),
        }
    }

    /// The user with this email address, created as an unprivileged user
    /// when unknown (RT's autocreation of requestors). The address must be
    /// valid.
    pub fn user_for_email(&mut self, email: &str) -> Result<UserId> {
        let email = normalize_email(email)?;
        let folded = email.to_lowercase();
        if let Some(id) = user_id_by_email(self.conn, &folded)? {
            return Ok(id);
        }
        let new = NewUser { name: email.clone(), email: Some(email), ..NewUser::default() };
        let (creator, now, system) = (self.rt.system.rt_system, self.now, self.rt.system);
        // In a savepoint: when a concurrent transaction (PostgreSQL) has just
        // created the same user, take theirs instead of failing.
        let created = self.conn.transaction(|conn| insert_user(conn, creator, now, &new, system));
        match created {
            Err(Error::Conflict(_)) => user_id_by_email(self.conn, &folded)?
                .ok_or_else(|| Error::Conflict(format!("a user named {} exists with another address", new.name))),
            other => other,
        }
    }

    /// Changes profile fields. Needs `AdminUsers`, or `ModifySelf` for
    /// one's own profile.
    pub fn update_user(&mut self, id: UserId, profile: &UserProfile) -> Result<()> {
        self.require_user_admin(id)?;
        check_timezone(profile)?;
        self.cache.users.remove(&id.0);
        allow_empty_changeset(diesel::update(users::table.find(id.0)).set(profile).execute(self.conn))?;
        self.touch_user(id)
    }

    /// Sets a user's email address (unique, case-insensitive). Same rights
    /// as [`Tx::update_user`].
    pub fn set_user_email(&mut self, id: UserId, email: Option<&str>) -> Result<()> {
        self.require_user_admin(id)?;
        let email = email.map(normalize_email).transpose()?;
        if let Some(e) = &email {
            let taken: Option<i64> = users::table
                .filter(users::email_folded.eq(e.to_lowercase()))
                .filter(users::id.ne(id.0))
                .select(users::id)
                .get_result(self.conn)
                .optional()?;
            if taken.is_some() {
                return Err(Error::Conflict(format!("email address {e} is already in use")));
            }
        }
        self.cache.users.remove(&id.0);
        diesel::update(users::table.find(id.0))
            .set((users::email_folded.eq(email.as_ref().map(|e| e.to_lowercase())), users::email_address.eq(&email)))
            .execute(self.conn)?;
        self.touch_user(id)
    }

    /// Sets a user's password. Needs `AdminUsers`, or `ModifySelf` for one's
    /// own. `None` removes it (the user can no longer log in by password).
    /// A password shorter than the site's `minimum_password_length` is
    /// refused (RT's `ValidatePassword`). Every password reset link of the
    /// user stops working.
    pub fn set_password(&mut self, id: UserId, password: Option<&str>) -> Result<()> {
        self.require_user_admin(id)?;
        if let Some(p) = password {
            let minimum = self.rt.config.minimum_password_length;
            if p.chars().count() < minimum {
                return Err(Error::invalid(
                    "password",
                    format!("a password needs to be at least {minimum} character{} long", plural(minimum)),
                ));
            }
        }
        let hash = password.map(password::hash).transpose()?;
        diesel::update(users::table.find(id.0)).set(users::password.eq(hash)).execute(self.conn)?;
        crate::password_reset::forget(self.conn, id)?;
        self.touch_user(id)
    }

    /// Changes the current user's own password, as RT's `SafeSetPassword`:
    /// `current` must be their password (unless they have none yet, like a
    /// requestor created from mail), then as [`Tx::set_password`]. A wrong
    /// current password is [`Error::Validation`] on `current password` and
    /// changes nothing.
    pub fn change_own_password(&mut self, current: &str, new: &str) -> Result<()> {
        let me = self.user.id;
        self.require_user_admin(me)?;
        if self.has_password(me)? && !password_matches(self.conn, me, current)? {
            let why = if current.is_empty() {
                "please enter your current password"
            } else {
                "please enter your current password correctly"
            };
            return Err(Error::invalid("current password", why));
        }
        self.set_password(me, Some(new))
    }

    /// Whether `password` is the current user's password (RT's
    /// `IsPassword`), for forms that ask for it again before a sensitive
    /// change. Takes the time a login takes, right or wrong.
    pub fn is_own_password(&mut self, password: &str) -> Result<bool> {
        password_matches(self.conn, self.user.id, password)
    }

    /// Whether a user has a password (one who has none cannot log in by
    /// password until they set one through a reset link).
    pub fn has_password(&mut self, id: UserId) -> Result<bool> {
        let stored: Option<Option<String>> =
            users::table.find(id.0).select(users::password).get_result(self.conn).optional()?;
        Ok(stored.ok_or_else(|| Error::not_found("user", id))?.is_some_and(|p| !p.is_empty()))
    }

    /// Enables or disables a user. Needs `AdminUsers`. Disabled users
    /// cannot log in and hold no rights.
    pub fn set_user_disabled(&mut self, id: UserId, disabled: bool) -> Result<()> {
        self.require(rights::ADMIN_USERS, AclObject::System)?;
        self.user(id)?;
        diesel::update(principals::table.find(id.0)).set(principals::disabled.eq(disabled)).execute(self.conn)?;
        self.bump_acl_version()?;
        self.touch_user(id)
    }

    /// Whether a user is disabled.
    pub fn is_user_disabled(&mut self, id: UserId) -> Result<bool> {
        principals::table
            .find(id.0)
            .select(principals::disabled)
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("user", id))
    }

    /// Makes a user staff (`Privileged`) or a requestor (`Unprivileged`).
    /// Needs `AdminUsers`.
    pub fn set_privileged(&mut self, id: UserId, privileged: bool) -> Result<()> {
        self.require(rights::ADMIN_USERS, AclObject::System)?;
        self.user(id)?;
        let sys = self.rt.system;
        let (join, leave) =
            if privileged { (sys.privileged, sys.unprivileged) } else { (sys.unprivileged, sys.privileged) };
        if !is_direct_member(self.conn, join, id.into())? {
            remove_member(self.conn, leave, id.into())?;
            add_member(self.conn, join, id.into(), self.user.id, self.now)?;
            self.bump_acl_version()?;
        }
        Ok(())
    }

    /// Whether a user is staff.
    pub fn is_privileged(&mut self, id: UserId) -> Result<bool> {
        is_direct_member(self.conn, self.rt.system.privileged, id.into())
    }

    /// Creates a user-defined group. Needs `AdminGroup` globally.
    pub fn create_group(&mut self, name: &str, description: &str) -> Result<GroupId> {
        self.require(rights::ADMIN_GROUP, AclObject::System)?;
        let name = validate_name("name", name)?;
        if find_group(self.conn, domain::USER_DEFINED, 0, &name)?.is_some() {
            return Err(Error::Conflict(format!("a group named {name} already exists")));
        }
        let id = insert_group(self.conn, &name, description, domain::USER_DEFINED, 0, self.user.id, self.now)?;
        Ok(id)
    }

    /// Renames a user-defined group. Needs `AdminGroup` on it.
    pub fn rename_group(&mut self, group: GroupId, name: &str) -> Result<()> {
        let g = self.group(group)?;
        if g.domain != domain::USER_DEFINED {
            return Err(Error::invalid("group", format!("{} groups cannot be renamed", g.domain)));
        }
        self.require(rights::ADMIN_GROUP, AclObject::Group(group))?;
        let name = validate_name("name", name)?;
        if find_group(self.conn, domain::USER_DEFINED, 0, &name)?.is_some_and(|other| other != group) {
            return Err(Error::Conflict(format!("a group named {name} already exists")));
        }
        diesel::update(groups::table.find(group.0))
            .set((
                groups::name.eq(&name),
                groups::name_folded.eq(name.to_lowercase()),
                groups::last_updated_by.eq(self.user.id.0),
                groups::last_updated.eq(self.now),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Disables or enables a user-defined group. Needs `AdminGroup` on it.
    /// A disabled group grants nothing: neither its own rights nor those of
    /// the groups it belongs to reach its members.
    pub fn set_group_disabled(&mut self, group: GroupId, disabled: bool) -> Result<()> {
        let g = self.group(group)?;
        if g.domain != domain::USER_DEFINED {
            return Err(Error::invalid("group", format!("{} groups cannot be disabled", g.domain)));
        }
        self.require(rights::ADMIN_GROUP, AclObject::Group(group))?;
        let now_disabled: bool = principals::table.find(group.0).select(principals::disabled).get_result(self.conn)?;
        if now_disabled == disabled {
            return Ok(());
        }
        if disabled {
            toggle_group_edges(self.conn, group, -1)?;
            diesel::update(principals::table.find(group.0)).set(principals::disabled.eq(true)).execute(self.conn)?;
        } else {
            diesel::update(principals::table.find(group.0)).set(principals::disabled.eq(false)).execute(self.conn)?;
            toggle_group_edges(self.conn, group, 1)?;
        }
        self.bump_acl_version()
    }

    /// A group by id.
    pub fn group(&mut self, id: GroupId) -> Result<Group> {
        groups::table
            .find(id.0)
            .select(Group::as_select())
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("group", id))
    }

    /// A user-defined group by name (case-insensitive).
    pub fn group_by_name(&mut self, name: &str) -> Result<Group> {
        let id =
            find_group(self.conn, domain::USER_DEFINED, 0, name)?.ok_or_else(|| Error::not_found("group", name))?;
        self.group(id)
    }

    /// Adds a user or group to a user-defined group. Needs
    /// `AdminGroupMembership` on the group. Nesting that would make a cycle
    /// is refused.
    pub fn add_group_member(&mut self, group: GroupId, member: PrincipalId) -> Result<()> {
        self.require_membership_admin(group)?;
        if is_direct_member(self.conn, group, member)? {
            return Ok(());
        }
        add_member(self.conn, group, member, self.user.id, self.now)?;
        self.bump_acl_version()
    }

    /// Removes a direct member of a user-defined group. Needs
    /// `AdminGroupMembership` on the group. Returns whether it was a member.
    pub fn remove_group_member(&mut self, group: GroupId, member: PrincipalId) -> Result<bool> {
        self.require_membership_admin(group)?;
        let removed = remove_member(self.conn, group, member)?;
        if removed {
            self.bump_acl_version()?;
        }
        Ok(removed)
    }

    /// The direct members of a group.
    pub fn group_members(&mut self, group: GroupId) -> Result<Vec<PrincipalId>> {
        Ok(group_members::table
            .filter(group_members::group_id.eq(group.0))
            .order(group_members::id)
            .select(group_members::member_id)
            .load::<i64>(self.conn)?
            .into_iter()
            .map(PrincipalId)
            .collect())
    }

    /// The user-defined groups the current user may see (`SeeGroup` on
    /// each), by name.
    pub fn visible_groups(&mut self) -> Result<Vec<Group>> {
        let all: Vec<Group> = groups::table
            .filter(groups::domain.eq(domain::USER_DEFINED))
            .order(groups::name)
            .select(Group::as_select())
            .load(self.conn)?;
        let mut seen = Vec::with_capacity(all.len());
        for g in all {
            if self.has_right(rights::SEE_GROUP, AclObject::Group(g.group_id()))? {
                seen.push(g);
            }
        }
        Ok(seen)
    }

    /// A user-defined group, with `SeeGroup` on it.
    pub fn visible_group(&mut self, id: GroupId) -> Result<Group> {
        let g = self.group(id)?;
        if g.domain != domain::USER_DEFINED {
            return Err(Error::not_found("group", id));
        }
        self.require(rights::SEE_GROUP, AclObject::Group(id))?;
        Ok(g)
    }

    /// The direct members of a user-defined group, for those who manage
    /// them (`AdminGroupMembership` on it), as RT's REST 2.0 lists them.
    pub fn managed_group_members(&mut self, group: GroupId) -> Result<Vec<PrincipalId>> {
        self.require_membership_admin(group)?;
        self.group_members(group)
    }

    /// Every user, by name, or only the privileged or unprivileged ones.
    /// Only privileged users may list users.
    pub fn users(&mut self, privileged: Option<bool>) -> Result<Vec<User>> {
        if !self.is_privileged(self.user.id)? {
            return Err(Error::denied("users", "only privileged users may list users"));
        }
        let mut all: Vec<User> = users::table.order(users::name).select(User::as_select()).load(self.conn)?;
        if let Some(wanted) = privileged {
            let members: Vec<i64> = cgm::table
                .filter(cgm::group_id.eq(self.rt.system.privileged.0))
                .select(cgm::member_id)
                .load(self.conn)?;
            all.retain(|u| members.contains(&u.id) == wanted);
        }
        Ok(all)
    }

    /// The user-defined groups `user` is a direct member of, by name: one's
    /// own, or anyone's with `AdminGroupMembership`.
    pub fn user_memberships(&mut self, user: UserId) -> Result<Vec<Group>> {
        if user != self.user.id {
            self.require(rights::ADMIN_GROUP_MEMBERSHIP, AclObject::System)?;
        }
        Ok(groups::table
            .inner_join(group_members::table.on(group_members::group_id.eq(groups::id)))
            .filter(group_members::member_id.eq(user.0))
            .filter(groups::domain.eq(domain::USER_DEFINED))
            .order(groups::name)
            .select(Group::as_select())
            .load(self.conn)?)
    }

    /// Whether `principal` is in `group`, directly or through nested groups.
    pub fn is_group_member(&mut self, group: GroupId, principal: PrincipalId) -> Result<bool> {
        Ok(cgm::table
            .filter(cgm::group_id.eq(group.0))
            .filter(cgm::member_id.eq(principal.0))
            .select(cgm::id)
            .get_result::<i64>(self.conn)
            .optional()?
            .is_some())
    }

    pub(crate) fn require_user_admin(&mut self, id: UserId) -> Result<()> {
        self.user(id)?;
        if self.has_right(rights::ADMIN_USERS, AclObject::System)? {
            return Ok(());
        }
        let right = if id == self.user.id { rights::MODIFY_SELF } else { rights::ADMIN_USERS };
        self.require(right, AclObject::System)
    }

    fn require_membership_admin(&mut self, group: GroupId) -> Result<()> {
        let g = self.group(group)?;
        if g.domain != domain::USER_DEFINED {
            return Err(Error::invalid("group", format!("{} groups are managed by RT, not edited directly", g.domain)));
        }
        self.require(rights::ADMIN_GROUP_MEMBERSHIP, AclObject::Group(group))
    }

    fn touch_user(&mut self, id: UserId) -> Result<()> {
        diesel::update(users::table.find(id.0))
            .set((users::last_updated.eq(self.now), users::last_updated_by.eq(self.user.id.0)))
            .execute(self.conn)?;
        Ok(())
    }
}

/// Checks a password and rehashes legacy RT hashes with argon2.
pub(crate) fn authenticate(conn: &mut DbConnection, name: &str, password: &str) -> Result<UserId> {
    let denied = || Error::denied("login", "invalid user name or password");
    let folded = name.to_lowercase();
    let row: Option<(i64, Option<String>, bool)> = users::table
        .inner_join(principals::table)
        .filter(users::name_folded.eq(&folded))
        .select((users::id, users::password, principals::disabled))
        .get_result(conn)
        .optional()?;
    let Some((id, Some(stored), false)) = row else {
        // Spend the time a real check takes, so a missing user is not
        // distinguishable by timing.
        password::burn_time(password);
        return Err(denied());
    };
    match password::verify(password, &stored) {
        password::Verdict::Valid => Ok(UserId(id)),
        password::Verdict::ValidLegacy => {
            let rehashed = password::hash(password)?;
            diesel::update(users::table.find(id)).set(users::password.eq(rehashed)).execute(conn)?;
            Ok(UserId(id))
        }
        password::Verdict::Invalid => Err(denied()),
    }
}

/// Whether `password` is the user's password (a legacy hash that matches
/// is not rehashed here: the next login does it).
fn password_matches(conn: &mut DbConnection, id: UserId, password: &str) -> Result<bool> {
    let stored: Option<String> = users::table.find(id.0).select(users::password).get_result(conn)?;
    Ok(match stored {
        Some(stored) => !matches!(password::verify(password, &stored), password::Verdict::Invalid),
        None => {
            password::burn_time(password);
            false
        }
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn user_id_by_email(conn: &mut DbConnection, folded: &str) -> Result<Option<UserId>> {
    let query = users::table.filter(users::email_folded.eq(folded)).select(users::id);
    Ok(dialect::with_inner!(conn, c => query.get_result::<i64>(c).optional())?.map(UserId))
}

/// Checks and normalises an email address (trimmed; case kept).
pub fn normalize_email(email: &str) -> Result<String> {
    let e = email.trim();
    let bad = |why: &str| Err(Error::invalid("email", format!("{e:?} {why}")));
    let Some((local, host)) = e.rsplit_once('@') else { return bad("has no @") };
    if local.is_empty() || host.is_empty() {
        return bad("is missing a local part or domain");
    }
    if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c)) {
        return bad("contains characters not allowed in an address");
    }
    if local.contains('@') {
        return bad("has more than one @");
    }
    if host.starts_with('.') || host.ends_with('.') || host.contains("..") || !host.contains('.') && host != "localhost"
    {
        return bad("does not have a valid domain");
    }
    Ok(e.to_string())
}

fn check_timezone(profile: &UserProfile) -> Result<()> {
    match profile.timezone.as_deref() {
        Some(tz) if !tz.is_empty() && tz.parse::<chrono_tz::Tz>().is_err() => {
            Err(Error::invalid("timezone", format!("{tz:?} is not an IANA time zone")))
        }
        _ => Ok(()),
    }
}

fn validate_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be at most 200 characters without control characters"));
    }
    Ok(name.to_string())
}

pub(crate) fn insert_principal(conn: &mut DbConnection, kind: &str) -> Result<i64> {
    Ok(diesel::insert_into(principals::table)
        .values((principals::principal_type.eq(kind), principals::disabled.eq(false)))
        .returning(principals::id)
        .get_result(conn)?)
}

/// Inserts a group with its principal and its self row in the closure.
pub(crate) fn insert_group(
    conn: &mut DbConnection,
    name: &str,
    description: &str,
    domain: &str,
    instance: i64,
    creator: UserId,
    now: chrono::NaiveDateTime,
) -> Result<GroupId> {
    let id = insert_principal(conn, "Group")?;
    diesel::insert_into(groups::table)
        .values((
            groups::id.eq(id),
            groups::name.eq(name),
            groups::name_folded.eq(name.to_lowercase()),
            groups::description.eq(description),
            groups::domain.eq(domain),
            groups::instance.eq(instance),
            groups::creator.eq(creator.0),
            groups::created.eq(now),
            groups::last_updated_by.eq(creator.0),
            groups::last_updated.eq(now),
        ))
        .execute(conn)?;
    diesel::insert_into(cgm::table)
        .values((cgm::group_id.eq(id), cgm::member_id.eq(id), cgm::paths.eq(1i64)))
        .execute(conn)?;
    Ok(GroupId(id))
}

/// Inserts a user with its principal, equivalence group and system group
/// memberships. Checks the name and address; no rights are checked here.
pub(crate) fn insert_user(
    conn: &mut DbConnection,
    creator: UserId,
    now: chrono::NaiveDateTime,
    new: &NewUser,
    system: crate::session::SystemPrincipals,
) -> Result<UserId> {
    let email = new.email.as_deref().map(normalize_email).transpose()?;
    let name = match (&email, new.name.trim()) {
        (Some(e), "") => e.clone(),
        (_, name) => validate_name("name", name)?,
    };
    let folded = name.to_lowercase();
    let taken: Option<i64> =
        users::table.filter(users::name_folded.eq(&folded)).select(users::id).get_result(conn).optional()?;
    if taken.is_some() {
        return Err(Error::Conflict(format!("a user named {name} already exists")));
    }
    if let Some(e) = &email {
        let taken: Option<i64> = users::table
            .filter(users::email_folded.eq(e.to_lowercase()))
            .select(users::id)
            .get_result(conn)
            .optional()?;
        if taken.is_some() {
            return Err(Error::Conflict(format!("email address {e} is already in use")));
        }
    }
    check_timezone(&new.profile)?;
    let hash = new.password.as_deref().map(password::hash).transpose()?;
    let id = insert_principal(conn, "User")?;
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::name.eq(&name),
            users::name_folded.eq(&folded),
            users::password.eq(hash),
            users::email_address.eq(&email),
            users::email_folded.eq(email.as_ref().map(|e| e.to_lowercase())),
            users::creator.eq(creator.0),
            users::created.eq(now),
            users::last_updated_by.eq(creator.0),
            users::last_updated.eq(now),
        ))
        .execute(conn)?;
    allow_empty_changeset(diesel::update(users::table.find(id)).set(&new.profile).execute(conn))?;
    let user = UserId(id);
    let equiv = insert_group(conn, "UserEquiv", "", domain::ACL_EQUIVALENCE, id, creator, now)?;
    add_member(conn, equiv, user.into(), creator, now)?;
    // System groups may not exist yet while the database is being seeded.
    if system.everyone.0 != 0 {
        add_member(conn, system.everyone, user.into(), creator, now)?;
        let class = if new.privileged { system.privileged } else { system.unprivileged };
        add_member(conn, class, user.into(), creator, now)?;
    }
    Ok(user)
}

/// The ACL-equivalence group of a user.
pub(crate) fn acl_equivalence_group(conn: &mut DbConnection, user: UserId) -> Result<GroupId> {
    find_group(conn, domain::ACL_EQUIVALENCE, user.0, "UserEquiv")?.ok_or_else(|| Error::not_found("user", user))
}

pub(crate) fn is_direct_member(conn: &mut DbConnection, group: GroupId, member: PrincipalId) -> Result<bool> {
    Ok(group_members::table
        .filter(group_members::group_id.eq(group.0))
        .filter(group_members::member_id.eq(member.0))
        .select(group_members::id)
        .get_result::<i64>(conn)
        .optional()?
        .is_some())
}

/// Adds a direct membership and updates the closure. The caller checks
/// rights and that `member` is not already a direct member.
pub(crate) fn add_member(
    conn: &mut DbConnection,
    group: GroupId,
    member: PrincipalId,
    creator: UserId,
    now: chrono::NaiveDateTime,
) -> Result<()> {
    let (kind, member_disabled): (String, bool) = principals::table
        .find(member.0)
        .select((principals::principal_type, principals::disabled))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("principal", member))?;
    let is_group = kind == "Group";
    if is_group {
        if member.0 == group.0 {
            return Err(Error::invalid("member", "a group cannot contain itself"));
        }
        if reaches(conn, member.0, group.0)? {
            return Err(Error::invalid("member", "adding this group would make membership circular"));
        }
    }
    diesel::insert_into(group_members::table)
        .values((
            group_members::group_id.eq(group.0),
            group_members::member_id.eq(member.0),
            group_members::creator.eq(creator.0),
            group_members::created.eq(now),
        ))
        .execute(conn)?;
    if edge_counts(conn, group, is_group && member_disabled)? {
        adjust_closure(conn, group, member, is_group, 1)?;
    }
    Ok(())
}

/// Whether group `from` contains `to` through direct memberships, disabled
/// groups included (the closure leaves those out, cycles must not).
fn reaches(conn: &mut DbConnection, from: i64, to: i64) -> Result<bool> {
    let mut seen = std::collections::HashSet::from([from]);
    let mut frontier = vec![from];
    while !frontier.is_empty() {
        let next: Vec<i64> = group_members::table
            .inner_join(groups::table.on(groups::id.eq(group_members::member_id)))
            .filter(group_members::group_id.eq_any(&frontier))
            .select(group_members::member_id)
            .load(conn)?;
        if next.contains(&to) {
            return Ok(true);
        }
        frontier = next.into_iter().filter(|g| seen.insert(*g)).collect();
    }
    Ok(false)
}

/// Whether an edge from `group` counts in the closure: edges touching a
/// disabled group do not.
fn edge_counts(conn: &mut DbConnection, group: GroupId, member_is_disabled_group: bool) -> Result<bool> {
    if member_is_disabled_group {
        return Ok(false);
    }
    let disabled: bool = principals::table.find(group.0).select(principals::disabled).get_result(conn)?;
    Ok(!disabled)
}

/// Creates the four role groups of a new ticket (in the order of `members`)
/// with their principals, closure self rows and users: the ticket-creation
/// hot path, so the groups go in multi-row inserts. A new role group has no
/// parents and its members are users, so each member adds exactly one
/// closure row. The caller passes each role's users without duplicates.
pub(crate) fn insert_ticket_role_groups(
    conn: &mut DbConnection,
    ticket: i64,
    members: &[(Role, Vec<UserId>); 4],
    creator: UserId,
    now: chrono::NaiveDateTime,
) -> Result<[GroupId; 4]> {
    let reserved = dialect::reserve_ids(conn, dialect::IdTable::Principals, 4)?;
    let ids: [i64; 4] = [reserved[0], reserved[1], reserved[2], reserved[3]];
    // Fixed-size rows keep these statements' shape constant, so diesel
    // prepares them once per connection.
    let principal_rows =
        ids.map(|id| (principals::id.eq(id), principals::principal_type.eq("Group"), principals::disabled.eq(false)));
    let group_rows = [0, 1, 2, 3].map(|i| {
        let role = members[i].0.as_str();
        (
            groups::id.eq(ids[i]),
            groups::name.eq(role),
            groups::name_folded.eq(role.to_lowercase()),
            groups::description.eq(""),
            groups::domain.eq(TICKET_ROLE),
            groups::instance.eq(ticket),
            groups::creator.eq(creator.0),
            groups::created.eq(now),
            groups::last_updated_by.eq(creator.0),
            groups::last_updated.eq(now),
        )
    });
    let self_rows = ids.map(|id| (cgm::group_id.eq(id), cgm::member_id.eq(id), cgm::paths.eq(1i64)));
    dialect::with_inner!(&mut *conn, c => {
        diesel::insert_into(principals::table).values(&principal_rows).execute(c)?;
        diesel::insert_into(groups::table).values(&group_rows).execute(c)?;
        diesel::insert_into(cgm::table).values(&self_rows).execute(c)?;
    });
    let mut member_rows = Vec::new();
    let mut closure_rows = Vec::new();
    for (group, (role, users)) in ids.iter().zip(members) {
        let role_name = role.as_str().to_lowercase();
        for user in users {
            member_rows.push((
                group_members::group_id.eq(*group),
                group_members::member_id.eq(user.0),
                group_members::creator.eq(creator.0),
                group_members::created.eq(now),
            ));
            closure_rows.push((
                cgm::group_id.eq(*group),
                cgm::member_id.eq(user.0),
                cgm::paths.eq(1i64),
                cgm::ticket_role.eq(role_name.clone()),
                cgm::ticket_id.eq(ticket),
            ));
        }
    }
    match conn {
        // A round trip costs more than parsing a statement: one insert each.
        DbConnection::Pg(c) => {
            diesel::insert_into(group_members::table).values(&member_rows).execute(c)?;
            diesel::insert_into(cgm::table).values(&closure_rows).execute(c)?;
        }
        // In process, a cached single-row statement beats preparing a
        // multi-row one whose length varies.
        DbConnection::Sqlite(c) => {
            for (member, closure) in member_rows.iter().zip(&closure_rows) {
                diesel::insert_into(group_members::table).values(member).execute(c)?;
                diesel::insert_into(cgm::table).values(closure).execute(c)?;
            }
        }
    }
    Ok(ids.map(GroupId))
}

/// Removes a direct membership and updates the closure.
pub(crate) fn remove_member(conn: &mut DbConnection, group: GroupId, member: PrincipalId) -> Result<bool> {
    let removed = diesel::delete(
        group_members::table.filter(group_members::group_id.eq(group.0)).filter(group_members::member_id.eq(member.0)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Ok(false);
    }
    let (kind, member_disabled): (String, bool) =
        principals::table.find(member.0).select((principals::principal_type, principals::disabled)).get_result(conn)?;
    let is_group = kind == "Group";
    if edge_counts(conn, group, is_group && member_disabled)? {
        adjust_closure(conn, group, member, is_group, -1)?;
    }
    Ok(true)
}

/// Takes a group's edges out of the closure (disabling) or puts them back
/// (enabling); the caller flips its `disabled` flag after, respectively
/// before, so [`edge_counts`] sees the group as enabled throughout.
fn toggle_group_edges(conn: &mut DbConnection, group: GroupId, sign: i64) -> Result<()> {
    let parents: Vec<i64> = group_members::table
        .inner_join(principals::table.on(principals::id.eq(group_members::group_id)))
        .filter(group_members::member_id.eq(group.0))
        .filter(principals::disabled.eq(false))
        .select(group_members::group_id)
        .load(conn)?;
    let members: Vec<(i64, String)> = group_members::table
        .inner_join(principals::table.on(principals::id.eq(group_members::member_id)))
        .filter(group_members::group_id.eq(group.0))
        .filter(principals::disabled.eq(false).or(principals::principal_type.eq("User")))
        .select((group_members::member_id, principals::principal_type))
        .load(conn)?;
    let parent_edges = |conn: &mut DbConnection| -> Result<()> {
        for p in &parents {
            adjust_closure(conn, GroupId(*p), group.into(), true, sign)?;
        }
        Ok(())
    };
    // Disabling: cut the group off from its parents first, so that removing
    // its members only touches the group itself; enabling: the reverse.
    if sign < 0 {
        parent_edges(conn)?;
    }
    for (m, kind) in &members {
        adjust_closure(conn, group, PrincipalId(*m), kind == "Group", sign)?;
    }
    if sign > 0 {
        parent_edges(conn)?;
    }
    Ok(())
}

fn adjust_closure(
    conn: &mut DbConnection,
    group: GroupId,
    member: PrincipalId,
    is_group: bool,
    sign: i64,
) -> Result<()> {
    // Each ancestor with the ticket and role it stands for, if it is a
    // ticket role group.
    let ancestors: Vec<(i64, i64, String, String, i64)> = cgm::table
        .inner_join(groups::table.on(groups::id.eq(cgm::group_id)))
        .filter(cgm::member_id.eq(group.0))
        .select((cgm::group_id, cgm::paths, groups::domain, groups::name_folded, groups::instance))
        .load(conn)?;
    let descendants: Vec<(i64, i64)> = if is_group {
        cgm::table.filter(cgm::group_id.eq(member.0)).select((cgm::member_id, cgm::paths)).load(conn)?
    } else {
        vec![(member.0, 1)]
    };
    for (a, pa, domain, role, ticket) in &ancestors {
        let (a, pa) = (*a, *pa);
        let (ticket_role, ticket_id) = if domain == TICKET_ROLE { (Some(role), Some(*ticket)) } else { (None, None) };
        for &(d, pd) in &descendants {
            let delta = sign * pa * pd;
            let updated = diesel::update(cgm::table.filter(cgm::group_id.eq(a)).filter(cgm::member_id.eq(d)))
                .set(cgm::paths.eq(cgm::paths + delta))
                .execute(conn)?;
            if updated == 0 && delta > 0 {
                diesel::insert_into(cgm::table)
                    .values((
                        cgm::group_id.eq(a),
                        cgm::member_id.eq(d),
                        cgm::paths.eq(delta),
                        cgm::ticket_role.eq(ticket_role),
                        cgm::ticket_id.eq(ticket_id),
                    ))
                    .execute(conn)?;
            } else if delta < 0 {
                diesel::delete(
                    cgm::table.filter(cgm::group_id.eq(a)).filter(cgm::member_id.eq(d)).filter(cgm::paths.le(0)),
                )
                .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Looks up a group's id by domain, instance and name.
impl Tx<'_> {
    /// The role group of `role` on a ticket, queue or the system
    /// (`domain`, `instance`), remembered for the rest of the transaction.
    pub(crate) fn role_group(&mut self, domain: &'static str, instance: i64, role: Role) -> Result<Option<GroupId>> {
        let key = (domain, instance, role.as_str());
        if let Some(group) = self.cache.role_groups.get(&key) {
            return Ok(Some(*group));
        }
        let found = find_group(self.conn, domain, instance, role.as_str())?;
        if let Some(group) = found {
            self.cache.role_groups.insert(key, group);
        }
        Ok(found)
    }
}

pub(crate) fn find_group(conn: &mut DbConnection, domain: &str, instance: i64, name: &str) -> Result<Option<GroupId>> {
    Ok(groups::table
        .filter(groups::domain.eq(domain))
        .filter(groups::instance.eq(instance))
        .filter(groups::name_folded.eq(name.to_lowercase()))
        .select(groups::id)
        .get_result::<i64>(conn)
        .optional()?
        .map(GroupId))
}
