//! The test harness of the API suite: every test runs once on a fresh SQLite database and once
//! on a fresh PostgreSQL database (when one is reachable), through `server::router(...)`
//! in-process, so tests are independent of each other and of their order.
//!
//! PostgreSQL: `CONDUIT_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) is
//! an administrative connection; each test creates its own uniquely named database there and
//! drops it at the end. When it is not reachable the suite warns once and runs on SQLite only;
//! `CONDUIT_REQUIRE_POSTGRES=1` makes that a failure instead.

#![allow(dead_code)]

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Once, OnceLock};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use domain::Db;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};

use crate::support::{admin_connection, admin_url, config_in, postgres_required, with_database};
use tower::ServiceExt;

pub const PASSWORD: &str = "password123";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The configuration values of a test, as `Config::from_source` reads them.
static WARN_ONCE: Once = Once::new();

/// Whether PostgreSQL answered, checked once per test binary: `Err` says why not.
static POSTGRES: OnceLock<Result<(), String>> = OnceLock::new();

/// The backends this run covers: SQLite always, PostgreSQL when reachable.
async fn backends() -> Vec<Backend> {
    let reachable = match POSTGRES.get() {
        Some(known) => known.clone(),
        None => {
            let checked = match admin_connection().await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    Ok(())
                }
                Err(err) => Err(err),
            };
            POSTGRES.get_or_init(|| checked).clone()
        }
    };
    match reachable {
        Ok(()) => vec![Backend::Sqlite, Backend::Postgres],
        Err(err) => {
            let url = domain::db::redact(&admin_url());
            if postgres_required() {
                panic!("PostgreSQL not reachable at {url} ({err}) and CONDUIT_REQUIRE_POSTGRES=1");
            }
            WARN_ONCE.call_once(|| {
                // Straight to the process's stderr: the test harness captures `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n==============================================================================\n\
                     WARNING: PostgreSQL not reachable at {url}; API suite ran on SQLite only\n\
                     ({err}). Set CONDUIT_TEST_POSTGRES_URL, or CONDUIT_REQUIRE_POSTGRES=1 to fail.\n\
                     ==============================================================================\n"
                );
            });
            vec![Backend::Sqlite]
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "conduit_t_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What a test gets: the router, and the database behind it for checks below the API.
#[derive(Clone)]
pub struct TestApp {
    pub backend: Backend,
    pub router: Router,
    pub db: Db,
}

/// What to remove when a test ends.
struct Cleanup {
    _dir: tempfile::TempDir,
    postgres_database: Option<String>,
}

async fn start(backend: Backend, extra: &[(&str, &str)]) -> (TestApp, Cleanup) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut vars = vec![
        ("CONDUIT_DB_MAX_CONNECTIONS".to_string(), "4".to_string()),
        // Tests write faster than any person; the tests of the write limit set their own.
        ("CONDUIT_WRITE_RATE_PER_MINUTE".to_string(), "0".to_string()),
    ];
    let mut postgres_database = None;
    if backend == Backend::Postgres {
        let name = unique_name();
        let mut admin = admin_connection()
            .await
            .expect("PostgreSQL was reachable a moment ago");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("CREATE DATABASE");
        let _ = admin.close().await;
        vars.push((
            "DATABASE_URL".to_string(),
            with_database(&admin_url(), &name),
        ));
        postgres_database = Some(name);
    }
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let config = config_in(dir.path(), &vars);
    let db = Db::connect(&config.database_url, &config.pool)
        .await
        .expect("the test database opens and migrates");
    let state = server::AppState::new(
        &config,
        db.clone(),
        LeptosOptions::builder().output_name("conduit").build(),
    );
    let router = server::router(&config, state);
    (
        TestApp {
            backend,
            router,
            db,
        },
        Cleanup {
            _dir: dir,
            postgres_database,
        },
    )
}

async fn finish(app: TestApp, cleanup: Cleanup) {
    app.db.pool().close().await;
    drop(app);
    if let Some(name) = cleanup.postgres_database {
        if let Ok(mut admin) = admin_connection().await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// Runs `test` on each backend with a fresh database, then removes it, even when the test fails.
pub async fn each_backend<F, Fut>(name: &str, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    each_backend_with(name, &[], test).await
}

/// Like `each_backend`, with extra configuration values (e.g. `CONDUIT_CORS_ORIGINS`).
pub async fn each_backend_with<F, Fut>(name: &str, extra: &[(&str, &str)], test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for backend in backends().await {
        let (app, cleanup) = start(backend, extra).await;
        let outcome = tokio::spawn(test(app.clone())).await;
        finish(app, cleanup).await;
        if let Err(err) = outcome {
            eprintln!("test {name} failed on {}", backend.name());
            match err.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(err) => panic!("test {name} on {}: {err}", backend.name()),
            }
        }
    }
}

/// Declares a test that runs on every backend: `api_test!(async fn name(app) { ... });`
#[macro_export]
macro_rules! api_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        #[tokio::test]
        async fn $name() {
            $crate::harness::each_backend(stringify!($name), |$app: $crate::harness::TestApp| async move $body).await;
        }
    };
}

