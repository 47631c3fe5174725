//! The Leptos side of the router: server-rendered pages, server functions under their own
//! prefix, static files, and the cross-site request guard on server functions.

use app::components::error::AppError;
use app::components::page_meta::RequestOrigin;
use app::pages::editor::{preview_document, PREVIEW_PAGE};
use app::server_ctx::{RequestViewer, SecureCookies};
use app::{shell, App, SERVER_FN_PREFIX};
use axum::body::Body;
use domain::articles;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::Form;
use axum::Router;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::services::ServeDir;
use url::{Origin, Url};

use crate::assets::SiteAssets;
use crate::config::Config;
use crate::layers::CspNonce;
use crate::AppState;

pub fn routes(site: Arc<SiteOrigin>, state: AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let services = state.services.clone();
    let secure_cookies = SecureCookies(state.secure_cookies);
    let context_site = site.clone();
    let request_context = move || {
        provide_context(services.clone());
        provide_context(secure_cookies);
        provide_context(RequestViewer::default());
        provide_csp_nonce();
        provide_site_origin(&context_site);
    };
    let shell_options = state.leptos_options.clone();
    let stylesheet = state.assets.stylesheet.clone();
    let app_shell = move || shell(shell_options.clone(), stylesheet.clone());
    // Any other path renders the app, whose router answers it with the 404 page (and status).
    let not_found_page =
        leptos_axum::render_app_to_stream_with_context(request_context.clone(), app_shell.clone());
    Router::new()
        .leptos_routes_with_context(&state, routes, request_context, app_shell)
        .route(PREVIEW_PAGE, post(preview_page))
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
        .layer(middleware::from_fn_with_state(
            site,
            refuse_cross_site_server_fns,
        ))
}

/// The editor's form, posted without JavaScript by its Preview button. Extra fields of the form
/// (description, tags) are ignored; missing ones are blank.
#[derive(serde::Deserialize)]
struct Draft {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn preview_page(State(assets): State<SiteAssets>, Form(draft): Form<Draft>) -> Response {
    let preview = articles::preview(&draft.title, &draft.body).map_err(AppError::from);
    let status = match &preview {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Html(preview_document(preview, &assets.stylesheet))).into_response()
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

/// Pages make their canonical and share-card addresses absolute on the origin this request
/// reached (none when its `Host` names no host).
fn provide_site_origin(site: &SiteOrigin) {
    let origin = use_context::<Parts>().and_then(|parts| site.of(&parts.headers, &parts.uri));
    if let Some(origin) = origin {
        provide_context(RequestOrigin(origin.ascii_serialization()));
    }
}

/// Server functions change data with the visitor's session cookie, so a state-changing request
/// (anything but GET and HEAD) is served only when the browser vouches that this site's own pages
/// made it, by the first of these headers present (the preview page too: another site must not
/// make it show a page of its choosing):
///
/// 1. `Sec-Fetch-Site` (every current browser): `same-origin`, or `none` (the user's own
///    navigation);
/// 2. `Origin` (older browsers, which send it on every POST): exactly the site's origin, scheme,
///    host and port;
/// 3. `Referer` (browsers older still): a page of the site's origin.
///
/// A request with none of the three (a header-stripping proxy or extension, or a script that is
/// not a browser) is refused too: scripts have the REST API under `/api`, with tokens instead of
/// cookies. SameSite=Lax cookies are the second line of defence.
#[derive(Clone, Debug)]
pub struct SiteOrigin {
    /// `CONDUIT_PUBLIC_URL`'s origin, when configured: the only one accepted.
    public: Option<Origin>,
    /// Without it, the origin is the `Host` the request was sent to, with the scheme from
    /// `X-Forwarded-Proto` when trusted proxies (`CONDUIT_PROXY_HOPS`) terminate TLS in front,
    /// else `http` (the server itself speaks plain HTTP only).
    trust_forwarded_proto: bool,
}

impl SiteOrigin {
    pub fn new(config: &Config) -> Self {
        SiteOrigin {
            public: config.public_url.as_ref().map(Url::origin),
            trust_forwarded_proto: config.proxy_hops > 0,
        }
    }

