//! The Conduit UI: routes, pages and components, each page beside its server functions.
//! With the `ssr` feature it also holds the domain layer (`domain`) that every server function
//! and every REST handler goes through.

pub mod components;
#[cfg(feature = "ssr")]
pub mod domain;
pub mod models;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server_ctx;

mod app;
pub use app::{shell, App};

/// Where server functions are served: a prefix of their own, so they can never collide with the
/// RealWorld REST API under `/api`.
pub const SERVER_FN_PREFIX: &str = "/rpc";
