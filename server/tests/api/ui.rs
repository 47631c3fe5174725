//! Calling the UI's server functions the two ways a browser does: a plain HTML form post
//! (JavaScript off, `Accept: text/html`, answered with a redirect) and the hydrated app's call
//! (`Accept: application/json`, answered with JSON), both from one of the site's own pages.

use axum::body::Body;
use axum::http::{header, Method, Request};
use leptos::server_fn::ServerFn;

use crate::harness::{Resp, TestApp, TestUser, PASSWORD};

/// How the browser posts the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Js {
    Off,
    On,
}

/// `application/x-www-form-urlencoded` from name/value pairs.
pub fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Posts `body` (a urlencoded form) to server function `F`, with the session `cookie` if any.
pub async fn post<F: ServerFn>(app: &TestApp, js: Js, cookie: Option<&str>, body: String) -> Resp {
    let accept = match js {
        Js::Off => "text/html,application/xhtml+xml",
        Js::On => "application/json",
    };
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(F::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, accept)
        // What every current browser says of a form on one of the site's own pages: the
        // cross-site guard serves nothing else.
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

/// The `name=value` of the session cookie a response sets.
pub fn session_cookie(resp: &Resp) -> Option<String> {
    resp.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("conduit_session=") && pair.len() > "conduit_session=".len())
        .map(String::from)
}

/// Signs `user` in through the UI and returns their session cookie.
pub async fn sign_in(app: &TestApp, user: &TestUser) -> String {
    let body = form(&[
        ("email", &user.email),
        ("password", PASSWORD),
        ("next", "/"),
    ]);
    let resp = post::<app::pages::auth::Login>(app, Js::On, None, body).await;
    resp.assert_status(200);
    session_cookie(&resp).expect("a session cookie")
}

/// A server function's error as the hydrated app gets it: the status and a readable message.
#[track_caller]
pub fn assert_ui_error(resp: &Resp, status: u16, starts_with: &str) {
    assert_eq!(resp.status.as_u16(), status, "{resp:?}");
    let messages = resp.json["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("messages in {resp:?}"));
    assert!(
        messages
            .iter()
            .any(|m| m.as_str().is_some_and(|m| m.starts_with(starts_with))),
        "{starts_with:?} in {resp:?}"
    );
}
