//! The domain layer: every rule and every query of Conduit, written once. Server functions (the
//! UI, in `app`) and REST handlers (the API, in `server`) are thin adapters over these
//! functions. It knows nothing of either transport, and never reaches the browser.

pub mod articles;
pub mod auth;
pub mod comments;
pub mod db;
mod error;
pub mod markdown;
pub mod profiles;
pub mod sitemap;
pub mod tags;
pub mod users;
pub mod validate;
pub mod write_limit;

pub use auth::Tokens;
pub use db::Db;
pub use error::{Error, FieldErrors, Result};
pub use write_limit::{WriteLimit, WriteRate};

/// What every operation of the domain may need, built once at start-up and shared by both
/// transports (server functions and REST handlers).
#[derive(Clone, Debug)]
pub struct Services {
    pub db: Db,
    /// Each user's budget of new articles and comments.
    pub writes: WriteLimit,
    pub tokens: Tokens,
    pub sessions: auth::SessionPolicy,
}

/// A user's database id. Only the domain mints these, from a verified token or session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// Who makes a request, resolved once per request from its session cookie (the UI) or its
/// token (the API), and handed on from there; nothing re-reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub id: UserId,
    pub username: String,
}

/// A bound for a viewer-dependent query: "nobody" matches no row.
pub(crate) fn viewer_id(viewer: Option<UserId>) -> i64 {
    viewer.map_or(0, |user| user.0)
}
