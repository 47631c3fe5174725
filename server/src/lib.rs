//! The Conduit server: configuration, the axum router that serves the Leptos UI, its server
//! functions and the RealWorld REST API, and the HTTP layers around them.

#![recursion_limit = "256"]

pub mod api;
pub mod config;
pub mod discovery;
pub mod health;
pub mod layers;
pub mod metrics;
pub mod migrate;
pub mod seed;
pub mod serve;
pub mod shutdown;
pub mod web;

use app::domain::auth::SessionPolicy;
use app::domain::{Db, Tokens};
use app::server_ctx::AppState;
use std::sync::Arc;

use axum::Router;
use leptos::config::LeptosOptions;

use crate::config::Config;
use crate::shutdown::Lifecycle;

/// Builds the shared state from a loaded configuration and a connected database.
pub fn state(config: &Config, db: Db, leptos_options: LeptosOptions) -> AppState {
    // Hashing limits are the process's (its memory and cores): the first state sets them.
    if let Err(in_force) = app::domain::auth::limit_hashing(config.hash_limits) {
        if in_force != config.hash_limits {
            tracing::warn!(
                ?in_force,
                "password hashing limits were set before; keeping them"
            );
        }
    }
    AppState {
        db,
        writes: app::domain::WriteLimit::new(config.write_rate),
        tokens: Tokens::new(&config.jwt_secret, config.token_ttl),
        sessions: SessionPolicy {
            idle: config.session_idle,
        },
        secure_cookies: config.serves_https(),
        leptos_options,
    }
}

/// The whole application: `/api` (REST), `/rpc` (server functions), pages and static files and
/// the probes, inside the layers of [`layers`]; `/metrics` is apart (see [`metrics_app`]).
/// Readiness follows a lifecycle of its own; the server binary uses [`app`] to share one with its
/// shutdown sequence.
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
    let site = Arc::new(web::SiteOrigin::new(config));
    let routes = Router::new()
        .nest("/api", api::routes(config))
        .merge(health::routes(lifecycle.clone()))
        .merge(discovery::routes(site.clone()))
        .merge(web::routes(site, state.clone()))
        .with_state(state);
    layers::apply(routes, config, &options)
}

/// `/metrics` alone, for a listener of its own (`CONDUIT_METRICS_ADDR`): the scraper reaches it,
/// the public gateway, which routes to the application's port, does not.
pub fn metrics_app(config: &Config, state: AppState) -> Router {
    metrics::install();
    metrics::routes(config.pool.max_connections).with_state(state)
}
