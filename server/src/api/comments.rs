//! `/api/articles/:slug/comments`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use app::domain::{comments, Error};
use app::models::Comment;
use app::server_ctx::AppState;

use super::{ApiJson, ApiResult, AuthUser, MaybeUser};

#[derive(Deserialize)]
pub struct CommentBody {
    comment: NewComment,
}

#[derive(Deserialize)]
pub struct NewComment {
    body: Option<String>,
}

#[derive(Serialize)]
pub struct CommentResponse {
    comment: Comment,
}

#[derive(Serialize)]
pub struct CommentsResponse {
    comments: Vec<Comment>,
}

/// `GET /api/articles/:slug/comments`.
pub async fn list(State(state): State<AppState>, MaybeUser(viewer): MaybeUser, Path(slug): Path<String>) -> ApiResult<Json<CommentsResponse>> {
    Ok(Json(CommentsResponse { comments: comments::list(&state.db, viewer, &slug).await? }))
}

/// `POST /api/articles/:slug/comments`: 201 with the comment.
pub async fn add(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, Json<CommentResponse>)> {
    let comment = comments::add(&state.db, user, &slug, body.comment.body.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(CommentResponse { comment })))
}

/// `DELETE /api/articles/:slug/comments/:id`: 204; only the comment's author.
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    // A non-numeric id names no comment: 404, like any other unknown id.
    let id: i64 = id.parse().map_err(|_| Error::NotFound("comment"))?;
    comments::delete(&state.db, user, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
