//! The Conduit server: configuration, the axum router that serves the Leptos UI, its server
//! functions and the RealWorld REST API, and the HTTP layers around them.

#![recursion_limit = "256"]

pub mod api;
pub mod assets;
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

use std::sync::Arc;

use axum::extract::FromRef;
use axum::Router;
use domain::auth::SessionPolicy;
use domain::{Db, Services, Tokens};
use leptos::config::LeptosOptions;

use crate::assets::SiteAssets;
use crate::config::Config;
use crate::shutdown::Lifecycle;

/// What every request shares: the domain's services (all that REST handlers need), and what the
/// Leptos side adds (its options, the bundle's file names, and whether cookies are `Secure`).
#[derive(Clone, Debug)]
pub struct AppState {
    pub services: Services,
    pub secure_cookies: bool,
    pub leptos_options: LeptosOptions,
    pub assets: SiteAssets,
}

impl AppState {
    /// The shared state of a loaded configuration and a connected database.
    pub fn new(config: &Config, db: Db, leptos_options: LeptosOptions) -> AppState {
        // Hashing limits are the process's (its memory and cores): the first state sets them.
        if let Err(in_force) = domain::auth::limit_hashing(config.hash_limits) {
            if in_force != config.hash_limits {
                tracing::warn!(
                    ?in_force,
                    "password hashing limits were set before; keeping them"
                );
            }
        }
        // `main` checked the hash file at start (`assets::locate`); should it go missing since,
        // pages keep their unhashed names, as Leptos's own scripts do.
        let assets = SiteAssets::of(&leptos_options).unwrap_or_else(|err| {
            tracing::error!(error = %err, "the bundle's hashed names are unknown");
            SiteAssets::unhashed(&leptos_options)
        });
        AppState {
            services: Services {
                db,
                writes: domain::WriteLimit::new(config.write_rate),
                tokens: Tokens::new(&config.jwt_secret, config.token_ttl),
                sessions: SessionPolicy {
                    idle: config.session_idle,
                },
            },
            secure_cookies: config.serves_https(),
            leptos_options,
            assets,
        }
    }
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Services {
        state.services.clone()
    }
}

impl FromRef<AppState> for SiteAssets {
    fn from_ref(state: &AppState) -> SiteAssets {
        state.assets.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// The whole application: `/api` (REST), `/rpc` (server functions), pages and static files and
/// the probes, inside the layers of [`layers`]; `/metrics` is apart (see [`metrics_app`]).
/// Readiness follows a lifecycle of its own; the server binary uses [`router_in_lifecycle`] to
/// share one with its shutdown sequence.
pub fn router(config: &Config, state: AppState) -> Router {
    router_in_lifecycle(config, state, &Lifecycle::default())
}

/// [`router`] whose `/readyz` fails once `lifecycle` starts draining.
pub fn router_in_lifecycle(config: &Config, state: AppState, lifecycle: &Lifecycle) -> Router {
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
