//! The Leptos side of the router: server-rendered pages, server functions under their own
//! prefix, static files, and the cross-site request guard on server functions.

use app::server_ctx::AppState;
use app::{shell, App, SERVER_FN_PREFIX};
use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::services::ServeDir;

use crate::layers::CspNonce;

pub fn routes(state: AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let request_context = move || {
        provide_context(context_state.clone());
        provide_csp_nonce();
    };
    let shell_options = state.leptos_options.clone();
    let app_shell = move || shell(shell_options.clone());
    // Any other path renders the app, whose router answers it with the 404 page (and status).
    let not_found_page =
        leptos_axum::render_app_to_stream_with_context(request_context.clone(), app_shell.clone());
    Router::new()
        .leptos_routes_with_context(&state, routes, request_context, app_shell)
        // Files of the site root (the bundle, styles, fonts, icons), precompressed variants
        // first; any other path gets the app's 404 page. Leptos's file handler gave a file
        // the status of whatever `ResponseOptions` its fresh reactive owner found, and under
        // concurrent requests that could be another request's 404: the browser suite once saw
        // `/pkg/conduit.wasm` answered with its own bytes and a 404 status.
        .fallback_service(
            ServeDir::new(state.leptos_options.site_root.to_string())
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false)
                .call_fallback_on_method_not_allowed(true)
                .fallback(not_found_page.with_state(state)),
        )
        .layer(middleware::from_fn(refuse_cross_site_server_fns))
}

/// The hydration scripts carry the nonce that the security-headers layer put in the request and
/// in its `Content-Security-Policy` (Leptos would otherwise make up one of its own).
fn provide_csp_nonce() {
    let nonce =
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}

/// Server functions change data with the visitor's session cookie, so they accept only requests
/// made by this site's own pages: `Sec-Fetch-Site` must be same-origin when the browser sends
/// it, and otherwise `Origin`, when present, must match `Host`. SameSite=Lax cookies are the
/// second line of defence.
async fn refuse_cross_site_server_fns(request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(SERVER_FN_PREFIX)
        && request.method() != Method::GET
        && is_cross_site(&request)
    {
        return (
            StatusCode::FORBIDDEN,
            "cross-site requests to server functions are refused",
        )
            .into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request<Body>) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or_default();
            let host = host.to_str().unwrap_or_default();
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin_host != host
        }
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request<Body> {
        let mut builder = Request::builder().method("POST").uri("/rpc/x");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_detection() {
        assert!(!is_cross_site(&request(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_cross_site(&request(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&request(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&request(&[
            ("origin", "http://localhost:3000"),
            ("host", "localhost:3000")
        ])));
        assert!(is_cross_site(&request(&[
            ("origin", "https://evil.example"),
            ("host", "localhost:3000")
        ])));
        assert!(!is_cross_site(&request(&[("host", "localhost:3000")])));
    }
}
