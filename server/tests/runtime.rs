//! The production runtime: probes, database outages, graceful shutdown, request ids and logs,
//! metrics, security headers, caching, compression, limits, and configuration errors.
//!
//! In-process tests call `server::router_in_lifecycle(...)` with `tower::ServiceExt::oneshot`; the shutdown and
//! configuration tests run the built binary (`CARGO_BIN_EXE_conduit`) on a free loopback port.
//! The database-outage and TLS tests use the PostgreSQL at `CONDUIT_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and skip with a warning when it is not reachable,
//! unless `CONDUIT_REQUIRE_POSTGRES=1`. The credential rotation test starts a PostgreSQL of its
//! own with password authentication (`initdb` from `/usr/lib/postgresql/*/bin`, or
//! `CONDUIT_TEST_PG_BINDIR`) and skips with a warning where there is none.

// Tests look into the database directly, past the credential handling of `Db::acquire`.
#![allow(clippy::disallowed_methods)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use domain::Db;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use leptos::server_fn::ServerFn;
use serde_json::Value;
use server::config::Config;
use server::shutdown::Lifecycle;
use sqlx::{AnyConnection, Connection, Executor};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

mod support;

use support::{admin_url, config_in, postgres_required, SECRET};

// ---------------------------------------------------------------------------------------------
// In-process harness

struct TestApp {
    router: Router,
    /// `/metrics`, which the server binary serves on a listener of its own.
    metrics: Router,
    db: Db,
    lifecycle: Lifecycle,
    _dir: tempfile::TempDir,
}

async fn app_with(extra: &[(&str, &str)], leptos: impl FnOnce(&Path) -> LeptosOptions) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path(), extra);
    let db = Db::connect(&config.database_url, &config.pool)
        .await
        .expect("the test database opens");
    let lifecycle = Lifecycle::default();
    let state = server::AppState::new(&config, db.clone(), leptos(dir.path()));
    let router = server::router_in_lifecycle(&config, state.clone(), &lifecycle);
    let metrics = server::metrics_app(&config, state);
    TestApp {
        router,
        metrics,
        db,
        lifecycle,
        _dir: dir,
    }
}

async fn sqlite_app(extra: &[(&str, &str)]) -> TestApp {
    app_with(extra, |_| {
        LeptosOptions::builder().output_name("conduit").build()
    })
    .await
}

#[derive(Debug)]
struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Resp {
    fn header(&self, name: impl header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("JSON body: {}", self.text()))
    }

    /// Asserts the API's error envelope with this field and message.
    fn assert_envelope(&self, status: u16, field: &str, message: &str) {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        assert!(
            self.header(header::CONTENT_TYPE)
                .starts_with("application/json"),
            "{self:?}"
        );
        assert_eq!(
            self.json(),
            serde_json::json!({ "errors": { field: [message] } }),
            "{self:?}"
        );
    }
}

