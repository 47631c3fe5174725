//! The article page: the rendered body, author and reader actions, and comments.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};

use crate::components::article_list::{
    article_href, profile_href, segment, ArticleMeta, FavoriteButton, SetFavorite,
};
use crate::components::erased::{Erase, SyncHydrated};
use crate::components::error::{AppError, ErrorMessages};
use crate::components::follow::{FollowButton, SetFollow};
use crate::components::session::{avatar, use_session};
use crate::models::{human_date, Article, Comment};
use crate::pages::not_found::NotFound;

/// Everything the article page shows, in one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticlePageData {
    pub article: Article,
    /// The body rendered from markdown and sanitized on the server.
    pub body_html: String,
    pub comments: Vec<Comment>,
    /// The signed-in reader, if any.
    pub viewer: Option<String>,
}

#[server(prefix = "/rpc")]
pub async fn article_page(slug: String) -> Result<ArticlePageData, AppError> {
    use crate::domain::{articles, comments, markdown, users};
    use crate::server_ctx::{state, viewer};
    let db = &state()?.db;
    let viewer = viewer().await?;
    let mut article = articles::get(db, viewer, &slug).await?;
    let body_html = markdown::to_safe_html(article.body.as_deref().unwrap_or_default());
    // The body ships once, as HTML; the markdown source stays on the server.
    article.body = None;
    let comments = comments::list(db, viewer, &slug).await?;
    let viewer = match viewer {
        Some(user) => Some(users::get(db, user).await?.username),
        None => None,
    };
    Ok(ArticlePageData {
        article,
        body_html,
        comments,
        viewer,
    })
}

#[server(prefix = "/rpc")]
pub async fn delete_article(slug: String) -> Result<(), AppError> {
    use crate::domain::articles;
    use crate::server_ctx::{redirect_plain_form, require_user, state};
    articles::delete(&state()?.db, require_user().await?, &slug).await?;
    redirect_plain_form("/");
    Ok(())
}

#[server(prefix = "/rpc")]
pub async fn post_comment(slug: String, body: String) -> Result<Comment, AppError> {
    use crate::domain::comments;
    use crate::server_ctx::{require_user, state};
    Ok(comments::add(&state()?.db, require_user().await?, &slug, Some(&body)).await?)
}

#[server(prefix = "/rpc")]
pub async fn delete_comment(slug: String, id: i64) -> Result<(), AppError> {
    use crate::domain::comments;
    use crate::server_ctx::{require_user, state};
    Ok(comments::delete(&state()?.db, require_user().await?, &slug, id).await?)
}

/// The actions of the page, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    favorite: ServerAction<SetFavorite>,
    follow: ServerAction<SetFollow>,
    delete: ServerAction<DeleteArticle>,
    comment: ServerAction<PostComment>,
    delete_comment: ServerAction<DeleteComment>,
}

