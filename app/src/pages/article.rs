//! The article page: the rendered body, author and reader actions, and comments.

use crate::components::page_meta::{Authorship, PageMeta};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::components::article_previews::{ArticleMeta, FavoriteButton};
use crate::components::erased::{Erase, SyncHydrated};
use crate::components::error::{AppError, ErrorMessages};
use crate::components::follow::FollowButton;
use crate::components::island::{go_to, open_after};
use crate::pages::not_found::NotFound;
use model::links::{self, PageNumber};
use model::{avatar, Article, Comment};

/// Comments per page of the article page; `?comments=N` pages through older ones.
pub const COMMENTS_PER_PAGE: i64 = 20;

/// Everything the article page shows, in one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticlePageData {
    pub article: Article,
    /// The body rendered from markdown and sanitized on the server.
    pub body_html: String,
    /// One page of comments, newest first: the page is rendered and shipped for hydration, so
    /// its size, not the article's popularity, bounds both.
    pub comments: Vec<ShownComment>,
    /// Which page of comments this is (1 = the newest), and whether older ones follow.
    pub comments_page: PageNumber,
    pub older_comments: bool,
    /// Somebody is signed in (and may comment), and their picture.
    pub signed_in: bool,
    pub viewer_image: Option<String>,
    /// The reader wrote the article (and may edit and delete it).
    pub editable: bool,
}

/// A comment, and whether the reader may delete it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownComment {
    pub comment: Comment,
    pub deletable: bool,
}

#[server]
pub async fn article_page(
    slug: String,
    comments_page: PageNumber,
) -> Result<ArticlePageData, AppError> {
    use crate::server_ctx::{services, signed_in};
    use domain::validate::Page;
    use domain::{articles, comments, markdown};
    let db = &services()?.db;
    let account = signed_in().await?;
    let viewer = account.as_ref().map(|account| account.user_id());
    let shown = articles::view(db, viewer, &slug).await?;
    // A page deeper than any allowed reads nothing and shows as an empty page.
    let (comments, older_comments) = match Page::numbered(comments_page.get(), COMMENTS_PER_PAGE) {
        Ok(page) => comments::page_of(db, viewer, &shown, page).await?,
        Err(_) => (Vec::new(), false),
    };
    let mut article = shown.article;
    let body_html = markdown::to_safe_html(article.body.as_deref().unwrap_or_default());
    // The body ships once, as HTML; the markdown source stays on the server.
    article.body = None;
    Ok(ArticlePageData {
        article,
        body_html,
        comments: comments
            .into_iter()
            .map(|shown| ShownComment {
                comment: shown.comment,
                deletable: shown.deletable,
            })
            .collect(),
        comments_page,
        older_comments,
        signed_in: account.is_some(),
        viewer_image: account.and_then(|account| account.image),
        editable: shown.editable,
    })
}

#[server]
pub async fn delete_article(slug: String) -> Result<(), AppError> {
    use crate::server_ctx::{redirect_plain_form, require_user, services};
    use domain::articles;
    articles::delete(&services()?.db, require_user().await?, &slug).await?;
    redirect_plain_form("/");
    Ok(())
}

/// Posts a comment; without JavaScript, the browser then goes to the newest comments, where it
/// is.
#[server]
pub async fn post_comment(slug: String, body: String) -> Result<Comment, AppError> {
    use crate::server_ctx::{redirect_plain_form, require_user, services};
    use domain::comments;
    let user = require_user().await?;
    let state = services()?;
    let comment = comments::add(&state.db, &state.writes, user, &slug, Some(&body)).await?;
    redirect_plain_form(&links::article(&slug));
    Ok(comment)
}

#[server]
pub async fn delete_comment(slug: String, id: i64) -> Result<(), AppError> {
    use crate::server_ctx::{require_user, services};
    use domain::comments;
    Ok(comments::delete(&services()?.db, require_user().await?, &slug, id).await?)
}

