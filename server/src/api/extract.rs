//! Request extractors whose every rejection is the spec's error envelope, never a bare 400/500:
//! the JSON body and the `Authorization: Token <jwt>` header.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use domain::Services;
use serde::de::DeserializeOwned;

use domain::auth::VerifiedToken;
use domain::{UserId, Viewer};

use super::ApiError;

/// A JSON body; malformed JSON, a wrong content type, a missing wrapper or a wrong type is a
/// 422 (415 for the content type) that says what was wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "body",
            "must be sent as application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "is not valid JSON",
        ),
        JsonRejection::JsonDataError(err) => {
            // serde says which field broke and how, e.g. "user: missing field `user`".
            let detail = err.body_text();
            let detail = detail
                .rsplit_once(": ")
                .map_or(detail.as_str(), |(_, d)| d)
                .to_string();
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "body", detail)
        }
        JsonRejection::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body", "is too large")
        }
        other => ApiError::new(other.status(), "body", "could not be read"),
    }
}

/// Query parameters; a query string that cannot be read (a repeated or garbled parameter) is a
/// 422 `query` error in the envelope, not a bare 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_error(rejection)),
        }
    }
}

fn query_error(rejection: QueryRejection) -> ApiError {
    let detail = rejection.body_text();
    let detail = detail
        .rsplit_once(": ")
        .map_or(detail.as_str(), |(_, d)| d)
        .to_string();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "query",
        format!("is invalid ({detail})"),
    )
}

/// Path parameters; one that cannot be decoded (bad percent-encoding, not UTF-8) is a 404
/// `path` error in the envelope: it names nothing that exists.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(ApiError::new(StatusCode::NOT_FOUND, "path", "not found"))
            }
            Err(other) => Err(ApiError::new(other.status(), "path", "could not be read")),
        }
    }
}

/// The signed-in user of an API request; 401 `token: is missing` without a token.
pub struct AuthUser(pub Viewer);

/// Like [`AuthUser`], with the token itself: a password change leaves that one token working.
pub struct AuthToken(pub VerifiedToken);

/// The user of an API request when it carries a token; a bad token is still a 401.
pub struct MaybeUser(pub Option<Viewer>);

impl MaybeUser {
    pub fn id(&self) -> Option<UserId> {
        self.0.as_ref().map(|viewer| viewer.id)
    }
}

/// The request's `Authorization: Token <jwt>`, verified; `None` without the header.
async fn bearer(parts: &Parts, state: &Services) -> Result<Option<VerifiedToken>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || ApiError::new(StatusCode::UNAUTHORIZED, "token", "is invalid");
    let value = value.to_str().map_err(|_| invalid())?;
    // The spec's scheme is `Token`; `Bearer` is accepted too, as many clients send it.
    let token = value
        .strip_prefix("Token ")
        .or_else(|| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(invalid)?;
    Ok(Some(state.tokens.verify(&state.db, token).await?))
}

impl<S> FromRequestParts<S> for MaybeUser
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verified = bearer(parts, &Services::from_ref(state)).await?;
        Ok(MaybeUser(verified.map(|token| token.viewer)))
    }
}

impl<S> FromRequestParts<S> for AuthToken
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match bearer(parts, &Services::from_ref(state)).await? {
            Some(token) => Ok(AuthToken(token)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token",
                "is missing",
            )),
        }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let AuthToken(token) = AuthToken::from_request_parts(parts, state).await?;
        Ok(AuthUser(token.viewer))
    }
}