async fn send(router: &Router, request: Request<Body>) -> Resp {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Resp {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn registration(name: &str) -> String {
    format!(
        r#"{{"user":{{"username":"{name}","email":"{name}@example.com","password":"password123"}}}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// Probes

#[tokio::test]
async fn liveness_and_readiness() {
    let app = sqlite_app(&[]).await;
    let live = send(&app.router, get("/healthz")).await;
    assert_eq!((live.status, live.text().as_str()), (StatusCode::OK, "ok"));
    let ready = send(&app.router, get("/readyz")).await;
    assert_eq!(
        (ready.status, ready.text().as_str()),
        (StatusCode::OK, "ready")
    );
    assert_eq!(ready.header(header::CACHE_CONTROL), "no-store");

    // Shutdown begins: readiness fails first, liveness and the API still answer.
    app.lifecycle.start_draining();
    let ready = send(&app.router, get("/readyz")).await;
    assert_eq!(
        (ready.status, ready.text().as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
    );
    assert_eq!(
        send(&app.router, get("/healthz")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app.router, get("/api/tags")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_exhausted_pool_is_a_quick_503_and_recovers() {
    let app = sqlite_app(&[
        ("CONDUIT_DB_MAX_CONNECTIONS", "1"),
        ("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "300"),
    ])
    .await;
    assert_eq!(
        send(&app.router, get("/api/tags")).await.status,
        StatusCode::OK
    );
    let held = app.db.pool().acquire().await.unwrap();
    let started = Instant::now();
    let resp = send(&app.router, get("/api/tags")).await;
    let waited = started.elapsed();
    resp.assert_envelope(503, "service", "is temporarily unavailable");
    assert_eq!(resp.header(header::RETRY_AFTER), "1");
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    let ready = send(&app.router, get("/readyz")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    drop(held);
    assert_eq!(
        send(&app.router, get("/api/tags")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app.router, get("/readyz")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_request_over_the_timeout_gets_a_503_envelope() {
    // The pool would wait 10 s; the request timeout (1 s) answers first.
    let app = sqlite_app(&[
        ("CONDUIT_DB_MAX_CONNECTIONS", "1"),
        ("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "10000"),
        ("CONDUIT_REQUEST_TIMEOUT_SECS", "1"),
    ])
    .await;
    let _held = app.db.pool().acquire().await.unwrap();
    let started = Instant::now();
    let resp = send(&app.router, get("/api/tags")).await;
    let waited = started.elapsed();
    resp.assert_envelope(503, "request", "timed out");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Request ids and logs

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_ids_are_kept_generated_and_returned() {
    let app = sqlite_app(&[]).await;
    let resp = send(
        &app.router,
        Request::builder()
            .uri("/api/tags")
            .header("x-request-id", "client-id-42")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(resp.header("x-request-id"), "client-id-42");

    let resp = send(&app.router, get("/api/tags")).await;
    let generated = resp.header("x-request-id");
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    let other = send(&app.router, get("/api/tags")).await;
    assert_ne!(other.header("x-request-id"), generated);

    // A value fit for log injection is replaced.
    let resp = send(
        &app.router,
        Request::builder()
            .uri("/healthz")
            .header("x-request-id", "a b\"}{")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(resp.header("x-request-id").len(), 36);
    let long = "x".repeat(200);
    let resp = send(
        &app.router,
        Request::builder()
            .uri("/healthz")
            .header("x-request-id", long.as_str())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(resp.header("x-request-id").len(), 36);
}

/// Every log line of a request carries its id; one line per request tells method, route
/// template, status and latency; no token or cookie reaches the log.
#[tokio::test(flavor = "current_thread")]
async fn every_log_line_of_a_request_has_its_id() {
    let app = sqlite_app(&[
        ("CONDUIT_DB_MAX_CONNECTIONS", "1"),
        ("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "200"),
    ])
    .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // tracing caches each callsite's interest for the whole process. While this test's
    // subscriber is the only one registered, the interest comes from the default subscriber of
    // whichever thread reaches the callsite first: a parallel test's thread, with none, caches
    // "never", and this test then loses that line (tokio-rs/tracing#3611; it failed this way
    // under load). With a second subscriber registered, tracing asks every registered one.
    let _second_registered = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let token = "Token eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl";
    let with_secrets = Request::builder()
        .uri("/api/user")
        .header("x-request-id", "secrets-789")
        .header(header::AUTHORIZATION, token)
        .header(header::COOKIE, "conduit_session=secret-session-value")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app.router, with_secrets).await.status,
        StatusCode::UNAUTHORIZED
    );
    let held = app.db.pool().acquire().await.unwrap();
    // The pool is exhausted: the domain logs a warning inside the request, then the access line.
    let request = Request::builder()
        .uri("/api/articles/some-article-slug")
        .header("x-request-id", "trace-me-123")
        .header(header::COOKIE, "conduit_session=secret-session-value")
        .body(Body::empty())
        .unwrap();
    let resp = send(&app.router, request).await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    // A client that gives up before the answer: still one line, in the request's span.
    let abandoned = Request::builder()
        .uri("/api/tags")
        .header("x-request-id", "abandoned-1")
        .body(Body::empty())
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(50), send(&app.router, abandoned))
            .await
            .is_err()
    );
    drop(held);
    send(
        &app.router,
        Request::builder()
            .uri("/healthz")
            .header("x-request-id", "other-456")
            .body(Body::empty())
            .unwrap(),
    )
    .await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    // The request span, wherever it is in the line's span list.
    let request_span = |line: &Value| -> Option<Value> {
        line["spans"]
            .as_array()?
            .iter()
            .find(|s| s["name"] == "request")
            .cloned()
    };
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|l| request_span(l).is_some_and(|s| s["request_id"] == "trace-me-123"))
        .collect();
    assert!(
        of_request.len() >= 2,
        "the domain's warning and the access line: {text}"
    );
    assert!(
        of_request
            .iter()
            .any(|l| l["message"] == "database unavailable"),
        "{text}"
    );
    let access: Vec<&&Value> = of_request
        .iter()
        .filter(|l| l["message"] == "request")
        .collect();
    assert_eq!(access.len(), 1, "one access line per request: {text}");
    let access = access[0];
    assert_eq!(access["status"], 503);
    let span = request_span(access).unwrap();
    assert_eq!(span["method"], "GET");
    assert_eq!(span["route"], "/api/articles/{slug}");
    assert!(access["latency_ms"].as_f64().is_some(), "{access}");
    // Lines logged inside some request all name it.
    for line in &lines {
        if line.get("spans").is_some() {
            assert!(
                request_span(line).is_some_and(|s| s["request_id"].is_string()),
                "{line}"
            );
        }
    }
    assert!(
        lines.iter().any(|l| request_span(l)
            .is_some_and(|s| s["request_id"] == "other-456" && s["route"] == "/healthz")),
        "{text}"
    );
    // The request with a token and a cookie was logged, without them.
    assert!(
        lines
            .iter()
            .any(|l| request_span(l).is_some_and(|s| s["request_id"] == "secrets-789")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "request abandoned before its response"
                && l["status"] == 499
                && request_span(l).is_some_and(|s| s["request_id"] == "abandoned-1")),
        "{text}"
    );
    assert!(
        !text.contains("c2VjcmV0LXRva2Vu") && !text.contains("secret-session-value"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Metrics

#[tokio::test]
async fn metrics_after_traffic() {
    let app = sqlite_app(&[]).await;
    send(&app.router, get("/api/tags")).await;
    send(&app.router, get("/api/articles/a-raw-slug-never-a-label")).await;
    send(&app.router, get("/api/profiles/someone-raw")).await;
    let resp = send(&app.metrics, get("/metrics")).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.header(header::CONTENT_TYPE).starts_with("text/plain"));
    let text = resp.text();
    for expected in [
        r#"http_requests_total{method="GET",route="/api/tags",status="2xx"}"#,
        r#"http_requests_total{method="GET",route="/api/articles/{slug}",status="4xx"}"#,
        r#"http_requests_total{method="GET",route="/api/profiles/{username}",status="4xx"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/tags",status="2xx",le="0.005"}"#,
        r#"http_request_duration_seconds_count{method="GET",route="/api/tags",status="2xx"}"#,
        "# TYPE http_request_duration_seconds histogram",
        "# TYPE http_requests_in_flight gauge",
        "http_requests_in_flight ",
        "db_pool_connections ",
        "db_pool_idle_connections ",
        "db_pool_max_connections 10",
        "# TYPE db_pool_acquire_duration_seconds histogram",
        &format!(
            r#"conduit_build_info{{version="{}"}} 1"#,
            env!("CARGO_PKG_VERSION")
        ),
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(
        !text.contains("a-raw-slug-never-a-label") && !text.contains("someone-raw"),
        "raw paths are no labels"
    );
    // Counters grow with traffic.
    let count = |text: &str| -> u64 {
        text.lines()
            .find(|l| {
                l.starts_with(r#"http_requests_total{method="GET",route="/api/tags",status="2xx"}"#)
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let before = count(&text);
    send(&app.router, get("/api/tags")).await;
    send(&app.router, get("/api/tags")).await;
    let after = count(&send(&app.metrics, get("/metrics")).await.text());
    assert!(after >= before + 2, "{before} -> {after}");
}

// ---------------------------------------------------------------------------------------------
// Security headers, caching, compression

fn site_with_pkg(dir: &Path) -> LeptosOptions {
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(
        site.join("pkg/conduit.js"),
        "export function hydrate() { return 'hydrated'; }\n".repeat(50),
    )
    .unwrap();
    std::fs::write(
        site.join("pkg/conduit.css"),
        "body { color: #333; margin: 0 auto; }\n".repeat(50),
    )
    .unwrap();
    std::fs::write(
        site.join("favicon.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    )
    .unwrap();
    LeptosOptions::builder()
        .output_name("conduit")
        .site_root(site.display().to_string())
        .build()
}

/// The site as `cargo leptos build --release --precompress` leaves it with `hash-files`: content
/// hashes in the bundle's names, a `.br` and a `.gz` beside each file (bytes of their own here,
/// so a test can tell which was sent), and the hash file, found through the options.
const HASHED: [&str; 3] = [
    "/pkg/conduit.JsHash.js",
    "/pkg/conduit.WasmHash.wasm",
    "/pkg/conduit.CssHash.css",
];

fn hashed_site(dir: &Path) -> LeptosOptions {
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    for name in HASHED {
        let file = site.join(name.trim_start_matches('/'));
        std::fs::write(&file, format!("{name} as built\n").repeat(50)).unwrap();
        for encoding in ["br", "gz"] {
            std::fs::write(
                format!("{}.{encoding}", file.display()),
                format!("{name}.{encoding}"),
            )
            .unwrap();
        }
    }
    let hash_file = dir.join("hash.txt");
    std::fs::write(&hash_file, "js: JsHash\nwasm: WasmHash\ncss: CssHash\n").unwrap();
    LeptosOptions::builder()
        .output_name("conduit")
        .site_root(site.display().to_string())
        .hash_files(true)
        .hash_file(hash_file.display().to_string().into())
        .build()
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_for_hydration() {
    let app = sqlite_app(&[]).await;
    for uri in ["/", "/login", "/no-such-page"] {
        let resp = send(&app.router, get(uri)).await;
        assert!(
            resp.header(header::CONTENT_TYPE).starts_with("text/html"),
            "{uri}: {resp:?}"
        );
        let csp = resp.header(header::CONTENT_SECURITY_POLICY).to_string();
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
            "style-src 'self'",
        ] {
            assert!(csp.contains(directive), "{uri}: {directive} in {csp}");
        }
        assert!(
            !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce in the CSP");
        assert!(nonce.len() >= 16, "{nonce}");
        // Every script of the page carries the response's nonce.
        let html = resp.text();
        let scripts: Vec<&str> = html
            .match_indices("<script")
            .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
            .collect();
        assert!(!scripts.is_empty(), "{uri}: the hydration script");
        for script in scripts {
            assert!(
                script.contains(&format!("nonce=\"{nonce}\"")),
                "{uri}: {script} lacks nonce {nonce}"
            );
        }
        assert_eq!(resp.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(
            resp.header(header::REFERRER_POLICY),
            "strict-origin-when-cross-origin"
        );
        assert_eq!(resp.header(header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(
            resp.header(header::CACHE_CONTROL),
            "no-store",
            "{uri}: pages depend on the user"
        );
        assert_eq!(
            resp.header(header::STRICT_TRANSPORT_SECURITY),
            "",
            "no HSTS in development"
        );
    }
    // A fresh nonce for every response.
    let a = send(&app.router, get("/")).await;
    let b = send(&app.router, get("/")).await;
    assert_ne!(
        a.header(header::CONTENT_SECURITY_POLICY),
        b.header(header::CONTENT_SECURITY_POLICY)
    );
    // The API's answers are not cached either.
    assert_eq!(
        send(&app.router, get("/api/tags"))
            .await
            .header(header::CACHE_CONTROL),
        "no-store"
    );
}

#[tokio::test]
async fn production_adds_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = config_in(dir.path(), &[]);
    let db = Db::connect(&sqlite.database_url, &sqlite.pool)
        .await
        .unwrap();
    // A production configuration (its PostgreSQL is never contacted: the state uses SQLite).
    let config = config_in(
        dir.path(),
        &[
            ("CONDUIT_ENV", "production"),
            (
                "DATABASE_URL",
                "postgres://app@db.internal/conduit?sslmode=verify-full",
            ),
        ],
    );
    let state = server::AppState::new(
        &config,
        db,
        LeptosOptions::builder().output_name("conduit").build(),
    );
    let router = server::router(&config, state);
    let resp = send(&router, get("/api/tags")).await;
    assert_eq!(
        resp.header(header::STRICT_TRANSPORT_SECURITY),
        "max-age=63072000; includeSubDomains"
    );
    assert!(
        !resp
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("ws://"),
        "no live-reload socket in production"
    );
}

#[tokio::test]
async fn static_assets_are_cached_by_whether_their_names_are_hashed() {
    let app = app_with(&[], site_with_pkg).await;
    let resp = send(&app.router, get("/pkg/conduit.js")).await;
    assert_eq!(resp.status, StatusCode::OK, "{resp:?}");
    assert_eq!(
        resp.header(header::CACHE_CONTROL),
        "public, max-age=300, must-revalidate"
    );
    let resp = send(&app.router, get("/favicon.svg")).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.header(header::CACHE_CONTROL), "public, max-age=3600");
    assert_eq!(resp.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");

    let app = app_with(&[], hashed_site).await;
    for name in HASHED {
        let resp = send(&app.router, get(name)).await;
        assert_eq!(resp.status, StatusCode::OK, "{name}: {resp:?}");
        assert_eq!(
            resp.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{name}"
        );
    }
}

/// Pages link the names the build wrote in the hash file: the hydration script, the WASM and the
/// stylesheet (the editor's preview page too), each served under that name.
#[tokio::test]
async fn pages_link_the_hashed_names_of_the_build() {
    let app = app_with(&[], hashed_site).await;
    let page = send(&app.router, get("/login")).await.text();
    let form = Request::builder()
        .method(Method::POST)
        .uri("/preview")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("title=T&body=B"))
        .unwrap();
    let preview = send(&app.router, form).await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    for name in HASHED {
        assert!(page.contains(&format!("\"{name}\"")), "{name} in {page}");
    }
    assert!(
        preview.text().contains(&format!("\"{}\"", HASHED[2])),
        "{preview:?}"
    );
    assert!(
        !page.contains("/pkg/conduit.js\"") && !page.contains("/pkg/conduit.wasm\""),
        "{page}"
    );
}

/// The image's layout (Dockerfile): the binary with the build's `hash.txt` beside it, the site
/// apart, `LEPTOS_HASH_FILES=true`. The binary finds the hashes beside itself and links and
/// serves the hashed names; without the file it refuses to start rather than link names that
/// 404.
#[tokio::test]
async fn the_binary_finds_the_hash_file_beside_itself_as_in_the_image() {
    let image = tempfile::tempdir().unwrap();
    let program = image.path().join("conduit");
    std::fs::copy(env!("CARGO_BIN_EXE_conduit"), &program).unwrap();
    let options = hashed_site(image.path());
    let site = options.site_root.to_string();
    let vars = [
        ("LEPTOS_HASH_FILES", "true"),
        ("LEPTOS_SITE_ROOT", site.as_str()),
    ];
    let (server, _) = Server::start_as(&program, &vars).await;
    let page = http(
        server.addr,
        "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    for name in HASHED {
        assert!(page.body.contains(name), "{name} in {}", page.body);
        let file = http(
            server.addr,
            &format!("GET {name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
        .await
        .unwrap();
        assert_eq!(file.status, 200, "{name}: {}", file.head);
        assert!(
            file.head
                .to_ascii_lowercase()
                .contains("cache-control: public, max-age=31536000, immutable"),
            "{name}: {}",
            file.head
        );
    }
    drop(server);

    std::fs::remove_file(image.path().join("hash.txt")).unwrap();
    let output = conduit_at(&program, &vars)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no hash file at"), "{stderr}");
}

/// The build's brotli and gzip files are sent as they are, by what the client accepts: nothing
/// is compressed per request.
#[tokio::test]
async fn precompressed_files_are_sent_as_they_are() {
    let app = app_with(&[], hashed_site).await;
    for name in HASHED {
        for (accept, encoding, suffix) in [
            ("br, gzip", "br", ".br"),
            ("gzip", "gzip", ".gz"),
            ("identity", "", ""),
        ] {
            let request = Request::builder()
                .uri(name)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap();
            let resp = send(&app.router, request).await;
            assert_eq!(resp.status, StatusCode::OK, "{name} {accept}");
            assert_eq!(
                resp.header(header::CONTENT_ENCODING),
                encoding,
                "{name} {accept}"
            );
            let sent = if suffix.is_empty() {
                format!("{name} as built\n").repeat(50)
            } else {
                format!("{name}.{}", &suffix[1..])
            };
            assert_eq!(resp.text(), sent, "{name} {accept}");
            let kind = resp.header(header::CONTENT_TYPE);
            let expected = match name.rsplit('.').next() {
                Some("wasm") => "application/wasm",
                Some("js") => "text/javascript",
                _ => "text/css",
            };
            assert!(kind.starts_with(expected), "{name}: {kind}");
        }
    }
}

/// Pages and API answers deny the powerful browser features the site does not use, and keep
/// windows of other origins from scripting this one's (and the other way round).
#[tokio::test]
async fn responses_carry_a_permissions_policy_and_opener_isolation() {
    let app = sqlite_app(&[]).await;
    for uri in ["/", "/api/tags", "/no-such-page"] {
        let resp = send(&app.router, get(uri)).await;
        let policy = resp.header("permissions-policy");
        for feature in [
            "camera=()",
            "microphone=()",
            "geolocation=()",
            "payment=()",
            "usb=()",
        ] {
            assert!(policy.contains(feature), "{uri}: {feature} in {policy:?}");
        }
        assert_eq!(
            resp.header("cross-origin-opener-policy"),
            "same-origin",
            "{uri}"
        );
    }
}

#[tokio::test]
async fn responses_are_compressed_with_brotli_or_gzip() {
    let app = app_with(&[], site_with_pkg).await;
    for (accept, expected) in [
        ("br", "br"),
        ("gzip", "gzip"),
        ("br;q=1.0, gzip;q=0.5", "br"),
        ("identity", ""),
    ] {
        for uri in ["/pkg/conduit.js", "/pkg/conduit.css", "/"] {
            let request = Request::builder()
                .uri(uri)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap();
            let resp = send(&app.router, request).await;
            assert_eq!(resp.status, StatusCode::OK, "{uri}");
            assert_eq!(
                resp.header(header::CONTENT_ENCODING),
                expected,
                "{uri} with {accept}"
            );
        }
    }
    let request = Request::builder()
        .uri("/pkg/conduit.js")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let resp = send(&app.router, request).await;
    assert!(
        resp.body.len() < 2000,
        "compressed: {} bytes",
        resp.body.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Limits

#[tokio::test]
async fn bodies_over_the_limit_get_413_in_the_envelope() {
    let app = sqlite_app(&[("CONDUIT_BODY_LIMIT_BYTES", "1024")]).await;
    let big = format!(
        r#"{{"user":{{"username":"{}","email":"a@b.c","password":"password123"}}}}"#,
        "x".repeat(4096)
    );
    // The API (its own limit, the same value) and the server functions answer alike.
    send(&app.router, post_json("/api/users", &big))
        .await
        .assert_envelope(413, "body", "is too large");
    let form = Request::builder()
        .method(Method::POST)
        .uri("/rpc/register123")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, big.len().to_string())
        .body(Body::from(big.clone()))
        .unwrap();
    send(&app.router, form)
        .await
        .assert_envelope(413, "body", "is too large");
    // Under the limit all is well.
    assert_eq!(
        send(&app.router, post_json("/api/users", &registration("small")))
            .await
            .status,
        StatusCode::CREATED
    );
}

fn from_ip(mut request: Request<Body>, ip: [u8; 4]) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 50000))));
    request
}

#[tokio::test]
async fn sign_in_and_sign_up_are_rate_limited_per_client() {
    let app = sqlite_app(&[
        ("CONDUIT_AUTH_RATE_PER_MINUTE", "1"),
        ("CONDUIT_AUTH_RATE_BURST", "3"),
    ])
    .await;
    let login = r#"{"user":{"email":"nobody@example.com","password":"wrong-password"}}"#;
    let a = [203, 0, 113, 7];
    assert_eq!(
        send(
            &app.router,
            from_ip(post_json("/api/users", &registration("limited")), a)
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(
            &app.router,
            from_ip(post_json("/api/users/login", login), a)
        )
        .await
        .status
        .as_u16(),
        401
    );
    assert_eq!(
        send(
            &app.router,
            from_ip(post_json("/api/users/login", login), a)
        )
        .await
        .status
        .as_u16(),
        401
    );
    let refused = send(
        &app.router,
        from_ip(post_json("/api/users/login", login), a),
    )
    .await;
    refused.assert_envelope(429, "request", "too many attempts, try again later");
    let retry: u64 = refused
        .header(header::RETRY_AFTER)
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // The server functions share the limit.
    let form = Request::builder()
        .method(Method::POST)
        .uri(<app::pages::auth::Login as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=a%40b.c&password=x"))
        .unwrap();
    assert_eq!(
        send(&app.router, from_ip(form, a)).await.status.as_u16(),
        429
    );
    // Other requests of the same client, and other clients, are not limited.
    assert_eq!(
        send(&app.router, from_ip(get("/api/tags"), a)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(
            &app.router,
            from_ip(post_json("/api/users/login", login), [198, 51, 100, 1])
        )
        .await
        .status
        .as_u16(),
        401
    );
    let metrics = send(&app.metrics, get("/metrics")).await.text();
    assert!(
        metrics.contains(r#"http_rate_limited_total{route="/api/users/login"}"#),
        "{metrics}"
    );
}

/// A request as it arrives from the local mesh proxy, with this `X-Forwarded-For` (none when
/// empty).
fn forwarded(mut request: Request<Body>, xff: &str) -> Request<Body> {
    if !xff.is_empty() {
        request
            .headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
    }
    from_ip(request, [127, 0, 0, 1])
}

const WRONG_LOGIN: &str = r#"{"user":{"email":"nobody@example.com","password":"wrong-password"}}"#;

async fn login_status(app: &TestApp, xff: &str) -> u16 {
    send(
        &app.router,
        forwarded(post_json("/api/users/login", WRONG_LOGIN), xff),
    )
    .await
    .status
    .as_u16()
}

/// A server behind `hops` proxies that allows one sign-in attempt per client: the second from
/// the same client is a 429.
async fn one_attempt_per_client_behind(hops: usize) -> TestApp {
    let hops = hops.to_string();
    sqlite_app(&[
        ("CONDUIT_AUTH_RATE_PER_MINUTE", "1"),
        ("CONDUIT_AUTH_RATE_BURST", "1"),
        ("CONDUIT_PROXY_HOPS", hops.as_str()),
    ])
    .await
}

#[tokio::test]
async fn behind_one_proxy_the_limit_keys_on_the_address_it_appended() {
    let app = one_attempt_per_client_behind(1).await;
    // Every request reaches the server from the same peer (the mesh proxy): without the
    // header's last entry they would all share one bucket.
    assert_eq!(login_status(&app, "203.0.113.7").await, 401);
    assert_eq!(login_status(&app, "203.0.113.8").await, 401);
    // Whatever the client writes to the left of what the proxy appended is ignored.
    assert_eq!(login_status(&app, "198.51.100.1, 203.0.113.7").await, 429);
    assert_eq!(
        login_status(&app, "10.9.9.9,198.51.100.2, 203.0.113.8").await,
        429
    );
    // IPv6 clients count by their /64: a second address in it shares the bucket.
    assert_eq!(login_status(&app, "2001:db8:1:2::1").await, 401);
    assert_eq!(
        login_status(&app, "2001:db8:1:2:aaaa:bbbb:cccc:dddd").await,
        429
    );
    assert_eq!(login_status(&app, "2001:db8:1:3::1").await, 401);
    // A request that did not come through the proxy (no header) counts as its peer.
    assert_eq!(login_status(&app, "").await, 401);
}

#[tokio::test]
async fn behind_two_proxies_the_second_entry_from_the_right_is_the_client() {
    let app = one_attempt_per_client_behind(2).await;
    assert_eq!(login_status(&app, "203.0.113.7, 10.0.0.1").await, 401);
    // The inner proxy's address differs, the client's does not: same bucket.
    assert_eq!(
        login_status(&app, "6.6.6.6, 203.0.113.7, 10.0.0.2").await,
        429
    );
    assert_eq!(login_status(&app, "203.0.113.9, 10.0.0.1").await, 401);
    // Too few entries to have passed both proxies: the (already used) peer counts, not the
    // client's own entry.
    assert_eq!(login_status(&app, "198.51.100.77").await, 401);
    assert_eq!(login_status(&app, "198.51.100.78").await, 429);
}

#[tokio::test]
async fn password_changes_share_the_sign_in_limit() {
    let app = sqlite_app(&[
        ("CONDUIT_AUTH_RATE_PER_MINUTE", "1"),
        ("CONDUIT_AUTH_RATE_BURST", "2"),
    ])
    .await;
    let a = [203, 0, 113, 7];
    let created = send(
        &app.router,
        from_ip(post_json("/api/users", &registration("changer")), a),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let token = created.json()["user"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let change = |password: &str| {
        let mut request = post_json(
            "/api/user",
            &format!(r#"{{"user":{{"password":"{password}"}}}}"#),
        );
        *request.method_mut() = Method::PUT;
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Token {token}").parse().unwrap(),
        );
        from_ip(request, a)
    };
    assert_eq!(
        send(&app.router, change("new-password-1")).await.status,
        StatusCode::OK
    );
    let refused = send(&app.router, change("new-password-2")).await;
    refused.assert_envelope(429, "request", "too many attempts, try again later");
    assert!(!refused.header(header::RETRY_AFTER).is_empty());
    // The settings form's server function counts alike.
    let settings = Request::builder()
        .method(Method::POST)
        .uri(<app::pages::settings::UpdateSettings as ServerFn>::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(
            "image=&username=changer&bio=&email=changer%40example.com&password=new-password-3",
        ))
        .unwrap();
    // Answered in the shape the settings page shows as its error.
    let refused = send(&app.router, from_ip(settings, a)).await;
    assert_eq!(refused.status.as_u16(), 429, "{refused:?}");
    assert!(
        refused.json()["messages"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("Too many attempts. Please try again in")),
        "{refused:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The cross-site guard on server functions

/// A state-changing server-function call (signing out: harmless without a session) to the site
/// at `http://conduit.test:3000`, with these headers.
fn server_fn_call(headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(<app::pages::settings::Logout as ServerFn>::PATH)
        .header(header::HOST, "conduit.test:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

async fn guard_status(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    send(&app.router, server_fn_call(headers))
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn server_functions_refuse_what_the_browser_does_not_vouch_for() {
    let app = sqlite_app(&[]).await;
    // Same origin, by each header a browser may send.
    for headers in [
        &[("sec-fetch-site", "same-origin")][..],
        &[("sec-fetch-site", "none")],
        &[("origin", "http://conduit.test:3000")],
        &[("referer", "http://conduit.test:3000/settings")],
        // Sec-Fetch-Site decides when present, and a browser that sends it is trusted on it.
        &[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://conduit.test:3000"),
        ],
    ] {
        assert_eq!(guard_status(&app, headers).await, 200, "{headers:?}");
    }
    for headers in [
        // Cross-site, or same-site but another origin.
        &[("sec-fetch-site", "cross-site")][..],
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://conduit.test:3000"),
        ],
        &[("origin", "https://evil.example")],
        &[("origin", "null")],
        &[("referer", "https://evil.example/conduit.test:3000")],
        // The right host and port, the wrong scheme (a page on plain HTTP, another port).
        &[("origin", "https://conduit.test:3000")],
        &[("origin", "http://conduit.test:3001")],
        &[("origin", "http://conduit.test")],
        &[("referer", "https://conduit.test:3000/settings")],
        // No word from the browser at all: old clients and header strippers.
        &[],
    ] {
        let resp = send(&app.router, server_fn_call(headers)).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(resp.text().contains("server functions"), "{}", resp.text());
    }
    // The refusal comes before the function runs.
    let refused = send(&app.router, server_fn_call(&[])).await;
    assert!(refused.header(header::SET_COOKIE).is_empty(), "{refused:?}");
    // Reading is unaffected: GET server functions, pages and the API.
    let page = Request::builder()
        .uri("/login")
        .header(header::HOST, "conduit.test:3000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, page).await.status, StatusCode::OK);
    let get_fn = Request::builder()
        .uri(<app::pages::settings::Logout as ServerFn>::PATH)
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_ne!(
        send(&app.router, get_fn).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(
            &app.router,
            post_json("/api/users", &registration("apiuser"))
        )
        .await
        .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_site_origin_comes_from_the_public_url_or_the_trusted_proxy() {
    // Behind a TLS-terminating proxy the browser's origin is https, the request plain http.
    let proxied = sqlite_app(&[("CONDUIT_PROXY_HOPS", "1")]).await;
    let https = [
        ("origin", "https://conduit.test:3000"),
        ("x-forwarded-proto", "https"),
    ];
    assert_eq!(guard_status(&proxied, &https).await, 200);
    let http_origin = [
        ("origin", "http://conduit.test:3000"),
        ("x-forwarded-proto", "https"),
    ];
    assert_eq!(guard_status(&proxied, &http_origin).await, 403);
    // Without trusted proxies the header is not believed.
    let direct = sqlite_app(&[]).await;
    assert_eq!(guard_status(&direct, &https).await, 403);
    // A public URL is the one origin accepted, whatever the Host.
    let public = sqlite_app(&[("CONDUIT_PUBLIC_URL", "https://conduit.example.com")]).await;
    assert_eq!(
        guard_status(&public, &[("origin", "https://conduit.example.com")]).await,
        200
    );
    assert_eq!(
        guard_status(&public, &[("origin", "http://conduit.test:3000")]).await,
        403
    );
    assert_eq!(
        guard_status(&public, &[("origin", "http://conduit.example.com")]).await,
        403
    );
}

// ---------------------------------------------------------------------------------------------
// The server binary: configuration errors and graceful shutdown

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn conduit(vars: &[(&str, &str)]) -> Command {
    conduit_at(Path::new(env!("CARGO_BIN_EXE_conduit")), vars)
}

/// [`conduit`] run from another place (a copy of the binary).
fn conduit_at(program: &Path, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(workspace_root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
        .env("LEPTOS_OUTPUT_NAME", "conduit")
        .env("RUST_LOG", "info,sqlx=warn")
        // Tests run servers side by side: no fixed metrics port.
        .env("CONDUIT_METRICS_ADDR", "127.0.0.1:0");
    for (k, v) in vars {
        command.env(k, v);
    }
    command
}

#[test]
fn configuration_errors_stop_the_start_naming_the_variable() {
    for (vars, named) in [
        (
            vec![
                ("CONDUIT_ENV", "production"),
                ("CONDUIT_JWT_SECRET", SECRET),
            ],
            "DATABASE_URL",
        ),
        (
            vec![
                ("CONDUIT_ENV", "production"),
                (
                    "DATABASE_URL",
                    "postgres://app@db/conduit?sslmode=verify-full",
                ),
            ],
            "CONDUIT_JWT_SECRET",
        ),
        (
            vec![
                ("CONDUIT_ENV", "production"),
                ("DATABASE_URL", "postgres://app@db/conduit"),
                ("CONDUIT_JWT_SECRET", SECRET),
            ],
            "CONDUIT_DB_ALLOW_INSECURE",
        ),
        (
            vec![("CONDUIT_LISTEN_ADDR", "nowhere")],
            "CONDUIT_LISTEN_ADDR",
        ),
    ] {
        let output = conduit(&vars).stdin(Stdio::null()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{vars:?}: {stderr}");
        assert!(
            stderr.contains("configuration error") && stderr.contains(named),
            "{vars:?}: {stderr}"
        );
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on SQLite in a temporary directory and waits until it is ready; returns
    /// it and the start-to-ready time.
    async fn start(extra: &[(&str, &str)]) -> (Server, Duration) {
        Server::start_as(Path::new(env!("CARGO_BIN_EXE_conduit")), extra).await
    }

    /// [`Server::start`] of the binary at `program`.
    async fn start_as(program: &Path, extra: &[(&str, &str)]) -> (Server, Duration) {
        let dir = tempfile::tempdir().unwrap();
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let data_dir = dir.path().display().to_string();
        let listen = addr.to_string();
        let mut vars = vec![
            ("CONDUIT_DATA_DIR", data_dir.as_str()),
            ("CONDUIT_LISTEN_ADDR", listen.as_str()),
        ];
        vars.extend_from_slice(extra);
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let started = Instant::now();
        let child = conduit_at(program, &vars)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            addr,
            _dir: dir,
        };
        loop {
            if let Ok(resp) = http(
                addr,
                "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .await
            {
                if resp.status == 200 {
                    break;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited with {status}: {}", server.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "not ready in 60 s: {}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (server, started.elapsed())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    async fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                started.elapsed() < limit,
                "still running after {limit:?}: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[derive(Debug)]
struct RawResponse {
    status: u16,
    head: String,
    body: String,
}

fn parse_response(bytes: &[u8]) -> std::io::Result<RawResponse> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no response: {text:?}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head:?}")))?;
    Ok(RawResponse {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`).
async fn http(addr: SocketAddr, request: &str) -> std::io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await?;
    parse_response(&bytes)
}

/// Signs up a user through the API and returns its token.
async fn token_of(addr: SocketAddr, name: &str) -> String {
    let body = registration(name);
    let request = format!(
        "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let resp = http(addr, &request).await.unwrap();
    assert_eq!(resp.status, 201, "{resp:?}");
    let user: Value = serde_json::from_str(&resp.body).unwrap();
    user["user"]["token"].as_str().unwrap().to_string()
}

/// Starts creating an article whose body arrives in two halves: the first now, the rest from
/// `finish_request`. Sign-ups would do as well, but password hashing is slow in debug builds.
async fn slow_request(addr: SocketAddr, token: &str, title: &str) -> (TcpStream, String) {
    let body = format!(r#"{{"article":{{"title":"{title}","description":"d","body":"b"}}}}"#);
    let head = format!(
        "POST /api/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Token {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let half = body.len() / 2;
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..half]).await.unwrap();
    (stream, body[half..].to_string())
}

async fn finish_request(mut stream: TcpStream, rest: String) -> std::io::Result<RawResponse> {
    stream.write_all(rest.as_bytes()).await?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await?;
    parse_response(&bytes)
}

/// SIGTERM with requests in flight: readiness turns false at once while the server still
/// serves for the delay, then the listener closes, every accepted request completes, exit 0.
#[tokio::test]
async fn sigterm_drains_in_flight_requests_and_exits_zero() {
    let (mut server, ready_after) = Server::start(&[
        ("CONDUIT_SHUTDOWN_DELAY_SECS", "1"),
        ("CONDUIT_SHUTDOWN_TIMEOUT_SECS", "10"),
    ])
    .await;
    eprintln!("start to ready: {ready_after:?}");
    let addr = server.addr;
    let token = token_of(addr, "writer").await;

    // Requests in flight: their bodies are half sent.
    let mut slow = Vec::new();
    for i in 0..8 {
        slow.push(slow_request(addr, &token, &format!("In flight {i}")).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    server.signal("TERM");

    // Readiness is false at once, while requests are still served (the delay).
    tokio::time::sleep(Duration::from_millis(150)).await;
    let ready = http(
        addr,
        "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!((ready.status, ready.body.as_str()), (503, "shutting down"));
    // Concurrent load during the delay: every request gets its answer.
    let load: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(async move {
                http(
                    addr,
                    "GET /api/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                )
                .await
            })
        })
        .collect();
    for request in load {
        assert_eq!(request.await.unwrap().unwrap().status, 200);
    }

    // After the delay the listener is closed: new connections are refused...
    tokio::time::sleep(Duration::from_millis(1200).saturating_sub(signalled.elapsed())).await;
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "the listener still accepts after the delay: {}",
        server.log()
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server waits for in-flight requests"
    );

    // ... and the requests accepted before all complete.
    let finished: Vec<_> = slow
        .into_iter()
        .map(|(stream, rest)| tokio::spawn(finish_request(stream, rest)))
        .collect();
    for request in finished {
        let resp = request
            .await
            .unwrap()
            .expect("an in-flight request completes");
        assert_eq!(resp.status, 201, "{resp:?}");
        assert!(
            resp.head.to_ascii_lowercase().contains("x-request-id:"),
            "{resp:?}"
        );
    }
    let code = server.wait_exit(Duration::from_secs(10)).await;
    let took = signalled.elapsed();
    eprintln!("SIGTERM to exit: {took:?}");
    assert_eq!(code, Some(0), "{}", server.log());
    let log = server.log();
    assert!(
        log.contains("shutdown requested") && log.contains("stopped"),
        "{log}"
    );
}

/// A request that outlives `CONDUIT_SHUTDOWN_TIMEOUT_SECS` does not hold the process: it exits
/// (non-zero, since a request was cut off) soon after the deadline. SIGINT works like SIGTERM.
#[tokio::test]
async fn the_shutdown_deadline_bounds_the_wait() {
    let (mut server, _) = Server::start(&[("CONDUIT_SHUTDOWN_TIMEOUT_SECS", "1")]).await;
    // A sign-up whose body never completes.
    let mut stuck = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user\":";
    stuck.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    server.signal("INT");
    let code = server.wait_exit(Duration::from_secs(5)).await;
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(code, Some(1), "{}", server.log());
    assert!(
        server.log().contains("shutdown deadline passed"),
        "{}",
        server.log()
    );
}

/// With nothing in flight, shutdown is immediate and clean.
#[tokio::test]
async fn an_idle_server_stops_at_once() {
    let (mut server, _) = Server::start(&[]).await;
    let resp = http(
        server.addr,
        "GET /api/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 200);
    let signalled = Instant::now();
    server.signal("TERM");
    assert_eq!(
        server.wait_exit(Duration::from_secs(5)).await,
        Some(0),
        "{}",
        server.log()
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(2),
        "{:?}",
        signalled.elapsed()
    );
}

/// The password-hashing gate is the process's, so its test runs the binary with a gate of one
/// running hash and one waiting: of many parallel failed sign-ins, some are refused at once.
#[tokio::test]
async fn a_full_hashing_queue_answers_503_with_retry_after() {
    let (server, _) = Server::start(&[
        ("CONDUIT_HASH_CONCURRENCY", "1"),
        ("CONDUIT_HASH_QUEUE", "1"),
        ("CONDUIT_AUTH_RATE_PER_MINUTE", "0"),
    ])
    .await;
    let addr = server.addr;
    let api = r#"{"user":{"email":"nobody@example.com","password":"wrong-password"}}"#;
    let api = format!(
        "POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{api}",
        api.len()
    );
    let form = "email=nobody%40example.com&password=wrong-password&next=";
    let ui = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        <app::pages::auth::Login as ServerFn>::PATH,
        form.len()
    );
    let calls: Vec<_> = (0..40)
        .map(|i| {
            let request = if i % 2 == 0 { api.clone() } else { ui.clone() };
            tokio::spawn(async move { (i % 2 == 0, http(addr, &request).await.unwrap()) })
        })
        .collect();
    let mut refused = 0;
    let mut checked = 0;
    for call in calls {
        let (from_api, resp) = call.await.unwrap();
        match resp.status {
            401 => checked += 1,
            503 => {
                refused += 1;
                let head = resp.head.to_ascii_lowercase();
                assert!(head.contains("\r\nretry-after: 1\r\n"), "{resp:?}");
                if from_api {
                    assert_eq!(
                        serde_json::from_str::<Value>(&resp.body).unwrap(),
                        serde_json::json!({"errors": {"service": ["is temporarily unavailable"]}}),
                    );
                } else {
                    assert!(resp.body.contains("The service is busy"), "{resp:?}");
                }
            }
            other => panic!("status {other}: {resp:?}"),
        }
    }
    assert!(refused > 0, "no request was refused");
    assert!(checked >= 2, "only {checked} passwords were checked");
    let log = server.log();
    assert!(log.contains("password hashing queue is full"), "{log}");
}

// ---------------------------------------------------------------------------------------------
// The server binary: connections (slow and oversized heads, the metrics listener, restarts)

/// Reads until the server closes the connection, or `limit` passes (`None`).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut bytes)).await {
        Ok(_) => Some(bytes),
        Err(_) => None,
    }
}

/// A client that never finishes its request head (silent after part of it, dribbling a byte at a
/// time, or silent from the start) is cut off at the header-read timeout, while other clients are
/// answered at once.
#[tokio::test]
async fn a_request_head_that_never_ends_is_closed_at_the_header_timeout() {
    let (server, _) = Server::start(&[("CONDUIT_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let addr = server.addr;
    let opened = Instant::now();
    let mut half_sent = TcpStream::connect(addr).await.unwrap();
    half_sent
        .write_all(b"GET /api/tags HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let dribbling = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = b"GET /api/tags HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        for byte in head {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let bytes = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        (bytes, opened.elapsed())
    });
    let answered = Instant::now();
    let normal = http(
        addr,
        "GET /api/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(normal.status, 200);
    assert!(answered.elapsed() < Duration::from_millis(500));

    for (name, stream) in [("half sent", &mut half_sent), ("silent", &mut silent)] {
        let bytes = read_until_closed(stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{name}: still open after 5 s"));
        let took = opened.elapsed();
        assert!(bytes.is_empty(), "{name}: {bytes:?}");
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(3),
            "{name}: closed after {took:?}"
        );
    }
    let (bytes, took) = dribbling.await.unwrap();
    let bytes = bytes.expect("dribbling: still open after its head was sent");
    assert!(
        bytes.is_empty() && took < Duration::from_secs(3),
        "dribbling: {took:?} {:?}",
        String::from_utf8_lossy(&bytes)
    );
}

/// A request head over `CONDUIT_MAX_HEADER_BYTES` gets 431; one under it is served.
#[tokio::test]
async fn an_oversized_request_head_gets_431() {
    let (server, _) = Server::start(&[("CONDUIT_MAX_HEADER_BYTES", "16384")]).await;
    let request = |filler: usize| {
        format!(
            "GET /api/tags HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(filler)
        )
    };
    // The server answers before it has read everything sent, so the client may see a reset
    // after the answer: keep what arrived.
    let addr = server.addr;
    let answer = |request: String| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let _ = stream.write_all(request.as_bytes()).await;
        let bytes = read_until_closed(&mut stream, Duration::from_secs(5))
            .await
            .expect("an answer, then the connection closed");
        parse_response(&bytes).unwrap()
    };
    let under = answer(request(15_000)).await;
    assert_eq!(under.status, 200, "{under:?}");
    let over = answer(request(17_000)).await;
    assert_eq!(over.status, 431, "{over:?}");
    // Many small headers add up the same way.
    let many: String = (0..400)
        .map(|i| format!("X-H{i}: {}\r\n", "b".repeat(40)))
        .collect();
    let over = answer(format!(
        "GET /api/tags HTTP/1.1\r\nHost: x\r\n{many}Connection: close\r\n\r\n"
    ))
    .await;
    assert_eq!(over.status, 431, "{over:?}");
}

/// `/metrics` is served on `CONDUIT_METRICS_ADDR` only; the application's port does not know it.
#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let metrics_addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let metrics_listen = metrics_addr.to_string();
    let (server, _) = Server::start(&[("CONDUIT_METRICS_ADDR", metrics_listen.as_str())]).await;
    let get_metrics = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let on_app = http(server.addr, get_metrics).await.unwrap();
    assert_eq!(on_app.status, 404, "{on_app:?}");
    let scraped = http(metrics_addr, get_metrics).await.unwrap();
    assert_eq!(scraped.status, 200, "{scraped:?}");
    assert!(
        scraped
            .body
            .contains(r#"http_requests_total{method="GET",route="/readyz",status="2xx"}"#),
        "{}",
        scraped.body
    );
    // Only `/metrics` is there: the application is not reachable through the metrics port.
    let app_on_metrics = http(
        metrics_addr,
        "GET /api/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(app_on_metrics.status, 404, "{app_on_metrics:?}");
}

/// Requests that clients have sent when SIGTERM arrives are all answered, whether their
/// connections were accepted or still waiting in the listen backlog: the process is stopped
/// (SIGSTOP) while the clients connect and send, so that SIGTERM meets them all at once.
#[tokio::test]
async fn sigterm_answers_every_request_already_sent() {
    let (mut server, _) = Server::start(&[]).await;
    let addr = server.addr;
    // A keep-alive connection that has been used: its next request is answered too.
    let mut used = TcpStream::connect(addr).await.unwrap();
    let keep_alive = b"GET /api/tags HTTP/1.1\r\nHost: x\r\n\r\n";
    used.write_all(keep_alive).await.unwrap();
    let mut first = Vec::new();
    while !first.ends_with(b"{\"tags\":[]}") {
        let mut chunk = [0_u8; 1024];
        let n = used.read(&mut chunk).await.unwrap();
        assert!(n > 0, "{first:?}");
        first.extend_from_slice(&chunk[..n]);
    }
    assert!(first.starts_with(b"HTTP/1.1 200"), "{first:?}");

    server.signal("STOP");
    let mut waiting = Vec::new();
    for _ in 0..64 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(keep_alive).await.unwrap();
        waiting.push(stream);
    }
    used.write_all(keep_alive).await.unwrap();
    waiting.push(used);
    let used = waiting.len() - 1;
    server.signal("TERM");
    server.signal("CONT");

    for (i, mut stream) in waiting.into_iter().enumerate() {
        let bytes = read_until_closed(&mut stream, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("connection {i}: still open after 10 s"));
        let response = parse_response(&bytes)
            .unwrap_or_else(|e| panic!("connection {i} got no answer: {e}; {}", server.log()));
        assert_eq!(response.status, 200, "connection {i}: {response:?}");
        // Each answer tells its client not to send another request on this connection. The
        // used connection's request is already read when the process continues, and may be
        // answered before the SIGTERM that it raced with is handled: then it is answered in
        // full and the connection is closed after it (read_until_closed saw the close), which
        // is all a client needs. Seen once in a CI run on a loaded machine.
        assert!(
            i == used
                || response
                    .head
                    .to_ascii_lowercase()
                    .contains("\r\nconnection: close"),
            "connection {i}: {response:?}"
        );
    }
    assert_eq!(
        server.wait_exit(Duration::from_secs(10)).await,
        Some(0),
        "{}",
        server.log()
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: outages and TLS

/// An administrative connection, or `None` (with a warning) when PostgreSQL is not reachable and
/// not required.
async fn postgres_admin() -> Option<AnyConnection> {
    sqlx::any::install_default_drivers();
    match AnyConnection::connect(&admin_url()).await {
        Ok(conn) => Some(conn),
        Err(err) if postgres_required() => {
            panic!("PostgreSQL is required (CONDUIT_REQUIRE_POSTGRES=1) but not reachable: {err}")
        }
        Err(err) => {
            eprintln!("WARNING: PostgreSQL not reachable ({err}); skipping this test");
            None
        }
    }
}

/// `host:port` of a postgres URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("127.0.0.1:5432");
    if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:5432")
    }
}

/// A TCP proxy in front of PostgreSQL that the test can stop (connections refused, open ones
/// cut), partition (connections accepted and never answered, open ones frozen) and restart on
/// the same port: what the server sees when its database goes away and comes back.
struct Proxy {
    addr: SocketAddr,
    upstream: String,
    mode: Arc<tokio::sync::watch::Sender<Mode>>,
    acceptor: Option<tokio::task::JoinHandle<()>>,
    connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Up,
    Partitioned,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut proxy = Proxy {
            addr,
            upstream,
            mode: Arc::new(tokio::sync::watch::channel(Mode::Up).0),
            acceptor: None,
            connections: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let (upstream, mode, connections) = (
            self.upstream.clone(),
            self.mode.clone(),
            self.connections.clone(),
        );
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let mut mode = mode.subscribe();
                let task = tokio::spawn(async move {
                    if *mode.borrow() == Mode::Up {
                        let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
                            return;
                        };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => return,
                            _ = mode.wait_for(|m| *m == Mode::Partitioned) => {}
                        }
                        // Frozen: both sockets stay open, nothing moves.
                        std::future::pending::<()>().await;
                        drop(outbound);
                    } else {
                        std::future::pending::<()>().await;
                    }
                    drop(inbound);
                });
                connections.lock().unwrap().push(task);
            }
        }));
    }

    fn cut_connections(&self) {
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// The database is down: the port refuses connections and open ones are closed.
    async fn stop(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            let _ = acceptor.await;
        }
        self.cut_connections();
    }

    /// The network is partitioned: connections hang.
    fn partition(&self) {
        self.mode.send_replace(Mode::Partitioned);
    }

    /// The database is back on the same address.
    async fn restart(&mut self) {
        self.stop().await;
        self.mode.send_replace(Mode::Up);
        let mut listener = None;
        for _ in 0..50 {
            if let Ok(l) = TcpListener::bind(self.addr).await {
                listener = Some(l);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.serve(listener.expect("rebind the proxy port"));
    }
}

async fn timed(router: &Router, uri: &str) -> (Resp, Duration) {
    let started = Instant::now();
    let resp = send(router, get(uri)).await;
    (resp, started.elapsed())
}

/// The database goes away (stopped, then partitioned) and comes back: requests that need it get
/// a 503 within seconds, readiness fails within seconds, liveness holds, and the service
/// resumes by itself.
#[tokio::test]
async fn database_outage_gives_quick_503s_and_the_service_resumes() {
    let Some(mut admin) = postgres_admin().await else {
        return;
    };
    let name = format!(
        "conduit_runtime_{}_{}",
        std::process::id(),
        Instant::now().elapsed().subsec_nanos()
    );
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();

    let admin_url = admin_url();
    let mut proxy = Proxy::start(host_port(&admin_url)).await;
    let user = admin_url
        .split_once("://")
        .and_then(|(_, r)| r.rsplit_once('@'))
        .map_or("postgres", |(u, _)| u)
        .to_string();
    let url = format!("postgres://{user}@{}/{name}?sslmode=disable", proxy.addr);
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(
        dir.path(),
        &[
            ("DATABASE_URL", url.as_str()),
            ("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "1500"),
            ("CONDUIT_DB_MAX_CONNECTIONS", "4"),
        ],
    );
    let db = Db::connect(&config.database_url, &config.pool)
        .await
        .expect("connect through the proxy");
    let state = server::AppState::new(
        &config,
        db.clone(),
        LeptosOptions::builder().output_name("conduit").build(),
    );
    let router = server::router(&config, state);

    let outcome = tokio::spawn({
        let router = router.clone();
        async move {
            assert_eq!(
                send(&router, post_json("/api/users", &registration("before")))
                    .await
                    .status,
                StatusCode::CREATED
            );
            assert_eq!(send(&router, get("/readyz")).await.status, StatusCode::OK);

            for outage in ["stopped", "partitioned"] {
                if outage == "stopped" {
                    proxy.stop().await;
                } else {
                    proxy.restart().await;
                    proxy.partition();
                }
                for uri in ["/api/tags", "/api/articles", "/api/profiles/before"] {
                    let (resp, took) = timed(&router, uri).await;
                    eprintln!("{outage}: GET {uri} -> {} in {took:?}", resp.status);
                    resp.assert_envelope(503, "service", "is temporarily unavailable");
                    assert!(
                        took < Duration::from_secs(3),
                        "{outage}: {uri} took {took:?}"
                    );
                }
                let started = Instant::now();
                let resp = send(
                    &router,
                    post_json(
                        "/api/users/login",
                        r#"{"user":{"email":"before@example.com","password":"password123"}}"#,
                    ),
                )
                .await;
                assert_eq!(resp.status.as_u16(), 503, "{outage}: {resp:?}");
                assert!(started.elapsed() < Duration::from_secs(3));
                let (ready, took) = timed(&router, "/readyz").await;
                eprintln!("{outage}: GET /readyz -> {} in {took:?}", ready.status);
                assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{outage}");
                assert!(
                    took < Duration::from_secs(3),
                    "{outage}: readiness took {took:?}"
                );
                let (live, took) = timed(&router, "/healthz").await;
                assert_eq!(live.status, StatusCode::OK, "{outage}: liveness holds");
                assert!(took < Duration::from_millis(500));
            }

            // The database returns: no restart, the next requests succeed.
            proxy.restart().await;
            let back = Instant::now();
            loop {
                let resp = send(&router, get("/api/profiles/before")).await;
                if resp.status == StatusCode::OK {
                    break;
                }
                assert!(
                    back.elapsed() < Duration::from_secs(10),
                    "not back after 10 s: {resp:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            eprintln!("recovered {:?} after the database returned", back.elapsed());
            assert_eq!(send(&router, get("/readyz")).await.status, StatusCode::OK);
            assert_eq!(
                send(&router, post_json("/api/users", &registration("after")))
                    .await
                    .status,
                StatusCode::CREATED
            );
            proxy.stop().await;
        }
    })
    .await;

    db.pool().close().await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .await;
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// `sslmode=verify-full&sslrootcert=...` is honoured by the `Any` driver the server uses: with the
/// server's CA the connection is encrypted; with a host name the certificate does not name, or
/// without the CA, it is refused. Uses the local server's certificate (Debian's snake-oil
/// certificate, issued to `localhost`) when PostgreSQL runs with `ssl = on`.
#[tokio::test]
async fn postgres_tls_verifies_the_server_certificate() {
    let Some(mut admin) = postgres_admin().await else {
        return;
    };
    let ssl: String = sqlx::query_scalar("SELECT setting FROM pg_settings WHERE name = 'ssl'")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let cert: String =
        sqlx::query_scalar("SELECT setting FROM pg_settings WHERE name = 'ssl_cert_file'")
            .fetch_one(&mut admin)
            .await
            .unwrap();
    let ca = Path::new(&cert);
    let port = host_port(&admin_url())
        .rsplit_once(':')
        .map(|(_, p)| p.to_string())
        .unwrap();
    if ssl != "on" || !ca.is_file() || !host_port(&admin_url()).starts_with("127.0.0.1") {
        eprintln!("WARNING: the local PostgreSQL has no readable TLS certificate (ssl={ssl}, {cert}); skipping");
        return;
    }
    let url =
        |host: &str, query: &str| format!("postgres://postgres@{host}:{port}/postgres?{query}");
    let verified = url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={cert}"),
    );
    let mut conn = AnyConnection::connect(&verified)
        .await
        .expect("verify-full with the server's CA");
    let encrypted: i32 = sqlx::query_scalar(
        "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(encrypted, 1, "the connection is encrypted");
    conn.close().await.unwrap();
    // The same through the server's pool and its production configuration check.
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(
        dir.path(),
        &[
            ("CONDUIT_ENV", "production"),
            ("DATABASE_URL", verified.as_str()),
        ],
    );
    assert!(config.is_production());

    for (bad, why) in [
        (
            url(
                "127.0.0.1",
                &format!("sslmode=verify-full&sslrootcert={cert}"),
            ),
            "the certificate does not name 127.0.0.1",
        ),
        (
            url("localhost", "sslmode=verify-full"),
            "the public roots do not include this CA",
        ),
    ] {
        let err = AnyConnection::connect(&bad).await.expect_err(why);
        eprintln!("refused as expected ({why}): {err}");
    }
    // verify-ca checks the chain but not the name.
    AnyConnection::connect(&url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={cert}"),
    ))
    .await
    .expect("verify-ca")
    .close()
    .await
    .unwrap();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the app's own role, and credentials that survive rotation

/// The server as it starts with `CONDUIT_MIGRATE_ON_START=0`: a database handle that connects
/// on first use, and the router over it.
fn lazy_app(config: &Config) -> (Db, Router) {
    let db = Db::open(&config.database_url, &config.pool).unwrap();
    let state = server::AppState::new(
        config,
        db.clone(),
        LeptosOptions::builder().output_name("conduit").build(),
    );
    (db, server::router(config, state))
}

/// A unique name for a database or role of one test.
fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// `conduit migrate` applies the migrations and sets up the app role; the server, started with
/// `CONDUIT_MIGRATE_ON_START=0`, reports the missing migrations through readiness until then, and
/// then serves as that role, which can read and write rows but change no schema.
#[tokio::test]
async fn migrate_sets_up_a_least_privilege_app_role() {
    let Some(mut admin) = postgres_admin().await else {
        return;
    };
    let name = unique_name("conduit_roles");
    let role = unique_name("conduit_app");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let admin_url = admin_url();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let owner_url = format!("{base}/{name}");
    let host = host_port(&admin_url);
    let app_url = format!("postgres://{role}@{host}/{name}?sslmode=disable");
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("app-password");
    std::fs::write(&password, "initial-app-password\n").unwrap();

    let outcome = tokio::spawn({
        let role = role.clone();
        async move {
        // Before the migration step, the server starts but is not ready.
        let unmigrated = config_in(
            dir.path(),
            &[
                ("DATABASE_URL", owner_url.as_str()),
                ("CONDUIT_MIGRATE_ON_START", "0"),
            ],
        );
        let (db, router) = lazy_app(&unmigrated);
        assert_eq!(
            send(&router, get("/readyz")).await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );

        let data_dir = dir.path().display().to_string();
        let migrate = || {
            let output = conduit(&[
                ("DATABASE_URL", owner_url.as_str()),
                ("CONDUIT_DATA_DIR", data_dir.as_str()),
                ("CONDUIT_DB_APP_ROLE", role.as_str()),
                (
                    "CONDUIT_DB_APP_PASSWORD_FILE",
                    &password.display().to_string(),
                ),
            ])
            .arg("migrate")
            .stdin(Stdio::null())
            .output()
            .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            assert!(
                output.status.success(),
                "{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            stdout
        };
        assert!(migrate().contains("created and granted"));
        // Idempotent: a second run (every deploy runs it) grants again and keeps the password.
        assert!(migrate().contains("granted (password left to the rotation)"));
        assert_eq!(send(&router, get("/readyz")).await.status, StatusCode::OK);

        // The server as the app role: migrations left alone, readiness and writes work.
        let config = config_in(
            dir.path(),
            &[
                ("DATABASE_URL", app_url.as_str()),
                ("CONDUIT_MIGRATE_ON_START", "0"),
            ],
        );
        let (app_db, router) = lazy_app(&config);
        assert_eq!(send(&router, get("/readyz")).await.status, StatusCode::OK);
        let created = send(&router, post_json("/api/users", &registration("roles"))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
        let token = created.json()["user"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        let mut article = post_json(
            "/api/articles",
            r#"{"article":{"title":"Least privilege","description":"d","body":"b","tagList":["roles"]}}"#,
        );
        article.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Token {token}").parse().unwrap(),
        );
        assert_eq!(send(&router, article).await.status, StatusCode::CREATED);
        app_db.pool().close().await;

        // ...and nothing more: no DDL, no owned objects, no rewriting the migration history.
        let mut as_app = AnyConnection::connect(&app_url).await.unwrap();
        for statement in [
            "CREATE TABLE intruder (id INT)",
            "DROP TABLE comments",
            "ALTER TABLE users ADD COLUMN admin BOOLEAN",
            "DELETE FROM _sqlx_migrations",
            "TRUNCATE articles",
        ] {
            let err = as_app.execute(statement).await.expect_err(statement);
            let code = err
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            assert!(
                matches!(code.as_deref(), Some("42501")),
                "{statement}: {err}"
            );
        }
        let owned: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        )
        .fetch_one(&mut as_app)
        .await
        .unwrap();
        assert_eq!(owned, 0, "the app role owns nothing");
        as_app.close().await.unwrap();
        db.pool().close().await;
        }
    })
    .await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!("DROP ROLE IF EXISTS {role}")))
        .await;
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// A PostgreSQL of the test's own that checks passwords (scram-sha-256): the shared one trusts
/// every local connection. `None`, with a warning, when the server binaries are not installed.
struct PasswordCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

const CLUSTER_ADMIN_PASSWORD: &str = "cluster-admin-password";

/// Where the suite must run on PostgreSQL (CI sets CONDUIT_REQUIRE_POSTGRES=1), a cluster that
/// cannot start fails the test; elsewhere it is skipped, loudly.
fn skip_unless_required(why: &str) -> Option<PasswordCluster> {
    if std::env::var("CONDUIT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!("{why}, and CONDUIT_REQUIRE_POSTGRES=1 requires this test to run");
    }
    eprintln!("WARNING: {why}; skipping this test");
    None
}

impl PasswordCluster {
    fn start() -> Option<PasswordCluster> {
        let bin = std::env::var_os("CONDUIT_TEST_PG_BINDIR")
            .map(PathBuf::from)
            .or_else(|| {
                let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                    .ok()?
                    .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                    .filter(|bin| bin.join("initdb").is_file())
                    .collect();
                versions.sort();
                versions.pop()
            });
        let Some(bin) = bin else {
            return skip_unless_required("no PostgreSQL server binaries (initdb)");
        };
        // initdb refuses to run as root: then the cluster belongs to the postgres user.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if as_postgres
            && !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
        {
            return skip_unless_required("running as root without a postgres user for initdb");
        }
        let dir = tempfile::tempdir().unwrap();
        let cluster = PasswordCluster {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        let pwfile = cluster.dir.path().join("pwfile");
        std::fs::write(&pwfile, CLUSTER_ADMIN_PASSWORD).unwrap();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(cluster.dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data = cluster.dir.path().join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                &format!("--pwfile={}", pwfile.display()),
            ],
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-l",
                &cluster.dir.path().join("log").display().to_string(),
                "-w",
                "-o",
                &format!(
                    "-p {} -c listen_addresses=127.0.0.1 -k {}",
                    cluster.port,
                    cluster.dir.path().display()
                ),
                "start",
            ],
        );
        Some(cluster)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let output = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(program)
                .args(args)
                .output()
        } else {
            Command::new(program).args(args).output()
        }
        .unwrap();
        assert!(
            output.status.success(),
            "{tool}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn url(&self, user: &str, password: Option<&str>) -> String {
        let auth = password.map_or(user.to_string(), |p| format!("{user}:{p}"));
        format!(
            "postgres://{auth}@127.0.0.1:{}/conduit?sslmode=disable",
            self.port
        )
    }
}

impl Drop for PasswordCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
    }
}

/// The password file is read when connections open: a wrong one gives 503s (and readiness
/// fails) without stopping the server; fixing the file heals it without a restart. Then, under
/// load, the role's password changes in the database and in the file: no request fails, the
/// old password stops working, and once `CONDUIT_DB_MAX_LIFETIME_SECS` has passed every pooled
/// connection is one opened with the new password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_password_file_reaches_new_connections_without_a_restart() {
    let Some(cluster) = PasswordCluster::start() else {
        return;
    };
    sqlx::any::install_default_drivers();
    let superuser = cluster
        .url("postgres", Some(CLUSTER_ADMIN_PASSWORD))
        .replace("/conduit?", "/postgres?");
    let mut admin = AnyConnection::connect(&superuser).await.unwrap();
    admin.execute("CREATE DATABASE conduit").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let initial = dir.path().join("initial");
    std::fs::write(&initial, "first-password").unwrap();
    let owner = config_in(
        dir.path(),
        &[(
            "DATABASE_URL",
            cluster
                .url("postgres", Some(CLUSTER_ADMIN_PASSWORD))
                .as_str(),
        )],
    );
    let owner_db = Db::connect(&owner.database_url, &owner.pool).await.unwrap();
    let role = server::config::AppRole {
        name: "conduit_app".into(),
        initial_password_file: Some(initial),
    };
    server::migrate::ensure_app_role(&owner_db, &role)
        .await
        .unwrap();
    owner_db.pool().close().await;

    let password_file = dir.path().join("password");
    std::fs::write(&password_file, "not-the-password\n").unwrap();
    let app_url = cluster.url("conduit_app", None);
    let config = config_in(
        dir.path(),
        &[
            ("DATABASE_URL", app_url.as_str()),
            (
                "CONDUIT_DB_PASSWORD_FILE",
                &password_file.display().to_string(),
            ),
            ("CONDUIT_MIGRATE_ON_START", "0"),
            ("CONDUIT_DB_MAX_LIFETIME_SECS", "1"),
            ("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "2000"),
            ("CONDUIT_DB_MAX_CONNECTIONS", "4"),
        ],
    );
    let (db, router) = lazy_app(&config);

    // A wrong password: the server runs, readiness fails, requests get the 503 envelope.
    assert_eq!(
        send(&router, get("/readyz")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    send(&router, get("/api/tags")).await.assert_envelope(
        503,
        "service",
        "is temporarily unavailable",
    );

    // The file is fixed: the same process heals.
    std::fs::write(&password_file, "first-password\n").unwrap();
    let fixed = Instant::now();
    while send(&router, get("/readyz")).await.status != StatusCode::OK {
        assert!(
            fixed.elapsed() < Duration::from_secs(5),
            "not ready 5 s after the fix"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "ready {:?} after the password file was fixed",
        fixed.elapsed()
    );
    assert_eq!(
        send(&router, post_json("/api/users", &registration("rotation")))
            .await
            .status,
        StatusCode::CREATED
    );

    // Rotation under load.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (router, stop) = (router.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0u32, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let uri = [
                        "/api/tags",
                        "/api/articles",
                        "/api/profiles/rotation",
                        "/readyz",
                    ][(ok as usize + client) % 4];
                    let resp = send(&router, get(uri)).await;
                    if resp.status == StatusCode::OK {
                        ok += 1;
                    } else {
                        failed.push(format!("{uri}: {resp:?}"));
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    // The database first, the file a moment later, as a rotation does: connections opened in
    // between are refused once and retried with the file re-read.
    admin
        // Characters a URL would need escaped: the password goes into the connect options intact.
        .execute("ALTER ROLE conduit_app PASSWORD 'sec/ond@pass:w%rd #2'")
        .await
        .unwrap();
    let rotated_at: String = sqlx::query_scalar("SELECT clock_timestamp()::text")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Replaced at once, as the kubelet swaps a mounted secret.
    let staged = dir.path().join("password.new");
    std::fs::write(&staged, "sec/ond@pass:w%rd #2\n").unwrap();
    std::fs::rename(&staged, &password_file).unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    // Still under load, three lifetimes after the rotation: every connection open now was opened
    // after it, so with the new password.
    // On a busy machine the pool can be empty at one instant (every connection just aged out):
    // look again until the load holds some, so "none from before the rotation" means something.
    let mut counted = (0, 0);
    for _ in 0..30 {
        counted = sqlx::query_as(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE backend_start < $1::timestamptz) \
             FROM pg_stat_activity WHERE usename = 'conduit_app'",
        )
        .bind(&rotated_at)
        .fetch_one(&mut admin)
        .await
        .unwrap();
        if counted.0 > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (pooled, older): (i64, i64) = counted;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut failed) = (0, Vec::new());
    for client in clients {
        let (o, f) = client.await.unwrap();
        ok += o;
        failed.extend(f);
    }
    eprintln!(
        "rotation under load: {ok} requests answered 200, {} failed; {pooled} app connections at \
         the end, {older} from before the rotation",
        failed.len()
    );
    assert!(ok > 40, "the load ran ({ok} requests)");
    assert!(failed.is_empty(), "failed requests: {failed:#?}");
    assert!(pooled > 0, "the load holds connections");
    assert_eq!(
        older, 0,
        "connections from before the rotation were recycled"
    );
    AnyConnection::connect(&cluster.url("conduit_app", Some("first-password")))
        .await
        .expect_err("the old password no longer works");
    assert_eq!(send(&router, get("/readyz")).await.status, StatusCode::OK);
    db.pool().close().await;
    admin.close().await.unwrap();
}

/// Seeded avatars are files the site serves itself (cargo-leptos copies `public/` into the site
/// root): every image the demo and benchmark seeds use, and the default avatar, answers 200.
#[tokio::test]
async fn seeded_avatars_are_served_by_the_site_itself() {
    use server::seed::{avatar_path, AVATARS};
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/../public");
    let app = app_with(&[], |_| {
        LeptosOptions::builder()
            .output_name("conduit")
            .site_root(public)
            .build()
    })
    .await;
    server::seed::demo(&app.db).await.unwrap();
    let seeded: Vec<String> = sqlx::query_scalar("SELECT image FROM users")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seeded.len(), 2, "every demo user has an avatar");
    let paths = seeded
        .into_iter()
        .chain((0..AVATARS).map(avatar_path))
        .chain(["/default-avatar.svg".to_string()]);
    for path in paths {
        let served = send(&app.router, get(&path)).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert_eq!(
            served.header(header::CONTENT_TYPE),
            "image/svg+xml",
            "{path}"
        );
        assert!(served.text().contains("<svg"), "{path}");
    }
}
