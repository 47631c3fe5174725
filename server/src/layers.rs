//! The HTTP layers around the whole application, outermost first:
//!
//! 1. request id: `x-request-id` from the client when it is sane, else a new UUID; returned in the
//!    response; `Authorization`, `Cookie` and `Set-Cookie` marked sensitive;
//! 2. observation: a `request` span (request id, method, route template) around everything
//!    below, one log line per request (status, latency), and the Prometheus request metrics;
//! 3. security headers (CSP with a per-request nonce, nosniff, referrer policy, frame denial,
//!    a permissions policy, cross-origin opener isolation, HSTS over HTTPS) and
//!    `Cache-Control`;
//! 4. compression (brotli, gzip);
//! 5. the rate limit on sign-in, sign-up and password changes per client (IPv4 address or IPv6
//!    /64; 429 + `Retry-After`);
//! 6. `Retry-After: 1` on every 503 (busy), and the request timeout (503);
//! 7. the request body limit outside `/api` (413; `/api` has its own with the same limit).
//!
//! Errors made here use the API's envelope, `{"errors": {"field": ["message"]}}`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::components::error::{AppError, Problem};
use app::SERVER_FN_PREFIX;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower::ServiceBuilder;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tracing::Instrument;

use crate::config::{AuthRate, Config};
use crate::metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");
const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// Powerful browser features the site never uses, denied to it and to anything it embeds, so that
/// injected markup or a compromised image host cannot prompt for them.
const DENIED_FEATURES: &str = "accelerometer=(), bluetooth=(), camera=(), display-capture=(), \
    geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), \
    serial=(), usb=()";

/// What the layers need to know beyond `Config`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// cargo-leptos hashes the file names under `/pkg` (`hash-files`): they may be cached forever.
    pub hashed_assets: bool,
    /// The cargo-leptos live-reload port, allowed as a WebSocket target in development.
    pub reload_port: Option<u32>,
}

/// Wraps every route of `router` (including the fallback) in the layers above.
pub fn apply(router: Router, config: &Config, options: &Options) -> Router {
    let security = Arc::new(Security::new(config, options));
    let limiter = config
        .auth_rate
        .map(|rate| Arc::new(AuthLimiter::new(rate, config.proxy_hops)));
    let compression = CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("font/woff2")));
    let timeout = config.request_timeout;
    let body_limit = config.body_limit;

    router.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(drop_insane_request_id))
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(SetSensitiveRequestHeadersLayer::new([
                header::AUTHORIZATION,
                header::COOKIE,
            ]))
            .layer(SetSensitiveResponseHeadersLayer::new([header::SET_COOKIE]))
            .layer(middleware::from_fn(observe))
            .layer(middleware::from_fn_with_state(security, security_headers))
            .layer(compression)
            .layer(middleware::from_fn_with_state(limiter, rate_limit))
            .layer(middleware::from_fn(retry_busy_soon))
            .layer(middleware::from_fn_with_state(timeout, request_timeout))
            .layer(middleware::from_fn_with_state(body_limit, limit_body)),
    )
}

/// An error response in the API's envelope.
pub fn envelope(status: StatusCode, field: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "errors": { field: [message] } })),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Request id

