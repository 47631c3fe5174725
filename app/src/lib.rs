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
/// RealWorld REST API under `/api`. Set once, in `.cargo/config.toml`, where `#[server]` reads it.
pub const SERVER_FN_PREFIX: &str = env!("SERVER_FN_PREFIX");

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn every_server_function_is_served_under_the_prefix() {
        let paths: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
        assert!(paths.len() >= 16, "{paths:?}");
        for (path, _) in paths {
            assert!(path.starts_with(super::SERVER_FN_PREFIX), "{path}");
        }
    }
}
