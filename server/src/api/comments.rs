//! `/api/articles/:slug/comments`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{Services, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use domain::{comments, Error};
use model::Comment;

use super::{ApiJson, ApiPath, ApiResult, AuthUser, ErrorBody, MaybeUser};

#[derive(Deserialize, ToSchema)]
pub struct NewCommentBody {
    comment: NewComment,
}

#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    #[schema(value_type = String, required = true)]
    body: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentResponse {
    comment: Comment,
}

#[derive(Serialize, ToSchema)]
pub struct CommentsResponse {
    comments: Vec<Comment>,
}

/// `GET /api/articles/:slug/comments`: the newest [`comments::MAX_LISTED`], newest first.
#[utoipa::path(get, path = "/articles/{slug}/comments", tag = "comments", operation_id = "getArticleComments",
    params(("slug" = String, Path, description = "The article's slug")),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "The article's newest comments, newest first: at most 100 (the spec's call has no paging)", body = CommentsResponse),
        (status = 401, description = "A bad token", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<Services>,
    viewer: MaybeUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<CommentsResponse>> {
    Ok(Json(CommentsResponse {
        comments: comments::list(&state.db, viewer.id(), &slug).await?,
    }))
}

/// `POST /api/articles/:slug/comments`: 201 with the comment.
#[utoipa::path(post, path = "/articles/{slug}/comments", tag = "comments", operation_id = "createArticleComment",
    params(("slug" = String, Path, description = "The article's slug")),
    request_body = NewCommentBody,
    security(("Token" = [])),
    responses(
        (status = 201, description = "The new comment", body = CommentResponse),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
        (status = 422, description = "A blank body", body = ErrorBody),
        (status = 429, description = "Too many articles and comments by this user lately; `Retry-After` says when to try again", body = ErrorBody),
    ))]
pub async fn add(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<NewCommentBody>,
) -> ApiResult<(StatusCode, Json<CommentResponse>)> {
    let body = body.comment.body.as_deref();
    let comment = comments::add(&state.db, &state.writes, user, &slug, body).await?;
    Ok((StatusCode::CREATED, Json(CommentResponse { comment })))
}

/// `DELETE /api/articles/:slug/comments/:id`: 204; only the comment's author.
#[utoipa::path(delete, path = "/articles/{slug}/comments/{id}", tag = "comments", operation_id = "deleteArticleComment",
    params(
        ("slug" = String, Path, description = "The article's slug"),
        ("id" = i64, Path, description = "The comment's id"),
    ),
    security(("Token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 403, description = "Not the comment's author (`comment: forbidden`)", body = ErrorBody),
        (status = 404, description = "No such article or comment", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath((slug, id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    // A non-numeric id names no comment: 404, like any other unknown id.
    let id: i64 = id.parse().map_err(|_| Error::NotFound("comment"))?;
    comments::delete(&state.db, user, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