/// A client's `x-request-id` is kept when it is short printable ASCII; anything else (log
/// injection, huge values) is replaced by a generated one.
async fn drop_insane_request_id(mut request: Request, next: Next) -> Response {
    let sane = request.headers().get(&REQUEST_ID).map(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 128
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
    });
    if sane == Some(false) {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

// ---------------------------------------------------------------------------------------------
// Observation

/// The `route` label and log field: the matched route template, never the raw path.
fn route_of(request: &Request) -> String {
    if let Some(matched) = request.extensions().get::<MatchedPath>() {
        let route = matched.as_str();
        // The API's own 404 fallback is a catch-all route.
        return match route.find("{*") {
            Some(i) => format!("{}*", &route[..i]),
            None => route.to_string(),
        };
    }
    if request.uri().path().starts_with("/pkg/") {
        "/pkg/*".into()
    } else {
        // Static files from the site root and the 404 page.
        "fallback".into()
    }
}

/// Counts a request in flight until dropped; a request dropped before its response (the client
/// went away, or the server shut down) is logged and counted as 499.
struct InFlight {
    span: tracing::Span,
    started: Instant,
    method: &'static str,
    route: String,
    done: bool,
}

impl InFlight {
    fn new(span: tracing::Span, method: &'static str, route: String) -> Self {
        ::metrics::gauge!(metrics::IN_FLIGHT).increment(1.0);
        InFlight {
            span,
            started: Instant::now(),
            method,
            route,
            done: false,
        }
    }

    fn finish(&mut self, status: u16) -> Duration {
        self.done = true;
        let latency = self.started.elapsed();
        let labels = [
            ("method", self.method.to_string()),
            ("route", self.route.clone()),
            ("status", metrics::status_class(status).to_string()),
        ];
        ::metrics::counter!(metrics::REQUESTS, &labels).increment(1);
        ::metrics::histogram!(metrics::DURATION, &labels).record(latency.as_secs_f64());
        latency
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        ::metrics::gauge!(metrics::IN_FLIGHT).decrement(1.0);
        if !self.done {
            let latency = self.finish(499);
            let _entered = self.span.enter();
            tracing::info!(
                status = 499,
                latency_ms = millis(latency),
                "request abandoned before its response"
            );
        }
    }
}

/// Milliseconds with microsecond precision, for logs.
fn millis(latency: Duration) -> f64 {
    (latency.as_secs_f64() * 1e6).round() / 1e3
}

async fn observe(request: Request, next: Next) -> Response {
    let method = metrics::method_label(request.method());
    let route = route_of(&request);
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let path = request.uri().path().to_string();
    let mut in_flight = InFlight::new(span.clone(), method, route);
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let latency_ms = millis(in_flight.finish(status));
    let _entered = span.enter();
    if status >= 500 {
        tracing::warn!(status, latency_ms, path = %path, "request");
    } else {
        tracing::info!(status, latency_ms, path = %path, "request");
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Security headers and caching

/// The CSP nonce of a request, put in its extensions for the Leptos shell (see `web.rs`).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

struct Security {
    /// Users reach the site over HTTPS (`Config::serves_https`): HSTS is sent.
    hsts: bool,
    hashed_assets: bool,
    dev_connect: String,
}

impl Security {
    fn new(config: &Config, options: &Options) -> Self {
        let dev_connect = match options.reload_port {
            Some(port) if !config.is_production() => {
                format!(" ws://localhost:{port} ws://127.0.0.1:{port}")
            }
            _ => String::new(),
        };
        Security {
            hsts: config.serves_https(),
            hashed_assets: options.hashed_assets,
            dev_connect,
        }
    }

    /// Only this origin, except images: profile pictures and article images are URLs that
    /// authors give, so `img-src` also allows `https:` (an image cannot run script).
    fn csp(&self, nonce: &str) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: https:; font-src 'self'; connect-src 'self'{}; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            self.dev_connect
        )
    }

    fn cache_control(
        &self,
        path: &str,
        matched: bool,
        status: StatusCode,
        content_type: &str,
    ) -> &'static str {
        if content_type.starts_with("text/html") {
            // Pages show the signed-in user.
            return "no-store";
        }
        let static_file =
            !matched && (status == StatusCode::OK || status == StatusCode::NOT_MODIFIED);
        if static_file && path.starts_with("/pkg/") {
            if self.hashed_assets {
                "public, max-age=31536000, immutable"
            } else {
                // Unhashed names change content in place: cache briefly, then revalidate.
                "public, max-age=300, must-revalidate"
            }
        } else if static_file {
            "public, max-age=3600"
        } else {
            "no-store"
        }
    }
}

