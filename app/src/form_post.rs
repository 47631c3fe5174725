//! How a server function was called: by a plain HTML form post, or by the hydrated app. Apart
//! from `server_ctx`, which needs the error type, because the error type needs this.

use axum::http::request::Parts;
use leptos::prelude::use_context;

/// True for a plain HTML form post (JavaScript off or not loaded yet): the browser then expects
/// a page, so a successful action answers with a redirect to where the hydrated app would go.
pub fn is_plain_form_post() -> bool {
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
