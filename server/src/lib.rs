//! The Conduit server: configuration, the axum router that serves the Leptos UI, its server
//! functions and the RealWorld REST API, and the HTTP layers around them.

#![recursion_limit = "256"]

pub mod api;
pub mod config;
pub mod health;
pub mod web;

use app::domain::{Db, Tokens};
use app::server_ctx::AppState;
use axum::Router;
use leptos::config::LeptosOptions;

use crate::config::Config;

/// Builds the shared state from a loaded configuration and a connected database.
pub fn state(config: &Config, db: Db, leptos_options: LeptosOptions) -> AppState {
    AppState {
        db,
        tokens: Tokens::new(&config.jwt_secret, config.token_ttl),
        secure_cookies: config.is_production(),
        leptos_options,
    }
}

/// The whole application: `/api` (REST), `/rpc` (server functions), pages and static files.
pub fn router(config: &Config, state: AppState) -> Router {
    Router::new()
        .nest("/api", api::routes(config))
        .merge(health::routes())
        .merge(web::routes(state.clone()))
        .with_state(state)
}