#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let actions = Actions {
        favorite: ServerAction::new(),
        follow: ServerAction::new(),
        delete: ServerAction::new(),
        comment: ServerAction::new(),
        delete_comment: ServerAction::new(),
    };
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.delete.value().get() {
            navigate("/", Default::default());
        }
    });
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                actions.favorite.version().get(),
                actions.follow.version().get(),
                actions.comment.version().get(),
                actions.delete_comment.version().get(),
            )
        },
        |(slug, ..)| article_page(slug),
    );

    view! {
        <Transition fallback=|| view! { <p class="loading container">"Loading the article..."</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <ArticleView page actions /> }.erase(),
                    Err(err) if err.is_not_found() => view! { <NotFound /> }.erase(),
                    Err(err) => view! {
                        <div class="container page"><ul class="error-messages"><li>{err.to_string()}</li></ul></div>
                    }.erase(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ArticleView(page: ArticlePageData, actions: Actions) -> impl IntoView {
    let ArticlePageData {
        article,
        body_html,
        comments,
        viewer,
    } = page;
    let is_author = viewer.as_deref() == Some(article.author.username.as_str());
    let title = article.title.clone();
    let tags = article.tag_list.clone();
    let slug = article.slug.clone();
    view! {
        <Title text=title.clone() />
        <div class="article-page">
            <div class="banner">
                <div class="container">
                    <h1>{title}</h1>
                    <ArticleActions article=article.clone() is_author actions />
                </div>
            </div>
            <div class="container page">
                <div class="row article-content">
                    <div class="col-md-12">
                        <div class="article-body" inner_html=body_html></div>
                        <ul class="tag-list">
                            {tags.into_iter().map(|tag| view! { <li class="tag-default tag-pill tag-outline">{tag}</li> }).collect_view()}
                        </ul>
                    </div>
                </div>
                <hr />
                <div class="article-actions">
                    <ArticleActions article=article.clone() is_author actions />
                </div>
                <div class="row">
                    <div class="col-xs-12 col-md-8 offset-md-2">
                        <Comments slug comments viewer actions />
                    </div>
                </div>
            </div>
        </div>
    }
}

/// Edit and delete for the author; follow and favorite for everyone else.
#[component]
fn ArticleActions(article: Article, is_author: bool, actions: Actions) -> impl IntoView {
    let slug = article.slug.clone();
    let author = article.author.clone();
    view! {
        <ArticleMeta article=article.clone()>
            {if is_author {
                view! {
                    <a class="btn btn-sm btn-outline-secondary" href=format!("/editor/{}", segment(&slug))>
                        <i class="ion-edit" aria-hidden="true"></i>" Edit Article"
                    </a>
                    <ActionForm action=actions.delete attr:class="delete-form">{SyncHydrated(view! {
                        <input type="hidden" name="slug" value=slug.clone() />
                        <button type="submit" class="btn btn-sm btn-outline-danger" disabled=actions.delete.pending()>
                            <i class="ion-trash-a" aria-hidden="true"></i>" Delete Article"
                        </button>
                    })}</ActionForm>
                }
                .erase()
            } else {
                view! {
                    <FollowButton profile=author action=actions.follow />
                    <FavoriteButton article action=actions.favorite />
                }
                .erase()
            }}
        </ArticleMeta>
    }
}

#[component]
fn Comments(
    slug: String,
    comments: Vec<Comment>,
    viewer: Option<String>,
    actions: Actions,
) -> impl IntoView {
    let session = use_session();
    let pending = actions.comment.pending();
    // A fresh textarea after each posted comment.
    let form_key = move || actions.comment.version().get();
    let form = match viewer.clone() {
        Some(_) => {
            let slug = slug.clone();
            view! {
                <ErrorMessages result=actions.comment.value() />
                {move || {
                    let _ = form_key();
                    let slug = slug.clone();
                    let image = session.current().and_then(|u| u.image);
                    view! {
                        <ActionForm action=actions.comment attr:class="card comment-form">{SyncHydrated(view! {
                            <input type="hidden" name="slug" value=slug.clone() />
                            <div class="card-block">
                                <label class="visually-hidden" for="comment-body">"Write a comment..."</label>
                                <textarea id="comment-body" class="form-control" name="body" placeholder="Write a comment..." rows="3"></textarea>
                            </div>
                            <div class="card-footer">
                                <img src=avatar(image.as_deref()) class="comment-author-img" alt="" />
                                <button class="btn btn-sm btn-primary" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                                    "Post Comment"
                                </button>
                            </div>
                        })}</ActionForm>
                    }
                }}
            }
            .erase()
        }
        None => view! {
            <p>
                <a href=format!("/login?next={}", article_href(&slug))>"Sign in"</a>
                " or "
                <a href="/register">"sign up"</a>
                " to add comments on this article."
            </p>
        }
        .erase(),
    };
    view! {
        {form}
        <ErrorMessages result=actions.delete_comment.value() />
        {comments
            .into_iter()
            .map(|comment| {
                let mine = viewer.as_deref() == Some(comment.author.username.as_str());
                view! { <CommentCard comment slug=slug.clone() mine action=actions.delete_comment /> }
            })
            .collect_view()}
    }
}

#[component]
fn CommentCard(
    comment: Comment,
    slug: String,
    mine: bool,
    action: ServerAction<DeleteComment>,
) -> impl IntoView {
    let author = comment.author.clone();
    view! {
        <div class="card">
            <div class="card-block">
                <p class="card-text">{comment.body.clone()}</p>
            </div>
            <div class="card-footer">
                <a href=profile_href(&author.username) class="comment-author">
                    <img src=avatar(author.image.as_deref()) class="comment-author-img" alt="" />
                </a>
                " "
                <a href=profile_href(&author.username) class="comment-author">{author.username.clone()}</a>
                <span class="date-posted">{human_date(&comment.created_at)}</span>
                {mine.then(|| view! {
                    <span class="mod-options">
                        <ActionForm action attr:class="delete-comment-form">{SyncHydrated(view! {
                            <input type="hidden" name="slug" value=slug.clone() />
                            <input type="hidden" name="id" value=comment.id.to_string() />
                            <button type="submit" aria-label="Delete comment" disabled=action.pending()>
                                <i class="ion-trash-a" aria-hidden="true"></i>
                            </button>
                        })}</ActionForm>
                    </span>
                })}
            </div>
        </div>
    }
}