async fn security_headers(
    State(security): State<Arc<Security>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = leptos::nonce::Nonce::new().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = request.uri().path().to_string();
    let matched = request.extensions().get::<MatchedPath>().is_some();
    let mut response = next.run(request).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&security.csp(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        PERMISSIONS_POLICY,
        HeaderValue::from_static(DENIED_FEATURES),
    );
    // A page this site opens, or that opens it, gets no handle on the other's window.
    headers.insert(
        CROSS_ORIGIN_OPENER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if security.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let value = security.cache_control(&path, matched, status, &content_type);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Sign-in, sign-up and password-change rate limit

/// Whom the limit counts: an IPv4 client by its address, an IPv6 client by its /64 prefix (one
/// host or home network is normally given a whole /64, so counting single IPv6 addresses would
/// give one client 2^64 buckets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                ClientKey(IpAddr::V6(prefix.into()))
            }
            v4 => ClientKey(v4),
        }
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V6(prefix) => write!(f, "{prefix}/64"),
            v4 => write!(f, "{v4}"),
        }
    }
}

pub struct AuthLimiter {
    limiter: DefaultKeyedRateLimiter<ClientKey>,
    proxy_hops: usize,
    checks: AtomicU64,
}

impl AuthLimiter {
    fn new(rate: AuthRate, proxy_hops: usize) -> Self {
        let per_minute = NonZeroU32::new(rate.per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
        AuthLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            proxy_hops,
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address: the TCP peer, or with `proxy_hops` = N behind N proxies that each
    /// append the address they received the request from, the N-th entry from the right of
    /// `X-Forwarded-For` (what the outermost trusted proxy saw). Entries further left are the
    /// client's own claims and never used. A header with fewer entries than hops (or an entry
    /// that is not an address) did not come through every proxy, so the peer counts.
    fn client(&self, request: &Request) -> Option<IpAddr> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if self.proxy_hops == 0 {
            return peer;
        }
        let entries: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        entries
            .iter()
            .rev()
            .nth(self.proxy_hops - 1)
            .and_then(|entry| address(entry.trim()))
            .or(peer)
    }

    /// `Err(wait)` when this client has used up its attempts.
    fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&ClientKey::from(client))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// An `X-Forwarded-For` entry: an address, or an address with a port (some proxies add one).
fn address(entry: &str) -> Option<IpAddr> {
    entry
        .parse()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// What guesses or sets a password, each costing an argon2 hash: sign-in and sign-up (the REST
/// endpoints and their server functions) and profile changes, which may carry a new password.
/// Only the route is looked at, so an attempt over the limit is refused before its body is read.
fn is_auth_attempt(method: &Method, path: &str) -> bool {
    use app::pages::{auth, settings};
    use leptos::server_fn::ServerFn;
    match *method {
        Method::POST => [
            "/api/users",
            "/api/users/login",
            auth::Login::PATH,
            auth::Register::PATH,
            settings::UpdateSettings::PATH,
        ]
        .contains(&path),
        Method::PUT => path == "/api/user",
        _ => false,
    }
}

async fn rate_limit(
    State(limiter): State<Option<Arc<AuthLimiter>>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(limiter) = &limiter {
        if is_auth_attempt(request.method(), request.uri().path()) {
            // Without a peer address (in-process calls) there is no client to count.
            if let Some(client) = limiter.client(&request) {
                if let Err(wait) = limiter.check(client) {
                    let route = route_of(&request);
                    ::metrics::counter!(metrics::RATE_LIMITED, "route" => route).increment(1);
                    tracing::warn!(client = %ClientKey::from(client), "sign-in/password rate limit reached");
                    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                    let mut response = if request.uri().path().starts_with(SERVER_FN_PREFIX) {
                        // The shape the UI reads a server function's error from.
                        let error = AppError::new(
                            Problem::TooManyRequests,
                            format!("Too many attempts. Please try again in {secs} seconds."),
                        );
                        (StatusCode::TOO_MANY_REQUESTS, Json(error)).into_response()
                    } else {
                        envelope(
                            StatusCode::TOO_MANY_REQUESTS,
                            "request",
                            "too many attempts, try again later",
                        )
                    };
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                    return response;
                }
            }
        }
    }
    next.run(request).await
}

// ---------------------------------------------------------------------------------------------
// Timeout and body limit

/// A 503 means busy (the database pool or the password-hashing queue is full, or the request
/// ran out of time): clients may retry in a second, whichever transport answered.
async fn retry_busy_soon(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from_static("1"));
    }
    response
}

