//! Login sessions of the web edge (the UI and REST 1.0).
//!
//! A session id is 128 random bits written as 32 lowercase hex digits, the
//! form RT's clients expect in the `RT_SID_...` cookie. Only its SHA-256 is
//! stored, so a copy of the database does not hand out live sessions. A
//! session expires after [`IDLE_TIMEOUT`] without use and ends at logout.
//!
//! These functions act on the [`Rt`] rather than on a [`crate::Tx`]: a
//! session says who a request acts as, before any session of rt-core
//! exists, and grants nothing by itself (every operation of the resulting
//! [`crate::Session`] still checks that user's rights).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::principals;
use crate::session::now;
use crate::{Error, Result, Rt, UserId};

/// How long a session lasts without being used.
pub const IDLE_TIMEOUT: Duration = Duration::days(7);

/// A session's expiry is moved forward at most this often, so that a busy
/// client does not write on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The table, declared here rather than in `db::schema`: nothing else
/// reads it.
mod table {
    diesel::table! {
        web_sessions (session_hash) {
            session_hash -> Text,
            user_id -> BigInt,
            created -> Timestamp,
            last_used -> Timestamp,
            expires -> Timestamp,
        }
    }
}

use table::web_sessions;

/// A fresh random session id (32 lowercase hex digits), not stored: what
/// the web edge hands to a client that is not logged in.
pub fn new_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Database(format!("no randomness for a session id: {e}")))?;
    Ok(hex::encode(bytes))
}

/// Whether `id` has the form of a session id (32 hex digits).
pub fn is_well_formed(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Logs `user` in under session `id` (from [`new_id`], or the id the client
/// already holds): the session is stored, replacing any earlier one with
/// that id. Expired sessions of every user are purged on the way.
pub fn create(rt: &Rt, id: &str, user: UserId) -> Result<()> {
    if !is_well_formed(id) {
        return Err(Error::invalid("session", "a session id is 32 hex digits"));
    }
    let now = now();
    let key = hash(id);
    let mut conn = rt.connection()?;
    conn.transaction(|conn| {
        diesel::delete(web_sessions::table.filter(web_sessions::expires.lt(now))).execute(conn)?;
        diesel::delete(web_sessions::table.find(&key)).execute(conn)?;
        diesel::insert_into(web_sessions::table)
            .values((
                web_sessions::session_hash.eq(&key),
                web_sessions::user_id.eq(user.0),
                web_sessions::created.eq(now),
                web_sessions::last_used.eq(now),
                web_sessions::expires.eq(now + IDLE_TIMEOUT),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The user a live session belongs to, or `None` for an unknown, malformed
/// or expired id, or a user disabled since (whose sessions end). Using a
/// session moves its expiry forward.
pub fn lookup(rt: &Rt, id: &str) -> Result<Option<UserId>> {
    if !is_well_formed(id) {
        return Ok(None);
    }
    let now = now();
    let key = hash(id);
    let mut conn = rt.connection()?;
    let row: Option<(i64, NaiveDateTime, NaiveDateTime)> = web_sessions::table
        .find(&key)
        .select((web_sessions::user_id, web_sessions::last_used, web_sessions::expires))
        .get_result(&mut *conn)
        .optional()?;
    let Some((user, last_used, expires)) = row else { return Ok(None) };
    let disabled: bool = principals::table.find(user).select(principals::disabled).get_result(&mut *conn)?;
    if expires < now || disabled {
        diesel::delete(web_sessions::table.find(&key)).execute(&mut *conn)?;
        return Ok(None);
    }
    if now - last_used >= TOUCH_EVERY {
        diesel::update(web_sessions::table.find(&key))
            .set((web_sessions::last_used.eq(now), web_sessions::expires.eq(now + IDLE_TIMEOUT)))
            .execute(&mut *conn)?;
    }
    Ok(Some(UserId(user)))
}

/// Ends a session (logout). Ending an unknown session is not an error.
pub fn delete(rt: &Rt, id: &str) -> Result<()> {
    if !is_well_formed(id) {
        return Ok(());
    }
    let mut conn = rt.connection()?;
    diesel::delete(web_sessions::table.find(hash(id))).execute(&mut *conn)?;
    Ok(())
}

/// The session's CSRF token, which the web UI puts in every form that
/// changes something and checks on every POST: the hex SHA-256 of a fixed
/// label and the id. It is the same for the whole session, needs nothing
/// stored, and does not reveal the session id.
pub fn csrf_token(id: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"rt-web csrf token\0");
    digest.update(id.to_ascii_lowercase().as_bytes());
    hex::encode(digest.finalize())
}

/// What is stored for a session id: the hex SHA-256 of its lowercase form.
fn hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.to_ascii_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_lowercase_hex_digits_and_differ() {
        let (a, b) = (new_id().expect("id"), new_id().expect("id"));
        assert!(is_well_formed(&a) && a.len() == 32, "{a}");
        assert!(a.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()), "{a}");
        assert_ne!(a, b);
        assert!(!is_well_formed("xyz"));
        assert!(!is_well_formed(&"g".repeat(32)));
    }

    #[test]
    fn the_stored_key_is_not_the_id() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_ne!(hash(id), id);
        assert_eq!(hash(id), hash(&id.to_uppercase()));
        assert_eq!(hash(id).len(), 64);
    }

    #[test]
    fn csrf_tokens_are_per_session_and_differ_from_the_stored_key() {
        let (a, b) = ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210");
        assert_eq!(csrf_token(a), csrf_token(&a.to_uppercase()));
        assert_ne!(csrf_token(a), csrf_token(b));
        assert_ne!(csrf_token(a), hash(a));
    }
}
