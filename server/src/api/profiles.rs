//! `/api/profiles/:username` and following.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use app::domain::profiles;
use app::models::Profile;
use app::server_ctx::AppState;

use super::{ApiResult, AuthUser, MaybeUser};

#[derive(Serialize)]
pub struct ProfileResponse {
    profile: Profile,
}

fn respond(profile: Profile) -> Json<ProfileResponse> {
    Json(ProfileResponse { profile })
}

/// `GET /api/profiles/:username`.
pub async fn get(State(state): State<AppState>, MaybeUser(viewer): MaybeUser, Path(username): Path<String>) -> ApiResult<Json<ProfileResponse>> {
    Ok(respond(profiles::get(&state.db, viewer, &username).await?))
}

/// `POST /api/profiles/:username/follow`.
pub async fn follow(State(state): State<AppState>, AuthUser(user): AuthUser, Path(username): Path<String>) -> ApiResult<Json<ProfileResponse>> {
    Ok(respond(profiles::follow(&state.db, user, &username).await?))
}

/// `DELETE /api/profiles/:username/follow`.
pub async fn unfollow(State(state): State<AppState>, AuthUser(user): AuthUser, Path(username): Path<String>) -> ApiResult<Json<ProfileResponse>> {
    Ok(respond(profiles::unfollow(&state.db, user, &username).await?))
}
