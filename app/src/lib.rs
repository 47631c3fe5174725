//! The Conduit UI: routes, pages and components, each page beside its server functions. With
//! the `ssr` feature the server functions call the domain layer (the `domain` crate), which the
//! REST API in `server` calls too.

pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server_ctx;

mod app;
pub use app::{shell, App};

/// Where server functions are served: a prefix of their own, so they can never collide with the
/// RealWorld REST API under `/api`.
pub const SERVER_FN_PREFIX: &str = "/rpc";
