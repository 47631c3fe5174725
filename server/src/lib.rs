//! The Conduit server: configuration, the axum router that serves the Leptos UI, its server
//! functions and the RealWorld REST API, and the HTTP layers around them.

#![recursion_limit = "256"]

pub mod api;
pub mod config;
pub mod health;
pub mod layers;
pub mod metrics;
pub mod migrate;
pub mod seed;
pub mod shutdown;
pub mod web;

use app::domain::{Db, Tokens};
use app::server_ctx::AppState;
use axum::Router;
use leptos::config::LeptosOptions;

use crate::config::Config;
use crate::shutdown::Lifecycle;

/// Builds the shared state from a loaded configuration and a connected database.
pub fn state(config: &Config, db: Db, leptos_options: LeptosOptions) -> AppState {
    AppState {
        db,
        tokens: Tokens::new(&config.jwt_secret, config.token_ttl),
        secure_cookies: config.is_production(),
        leptos_options,
    }
}

/// The whole application: `/api` (REST), `/rpc` (server functions), pages and static files,
/// the probes and `/metrics`, inside the layers of [`layers`]. Readiness follows a lifecycle of
/// its own; the server binary uses [`app`] to share one with its shutdown sequence.
pub fn router(config: &Config, state: AppState) -> Router {
    app(config, state, &Lifecycle::default())
}

/// [`router`] whose `/readyz` fails once `lifecycle` starts draining.
pub fn app(config: &Config, state: AppState, lifecycle: &Lifecycle) -> Router {
    metrics::install();
    let options = layers::Options {
        hashed_assets: state.leptos_options.hash_files,
        reload_port: Some(state.leptos_options.reload_port),
    };
    let routes = Router::new()
        .nest("/api", api::routes(config))
        .merge(health::routes(lifecycle.clone()))
        .merge(metrics::routes(config.pool.max_connections))
        .merge(web::routes(state.clone()))
        .with_state(state);
    layers::apply(routes, config, &options)
}
