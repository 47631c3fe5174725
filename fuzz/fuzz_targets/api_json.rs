//! The JSON request types, through the real router and extractors on a SQLite database: the
//! first byte picks an endpoint that takes a JSON body, the rest is the body. Whatever arrives,
//! the answer is never a 5xx, is JSON, and an error is the spec's envelope
//! (`{"errors": {field: [message, ...]}}`).
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tower::ServiceExt;

struct Target {
    runtime: tokio::runtime::Runtime,
    router: Router,
    token: String,
    _dir: tempfile::TempDir,
}

struct Vars(Vec<(&'static str, String)>);

impl server::config::Source for Vars {
    fn get(&self, var: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == var).map(|(_, v)| v.clone())
    }
}

async fn call(router: &Router, method: Method, path: &str, token: Option<&str>, body: Vec<u8>) -> (u16, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Token {token}"));
    }
    let response = router.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let config = server::config::Config::from_source(&Vars(vec![
            ("CONDUIT_DATA_DIR", dir.path().display().to_string()),
            ("CONDUIT_JWT_SECRET", "conduit-fuzzing-secret-of-enough-bytes".into()),
            ("CONDUIT_AUTH_RATE_PER_MINUTE", "0".into()),
            ("CONDUIT_WRITE_RATE_PER_MINUTE", "0".into()),
        ]))
        .unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (router, token) = runtime.block_on(async {
            let db = domain::Db::connect(&config.database_url, &config.pool).await.unwrap();
            let options = leptos::config::LeptosOptions::builder().output_name("conduit").build();
            let router = server::router(&config, server::AppState::new(&config, db, options));
            let register = br#"{"user":{"username":"fuzzer","email":"fuzzer@example.com","password":"fuzzing-password"}}"#;
            let (status, body) = call(&router, Method::POST, "/api/users", None, register.to_vec()).await;
            assert_eq!(status, 201);
            let user: Value = serde_json::from_slice(&body).unwrap();
            let token = user["user"]["token"].as_str().unwrap().to_string();
            let article = br#"{"article":{"title":"Target","description":"d","body":"b"}}"#;
            assert_eq!(call(&router, Method::POST, "/api/articles", Some(&token), article.to_vec()).await.0, 201);
            (router, token)
        });
        Target { runtime, router, token, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let target = target();
    let token = Some(target.token.as_str());
    let (method, path, token) = match selector % 6 {
        0 => (Method::POST, "/api/users", None),
        1 => (Method::POST, "/api/users/login", None),
        2 => (Method::PUT, "/api/user", token),
        3 => (Method::POST, "/api/articles", token),
        4 => (Method::PUT, "/api/articles/target", token),
        _ => (Method::POST, "/api/articles/target/comments", token),
    };
    let (status, response) = target.runtime.block_on(call(&target.router, method, path, token, body.to_vec()));
    assert!(status < 500, "{status} for {path}: {}", String::from_utf8_lossy(&response));
    let json: Value = serde_json::from_slice(&response).expect("every answer is JSON");
    if status >= 400 {
        let errors = json["errors"].as_object().expect("the error envelope");
        assert!(!errors.is_empty());
        for messages in errors.values() {
            let messages = messages.as_array().expect("a list of messages");
            assert!(!messages.is_empty() && messages.iter().all(Value::is_string), "{json}");
        }
    }
});