/// A response, its body parsed as JSON when it is JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    /// Asserts the status and that the envelope names `field` with `message` first.
    #[track_caller]
    pub fn assert_error(&self, status: u16, field: &str, message: &str) {
        assert_eq!(self.status.as_u16(), status, "status of {self:?}");
        assert_eq!(
            self.json["errors"][field][0],
            json!(message),
            "error envelope of {self:?}"
        );
    }

    /// Asserts the status and that the body is the error envelope naming `field`.
    #[track_caller]
    pub fn assert_error_field(&self, status: u16, field: &str) {
        assert_eq!(self.status.as_u16(), status, "status of {self:?}");
        assert!(
            self.json["errors"][field][0].is_string(),
            "no `{field}` error in {self:?}"
        );
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {self:?}");
        &self.json
    }
}

/// A registered user of a test.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub username: String,
    pub email: String,
    pub token: String,
}

impl TestApp {
    /// Sends a request and checks what holds for every API response: never a 500, and every
    /// 4xx/5xx from `/api` carries the error envelope.
    pub async fn send(&self, request: Request<Body>) -> Resp {
        let path = request.uri().path().to_string();
        let method = request.method().clone();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a readable body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        let resp = Resp {
            status,
            headers,
            text,
            json,
        };
        assert!(
            !status.is_server_error(),
            "{method} {path} on {}: server error {resp:?}",
            self.backend.name()
        );
        if path.starts_with("/api") && (status.is_client_error() || status.is_server_error()) {
            let errors = resp.json["errors"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path}: no error envelope in {resp:?}"));
            assert!(!errors.is_empty(), "{method} {path}: empty error envelope");
            for (field, messages) in errors {
                let messages = messages
                    .as_array()
                    .unwrap_or_else(|| panic!("{field} is not a list in {resp:?}"));
                assert!(
                    !messages.is_empty() && messages.iter().all(Value::is_string),
                    "{field} messages in {resp:?}"
                );
            }
        }
        resp
    }

    /// A JSON request; `token` goes in `Authorization: Token <jwt>`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Token {token}"));
        }
        let body = match body {
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    /// A request with a raw body and content type, for bad input.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Token {token}"));
        }
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        self.send(builder.body(body.into()).unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::POST, path, token, None).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Registers `username` (email `<username>@example.com`, password `password123`).
    pub async fn register(&self, username: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let resp = self
            .post(
                "/api/users",
                None,
                json!({"user": {"username": username, "email": email, "password": PASSWORD}}),
            )
            .await;
        let body = resp.assert_status(201);
        TestUser {
            username: username.to_string(),
            email,
            token: body["user"]["token"].as_str().unwrap().to_string(),
        }
    }

    /// Creates an article and returns it as the API does.
    pub async fn create_article(&self, user: &TestUser, title: &str, tags: &[&str]) -> Value {
        let resp = self
            .post(
                "/api/articles",
                Some(&user.token),
                json!({"article": {"title": title, "description": format!("About {title}"), "body": format!("Body of {title}"), "tagList": tags}}),
            )
            .await;
        resp.assert_status(201)["article"].clone()
    }

    /// A number from the database, for checks below the API (cascades, untouched data).
    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(self.db.pool())
            .await
            .expect("a count")
    }
}

/// True when `text` is an ISO-8601 UTC timestamp with milliseconds, e.g. `2026-01-02T03:04:05.678Z`.
pub fn is_millis_timestamp(text: &Value) -> bool {
    let Some(text) = text.as_str() else {
        return false;
    };
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        range
            .clone()
            .all(|i| bytes.get(i).is_some_and(u8::is_ascii_digit))
    };
    bytes.len() == 24
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && bytes[10] == b'T'
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19)
        && bytes[19] == b'.'
        && digits(20..23)
        && bytes[23] == b'Z'
}

#[test]
fn timestamps_are_checked_to_the_millisecond() {
    assert!(is_millis_timestamp(&json!("2026-01-02T03:04:05.678Z")));
    assert!(!is_millis_timestamp(&json!("2026-01-02T03:04:05Z")));
    assert!(!is_millis_timestamp(&json!(
        "2026-01-02T03:04:05.678+00:00"
    )));
    assert!(!is_millis_timestamp(&json!(null)));
}
