//! The domain layer: every rule and every query of Conduit, written once. Server functions (the
//! UI) and REST handlers (the API) are thin adapters over these functions. Compiled only into the
//! server (`ssr` feature).

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

/// A user's database id. Only the domain mints these, from a verified token or session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A bound for a viewer-dependent query: "nobody" matches no row.
pub(crate) fn viewer_id(viewer: Option<UserId>) -> i64 {
    viewer.map_or(0, |user| user.0)
}
