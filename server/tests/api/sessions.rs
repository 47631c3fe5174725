//! Sessions end when they should (issue 18, items 4 and 8): a password change ends the user's
//! other browser sessions and API tokens, browser sessions time out when idle and renew as they
//! are used, and the session cookie follows the public URL's scheme.

use app::components::session::LoadCurrentUser;
use app::pages::auth::Login;
use app::pages::settings::{Logout, UpdateSettings};
use axum::body::Body;
use axum::http::{header, Method, Request};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

use crate::api_test;
use crate::harness::{each_backend_with, Resp, TestApp, TestUser, PASSWORD};

const NEW_PASSWORD: &str = "a brand new password";

/// `application/x-www-form-urlencoded`, as a browser's form post sends it.
fn form_body(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A server function call from this site's own page, with `cookie` as the `Cookie` header.
async fn rpc<F: ServerFn>(app: &TestApp, cookie: Option<&str>, fields: &[(&str, &str)]) -> Resp {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(F::PATH)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::from(form_body(fields))).unwrap())
        .await
}

/// The `Set-Cookie` header of a response (there is one: the session cookie).
fn set_cookie(resp: &Resp) -> String {
    let cookies: Vec<_> = resp.headers.get_all(header::SET_COOKIE).iter().collect();
    assert_eq!(cookies.len(), 1, "one Set-Cookie in {resp:?}");
    cookies[0].to_str().unwrap().to_string()
}

/// Signs in through the UI's server function; returns the `Cookie` header it sets (`name=value`).
async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let resp = rpc::<Login>(
        app,
        None,
        &[("email", email), ("password", password), ("next", "/")],
    )
    .await;
    resp.assert_status(200);
    let cookie = set_cookie(&resp);
    cookie.split(';').next().unwrap().to_string()
}

/// Who the UI sees as signed in with `cookie`: a username, or `None`.
async fn signed_in_as(app: &TestApp, cookie: &str) -> Option<String> {
    let resp = rpc::<LoadCurrentUser>(app, Some(cookie), &[]).await;
    resp.assert_status(200);
    resp.json["username"].as_str().map(str::to_string)
}

/// The settings form as the page posts it, with a new password and the current one.
async fn change_password_in_settings(
    app: &TestApp,
    cookie: &str,
    user: &TestUser,
    current: &str,
) -> Resp {
    rpc::<UpdateSettings>(
        app,
        Some(cookie),
        &[
            ("image", ""),
            ("username", &user.username),
            ("bio", ""),
            ("email", &user.email),
            ("password", NEW_PASSWORD),
            ("current_password", current),
        ],
    )
    .await
}

async fn api_login(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post(
        "/api/users/login",
        None,
        json!({"user": {"email": email, "password": password}}),
    )
    .await
}

fn token_of(resp: &Resp) -> String {
    resp.json["user"]["token"].as_str().unwrap().to_string()
}

api_test!(
    async fn an_api_password_change_ends_earlier_tokens_and_every_browser_session(app) {
        let jake = app.register("jake").await;
        // Jake on another device (a second token) and in a browser.
        let other_device = token_of(&api_login(&app, &jake.email, PASSWORD).await);
        let browser = sign_in(&app, &jake.email, PASSWORD).await;
        assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("jake"));

        let changed = app
            .put("/api/user", Some(&jake.token), json!({"user": {"password": NEW_PASSWORD}}))
            .await;
        changed.assert_status(200);
        let fresh = token_of(&changed);
        assert_ne!(fresh, jake.token);

        app.get("/api/user", Some(&other_device)).await.assert_error(401, "token", "is invalid");
        app.get("/api/articles/feed", Some(&other_device)).await.assert_error(401, "token", "is invalid");
        assert_eq!(app.get("/api/user", Some(&fresh)).await.assert_status(200)["user"]["username"], "jake");
        // The token that made the change goes on working, as the RealWorld reference suite
        // expects (it changes the password twice with one token, then reads the user with it).
        app.get("/api/user", Some(&jake.token)).await.assert_status(200);
        assert_eq!(signed_in_as(&app, &browser).await, None, "the browser session ended");
        api_login(&app, &jake.email, PASSWORD).await.assert_error(401, "credentials", "invalid");
        let after = token_of(&api_login(&app, &jake.email, NEW_PASSWORD).await);

        // The next change, made with the fresh token, ends the one kept before.
        app.put("/api/user", Some(&fresh), json!({"user": {"password": PASSWORD}}))
            .await
            .assert_status(200);
        app.get("/api/user", Some(&jake.token)).await.assert_error(401, "token", "is invalid");
        app.get("/api/user", Some(&after)).await.assert_error(401, "token", "is invalid");
        app.get("/api/user", Some(&fresh)).await.assert_status(200);

        // Other settings end nothing.
        let another = token_of(&api_login(&app, &jake.email, PASSWORD).await);
        let browser = sign_in(&app, &jake.email, PASSWORD).await;
        app.put("/api/user", Some(&fresh), json!({"user": {"bio": "still here"}}))
            .await
            .assert_status(200);
        app.get("/api/user", Some(&another)).await.assert_status(200);
        assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("jake"));
    }
);

