//! The one mapping from errors to HTTP responses.
//!
//! Handlers return [`Result`]; `?` turns an [`rt_core::Error`] into an
//! [`Error`], whose [`ResponseError`] impl picks the status. Errors about
//! what the client asked for (not found, permission denied, invalid input,
//! conflict) are shown to the client; configuration and database failures
//! answer a generic message and are logged with their details, so that no
//! database URL or internal detail reaches a browser.

use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};

/// `Result` with rt-web's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// rt-core refused or failed the operation.
    #[error(transparent)]
    Core(#[from] rt_core::Error),
    /// The blocking thread pool is gone (the server is shutting down).
    #[error("the server is shutting down")]
    ShuttingDown,
}

impl From<BlockingError> for Error {
    fn from(_: BlockingError) -> Error {
        Error::ShuttingDown
    }
}

/// The HTTP status for an rt-core error.
pub fn status_of(error: &rt_core::Error) -> StatusCode {
    use rt_core::Error as E;
    match error {
        E::NotFound { .. } => StatusCode::NOT_FOUND,
        E::PermissionDenied { .. } => StatusCode::FORBIDDEN,
        E::Validation { .. } => StatusCode::BAD_REQUEST,
        E::Conflict(_) => StatusCode::CONFLICT,
        E::Config { .. } | E::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl Error {
    /// The message shown to the client: the error itself for client errors,
    /// a generic sentence for server errors.
    pub fn public_message(&self) -> String {
        match self {
            Error::Core(e) if !status_of(e).is_server_error() => e.to_string(),
            Error::Core(_) => "internal server error".to_string(),
            Error::ShuttingDown => self.to_string(),
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::Core(e) => status_of(e),
            Error::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, status = status.as_u16(), "request failed");
        }
        HttpResponse::build(status).content_type(ContentType::plaintext()).body(self.public_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(e: rt_core::Error) -> Error {
        Error::Core(e)
    }

    #[test]
    fn client_errors_keep_their_message() {
        let cases = [
            (rt_core::Error::not_found("ticket", 42), StatusCode::NOT_FOUND),
            (rt_core::Error::denied("ModifyTicket", "queue General"), StatusCode::FORBIDDEN),
            (rt_core::Error::invalid("status", "no such status"), StatusCode::BAD_REQUEST),
            (rt_core::Error::Conflict("duplicate name".into()), StatusCode::CONFLICT),
        ];
        for (e, status) in cases {
            let text = e.to_string();
            let e = core(e);
            assert_eq!(e.status_code(), status);
            assert_eq!(e.public_message(), text);
        }
    }

    #[test]
    fn server_errors_hide_their_details() {
        let cases = [
            rt_core::Error::Database("cannot open postgres://rt:s3cret@db/rt".into()),
            rt_core::Error::Config { key: "database_url".into(), message: "s3cret".into() },
        ];
        for e in cases {
            let e = core(e);
            assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
            assert!(!e.public_message().contains("s3cret"));
        }
        assert_eq!(Error::ShuttingDown.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
