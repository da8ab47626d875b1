//! Password hashing: argon2id for everything we write, and RT's stored
//! formats accepted at login so an imported RT database keeps its
//! passwords (the caller then rehashes them with argon2):
//!
//! - `!bcrypt!NN!<salt><hash>`: bcrypt at cost NN over the raw SHA-512
//!   digest of the password (RT 4.4+);
//! - `!sha512!<salt>!<hash>`: SHA-512 of the salt text followed by the
//!   password, base64 without padding (RT 4.0-4.2);
//! - 40 characters: base64 of a 4-byte salt and the first 26 bytes of
//!   SHA-256(salt ‖ MD5(password)) (RT 3.8);
//! - 32 hex or 22 base64 characters: unsalted MD5 (RT 3.x and older).
//!
//! RT's 13-character DES `crypt()` hashes (RT 2) are not accepted; such
//! users need a password reset.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use md5::{Digest as _, Md5};
use sha2::{Sha256, Sha512};

use crate::error::{Error, Result};

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Matches an argon2 hash.
    Valid,
    /// Matches one of RT's older formats: rehash it.
    ValidLegacy,
    /// Does not match (or the stored value is not a known format).
    Invalid,
}

/// Hashes a password with argon2id and a random salt.
pub fn hash(password: &str) -> Result<String> {
    if password.is_empty() {
        return Err(Error::invalid("password", "must not be empty"));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid("password", format!("cannot be hashed: {e}")))
}

/// Checks `password` against a stored hash in any supported format.
pub fn verify(password: &str, stored: &str) -> Verdict {
    if password.is_empty() || stored.is_empty() || stored == "*NO-PASSWORD*" {
        return Verdict::Invalid;
    }
    if stored.starts_with("$argon2") {
        return if Argon2::default().verify_password(password.as_bytes(), stored).is_ok() {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
    }
    if verify_legacy(password, stored) { Verdict::ValidLegacy } else { Verdict::Invalid }
}

/// Does the work of one argon2 check, for logins of unknown users.
pub fn burn_time(password: &str) {
    let _ = hash(if password.is_empty() { "x" } else { password });
}

fn verify_legacy(password: &str, stored: &str) -> bool {
    let pw = password.as_bytes();
    if let Some(rest) = stored.strip_prefix("!bcrypt!") {
        let Some((cost, hash)) = rest.split_once('!') else { return false };
        if cost.len() != 2 || hash.len() != 53 {
            return false;
        }
        let digest = Sha512::digest(pw);
        return bcrypt::verify(digest.as_slice(), &format!("$2b${cost}${hash}")).unwrap_or(false);
    }
    if let Some(rest) = stored.strip_prefix("!sha512!") {
        let Some((salt, hash)) = rest.split_once('!') else { return false };
        let mut h = Sha512::new();
        h.update(salt.as_bytes());
        h.update(pw);
        return constant_eq(STANDARD_NO_PAD.encode(h.finalize()).as_bytes(), hash.as_bytes());
    }
    match stored.len() {
        40 => {
            let Ok(raw) = STANDARD.decode(stored) else { return false };
            if raw.len() != 30 {
                return false;
            }
            let mut h = Sha256::new();
            h.update(&raw[..4]);
            h.update(Md5::digest(pw));
            constant_eq(&h.finalize()[..26], &raw[4..])
        }
        32 => constant_eq(hex::encode(Md5::digest(pw)).as_bytes(), stored.to_ascii_lowercase().as_bytes()),
        22 => constant_eq(STANDARD_NO_PAD.encode(Md5::digest(pw)).as_bytes(), stored.as_bytes()),
        _ => false,
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed with RT's own algorithms (Perl Crypt::Eksblowfish and
    // Digest::SHA) and cross-checked with python3.
    const PASSWORD: &[(&str, &str)] = &[
        ("password", "!bcrypt!04!..CA.uOD/eaGAOmJB.yMBuSwyFyi96Va8H6nKGQeNdAv.AnVM4X6K"),
        (
            "password",
            "!sha512!abcdefghABCD0123!5RMZweJ+iid9G61bOYaYGBfmLwwVYlvCz8/hDQ81FrdFcc0khxZz6WuqLbAOuiqYtsJRCsYb+t6UeDsVCsfLww",
        ),
        ("password", "AQIDBMXJLLt7/y81Dqj3DZGY8qtNVBjXTbiI3ANo"),
        ("password", "5f4dcc3b5aa765d61d8327deb882cf99"),
        ("password", "X03MO1qnZdYdgyfeuILPmQ"),
        // Its SHA-512 digest holds a NUL byte: bcrypt must not stop there.
        ("pässwörd", "!bcrypt!04!..CA.uOD/eaGAOmJB.yMBua20RO9X5uzZzAA8sGgxf1Cshw.HnxuW"),
        (
            "pässwörd",
            "!sha512!abcdefghABCD0123!CnTx0rSGu0p4FEF+/XOMB2N/Zh73avql/5OqTi5n33EqjNvdeHftmEDKBIJ+QY2f2/S1n7wOgkRTohyTDOCr7w",
        ),
        ("pässwörd", "AQIDBHzct2Tf688MIuO2RbCvMUk44du7UOu/iRdM"),
        ("pässwörd", "12841e4ba5e37d2fbfc78458c6714ade"),
        ("pässwörd", "EoQeS6XjfS+/x4RYxnFK3g"),
    ];

    #[test]
    fn rt_legacy_hashes_verify() {
        for (pw, stored) in PASSWORD {
            assert_eq!(verify(pw, stored), Verdict::ValidLegacy, "{stored}");
            assert_eq!(verify("wrong", stored), Verdict::Invalid, "{stored}");
        }
    }

    #[test]
    fn argon2_round_trip() {
        let h = hash("s3cret").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify("s3cret", &h), Verdict::Valid);
        assert_eq!(verify("s3cret ", &h), Verdict::Invalid);
        assert_eq!(verify("", &h), Verdict::Invalid);
        assert_eq!(verify("x", "*NO-PASSWORD*"), Verdict::Invalid);
        assert_eq!(verify("x", "abJnggxhB/yWI"), Verdict::Invalid);
    }
}
