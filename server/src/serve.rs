//! The HTTP/1.1 server loop: hyper with a timer, so that slow clients are cut off, and a
//! shutdown that drops no request a client has already sent.
//!
//! `axum::serve` gives hyper no timer, so a client could take forever to send its headers and
//! hold a connection (and its buffer) as long as it liked. Here every connection gets
//! `CONDUIT_HEADER_READ_TIMEOUT_SECS` to send each request head (which also bounds how long an
//! idle keep-alive connection stays open) and `CONDUIT_MAX_HEADER_BYTES` for it (431 beyond).
//!
//! Shutdown, once `stop` resolves:
//! 1. every response from the moment draining starts carries `Connection: close`, so keep-alive
//!    clients reconnect (elsewhere) instead of reusing a connection that is about to go;
//! 2. the listener stops completing handshakes (a socket filter drops new SYNs, so those clients
//!    retry and then find the port closed, before they could send anything), handshakes already
//!    under way get [`HANDSHAKE_GRACE`] to complete, and the listen backlog is drained: the
//!    connections the kernel completed but nobody accepted yet are accepted until `accept` would
//!    block, and only then is the listener closed (closing it resets every queued or half-open
//!    connection, whose client may already have sent its request);
//! 3. every open connection gets a last call of [`LAST_CALL`]: a request it sends (or has sent and
//!    is still in the socket buffer) is served, with `Connection: close`; hyper's own graceful
//!    shutdown would close a connection whose request was not read yet as if it were idle;
//! 4. connections still open after the last call finish their request in flight and close;
//!    the caller bounds the whole wait (`CONDUIT_SHUTDOWN_TIMEOUT_SECS`).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{self, HeaderValue};
use axum::http::{Request, Version};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::shutdown::Lifecycle;

/// How long an open connection may still start a request once the listener has closed: enough
/// for a request already on its way, short enough that idle keep-alive connections do not hold up
/// the exit.
pub const LAST_CALL: Duration = Duration::from_secs(1);

/// What one connection may cost before it sends a complete request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time to send a request head; the connection is closed without an answer after it.
    pub header_read_timeout: Duration,
    /// Size of a request head (request line and headers); 431 beyond it. Also the most a
    /// connection buffers while its head is incomplete.
    pub max_header_bytes: usize,
}

/// Serves `router` on `listener` until `stop` resolves, then shuts down as the module says and
/// returns once every connection has closed. Requests carry the peer's address as
/// `ConnectInfo<SocketAddr>` (the sign-in rate limit keys on it).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    lifecycle: Lifecycle,
    stop: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        // hyper refuses a buffer under 8 KiB; the configuration enforces that minimum.
        .max_buf_size(limits.max_header_bytes);
    let connections = Connections {
        builder,
        router,
        lifecycle,
        closing: watch::channel(false).0,
        open: watch::channel(()).0,
    };

    tokio::pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => connections.spawn(stream, peer),
                Err(err) => on_accept_error(err).await,
            },
        }
    }

    let drained = match listener.into_std() {
        Ok(listener) => {
            refuse_new_handshakes(&listener);
            tokio::time::sleep(HANDSHAKE_GRACE).await;
            drain_backlog(listener, &connections)
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot drain the listen backlog");
            0
        }
    };
    tracing::info!(
        backlog = drained,
        open = connections.open.receiver_count(),
        "listener closed; serving what open connections have sent"
    );
    connections.closing.send_replace(true);
    connections.open.closed().await;
}

/// How long handshakes under way when the listener stops taking new ones have to complete: a
/// round trip on the pod's loopback (its mesh proxy) or a local network is far shorter.
const HANDSHAKE_GRACE: Duration = Duration::from_millis(50);