api_test!(
    async fn the_settings_page_asks_for_the_current_password_and_keeps_only_its_own_session(app) {
        let jake = app.register("jake").await;
        let here = sign_in(&app, &jake.email, PASSWORD).await;
        let elsewhere = sign_in(&app, &jake.email, PASSWORD).await;

        let blank = change_password_in_settings(&app, &here, &jake, "").await;
        blank.assert_status(422);
        assert!(blank.text.contains("current password can't be blank"), "{blank:?}");
        let wrong = change_password_in_settings(&app, &here, &jake, "not my password").await;
        wrong.assert_status(422);
        assert!(wrong.text.contains("current password is incorrect"), "{wrong:?}");
        // Refused changes change nothing and end nothing.
        api_login(&app, &jake.email, PASSWORD).await.assert_status(200);
        assert_eq!(signed_in_as(&app, &elsewhere).await.as_deref(), Some("jake"));
        app.get("/api/user", Some(&jake.token)).await.assert_status(200);

        change_password_in_settings(&app, &here, &jake, PASSWORD)
            .await
            .assert_status(200);
        assert_eq!(signed_in_as(&app, &here).await.as_deref(), Some("jake"), "this browser stays signed in");
        assert_eq!(signed_in_as(&app, &elsewhere).await, None, "the other browser is signed out");
        app.get("/api/user", Some(&jake.token)).await.assert_error(401, "token", "is invalid");
        api_login(&app, &jake.email, NEW_PASSWORD).await.assert_status(200);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);

        // Without a new password the current one is not asked for.
        let bio = rpc::<UpdateSettings>(
            &app,
            Some(&here),
            &[
                ("image", ""),
                ("username", "jake"),
                ("bio", "no password needed"),
                ("email", &jake.email),
                ("password", ""),
                ("current_password", ""),
            ],
        )
        .await;
        bio.assert_status(200);
    }
);

/// Moves a session's last request `secs` seconds into the past: time passing, without waiting.
async fn idle_for(app: &TestApp, secs: i64) {
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(secs * 1000)
        .execute(app.db.pool())
        .await
        .unwrap();
}

