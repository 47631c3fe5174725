//! What server functions need from the running server: the shared state, the signed-in user of
//! the request (from the session cookie), and setting or clearing that cookie.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::components::error::AppError;
use crate::domain::{auth, Db, Tokens, UserId, WriteLimit};

pub const SESSION_COOKIE: &str = "conduit_session";

/// Shared by every request: given to server functions as context and to REST handlers as state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    /// Each user's budget of new articles and comments, shared by both transports.
    pub writes: WriteLimit,
    pub tokens: Tokens,
    /// Production serves over HTTPS only, so cookies get `Secure` there.
    pub secure_cookies: bool,
    pub leptos_options: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("server state is missing"))
}

/// The value of the session cookie of the current request, if any.
fn session_token() -> Option<String> {
    let parts = use_context::<Parts>()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| {
            header.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
            })
        })
}

/// The signed-in user of this request, if the session cookie names a live session.
pub async fn viewer() -> Result<Option<UserId>, AppError> {
    let Some(token) = session_token() else {
        return Ok(None);
    };
    Ok(auth::session_user(&state()?.db, &token).await?)
}

/// The signed-in user, or a 401 that the UI shows as "Please sign in".
pub async fn require_user() -> Result<UserId, AppError> {
    viewer().await?.ok_or_else(AppError::sign_in_required)
}

fn cookie(value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Opens a session for `user` and sets its cookie on the response.
pub async fn sign_in(user: UserId) -> Result<(), AppError> {
    let state = state()?;
    let token = auth::open_session(&state.db, user).await?;
    set_cookie(&cookie(
        &token,
        auth::SESSION_TTL.as_secs(),
        state.secure_cookies,
    ));
    Ok(())
}

/// Ends the current session (the old cookie stops working) and clears the cookie.
pub async fn sign_out() -> Result<(), AppError> {
    let state = state()?;
    if let Some(token) = session_token() {
        auth::close_session(&state.db, &token).await?;
    }
    set_cookie(&cookie("", 0, state.secure_cookies));
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

/// True for a plain HTML form post (JavaScript off or not loaded yet): the browser then expects
/// a page, so a successful action answers with a redirect to where the hydrated app would go.
pub(crate) fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Sends a plain form post on to `path` after success; the hydrated app navigates by itself.
pub fn redirect_plain_form(path: &str) {
    if is_plain_form_post() {
        leptos_axum::redirect(path);
    }
}
