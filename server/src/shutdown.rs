//! Graceful shutdown: SIGTERM or SIGINT turns readiness false first (and from then on every
//! response says `Connection: close`), then (after the optional `CONDUIT_SHUTDOWN_DELAY_SECS`, so
//! load balancers stop routing here) the listener drains its backlog and closes, every request a
//! client has sent is answered, and the process exits; `CONDUIT_SHUTDOWN_TIMEOUT_SECS` bounds
//! the wait. The connection side of it is in `serve.rs`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// Whether the server is draining; shared by `/readyz` and the shutdown sequence.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    draining: Arc<watch::Sender<bool>>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            draining: Arc::new(watch::channel(false).0),
        }
    }
}

impl Lifecycle {
    /// Marks the server as shutting down: readiness fails from now on.
    pub fn start_draining(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Resolves once draining has started.
    pub async fn draining(&self) {
        let mut receiver = self.draining.subscribe();
        let _ = receiver.wait_for(|draining| *draining).await;
    }
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C).
pub async fn signal() -> &'static str {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "SIGINT",
        () = terminate => "SIGTERM",
    }
}

/// The `stop` future of `serve::serve`: waits for a signal, turns readiness false, waits `delay`
/// while still serving, then lets the listener close.
pub async fn on_signal(lifecycle: Lifecycle, delay: Duration) {
    let name = signal().await;
    lifecycle.start_draining();
    tracing::info!(
        signal = name,
        delay_secs = delay.as_secs_f64(),
        "shutdown requested: readiness is now false"
    );
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    tracing::info!("no longer accepting new connections; answering the ones accepted");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn draining_is_seen_by_every_clone() {
        let lifecycle = Lifecycle::default();
        let other = lifecycle.clone();
        assert!(!other.is_draining());
        let waiter = tokio::spawn(async move { other.draining().await });
        lifecycle.start_draining();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(lifecycle.is_draining());
        // Already draining: resolves at once.
        tokio::time::timeout(Duration::from_millis(100), lifecycle.draining())
            .await
            .unwrap();
    }
}