async fn last_seen(app: &TestApp) -> i64 {
    app.count("SELECT last_seen_at FROM sessions").await
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn idle_sessions_end_and_used_ones_renew() {
    // 10 minutes idle: renewed at most once a minute.
    each_backend_with(
        "idle_sessions_end_and_used_ones_renew",
        &[("CONDUIT_SESSION_IDLE_MINUTES", "10")],
        |app| async move {
            let jake = app.register("jake").await;
            let cookie = sign_in(&app, &jake.email, PASSWORD).await;

            // Used within the renewal interval: read, not written.
            idle_for(&app, 30).await;
            let before = last_seen(&app).await;
            assert_eq!(signed_in_as(&app, &cookie).await.as_deref(), Some("jake"));
            assert_eq!(last_seen(&app).await, before, "no write on every request");

            // Used after 9 idle minutes, twice: more than 10 minutes in all, alive by renewal.
            for _ in 0..2 {
                idle_for(&app, 9 * 60).await;
                assert_eq!(signed_in_as(&app, &cookie).await.as_deref(), Some("jake"));
                let renewed = last_seen(&app).await;
                assert!(
                    (now_millis() - renewed).abs() < 60_000,
                    "renewed to now: {renewed}"
                );
            }

            // 10 minutes without a request: signed out, for the UI and for good.
            idle_for(&app, 10 * 60 + 1).await;
            assert_eq!(signed_in_as(&app, &cookie).await, None);

            // The absolute end holds however busy the session is.
            let busy = sign_in(&app, &jake.email, PASSWORD).await;
            sqlx::query("UPDATE sessions SET expires_at = $1")
                .bind(now_millis() - 1)
                .execute(app.db.pool())
                .await
                .unwrap();
            assert_eq!(signed_in_as(&app, &busy).await, None);
        },
    )
    .await;
}

/// What a sign-in answers with, as the public URL says: the session cookie's name, its value
/// and its attributes, and the HSTS header.
struct SignInAnswer {
    name: String,
    token: String,
    attributes: String,
    hsts: Option<String>,
}

impl SignInAnswer {
    /// Name, attributes and HSTS, to compare with what the scheme calls for.
    fn seen(&self) -> (&str, &str, Option<&str>) {
        (&self.name, &self.attributes, self.hsts.as_deref())
    }

    /// The `Cookie` header that sends the session back.
    fn cookie(&self) -> String {
        format!("{}={}", self.name, self.token)
    }
}

async fn sign_in_answer(app: &TestApp) -> SignInAnswer {
    app.register("jake").await;
    let resp = rpc::<Login>(
        app,
        None,
        &[
            ("email", "jake@example.com"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
    )
    .await;
    resp.assert_status(200);
    let cookie = set_cookie(&resp);
    let (pair, attributes) = cookie.split_once("; ").unwrap();
    let (name, token) = pair.split_once('=').unwrap();
    SignInAnswer {
        name: name.to_string(),
        token: token.to_string(),
        attributes: attributes.to_string(),
        hsts: resp
            .headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .map(|v| v.to_str().unwrap().to_string()),
    }
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_prefixed() {
    each_backend_with(
        "over_https_the_session_cookie_is_secure_and_host_prefixed",
        &[("CONDUIT_PUBLIC_URL", "https://conduit.example.com")],
        |app| async move {
            let answer = sign_in_answer(&app).await;
            let expected = (
                "__Host-conduit_session",
                "Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000; Secure",
                Some("max-age=63072000; includeSubDomains"),
            );
            assert_eq!(answer.seen(), expected);
            let (token, real) = (&answer.token, answer.cookie());
            assert_eq!(signed_in_as(&app, &real).await.as_deref(), Some("jake"));
            // The unprefixed name is ignored over HTTPS, alone or planted beside the real one.
            app.register("mallory").await;
            let planted = sign_in(&app, "mallory@example.com", PASSWORD).await;
            let planted_value = planted.split_once('=').unwrap().1;
            assert_eq!(
                signed_in_as(&app, &format!("conduit_session={token}")).await,
                None
            );
            let beside = format!("conduit_session={planted_value}; {real}");
            assert_eq!(signed_in_as(&app, &beside).await.as_deref(), Some("jake"));
            // Two cookies of the session's name: neither is trusted.
            let twice = format!("__Host-conduit_session={planted_value}; {real}");
            assert_eq!(signed_in_as(&app, &twice).await, None);

            // Signing out clears the same cookie.
            let out = rpc::<Logout>(&app, Some(&real), &[]).await;
            out.assert_status(200);
            assert_eq!(
                set_cookie(&out),
                "__Host-conduit_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn over_http_the_session_cookie_is_plain_and_no_hsts_is_sent() {
    each_backend_with(
        "over_http_the_session_cookie_is_plain_and_no_hsts_is_sent",
        &[("CONDUIT_PUBLIC_URL", "http://127.0.0.1:3000")],
        |app| async move {
            let answer = sign_in_answer(&app).await;
            let expected = (
                "conduit_session",
                "Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000",
                None,
            );
            assert_eq!(answer.seen(), expected);
            let (token, real) = (&answer.token, answer.cookie());
            assert_eq!(signed_in_as(&app, &real).await.as_deref(), Some("jake"));
            assert_eq!(
                signed_in_as(&app, &format!("__Host-conduit_session={token}")).await,
                None
            );
            // A second cookie of the name, before or after the real one: neither is trusted.
            app.register("mallory").await;
            let planted = sign_in(&app, "mallory@example.com", PASSWORD).await;
            for cookies in [format!("{planted}; {real}"), format!("{real}; {planted}")] {
                assert_eq!(signed_in_as(&app, &cookies).await, None, "{cookies}");
            }
            let headers = Request::builder()
                .method(Method::POST)
                .uri(LoadCurrentUser::PATH)
                .header("sec-fetch-site", "same-origin")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, real.as_str())
                .header(header::COOKIE, planted.as_str())
                .body(Body::empty())
                .unwrap();
            assert_eq!(
                app.send(headers).await.json,
                Value::Null,
                "across Cookie headers too"
            );
        },
    )
    .await;
}
