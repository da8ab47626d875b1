//! REST 2.0 authentication tokens, as RT's AuthTokens.
//!
//! A token stands in for a user name and password: a client sends
//! `Authorization: token 1-<user id>-<secret>`, the secret being 128 random
//! bits written as 32 hex digits. A user creates tokens for themself with
//! the global `ManageAuthTokens` right (for others with `AdminUsers` too),
//! sees and revokes their own, and the secret is shown once, at creation.
//! Only its SHA-256 is stored: unlike a password a secret has full entropy,
//! so a fast hash is as safe as a slow one and keeps token logins cheap
//! enough for API clients that authenticate on every request. A token stops
//! working when revoked, when it expires and while its owner is disabled.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::principals;
use crate::session::now;
use crate::{AclObject, Error, Result, Rt, Tx, UserId, rights};

/// A token's last use is recorded at most this often, so that a busy
/// client does not write on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The table, declared here rather than in `db::schema`: nothing else
/// reads it.
mod table {
    use crate::db::schema::principals;

    diesel::table! {
        auth_tokens (id) {
            id -> BigInt,
            owner -> BigInt,
            token_hash -> Text,
            description -> Text,
            last_used -> Nullable<Timestamp>,
            expires -> Nullable<Timestamp>,
            creator -> BigInt,
            created -> Timestamp,
        }
    }

    diesel::allow_tables_to_appear_in_same_query!(auth_tokens, principals);
}

use table::auth_tokens;

/// A token as its owner sees it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthToken {
    /// The token's id (not part of the secret).
    pub id: i64,
    /// The user it authenticates as.
    pub owner: UserId,
    /// What its owner wrote to recognise it.
    pub description: String,
    /// When it last authenticated a request (to the minute).
    pub last_used: Option<DateTime<Utc>>,
    /// When it stops working, if ever.
    pub expires: Option<DateTime<Utc>>,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// A token's row, but for the hash of its secret.
#[derive(Queryable, Selectable)]
#[diesel(table_name = auth_tokens)]
struct Row {
    id: i64,
    owner: i64,
    description: String,
    last_used: Option<NaiveDateTime>,
    expires: Option<NaiveDateTime>,
    created: NaiveDateTime,
}

impl From<Row> for AuthToken {
    fn from(row: Row) -> AuthToken {
        AuthToken {
            id: row.id,
            owner: UserId(row.owner),
            description: row.description,
            last_used: row.last_used.map(|d| d.and_utc()),
            expires: row.expires.map(|d| d.and_utc()),
            created: row.created.and_utc(),
        }
    }
}

impl Tx<'_> {
    /// Creates a token authenticating as `owner` and returns it with the
    /// string a client sends (`1-<owner>-<secret>`), which is never shown
    /// again. Needs `ManageAuthTokens`, and `AdminUsers` for another user.
    pub fn create_auth_token(
        &mut self,
        owner: UserId,
        description: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(AuthToken, String)> {
        self.require(rights::MANAGE_AUTH_TOKENS, AclObject::System)?;
        if owner != self.user.id {
            self.require(rights::ADMIN_USERS, AclObject::System)?;
        }
        self.user(owner)?;
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| Error::Database(format!("no randomness for a token: {e}")))?;
        let secret = hex::encode(bytes);
        let id: i64 = diesel::insert_into(auth_tokens::table)
            .values((
                auth_tokens::owner.eq(owner.0),
                auth_tokens::token_hash.eq(hash(&secret)),
                auth_tokens::description.eq(description),
                auth_tokens::expires.eq(expires.map(|d| d.naive_utc())),
                auth_tokens::creator.eq(self.user.id.0),
                auth_tokens::created.eq(self.now),
            ))
            .returning(auth_tokens::id)
            .get_result(self.conn)?;
        let token = AuthToken {
            id,
            owner,
            description: description.to_string(),
            last_used: None,
            expires,
            created: self.now.and_utc(),
        };
        Ok((token, format!("1-{}-{secret}", owner.0)))
    }

    /// The tokens of `owner`, oldest first: one's own, or anyone's with
    /// `AdminUsers`.
    pub fn auth_tokens(&mut self, owner: UserId) -> Result<Vec<AuthToken>> {
        if owner != self.user.id {
            self.require(rights::ADMIN_USERS, AclObject::System)?;
        }
        let rows: Vec<Row> = auth_tokens::table
            .filter(auth_tokens::owner.eq(owner.0))
            .order(auth_tokens::id)
            .select(Row::as_select())
            .load(self.conn)?;
        Ok(rows.into_iter().map(AuthToken::from).collect())
    }

    /// Revokes a token: one's own, or anyone's with `AdminUsers`. A token
    /// the user may not manage is not found.
    pub fn revoke_auth_token(&mut self, id: i64) -> Result<()> {
        let owner: Option<i64> =
            auth_tokens::table.find(id).select(auth_tokens::owner).get_result(self.conn).optional()?;
        match owner {
            Some(owner) if owner == self.user.id.0 || self.has_right(rights::ADMIN_USERS, AclObject::System)? => {
                diesel::delete(auth_tokens::table.find(id)).execute(self.conn)?;
                Ok(())
            }
            _ => Err(Error::not_found("auth token", id)),
        }
    }
}

