//! `/api/profiles/:username` and following.

use axum::extract::State;
use axum::Json;
use domain::{Services, Viewer};
use serde::Serialize;
use utoipa::ToSchema;

use domain::profiles;
use model::Profile;

use super::{ApiPath, ApiResult, AuthUser, ErrorBody, MaybeUser};

#[derive(Serialize, ToSchema)]
pub struct ProfileResponse {
    profile: Profile,
}

fn respond(profile: Profile) -> Json<ProfileResponse> {
    Json(ProfileResponse { profile })
}

/// `GET /api/profiles/:username`.
#[utoipa::path(get, path = "/profiles/{username}", tag = "profiles", operation_id = "getProfileByUsername",
    params(("username" = String, Path, description = "The user's username")),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "The profile; `following` is the viewer's", body = ProfileResponse),
        (status = 401, description = "A bad token", body = ErrorBody),
        (status = 404, description = "No such user (`profile: not found`)", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<Services>,
    viewer: MaybeUser,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<ProfileResponse>> {
    Ok(respond(
        profiles::get(&state.db, viewer.id(), &username).await?,
    ))
}

/// `POST /api/profiles/:username/follow`.
#[utoipa::path(post, path = "/profiles/{username}/follow", tag = "profiles", operation_id = "followUserByUsername",
    params(("username" = String, Path, description = "The user to follow")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The profile, now followed (following twice is fine)", body = ProfileResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 404, description = "No such user (`profile: not found`)", body = ErrorBody),
    ))]
pub async fn follow(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<ProfileResponse>> {
    Ok(respond(profiles::follow(&state.db, user, &username).await?))
}

/// `DELETE /api/profiles/:username/follow`.
#[utoipa::path(delete, path = "/profiles/{username}/follow", tag = "profiles", operation_id = "unfollowUserByUsername",
    params(("username" = String, Path, description = "The user to unfollow")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The profile, not followed (unfollowing twice is fine)", body = ProfileResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 404, description = "No such user (`profile: not found`)", body = ErrorBody),
    ))]
pub async fn unfollow(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<ProfileResponse>> {
    Ok(respond(
        profiles::unfollow(&state.db, user, &username).await?,
    ))
}
