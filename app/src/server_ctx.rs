//! What server functions need from the running server: the shared state, the signed-in user of
//! the request (from the session cookie), and setting or clearing that cookie.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::components::error::AppError;
use std::sync::Arc;

use domain::users::{self, Account};
use domain::{auth, Services, UserId};
use tokio::sync::OnceCell;

/// The session cookie's name over plain HTTP (local development).
pub const SESSION_COOKIE: &str = "conduit_session";
/// Its name over HTTPS: browsers accept a `__Host-` cookie only from a secure origin, with
/// `Path=/` and no `Domain`, so a sibling subdomain or a plain-HTTP attacker cannot plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-conduit_session";

/// Whether the site is served over HTTPS (its public URL says so): the session cookie is then
/// `Secure` and named [`SECURE_SESSION_COOKIE`]. Given to server functions as context, beside
/// the domain's [`Services`].
#[derive(Clone, Copy, Debug)]
pub struct SecureCookies(pub bool);

/// The domain's services, which the server gives every request as context.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| AppError::internal("server state is missing"))
}

fn secure_cookies() -> bool {
    use_context::<SecureCookies>().is_some_and(|SecureCookies(secure)| secure)
}

fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session token in request `headers`. Only the cookie name of the transport counts (over
/// HTTPS a plain `conduit_session` is ignored), and it must appear exactly once: when a second
/// cookie of that name was planted beside the real one, neither is trusted, so a planted
/// session can never stand in for the user's own.
pub fn session_cookie(headers: &HeaderMap, secure: bool) -> Option<String> {
    let name = session_cookie_name(secure);
    let mut values = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        });
    let value = values.next()?;
    (values.next().is_none() && !value.is_empty()).then(|| value.to_string())
}

/// The session token of the current request, if any.
pub(crate) fn session_token() -> Option<String> {
    let parts = use_context::<Parts>()?;
    session_cookie(&parts.headers, secure_cookies())
}

/// Who reads this request, looked up once: the navbar, the page and every server function it
/// calls while rendering ask [`signed_in`], and only the first asks the database. The server
/// provides a fresh one to each request.
#[derive(Clone, Debug, Default)]
pub struct RequestViewer(Arc<OnceCell<Option<Account>>>);

/// The signed-in account of this request, if the session cookie names a live session.
pub async fn signed_in() -> Result<Option<Account>, AppError> {
    let lookup = || async {
        let Some(token) = session_token() else {
            return Ok(None);
        };
        let services = services()?;
        Ok::<_, AppError>(users::of_session(&services.db, &token, services.sessions).await?)
    };
    match use_context::<RequestViewer>() {
        Some(RequestViewer(cell)) => cell.get_or_try_init(lookup).await.cloned(),
        None => lookup().await,
    }
}

/// The signed-in user of this request, if any.
pub async fn viewer() -> Result<Option<UserId>, AppError> {
    Ok(signed_in().await?.map(|account| account.user_id()))
}

/// The signed-in user, or a 401 that the UI shows as "Please sign in".
pub async fn require_user() -> Result<UserId, AppError> {
    viewer().await?.ok_or_else(AppError::sign_in_required)
}

fn cookie(value: &str, max_age: u64, secure: bool) -> String {
    let name = session_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Opens a session for `user` and sets its cookie on the response.
pub async fn sign_in(user: UserId) -> Result<(), AppError> {
    let state = services()?;
    let token = auth::open_session(&state.db, user).await?;
    set_cookie(&cookie(
        &token,
        auth::SESSION_TTL.as_secs(),
        secure_cookies(),
    ));
    Ok(())
}

/// Ends the current session (the old cookie stops working) and clears the cookie.
pub async fn sign_out() -> Result<(), AppError> {
    let state = services()?;
    if let Some(token) = session_token() {
        auth::close_session(&state.db, &token, state.sessions).await?;
    }
    set_cookie(&cookie("", 0, secure_cookies()));
    Ok(())
}

fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Sends a plain form post on to `path` after success; the hydrated app navigates by itself.
pub fn redirect_plain_form(path: &str) {
    if crate::form_post::is_plain_form_post() {
        leptos_axum::redirect(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for cookie in cookies {
            headers.append(COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        headers
    }

    #[test]
    fn the_session_cookie_is_read_by_the_transports_name() {
        let plain = headers(&["theme=dark; conduit_session=abc"]);
        assert_eq!(session_cookie(&plain, false).as_deref(), Some("abc"));
        // Over HTTPS only the prefixed name counts: a plain one may have been planted.
        assert_eq!(session_cookie(&plain, true), None);
        let both = headers(&["conduit_session=planted; __Host-conduit_session=real"]);
        assert_eq!(session_cookie(&both, true).as_deref(), Some("real"));
        assert_eq!(session_cookie(&both, false).as_deref(), Some("planted"));
        assert_eq!(session_cookie(&headers(&["conduit_session="]), false), None);
        assert_eq!(
            session_cookie(&headers(&["xconduit_session=abc"]), false),
            None
        );
    }

    #[test]
    fn a_duplicate_session_cookie_trusts_neither() {
        // In one header (a planted cookie with a longer path comes first) or across headers.
        for cookies in [
            &["conduit_session=planted; conduit_session=real"][..],
            &["conduit_session=real", "conduit_session=planted"][..],
            &["conduit_session=; conduit_session=real"][..],
        ] {
            assert_eq!(
                session_cookie(&headers(cookies), false),
                None,
                "{cookies:?}"
            );
        }
        let secure = headers(&["__Host-conduit_session=a; __Host-conduit_session=b"]);
        assert_eq!(session_cookie(&secure, true), None);
    }
}
