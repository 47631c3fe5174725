//! The one error type of the domain layer. Each transport maps it once: the REST API to the
//! spec's `{"errors": {field: [message]}}` envelope and status, the UI to readable messages.

use std::fmt;
use std::time::Duration;

/// A list of `(field, message)` pairs, in the order they were found.
pub type FieldErrors = Vec<(&'static str, String)>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no identity, or one we cannot trust (`token: is missing`, `credentials: invalid`).
    #[error("{0} {1}")]
    Unauthorized(&'static str, &'static str),
    /// 403: the thing exists but belongs to someone else (`article: forbidden`).
    #[error("{0} forbidden")]
    Forbidden(&'static str),
    /// 404: `article`, `profile` or `comment` not found.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 422: input that breaks a rule.
    #[error("{}", Fields(.0))]
    Invalid(FieldErrors),
    /// 409: a unique value someone else already has.
    #[error("{}", Fields(.0))]
    Conflict(FieldErrors),
    /// 429: the user made too many articles and comments lately; the next write is allowed
    /// after the wait.
    #[error("too many writes")]
    TooManyWrites(Duration),
    /// 503: the database cannot be reached or its pool is exhausted; retrying later helps.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// 500: a bug or an unexpected database state. Logged; never shown in detail.
    #[error("internal error")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![(field, message.into())])
    }

    /// The `(field, messages)` pairs that the spec's error envelope lists.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Error::Unauthorized(field, message) => vec![(*field, (*message).to_string())],
            Error::Forbidden(field) => vec![(*field, "forbidden".into())],
            Error::NotFound(field) => vec![(*field, "not found".into())],
            Error::Invalid(fields) | Error::Conflict(fields) => fields.clone(),
            Error::TooManyWrites(_) => vec![(
                "request",
                format!(
                    "too many articles and comments, try again in {} seconds",
                    self.retry_after_secs().unwrap_or(1)
                ),
            )],
            Error::Unavailable => vec![("service", "is temporarily unavailable".into())],
            Error::Internal(_) => vec![("server", "internal error".into())],
        }
    }

    /// For a refusal that passes with time: the whole seconds to wait (a `Retry-After` value).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::TooManyWrites(wait) => {
                Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
            }
            _ => None,
        }
    }

    /// Readable sentences for the UI, e.g. "email has already been taken".
    pub fn messages(&self) -> Vec<String> {
        self.fields()
            .into_iter()
            .map(|(field, message)| format!("{field} {message}"))
            .collect()
    }
}

struct Fields<'a>(&'a FieldErrors);

impl fmt::Display for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: Vec<String> = self.0.iter().map(|(k, v)| format!("{k} {v}")).collect();
        f.write_str(&text.join(", "))
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match err {
            // The pool is exhausted or the server is gone: a quick 503, never a hang or a 500.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %err, "database unavailable");
                Error::Unavailable
            }
            // SQLSTATE class 28: the database refuses the credentials (say, a rotation whose
            // secret has not arrived); the service is down, the request was fine.
            ref refused if super::db::is_auth_failure(refused) => {
                tracing::error!(error = %err, "database refused the credentials");
                Error::Unavailable
            }
            other => {
                tracing::error!(error = %other, "database error");
                Error::Internal(other.to_string())
            }
        }
    }
}

/// True when a database error is the violation of a unique constraint.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A NOT NULL constraint refused a row (SQLSTATE 23502).
pub(crate) fn is_not_null_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23502"))
}

/// The unique constraint a database error violated, by the name the error gives it:
/// PostgreSQL names the constraint or index (`users_username_key`); SQLite's message names the
/// column of a column constraint (`users.username`) or the index of an expression
/// (`index 'users_email_key'`), which comes back without its quotes (`users_email_key`).
pub(crate) fn violated_unique(err: &sqlx::Error) -> Option<&str> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    db.constraint().or_else(|| {
        let named = db.message().strip_prefix("UNIQUE constraint failed: ")?;
        Some(match named.strip_prefix("index '") {
            Some(index) => index.trim_end_matches('\''),
            None => named,
        })
    })
}
