//! `/api/articles`, the feed, one article, and favorites.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use app::domain::articles::{self, Draft, Edit, Filter};
use app::domain::validate::Page;
use app::models::{Article, ArticleList};
use app::server_ctx::AppState;

use super::users::present;
use super::{ApiJson, ApiResult, AuthUser, MaybeUser};

#[derive(Deserialize)]
pub struct ArticleBody<T> {
    article: T,
}

#[derive(Serialize)]
pub struct ArticleResponse {
    article: Article,
}

#[derive(Deserialize)]
pub struct NewArticle {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    #[serde(rename = "tagList")]
    tag_list: Option<Vec<String>>,
}

#[derive(Deserialize)]
pub struct UpdateArticle {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    #[serde(rename = "tagList", default, deserialize_with = "present")]
    tag_list: Option<Option<Vec<String>>>,
}

/// Query values arrive as text so that a bad `limit` is the domain's clear 422, not a bare 400.
#[derive(Deserialize)]
pub struct ListQuery {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

fn respond(article: Article) -> Json<ArticleResponse> {
    Json(ArticleResponse { article })
}

/// `GET /api/articles`: newest first, filtered by tag, author and/or favorited.
pub async fn list(State(state): State<AppState>, MaybeUser(viewer): MaybeUser, Query(q): Query<ListQuery>) -> ApiResult<Json<ArticleList>> {
    let page = Page::parse(q.limit.as_deref(), q.offset.as_deref())?;
    let filter = Filter { tag: q.tag, author: q.author, favorited: q.favorited };
    Ok(Json(articles::list(&state.db, viewer, &filter, page).await?))
}

/// `GET /api/articles/feed`: articles by followed authors.
pub async fn feed(State(state): State<AppState>, AuthUser(user): AuthUser, Query(q): Query<ListQuery>) -> ApiResult<Json<ArticleList>> {
    let page = Page::parse(q.limit.as_deref(), q.offset.as_deref())?;
    Ok(Json(articles::feed(&state.db, user, page).await?))
}

/// `GET /api/articles/:slug`.
pub async fn get(State(state): State<AppState>, MaybeUser(viewer): MaybeUser, Path(slug): Path<String>) -> ApiResult<Json<ArticleResponse>> {
    Ok(respond(articles::get(&state.db, viewer, &slug).await?))
}

/// `POST /api/articles`: 201 with the new article.
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<ArticleBody<NewArticle>>,
) -> ApiResult<(StatusCode, Json<ArticleResponse>)> {
    let a = body.article;
    let draft = Draft { title: a.title, description: a.description, body: a.body, tag_list: a.tag_list };
    Ok((StatusCode::CREATED, respond(articles::create(&state.db, user, draft).await?)))
}

/// `PUT /api/articles/:slug`: only the author; only the fields sent change.
pub async fn update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ArticleBody<UpdateArticle>>,
) -> ApiResult<Json<ArticleResponse>> {
    let a = body.article;
    let edit = Edit { title: a.title, description: a.description, body: a.body, tag_list: a.tag_list };
    Ok(respond(articles::update(&state.db, user, &slug, edit).await?))
}

/// `DELETE /api/articles/:slug`: 204.
pub async fn delete(State(state): State<AppState>, AuthUser(user): AuthUser, Path(slug): Path<String>) -> ApiResult<StatusCode> {
    articles::delete(&state.db, user, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/articles/:slug/favorite`.
pub async fn favorite(State(state): State<AppState>, AuthUser(user): AuthUser, Path(slug): Path<String>) -> ApiResult<Json<ArticleResponse>> {
    Ok(respond(articles::favorite(&state.db, user, &slug).await?))
}

/// `DELETE /api/articles/:slug/favorite`.
pub async fn unfavorite(State(state): State<AppState>, AuthUser(user): AuthUser, Path(slug): Path<String>) -> ApiResult<Json<ArticleResponse>> {
    Ok(respond(articles::unfavorite(&state.db, user, &slug).await?))
}
