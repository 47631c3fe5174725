//! The RealWorld REST API under `/api`: one handler per endpoint, each a thin adapter that
//! reads the request, calls the domain layer, and writes the spec's JSON.
//!
//! Every route is registered together with its OpenAPI description (utoipa-axum), so the
//! document served at `/api/openapi.json` lists exactly the routes the router serves.

mod articles;
mod comments;
mod extract;
mod profiles;
mod request_policy;
mod tags;
mod users;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

use crate::config::Config;

pub use extract::{ApiJson, ApiPath, ApiQuery, AuthToken, AuthUser, MaybeUser};

/// The prefix the API is served under; the OpenAPI document's paths include it.
pub const PREFIX: &str = "/api";

/// Every route with its documentation; `openapi()` and `routes()` are both cut from this.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::register))
        .routes(routes!(users::login))
        .routes(routes!(users::current, users::update))
        .routes(routes!(profiles::get))
        .routes(routes!(profiles::follow, profiles::unfollow))
        .routes(routes!(articles::list, articles::create))
        .routes(routes!(articles::feed))
        .routes(routes!(articles::get, articles::update, articles::delete))
        .routes(routes!(articles::favorite, articles::unfavorite))
        .routes(routes!(comments::list, comments::add))
        .routes(routes!(comments::delete))
        .routes(routes!(tags::list))
        .routes(routes!(openapi_json))
}

/// The OpenAPI 3.1 document of the API, with paths as clients call them (`/api/...`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = documented().split_for_parts();
    with_prefix(doc)
}

fn with_prefix(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (format!("{PREFIX}{path}"), item))
        .collect();
    doc
}

/// The router nested at `/api`: the endpoints, an enveloped 404/405 for anything else, the
/// body limit and CORS.
pub fn routes(config: &Config) -> Router<AppState> {
    let (router, doc) = documented().split_for_parts();
    let document = Arc::new(
        with_prefix(doc)
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".into()),
    );
    router
        .layer(axum::Extension(OpenApiDocument(document)))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(request_policy::body_limit(config.body_limit))
        .layer(request_policy::cors(&config.cors_origins))
}

#[derive(Clone)]
struct OpenApiDocument(Arc<String>);

/// `GET /api/openapi.json`: this document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
async fn openapi_json(
    axum::Extension(OpenApiDocument(document)): axum::Extension<OpenApiDocument>,
) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.as_str().to_owned(),
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "path", "not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method", "is not allowed")
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Conduit API", description = "The RealWorld (Conduit) REST API."),
    modifiers(&TokenScheme),
    components(schemas(ErrorBody)),
    tags(
        (name = "users", description = "Registration, sign-in and the current user"),
        (name = "profiles", description = "Profiles and following"),
        (name = "articles", description = "Articles, the feed and favorites"),
        (name = "comments", description = "Comments on articles"),
        (name = "tags", description = "Tags in use"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// `Authorization: Token <jwt>`, the spec's scheme.
struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "Token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <jwt>`, the token of `POST /api/users` or `POST /api/users/login`",
            ))),
        );
    }
}

/// The error envelope: each field at fault with its messages, e.g.
/// `{"errors": {"email": ["has already been taken"]}}`.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"errors": {"email": ["has already been taken"]}}))]
pub struct ErrorBody {
    pub errors: BTreeMap<String, Vec<String>>,
}

/// An error in the spec's envelope: `{"errors": {"field": ["message", ...]}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    fields: Vec<(String, String)>,
    /// Seconds for a `Retry-After` header, on a refusal that passes with time.
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            fields: vec![(field.into(), message.into())],
            retry_after: None,
        }
    }
}

impl From<domain::Error> for ApiError {
    fn from(err: domain::Error) -> Self {
        use domain::Error;
        let status = match &err {
            Error::Unauthorized(..) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooManyWrites(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            fields: err
                .fields()
                .into_iter()
                .map(|(f, m)| (f.to_string(), m))
                .collect(),
            retry_after: err.retry_after_secs(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut errors = Map::new();
        for (field, message) in self.fields {
            match errors
                .entry(field)
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(messages) => messages.push(Value::String(message)),
                _ => unreachable!("error fields are always arrays"),
            }
        }
        let mut response = (self.status, Json(json!({ "errors": errors }))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