async fn request_timeout(
    State(timeout): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_secs = timeout.as_secs_f64(), "request timed out");
            envelope(StatusCode::SERVICE_UNAVAILABLE, "request", "timed out")
        }
    }
}

/// The body limit outside `/api` (server functions and pages): a declared length over it is
/// refused at once; a streamed body is cut at the limit.
async fn limit_body(State(limit): State<usize>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(crate::api::PREFIX) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return envelope(StatusCode::PAYLOAD_TOO_LARGE, "body", "is too large");
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_attempts_are_recognised() {
        use app::pages::{auth, settings};
        use leptos::server_fn::ServerFn;
        assert!(is_auth_attempt(&Method::POST, "/api/users"));
        assert!(is_auth_attempt(&Method::POST, "/api/users/login"));
        assert!(is_auth_attempt(&Method::POST, auth::Login::PATH));
        assert!(is_auth_attempt(&Method::POST, auth::Register::PATH));
        assert!(is_auth_attempt(&Method::PUT, "/api/user"));
        assert!(is_auth_attempt(
            &Method::POST,
            settings::UpdateSettings::PATH
        ));
        assert!(!is_auth_attempt(&Method::GET, "/api/users"));
        assert!(!is_auth_attempt(&Method::GET, "/api/user"));
        assert!(!is_auth_attempt(&Method::POST, settings::Logout::PATH));
    }

    #[test]
    fn client_address_behind_proxies() {
        let request = |xff: &str| {
            let mut r = Request::builder()
                .uri("/")
                .header("x-forwarded-for", xff)
                .body(Body::empty())
                .unwrap();
            r.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 9], 4000))));
            r
        };
        let rate = AuthRate {
            per_minute: 1,
            burst: 1,
        };
        let peer: IpAddr = [10, 0, 0, 9].into();
        let direct = AuthLimiter::new(rate, 0);
        assert_eq!(direct.client(&request("1.2.3.4")), Some(peer));
        let one = AuthLimiter::new(rate, 1);
        assert_eq!(
            one.client(&request("6.6.6.6, 1.2.3.4")),
            Some([1, 2, 3, 4].into())
        );
        assert_eq!(
            one.client(&request("6.6.6.6, 1.2.3.4:5678")),
            Some([1, 2, 3, 4].into())
        );
        assert_eq!(
            one.client(&request("1.2.3.4, [2001:db8::1]:443")),
            Some("2001:db8::1".parse().unwrap())
        );
        let two = AuthLimiter::new(rate, 2);
        assert_eq!(
            two.client(&request("6.6.6.6, 1.2.3.4, 10.1.1.1")),
            Some([1, 2, 3, 4].into())
        );
        // Fewer entries than trusted proxies, or a garbled trusted entry: the peer counts, not
        // an entry the client may have written.
        assert_eq!(two.client(&request("1.2.3.4")), Some(peer));
        assert_eq!(two.client(&request("6.6.6.6, junk, 10.1.1.1")), Some(peer));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_prefix() {
        let key = |ip: &str| ClientKey::from(ip.parse::<IpAddr>().unwrap());
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2::1").to_string(), "2001:db8:1:2::/64");
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        // An IPv4 client on a dual-stack socket is still counted by its IPv4 address.
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_eq!(key("192.0.2.1").to_string(), "192.0.2.1");
    }

    #[test]
    fn limiter_refuses_after_the_burst() {
        let limiter = AuthLimiter::new(
            AuthRate {
                per_minute: 1,
                burst: 2,
            },
            0,
        );
        let a: IpAddr = [1, 1, 1, 1].into();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        // Another client has its own allowance; another address in the same IPv6 /64 does not.
        assert!(limiter.check([2, 2, 2, 2].into()).is_ok());
        assert!(limiter.check("2001:db8::1".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8::2".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8::3".parse().unwrap()).is_err());
    }
}
