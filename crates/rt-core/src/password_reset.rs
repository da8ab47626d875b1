//! One-time password reset links, as RT's ResetPassword extension offers
//! them ("Forgot your password?"), and the way an autocreated requestor,
//! who has no password, sets a first one.
//!
//! [`Tx::issue_password_reset`] makes a token for the enabled user with an
//! email address: 128 random bits written as 32 hex digits, of which only
//! the SHA-256 is stored (the token has full entropy, so a fast hash is
//! enough). The link built from it works for [`RESET_LIFETIME`], once:
//! [`Tx::reset_password`] deletes every token of the user when it sets the
//! password, and so does any other change of the password
//! ([`Tx::set_password`]). At most [`MAX_PENDING`] live tokens are kept per
//! user, so the form cannot be used to flood someone's mailbox.
//!
//! These operations are for the web edge acting for a visitor who is not
//! logged in: they need `AdminUsers` (the edge runs them as `RT_System`),
//! and the token, proved by the mail it was sent in, is what authorises
//! the reset. Tokens never leave this module but in the returned
//! [`PasswordReset`], for the mail; they are never logged.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::db::schema::{principals, users};
use crate::{AclObject, Error, Result, Tx, UserId, rights};

/// How long a reset link works.
pub const RESET_LIFETIME: Duration = Duration::hours(1);

/// Live reset links per user: requests beyond this send nothing more.
pub const MAX_PENDING: i64 = 3;

/// The table, declared here rather than in `db::schema`: nothing else
/// reads it.
mod table {
    diesel::table! {
        password_resets (id) {
            id -> BigInt,
            user_id -> BigInt,
            token_hash -> Text,
            created -> Timestamp,
            expires -> Timestamp,
        }
    }
}

use table::password_resets;

/// A reset link to mail: who it is for and the secret part of the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// The user whose password the link resets.
    pub user: UserId,
    /// Their login name.
    pub name: String,
    /// The address to mail the link to.
    pub email: String,
    /// The token (32 hex digits), shown nowhere but in the mail.
    pub token: String,
    /// When the link stops working.
    pub expires: DateTime<Utc>,
}

impl Tx<'_> {
    /// Makes a reset token for the enabled user whose email address is
    /// `email` (case-insensitive). `None` when there is no such user, the
    /// user is disabled or one of RT's own (`RT_System`, `Nobody`), or
    /// already has [`MAX_PENDING`] live links: the caller answers the same
    /// either way, so that the form tells nobody which addresses have
    /// accounts. Needs `AdminUsers`. Expired tokens are purged on the way.
    pub fn issue_password_reset(&mut self, email: &str) -> Result<Option<PasswordReset>> {
        self.require(rights::ADMIN_USERS, AclObject::System)?;
        diesel::delete(password_resets::table.filter(password_resets::expires.lt(self.now))).execute(self.conn)?;
        let folded = email.trim().to_lowercase();
        if folded.is_empty() {
            return Ok(None);
        }
        let row: Option<(i64, String, Option<String>, bool)> = users::table
            .inner_join(principals::table)
            .filter(users::email_folded.eq(&folded))
            .select((users::id, users::name, users::email_address, principals::disabled))
            .get_result(self.conn)
            .optional()?;
        let system = self.rt.system;
        let Some((id, name, Some(address), false)) = row else { return Ok(None) };
        if id == system.rt_system.0 || id == system.nobody.0 {
            return Ok(None);
        }
        let pending: i64 =
            password_resets::table.filter(password_resets::user_id.eq(id)).count().get_result(self.conn)?;
        if pending >= MAX_PENDING {
            return Ok(None);
        }
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| Error::Database(format!("no randomness for a reset token: {e}")))?;
        let token = hex::encode(bytes);
        let expires = self.now + RESET_LIFETIME;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::user_id.eq(id),
                password_resets::token_hash.eq(hash(&token)),
                password_resets::created.eq(self.now),
                password_resets::expires.eq(expires),
            ))
            .execute(self.conn)?;
        Ok(Some(PasswordReset { user: UserId(id), name, email: address, token, expires: expires.and_utc() }))
    }

    /// Whether `token` is a live reset token of `user` (to show the form
    /// or say the link is no good). Needs `AdminUsers`.
    pub fn password_reset_is_live(&mut self, user: UserId, token: &str) -> Result<bool> {
        self.require(rights::ADMIN_USERS, AclObject::System)?;
        Ok(self.live_reset(user, token)?.is_some())
    }

    /// Sets `user`'s password with a live reset token, which (with every
    /// other of theirs) then stops working. A dead or unknown token is
    /// [`Error::PermissionDenied`]; a password shorter than the site's
    /// minimum is [`Error::Validation`] and keeps the token. Needs
    /// `AdminUsers`.
    pub fn reset_password(&mut self, user: UserId, token: &str, password: &str) -> Result<()> {
        self.require(rights::ADMIN_USERS, AclObject::System)?;
        if self.live_reset(user, token)?.is_none() {
            return Err(Error::denied("password reset", "this link has expired or was already used"));
        }
        if self.is_user_disabled(user)? {
            return Err(Error::denied("password reset", "this user is disabled"));
        }
        // Deletes every token of the user, this one included.
        self.set_password(user, Some(password))
    }

    /// The id of `user`'s live token `token`, if there is one.
    fn live_reset(&mut self, user: UserId, token: &str) -> Result<Option<i64>> {
        if !well_formed(token) {
            return Ok(None);
        }
        let row: Option<(i64, NaiveDateTime)> = password_resets::table
            .filter(password_resets::user_id.eq(user.0))
            .filter(password_resets::token_hash.eq(hash(token)))
            .select((password_resets::id, password_resets::expires))
            .get_result(self.conn)
            .optional()?;
        Ok(row.filter(|(_, expires)| *expires > self.now).map(|(id, _)| id))
    }
}

/// Forgets every reset token of `user`: their password has changed.
pub(crate) fn forget(conn: &mut DbConnection, user: UserId) -> Result<()> {
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(user.0))).execute(conn)?;
    Ok(())
}

/// Whether `token` has the form of a token (32 hex digits).
fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What is stored for a token: the hex SHA-256 of its lowercase form.
fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.to_ascii_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_32_hex_digits_are_tokens_and_the_hash_is_not_the_token() {
        let token = "0123456789abcdef0123456789abcdef";
        assert!(well_formed(token));
        assert!(!well_formed("0123"));
        assert!(!well_formed(&"g".repeat(32)));
        assert_ne!(hash(token), token);
        assert_eq!(hash(token), hash(&token.to_uppercase()));
    }
}
