//! The one error type of rt-core.
//!
//! Variants speak the domain, never HTTP: the web edge maps them to status
//! codes in one place. Every refused operation leaves the database as it
//! was, because each operation runs in one DB transaction that is rolled
//! back on error.

/// Errors returned by rt-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object does not exist (or is not visible, for lookups by name).
    #[error("{kind} {id} not found")]
    NotFound {
        /// What was looked up: "ticket", "queue", "user", ...
        kind: &'static str,
        /// The id or name that was asked for.
        id: String,
    },
    /// The current user lacks a right.
    #[error("permission denied: {right} required on {object}")]
    PermissionDenied {
        /// The right that was needed, e.g. `ModifyTicket`.
        right: String,
        /// The object it was needed on, e.g. `queue General`.
        object: String,
    },
    /// A value was refused.
    #[error("invalid {field}: {message}")]
    Validation {
        /// The field or parameter that was wrong.
        field: String,
        /// What was wrong with it.
        message: String,
    },
    /// The change conflicts with existing data (a duplicate name, say).
    #[error("{0}")]
    Conflict(String),
    /// Configuration is invalid.
    #[error("configuration: {key}: {message}")]
    Config {
        /// The offending key.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(String),
}

/// `Result` with rt-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::Validation`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Validation { field: field.into(), message: message.into() }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(kind: &'static str, id: impl ToString) -> Error {
        Error::NotFound { kind, id: id.to_string() }
    }

    /// Shorthand for [`Error::PermissionDenied`].
    pub fn denied(right: &str, object: impl Into<String>) -> Error {
        Error::PermissionDenied { right: right.to_string(), object: object.into() }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Error {
        use diesel::result::{DatabaseErrorKind, Error as D};
        match e {
            D::NotFound => Error::Database("row not found".into()),
            D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Error::Conflict(format!("duplicate value: {}", info.message()))
            }
            other => Error::Database(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Error {
        Error::Database(format!("connection pool: {e}"))
    }
}