#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let comments_page =
        Memo::new(move |_| PageNumber::from_query(query.read().get("comments").as_deref()));
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                comments_page.get(),
            )
        },
        |(slug, comments_page)| article_page(slug, comments_page),
    );

    view! {
        <Suspense fallback=|| view! { <p class="loading container">"Loading the article..."</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <ArticleView page /> }.erase(),
                    Err(err) if err.is_not_found() => view! { <NotFound /> }.erase(),
                    Err(err) => view! {
                        <div class="container page"><ul class="error-messages"><li>{err.to_string()}</li></ul></div>
                    }.erase(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ArticleView(page: ArticlePageData) -> impl IntoView {
    let ArticlePageData {
        article,
        body_html,
        comments,
        comments_page,
        older_comments,
        signed_in,
        viewer_image,
        editable,
    } = page;
    let is_author = editable;
    let title = article.title.clone();
    let tags = article.tag_list.clone();
    let slug = article.slug.clone();
    let comments_empty = comments.is_empty();
    let authorship = Authorship {
        author_path: links::profile(&article.author.username),
        published: article.created_at,
    };
    view! {
        <PageMeta
            title=title.clone()
            description=article.description.clone()
            path=links::article(&slug)
            feed=format!("{}/feed.atom", authorship.author_path)
            article=authorship
        />
        <div class="article-page">
            <div class="banner">
                <div class="container">
                    <h1>{title}</h1>
                    <ArticleActions article=article.clone() is_author />
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
                    <ArticleActions article=article.clone() is_author />
                </div>
                <div class="row">
                    <div class="col-xs-12 col-md-8 offset-md-2">
                        <Comments slug=slug.clone() comments signed_in viewer_image comments_page />
                        <CommentPages slug page=comments_page older=older_comments empty=comments_empty />
                    </div>
                </div>
            </div>
        </div>
    }
}

/// Edit and delete for the author; follow and favorite for everyone else. The two buttons are one
/// group, so on a narrow screen they move under the author together and stay on one row.
#[component]
fn ArticleActions(article: Article, is_author: bool) -> impl IntoView {
    let slug = article.slug.clone();
    let (username, following) = (article.author.username.clone(), article.author.following);
    let (favorited, favorites_count) = (article.favorited, article.favorites_count);
    view! {
        <ArticleMeta article>
            <span class="meta-actions">{if is_author {
                view! {
                    <a class="btn btn-sm btn-outline-secondary" href=links::editor(&slug)>
                        <i class="ion-edit" aria-hidden="true"></i>" Edit Article"
                    </a>
                    <DeleteArticleButton slug />
                }
                .erase()
            } else {
                view! {
                    <FollowButton username following />
                    <FavoriteButton slug favorited favorites_count compact=false />
                }
                .erase()
            }}</span>
        </ArticleMeta>
    }
}

/// Deletes the article `slug`, then opens the home page.
#[island]
fn DeleteArticleButton(slug: String) -> impl IntoView {
    let delete = ServerAction::<DeleteArticle>::new();
    open_after(delete.value(), |_: &()| "/".to_string());
    let pending = delete.pending();
    view! {
        <ActionForm action=delete attr:class="delete-form">{SyncHydrated(view! {
            <input type="hidden" name="slug" value=slug />
            <button type="submit" class="btn btn-sm btn-outline-danger" disabled=pending aria-busy=move || pending.get().to_string()>
                <i class="ion-trash-a" aria-hidden="true"></i>" Delete Article"
            </button>
        })}</ActionForm>
    }
}

/// The comment form (for a signed-in reader, whose picture is `viewer_image`) and one page of
/// comments. Hydrated, a posted comment joins the list and a deleted one leaves it in place.
#[island]
fn Comments(
    slug: String,
    comments: Vec<ShownComment>,
    signed_in: bool,
    viewer_image: Option<String>,
    comments_page: PageNumber,
) -> impl IntoView {
    let post = ServerAction::<PostComment>::new();
    let pending = post.pending();
    let comments = RwSignal::new(comments);
    let body_field = NodeRef::<leptos::html::Textarea>::new();
    // A new comment is the newest: it belongs on the first page, and the form starts afresh.
    Effect::new({
        let slug = slug.clone();
        move |_| {
            let Some(Ok(comment)) = post.value().get() else {
                return;
            };
            if comments_page > PageNumber::FIRST {
                return go_to(&links::article(&slug));
            }
            comments.update(|list| {
                let shown = ShownComment {
                    comment,
                    deletable: true,
                };
                list.insert(0, shown)
            });
            if let Some(field) = body_field.get_untracked() {
                field.set_value("");
            }
        }
    });
    let deleted = RwSignal::new(None::<Result<(), AppError>>);
    let form = match signed_in {
        true => {
            let slug = slug.clone();
            view! {
                <ErrorMessages result=post.value() />
                <ActionForm action=post attr:class="card comment-form">{SyncHydrated(view! {
                    <input type="hidden" name="slug" value=slug />
                    <div class="card-block">
                        <label class="visually-hidden" for="comment-body">"Write a comment..."</label>
                        <textarea id="comment-body" node_ref=body_field class="form-control" name="body" placeholder="Write a comment..." rows="3"></textarea>
                    </div>
                    <div class="card-footer">
                        <img src=avatar(viewer_image.as_deref()) class="comment-author-img" alt="" />
                        <button class="btn btn-sm btn-primary" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                            "Post Comment"
                        </button>
                    </div>
                })}</ActionForm>
            }
            .erase()
        }
        false => view! {
            <p class="comment-sign-in">
                <a href=format!("/login?next={}", links::article(&slug))>"Sign in"</a>
                " or "
                <a href="/register">"sign up"</a>
                " to add comments on this article."
            </p>
        }
        .erase(),
    };
    view! {
        {form}
        <ErrorMessages result=deleted />
        <For each=move || comments.get() key=|shown| shown.comment.id let:shown>
            <CommentCard comment=shown.comment slug=slug.clone() mine=shown.deletable comments deleted />
        </For>
    }
}

#[component]
fn CommentCard(
    comment: Comment,
    slug: String,
    mine: bool,
    /// The list it leaves once deleted, and where the outcome of deleting shows.
    comments: RwSignal<Vec<ShownComment>>,
    deleted: RwSignal<Option<Result<(), AppError>>>,
) -> impl IntoView {
    let author = comment.author.clone();
    let id = comment.id;
    let action = ServerAction::<DeleteComment>::new();
    Effect::new(move |_| {
        let Some(result) = action.value().get() else {
            return;
        };
        if result.is_ok() {
            comments.update(|list| list.retain(|shown| shown.comment.id != id));
        }
        deleted.set(Some(result));
    });
    view! {
        <div class="card">
            <div class="card-block">
                <p class="card-text">{comment.body.clone()}</p>
            </div>
            <div class="card-footer">
                <a href=links::profile(&author.username) class="comment-author">
                    <img src=avatar(author.image.as_deref()) class="comment-author-img" alt=format!("{}'s avatar", author.username) />
                </a>
                " "
                <a href=links::profile(&author.username) class="comment-author">{author.username.clone()}</a>
                <span class="date-posted">{comment.created_at.human_date()}</span>
                {mine.then(|| view! {
                    <span class="mod-options">
                        <ActionForm action attr:class="delete-comment-form">{SyncHydrated(view! {
                            <input type="hidden" name="slug" value=slug.clone() />
                            <input type="hidden" name="id" value=id.to_string() />
                            <button type="submit" aria-label="Delete comment" disabled=action.pending() aria-busy=move || action.pending().get().to_string()>
                                <i class="ion-trash-a" aria-hidden="true"></i>
                            </button>
                        })}</ActionForm>
                    </span>
                })}
            </div>
        </div>
    }
}

/// Links between pages of comments: plain links, each page rendered by the server.
#[component]
fn CommentPages(slug: String, page: PageNumber, older: bool, empty: bool) -> impl IntoView {
    let href = |n: u32| PageNumber::new(n).link(&links::article(&slug), "comments");
    let page = page.get();
    if empty && page > 1 {
        return view! {
            <p class="comment-pages">
                "No comments on this page. "
                <a class="comments-newest" href=href(1)>"Back to the newest comments"</a>
            </p>
        }
        .erase();
    }
    let newer = (page > 1).then(|| href(page - 1));
    let older = older.then(|| href(page + 1));
    (newer.is_some() || older.is_some())
        .then(|| {
            view! {
                <nav class="comment-pages" aria-label="Comment pages">
                    {newer.map(|href| view! { <a class="comments-newer" href=href>"Newer comments"</a> })}
                    {older.map(|href| view! { <a class="comments-older" href=href>"Older comments"</a> })}
                </nav>
            }
        })
        .erase()
}
