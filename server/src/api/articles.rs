//! `/api/articles`, the feed, one article, and favorites.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{Services, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use domain::articles::{self, Draft, Edit, Filter};
use domain::validate::Page;
use model::{Article, ArticleList};

use super::users::present;
use super::{ApiJson, ApiPath, ApiQuery, ApiResult, AuthUser, ErrorBody, MaybeUser};

#[derive(Deserialize, ToSchema)]
pub struct NewArticleBody {
    article: NewArticle,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateArticleBody {
    article: UpdateArticle,
}

#[derive(Serialize, ToSchema)]
pub struct ArticleResponse {
    article: Article,
}

#[derive(Deserialize, ToSchema)]
pub struct NewArticle {
    #[schema(value_type = String, required = true)]
    title: Option<String>,
    #[schema(value_type = String, required = true)]
    description: Option<String>,
    /// Markdown.
    #[schema(value_type = String, required = true)]
    body: Option<String>,
    /// Tags in the order given; repeats and blank tags are dropped. At most 20 different tags
    /// of up to 64 characters, in at most 100 entries.
    #[serde(rename = "tagList")]
    #[schema(value_type = Vec<String>, max_items = 100)]
    tag_list: Option<Vec<String>>,
}

/// Only the fields sent change; a new title makes a new slug. Leaving out `tagList` keeps the
/// tags, `[]` removes them, `null` is a 422.
#[derive(Deserialize, ToSchema)]
pub struct UpdateArticle {
    #[schema(value_type = String)]
    title: Option<String>,
    #[schema(value_type = String)]
    description: Option<String>,
    #[schema(value_type = String)]
    body: Option<String>,
    /// As when creating: at most 20 different tags in at most 100 entries.
    #[serde(rename = "tagList", default, deserialize_with = "present")]
    #[schema(value_type = Vec<String>, max_items = 100)]
    tag_list: Option<Option<Vec<String>>>,
}

/// Query values arrive as text so that a bad `limit` is the domain's clear 422, not a bare 400.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only articles with this tag.
    tag: Option<String>,
    /// Only articles by this username.
    author: Option<String>,
    /// Only articles favorited by this username.
    favorited: Option<String>,
    /// Page size, 0 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 100)]
    limit: Option<String>,
    /// Articles to skip, 0 to 10000 (default 0): deeper pages are for filters.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    offset: Option<String>,
}

/// The feed takes only the paging parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 0 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 100)]
    limit: Option<String>,
    /// Articles to skip, 0 to 10000 (default 0): deeper pages are for filters.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    offset: Option<String>,
}

fn respond(article: Article) -> Json<ArticleResponse> {
    Json(ArticleResponse { article })
}

/// `GET /api/articles`: newest first, filtered by tag, author and/or favorited.
#[utoipa::path(get, path = "/articles", tag = "articles", operation_id = "getArticles",
    params(ListQuery),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "One page of articles, without bodies, and the total number of matches", body = ArticleList),
        (status = 401, description = "A bad token", body = ErrorBody),
        (status = 422, description = "A bad `limit` or `offset`", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<Services>,
    viewer: MaybeUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ArticleList>> {
    let page = Page::parse(q.limit.as_deref(), q.offset.as_deref())?;
    let filter = Filter {
        tag: q.tag,
        author: q.author,
        favorited: q.favorited,
    };
    Ok(Json(
        articles::list(&state.db, viewer.id(), &filter, page).await?,
    ))
}

/// `GET /api/articles/feed`: articles by followed authors.
#[utoipa::path(get, path = "/articles/feed", tag = "articles", operation_id = "getArticlesFeed",
    params(PageQuery),
    security(("Token" = [])),
    responses(
        (status = 200, description = "One page of articles by followed authors, without bodies", body = ArticleList),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 422, description = "A bad `limit` or `offset`", body = ErrorBody),
    ))]
pub async fn feed(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ArticleList>> {
    let page = Page::parse(q.limit.as_deref(), q.offset.as_deref())?;
    Ok(Json(articles::feed(&state.db, user, page).await?))
}

/// `GET /api/articles/:slug`.
#[utoipa::path(get, path = "/articles/{slug}", tag = "articles", operation_id = "getArticle",
    params(("slug" = String, Path, description = "The article's slug")),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "The article, with its body", body = ArticleResponse),
        (status = 401, description = "A bad token", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<Services>,
    viewer: MaybeUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<ArticleResponse>> {
    Ok(respond(articles::get(&state.db, viewer.id(), &slug).await?))
}

/// `POST /api/articles`: 201 with the new article.
#[utoipa::path(post, path = "/articles", tag = "articles", operation_id = "createArticle",
    request_body = NewArticleBody,
    security(("Token" = [])),
    responses(
        (status = 201, description = "The new article", body = ArticleResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "A field is blank or invalid", body = ErrorBody),
        (status = 429, description = "Too many articles and comments by this user lately; `Retry-After` says when to try again", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiJson(body): ApiJson<NewArticleBody>,
) -> ApiResult<(StatusCode, Json<ArticleResponse>)> {
    let a = body.article;
    let draft = Draft {
        title: a.title,
        description: a.description,
        body: a.body,
        tag_list: a.tag_list,
    };
    Ok((
        StatusCode::CREATED,
        respond(articles::create(&state.db, &state.writes, user, draft).await?),
    ))
}

/// `PUT /api/articles/:slug`: only the author; only the fields sent change.
#[utoipa::path(put, path = "/articles/{slug}", tag = "articles", operation_id = "updateArticle",
    params(("slug" = String, Path, description = "The article's slug")),
    request_body = UpdateArticleBody,
    security(("Token" = [])),
    responses(
        (status = 200, description = "The updated article", body = ArticleResponse),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 403, description = "Not the author (`article: forbidden`)", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
        (status = 422, description = "A field is blank or invalid, or `tagList` is null", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateArticleBody>,
) -> ApiResult<Json<ArticleResponse>> {
    let a = body.article;
    let edit = Edit {
        title: a.title,
        description: a.description,
        body: a.body,
        tag_list: a.tag_list,
    };
    Ok(respond(
        articles::update(&state.db, user, &slug, edit).await?,
    ))
}

/// `DELETE /api/articles/:slug`: 204.
#[utoipa::path(delete, path = "/articles/{slug}", tag = "articles", operation_id = "deleteArticle",
    params(("slug" = String, Path, description = "The article's slug")),
    security(("Token" = [])),
    responses(
        (status = 204, description = "Deleted, with its comments, favorites and tag links"),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 403, description = "Not the author (`article: forbidden`)", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<StatusCode> {
    articles::delete(&state.db, user, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/articles/:slug/favorite`.
#[utoipa::path(post, path = "/articles/{slug}/favorite", tag = "articles", operation_id = "createArticleFavorite",
    params(("slug" = String, Path, description = "The article's slug")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The article, favorited (favoriting twice is fine)", body = ArticleResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
    ))]
pub async fn favorite(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<ArticleResponse>> {
    Ok(respond(articles::favorite(&state.db, user, &slug).await?))
}

/// `DELETE /api/articles/:slug/favorite`.
#[utoipa::path(delete, path = "/articles/{slug}/favorite", tag = "articles", operation_id = "deleteArticleFavorite",
    params(("slug" = String, Path, description = "The article's slug")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The article, not favorited (unfavoriting twice is fine)", body = ArticleResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 404, description = "No such article (`article: not found`)", body = ErrorBody),
    ))]
pub async fn unfavorite(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<ArticleResponse>> {
    Ok(respond(articles::unfavorite(&state.db, user, &slug).await?))
}