/// The user an authentication string (`1-<user id>-<secret>`) stands for,
/// or `None` when it is malformed, unknown, revoked, expired or its owner
/// is disabled. Its last use is recorded.
pub fn authenticate(rt: &Rt, authstring: &str) -> Result<Option<UserId>> {
    let Some((owner, secret)) = parse(authstring) else { return Ok(None) };
    let now = now();
    let mut conn = rt.connection()?;
    let row: Option<(i64, Option<NaiveDateTime>, Option<NaiveDateTime>, bool)> = auth_tokens::table
        .inner_join(principals::table.on(principals::id.eq(auth_tokens::owner)))
        .filter(auth_tokens::owner.eq(owner))
        .filter(auth_tokens::token_hash.eq(hash(secret)))
        .select((auth_tokens::id, auth_tokens::last_used, auth_tokens::expires, principals::disabled))
        .first(&mut *conn)
        .optional()?;
    let Some((id, last_used, expires, disabled)) = row else { return Ok(None) };
    if disabled || expires.is_some_and(|e| e < now) {
        return Ok(None);
    }
    if last_used.is_none_or(|used| now - used >= TOUCH_EVERY) {
        diesel::update(auth_tokens::table.find(id)).set(auth_tokens::last_used.eq(now)).execute(&mut *conn)?;
    }
    Ok(Some(UserId(owner)))
}

/// `1-<user id>-<32 hex digits>`, the only version RT defines, split into
/// the user id and the secret.
fn parse(authstring: &str) -> Option<(i64, &str)> {
    let rest = authstring.trim().strip_prefix("1-")?;
    let (owner, secret) = rest.split_once('-')?;
    let owner = owner.parse::<i64>().ok().filter(|n| *n > 0)?;
    (secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some((owner, secret))
}

/// What is stored for a secret: the hex SHA-256 of its lowercase form.
fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.to_ascii_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_version_one_strings_with_a_32_digit_secret_parse() {
        let secret = "0123456789abcdef0123456789ABCDEF";
        assert_eq!(parse(&format!("1-14-{secret}")), Some((14, secret)));
        assert_eq!(parse(&format!("2-14-{secret}")), None);
        assert_eq!(parse(&format!("1-x-{secret}")), None);
        assert_eq!(parse(&format!("1-0-{secret}")), None);
        assert_eq!(parse("1-14-abc"), None);
        assert_eq!(parse(&format!("1-14-{}", "g".repeat(32))), None);
    }

    #[test]
    fn the_stored_hash_is_not_the_secret() {
        let secret = "0123456789abcdef0123456789abcdef";
        assert_ne!(hash(secret), secret);
        assert_eq!(hash(secret), hash(&secret.to_uppercase()));
    }
}
