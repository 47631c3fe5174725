//! The RealWorld REST API under `/api`: one handler per endpoint, each a thin adapter that
//! reads the request, calls the domain layer, and writes the spec's JSON.

mod articles;
mod comments;
mod extract;
mod profiles;
mod users;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use app::domain::{self, tags};
use app::server_ctx::AppState;

use crate::config::Config;

pub use extract::{ApiJson, AuthUser, MaybeUser};

pub fn routes(_config: &Config) -> Router<AppState> {
    Router::new()
        .route("/users", post(users::register))
        .route("/users/login", post(users::login))
        .route("/user", get(users::current).put(users::update))
        .route("/profiles/{username}", get(profiles::get))
        .route("/profiles/{username}/follow", post(profiles::follow).delete(profiles::unfollow))
        .route("/articles", get(articles::list).post(articles::create))
        .route("/articles/feed", get(articles::feed))
        .route("/articles/{slug}", get(articles::get).put(articles::update).delete(articles::delete))
        .route("/articles/{slug}/favorite", post(articles::favorite).delete(articles::unfavorite))
        .route("/articles/{slug}/comments", get(comments::list).post(comments::add))
        .route("/articles/{slug}/comments/{id}", axum::routing::delete(comments::delete))
        .route("/tags", get(list_tags))
        .fallback(not_found)
}

/// `GET /api/tags`: every tag in use.
async fn list_tags(axum::extract::State(state): axum::extract::State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "tags": tags::all(&state.db).await? })))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "path", "not found")
}

/// An error in the spec's envelope: `{"errors": {"field": ["message", ...]}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    fields: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { status, fields: vec![(field.into(), message.into())] }
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
            Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError { status, fields: err.fields().into_iter().map(|(f, m)| (f.to_string(), m)).collect() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut errors = Map::new();
        for (field, message) in self.fields {
            match errors.entry(field).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(messages) => messages.push(Value::String(message)),
                _ => unreachable!("error fields are always arrays"),
            }
        }
        (self.status, Json(json!({ "errors": errors }))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
