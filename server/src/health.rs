//! Probes for Kubernetes: `/healthz` says the process serves (200 while it runs, even while the
//! database is down, so the pod is not restarted for a database outage); `/readyz` says the
//! server should get traffic: 200 when the database answers and every migration is applied,
//! 503 when it does not or once shutdown has begun.

use domain::Services;
use std::time::Duration;

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Router};

use crate::shutdown::Lifecycle;

/// Readiness must answer quickly even when the database hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes(lifecycle: Lifecycle) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(Extension(lifecycle))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(
    State(state): State<Services>,
    Extension(lifecycle): Extension<Lifecycle>,
) -> (StatusCode, &'static str) {
    if lifecycle.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    match tokio::time::timeout(READY_TIMEOUT, state.db.is_ready()).await {
        Ok(true) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