    /// The origin a request with these headers and this URI was addressed to, if its `Host` is
    /// a host.
    pub fn of(&self, headers: &HeaderMap, uri: &Uri) -> Option<Origin> {
        if let Some(public) = &self.public {
            return Some(public.clone());
        }
        let scheme = headers
            .get("x-forwarded-proto")
            .filter(|_| self.trust_forwarded_proto)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .unwrap_or("http");
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()))?;
        let url = Url::parse(&format!("{scheme}://{host}")).ok()?;
        let bare = matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        bare.then(|| url.origin())
    }

    /// `Err(why)` unless the request carries a browser's word that it came from the site itself.
    fn check(&self, request: &Request<Body>) -> Result<(), &'static str> {
        let headers = request.headers();
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(site) = headers.get("sec-fetch-site") {
            return match site.as_bytes() {
                b"same-origin" | b"none" => Ok(()),
                _ => Err(CROSS_SITE),
            };
        }
        let claimed = match (text(header::ORIGIN), text(header::REFERER)) {
            (Some(origin), _) => origin,
            (None, Some(referer)) => referer,
            (None, None) => return Err(UNVOUCHED),
        };
        // `Origin: null` (sandboxed frames, some redirects) does not parse: refused.
        let claimed = Url::parse(claimed).map(|url| url.origin()).ok();
        match (claimed, self.of(request.headers(), request.uri())) {
            (Some(claimed), Some(site)) if claimed == site => Ok(()),
            _ => Err(CROSS_SITE),
        }
    }
}

const CROSS_SITE: &str = "cross-site requests to server functions are refused";
const UNVOUCHED: &str = "requests to server functions must come from this site's pages: \
    the browser sent neither Sec-Fetch-Site, Origin nor Referer (scripts: use the REST API under /api)";

async fn refuse_cross_site_server_fns(
    State(site): State<Arc<SiteOrigin>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if (path.starts_with(SERVER_FN_PREFIX) || path == PREVIEW_PAGE)
        && !matches!(*request.method(), Method::GET | Method::HEAD)
    {
        if let Err(why) = site.check(&request) {
            tracing::info!(reason = why, "server function request refused");
            return (StatusCode::FORBIDDEN, why).into_response();
        }
    }
    next.run(request).await
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

    fn site(public: Option<&str>, trust_forwarded_proto: bool) -> SiteOrigin {
        SiteOrigin {
            public: public.map(|u| Url::parse(u).unwrap().origin()),
            trust_forwarded_proto,
        }
    }

    impl SiteOrigin {
        fn of_request(&self, request: &Request<Body>) -> Option<Origin> {
            self.of(request.headers(), request.uri())
        }
    }

    #[test]
    fn the_origin_of_the_site_follows_the_public_url_or_the_request() {
        let host = |h: &str| request(&[("host", h)]);
        let origin = |u: &str| Url::parse(u).unwrap().origin();
        let direct = site(None, false);
        assert_eq!(
            direct.of_request(&host("localhost:3000")),
            Some(origin("http://localhost:3000"))
        );
        assert_eq!(direct.of_request(&host("evil.example/x@y")), None);
        assert_eq!(direct.of_request(&host("a b")), None);
        // X-Forwarded-Proto counts only behind trusted proxies.
        let proxied = request(&[
            ("host", "conduit.example.com"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            direct.of_request(&proxied),
            Some(origin("http://conduit.example.com"))
        );
        assert_eq!(
            site(None, true).of_request(&proxied),
            Some(origin("https://conduit.example.com"))
        );
        let public = site(Some("https://conduit.example.com"), false);
        assert_eq!(
            public.of_request(&host("10.0.0.7:8080")),
            Some(origin("https://conduit.example.com"))
        );
    }

    #[test]
    fn default_ports_and_case_do_not_matter() {
        let site = site(Some("https://Conduit.Example.com"), false);
        assert!(site
            .check(&request(&[("origin", "https://conduit.example.com:443")]))
            .is_ok());
        assert!(site
            .check(&request(&[("origin", "http://conduit.example.com:443")]))
            .is_err());
        assert!(site.check(&request(&[("origin", "null")])).is_err());
    }
}
