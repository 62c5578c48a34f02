//! The one error type of Parlor. Domain code returns it; `api::error` turns it into the JSON
//! error body and status code, so the domain never knows about HTTP.

/// Everything that can go wrong while serving a request or running a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed (for example JSON that does not parse).
    #[error("{0}")]
    BadRequest(String),
    /// No credential, or one that is malformed, unknown, expired or revoked; `code` says which
    /// (such as `EXPIRED_API_KEY`).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// The credential is valid but may not do this; `code` says why (such as `MISSING_SCOPE`).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// The resource does not exist, or belongs to another workspace.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The request body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request body has a content type that the endpoint does not accept.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request is well-formed but its content is not acceptable.
    #[error("{0}")]
    Validation(String),
    /// The HTTP method is not supported on this path.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Too many requests; the caller should wait.
    #[error("{message}")]
    RateLimited { message: String, retry_after_secs: u64 },
    /// The database failed. The cause is logged, never shown to the caller.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Anything else unexpected. The cause is logged, never shown to the caller.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Error::Internal(anyhow::Error::new(err).context("database migration failed"))
    }
}

impl Error {
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Error::Unauthorized { code, message: message.into() }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Error::Forbidden { code, message: message.into() }
    }
}

/// The error code of a request whose `Origin` a key does not allow.
pub const ORIGIN_NOT_ALLOWED: &str = "ORIGIN_NOT_ALLOWED";

/// The result type of the domain.
pub type Result<T, E = Error> = std::result::Result<T, E>;