/// Makes the kernel drop new connection attempts (a TCP segment with SYN and without ACK) to the
/// listener, while the final ACKs of handshakes under way still complete them. Without it, a
/// handshake finishing between the last accept and the close is reset after its client has
/// sent a request. A failure only widens that window again, so it is logged, not fatal.
fn refuse_new_handshakes(listener: &std::net::TcpListener) {
    use socket2::{SockFilter, SockRef};
    // Classic BPF; a TCP socket's filter sees the segment from its TCP header on.
    const LOAD_BYTE: u16 = 0x30; // BPF_LD | BPF_B | BPF_ABS
    const AND: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
    const JUMP_IF_EQUAL: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RETURN: u16 = 0x06; // BPF_RET | BPF_K
    const TCP_FLAGS_OFFSET: u32 = 13;
    const SYN: u32 = 0x02;
    const ACK: u32 = 0x10;
    let program = [
        SockFilter::new(LOAD_BYTE, 0, 0, TCP_FLAGS_OFFSET),
        SockFilter::new(AND, 0, 0, SYN | ACK),
        SockFilter::new(JUMP_IF_EQUAL, 0, 1, SYN),
        SockFilter::new(RETURN, 0, 0, 0), // a new handshake: dropped
        SockFilter::new(RETURN, 0, 0, u32::MAX), // anything else: kept whole
    ];
    if let Err(err) = SockRef::from(listener).attach_filter(&program) {
        tracing::warn!(error = %err, "cannot stop new handshakes before draining the backlog");
    }
}

/// Accepts what waits in the listen backlog, then closes the listener; returns how many it took.
/// Non-blocking accepts straight on the socket: the runtime's readiness flag may not have seen
/// the latest connections yet, the kernel has.
fn drain_backlog(listener: std::net::TcpListener, connections: &Connections) -> usize {
    let mut drained = 0;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                match stream
                    .set_nonblocking(true)
                    .and_then(|()| TcpStream::from_std(stream))
                {
                    Ok(stream) => {
                        connections.spawn(stream, peer);
                        drained += 1;
                    }
                    Err(err) => tracing::warn!(error = %err, "cannot serve a connection"),
                }
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return drained,
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                tracing::warn!(error = %err, "accept failed while draining the backlog");
                return drained;
            }
        }
    }
}

struct Connections {
    builder: http1::Builder,
    router: Router,
    lifecycle: Lifecycle,
    /// Turns true when the listener has closed: the connections' last call.
    closing: watch::Sender<bool>,
    /// Each connection task holds a receiver; all gone means every connection has closed.
    open: watch::Sender<()>,
}

impl Connections {
    fn spawn(&self, stream: TcpStream, peer: SocketAddr) {
        let router = self.router.clone();
        let lifecycle = self.lifecycle.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let http1 = request.version() <= Version::HTTP_11;
            let (router, lifecycle) = (router.clone(), lifecycle.clone());
            async move {
                let Ok(mut response) = router.oneshot(request).await;
                if http1 && lifecycle.is_draining() {
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(response)
            }
        });
        let connection = self.builder.serve_connection(TokioIo::new(stream), service);
        let mut closing = self.closing.subscribe();
        let open = self.open.subscribe();
        tokio::spawn(async move {
            let _open = open;
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => return log_end(result),
                () = last_call(&mut closing) => {}
            }
            if let Ok(result) = tokio::time::timeout(LAST_CALL, connection.as_mut()).await {
                return log_end(result);
            }
            // Idle: closed now. A request in flight (or a head still arriving, within its
            // timeout): answered, then closed.
            connection.as_mut().graceful_shutdown();
            log_end(connection.await);
        });
    }
}

/// Resolves when the listener has closed.
async fn last_call(closing: &mut watch::Receiver<bool>) {
    // An error means the server loop is gone, which only happens after it sent `true`.
    let _ = closing.wait_for(|closing| *closing).await;
}

fn log_end(result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        // Clients going away, header timeouts, malformed requests: theirs, not ours.
        tracing::debug!(error = %err, "connection ended with an error");
    }
}

/// Errors about one connection that went away before it was accepted.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Out of file descriptors and the like: wait a moment instead of spinning on the error.
async fn on_accept_error(err: io::Error) {
    if is_connection_error(&err) {
        return;
    }
    tracing::error!(error = %err, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
