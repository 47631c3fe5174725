//! `/api/tags`.

use axum::extract::State;
use axum::Json;
use domain::Services;
use serde::Serialize;
use utoipa::ToSchema;

use domain::tags;

use super::ApiResult;

#[derive(Serialize, ToSchema)]
pub struct TagsResponse {
    tags: Vec<String>,
}

/// `GET /api/tags`: the tags in use, most used first, up to [`tags::MAX_LISTED`].
#[utoipa::path(get, path = "/tags", tag = "tags", operation_id = "getTags",
    responses((status = 200, description = "The tags in use, most used first: every one, up to 1000", body = TagsResponse)))]
pub async fn list(State(state): State<Services>) -> ApiResult<Json<TagsResponse>> {
    Ok(Json(TagsResponse {
        tags: tags::all(&state.db).await?,
    }))
}
