//! Issue 18, item 6: after signing in, `next` sends the browser only to a path on this site,
//! with JavaScript off (a plain form post answered by a `Location` header) and on (the server
//! function's JSON answer, which the hydrated app navigates to); no byte in `next` fails the
//! request, and it is judged before the session exists.

use axum::http::header;
use serde_json::json;

use crate::api_test;
use crate::harness::{TestApp, TestUser, PASSWORD};
use crate::ui::{form, post, session_cookie, Js};

/// Known open-redirect payloads, as a crafted link would carry them in `?next=`.
const PAYLOADS: &[&str] = &[
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\0/evil.example",
    "\0//evil.example",
    "/\u{7f}/evil.example",
    "/\u{a0}/evil.example",
    "/\u{3000}/evil.example",
    "https://evil.example",
    "http:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
];

/// Signs `user` in with `next` and returns where the browser is sent.
async fn sign_in_with_next(app: &TestApp, user: &TestUser, js: Js, next: &str) -> String {
    let body = form(&[
        ("email", &user.email),
        ("password", PASSWORD),
        ("next", next),
    ]);
    let resp = post::<app::pages::auth::Login>(app, js, None, body).await;
    assert!(
        session_cookie(&resp).is_some(),
        "{next:?} ({js:?}): signed in"
    );
    match js {
        Js::Off => {
            assert!(resp.status.is_redirection(), "{next:?}: {resp:?}");
            let location = resp
                .headers
                .get(header::LOCATION)
                .expect("a Location header");
            location.to_str().expect("visible ASCII").to_string()
        }
        Js::On => {
            resp.assert_status(200);
            resp.json
                .as_str()
                .expect("the path as a JSON string")
                .to_string()
        }
    }
}

/// Where a browser goes for `location`: it drops tabs and line breaks and reads `\` as `/`.
fn stays_on_site(location: &str) -> bool {
    let read: String = location
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    read.starts_with('/') && !read.starts_with("//")
}

api_test!(
    async fn next_follows_local_paths_with_and_without_javascript(app) {
        let jake = app.register("jake").await;
        for js in [Js::Off, Js::On] {
            assert_eq!(sign_in_with_next(&app, &jake, js, "/article/how-to").await, "/article/how-to");
            assert_eq!(sign_in_with_next(&app, &jake, js, "/?feed=following&page=2").await, "/?feed=following&page=2");
            assert_eq!(sign_in_with_next(&app, &jake, js, "/tag/日本").await, "/tag/%E6%97%A5%E6%9C%AC");
            assert_eq!(sign_in_with_next(&app, &jake, js, "").await, "/");
        }
    }
);

api_test!(
    async fn open_redirect_payloads_in_next_go_home(app) {
        let jake = app.register("jake").await;
        for js in [Js::Off, Js::On] {
            for payload in PAYLOADS {
                let location = sign_in_with_next(&app, &jake, js, payload).await;
                assert_eq!(location, "/", "{payload:?} ({js:?})");
            }
        }
    }
);

api_test!(
    async fn no_byte_in_next_fails_the_sign_in_or_leaves_the_site(app) {
        let jake = app.register("jake").await;
        let sessions_before = app.count("SELECT COUNT(*) FROM sessions").await;
        let mut sign_ins = 0;
        // The bytes that matter, raw in the form (the unit tests of `after_sign_in` take every
        // character): controls and spaces, slashes, `%`, DEL, and bytes that are not UTF-8.
        let bytes = (0..=0x20u8).chain([b'/', b'\\', b'%', b'@', b':', 0x7f, 0x80, 0xc2, 0xe3, 0xff]);
        for byte in bytes {
            let js = if byte % 2 == 0 { Js::Off } else { Js::On };
            let encoded = format!("%2F%{byte:02X}%2Fevil.example");
            let body = format!(
                "{}&next={encoded}",
                form(&[("email", &jake.email), ("password", PASSWORD)])
            );
            let resp = post::<app::pages::auth::Login>(&app, js, None, body).await;
            if resp.status.is_client_error() {
                // A body that is not UTF-8 is refused before anything happens.
                assert!(byte >= 0x80, "byte {byte:#04x}: {resp:?}");
                assert!(session_cookie(&resp).is_none(), "byte {byte:#04x}: no session");
                continue;
            }
            sign_ins += 1;
            let location = match js {
                Js::Off => resp.headers.get(header::LOCATION).expect("Location").to_str().unwrap().to_string(),
                Js::On => resp.json.as_str().expect("a JSON path").to_string(),
            };
            assert!(stays_on_site(&location), "byte {byte:#04x} -> {location:?}");
        }
        // CR and LF among them: each sign-in made exactly one session, none was left behind a
        // failure.
        assert!(sign_ins >= 33);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, sessions_before + sign_ins);
    }
);

api_test!(
    async fn a_wrong_password_with_a_hostile_next_is_a_plain_401(app) {
        let jake = app.register("jake").await;
        let body = form(&[("email", &jake.email), ("password", "not-the-password"), ("next", "/\r\n/evil.example")]);
        let resp = post::<app::pages::auth::Login>(&app, Js::On, None, body).await;
        assert_eq!(resp.status.as_u16(), 401, "{resp:?}");
        assert_eq!(resp.json["messages"], json!(["email or password is invalid"]));
        assert!(session_cookie(&resp).is_none());
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    }
);
