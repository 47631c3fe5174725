//! The home page: the global feed, the signed-in user's feed, tag feeds, and popular tags.

use crate::components::page_meta::{PageMeta, SITE_DESCRIPTION};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::article_previews::ArticlePreviews;
use crate::components::erased::Erase;
use crate::components::error::{AppError, Problem};
use crate::components::session::use_session;
use model::links::{self, PageNumber};
use model::ArticleList;

#[server]
pub async fn popular_tags() -> Result<Vec<String>, AppError> {
    use domain::tags;
    /// How many tags the sidebar shows.
    const SIDEBAR_TAGS: i64 = 20;
    Ok(tags::popular(&crate::server_ctx::services()?.db, SIDEBAR_TAGS).await?)
}

/// Which feed the home page shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Feed {
    Global,
    Following,
    Tag(String),
}

#[server]
pub async fn home_articles(feed: Feed, page: PageNumber) -> Result<ArticleList, AppError> {
    use crate::components::article_previews::PER_PAGE;
    use crate::server_ctx::{require_user, services, viewer};
    use domain::articles::{self, Filter};
    use domain::validate::Page;
    let db = &services()?.db;
    let page = Page::numbered(page.get(), PER_PAGE)?;
    Ok(match feed {
        Feed::Global => articles::list(db, viewer().await?, &Filter::default(), page).await?,
        Feed::Tag(tag) => {
            let filter = Filter {
                tag: Some(tag),
                ..Filter::default()
            };
            articles::list(db, viewer().await?, &filter, page).await?
        }
        Feed::Following => articles::feed(db, require_user().await?, page).await?,
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let params = use_params_map();
    let feed = Memo::new(move |_| match params.read().get("tag") {
        Some(tag) => Feed::Tag(tag),
        None if query.read().get("feed").as_deref() == Some("following") => Feed::Following,
        None => Feed::Global,
    });
    let page = Memo::new(move |_| PageNumber::from_query(query.read().get("page").as_deref()));
    let articles = Resource::new(
        move || (feed.get(), page.get()),
        |(feed, page)| home_articles(feed, page),
    );
    let tags = Resource::new(|| (), |_| popular_tags());

    let page_href = Callback::new(move |n: PageNumber| {
        let path = match feed.get_untracked() {
            Feed::Global => "/".to_string(),
            Feed::Following => "/?feed=following".to_string(),
            Feed::Tag(tag) => links::tag(&tag),
        };
        n.link(&path, "page")
    });

    let meta = move || {
        let (title, description, path, feed_path) = match feed.get() {
            Feed::Tag(tag) => {
                let page = links::tag(&tag);
                let feed_path = links::feed_of(&page);
                (
                    format!("#{tag}"),
                    format!("The newest Conduit articles tagged {tag}."),
                    page,
                    feed_path,
                )
            }
            Feed::Global | Feed::Following => (
                "Home".to_string(),
                SITE_DESCRIPTION.to_string(),
                "/".to_string(),
                links::feed_of("/"),
            ),
        };
        view! { <PageMeta title description path feed=feed_path /> }
    };
    view! {
        {meta}
        <div class="home-page">
            <div class="banner">
                <div class="container">
                    <h1 class="logo-font">"conduit"</h1>
                    <p>"A place to share your knowledge."</p>
                </div>
            </div>
            <div class="container page">
                <div class="row">
                    <div class="col-md-9">
                        <div class="feed-toggle">
                            <ul class="nav nav-pills outline-active">
                                <Transition fallback=|| ()>
                                    {move || session.current().map(|_| view! {
                                        <li class="nav-item">
                                            <a class="nav-link" class:active=move || feed.get() == Feed::Following href="/?feed=following">
                                                "Your Feed"
                                            </a>
                                        </li>
                                    })}
                                </Transition>
                                <li class="nav-item">
                                    <a class="nav-link" class:active=move || feed.get() == Feed::Global href="/">"Global Feed"</a>
                                </li>
                                {move || match feed.get() {
                                    Feed::Tag(tag) => Some(view! {
                                        <li class="nav-item">
                                            <a class="nav-link active" href=links::tag(&tag)>
                                                <i class="ion-pound" aria-hidden="true"></i>"#"{tag.clone()}
                                            </a>
                                        </li>
                                    }),
                                    _ => None,
                                }}
                            </ul>
                        </div>
                        <Transition fallback=|| view! { <div class="article-preview loading">"Loading articles..."</div> }>
                            {move || Suspend::new(async move {
                                match articles.await {
                                    Ok(list) => {
                                        let empty = if feed.get_untracked() == Feed::Following {
                                            "Your feed is empty. Follow some authors to see their articles here."
                                        } else {
                                            "No articles are here... yet."
                                        };
                                        view! { <ArticlePreviews list page=page.get_untracked() page_href empty_message=empty /> }.erase()
                                    }
                                    Err(err) if err.problem == Problem::SignInRequired => view! { <crate::components::layout::SignInRedirect /> }.erase(),
                                    Err(err) => view! { <ul class="error-messages"><li>{err.to_string()}</li></ul> }.erase(),
                                }
                            })}
                        </Transition>
                    </div>
                    <div class="col-md-3">
                        <div class="sidebar">
                            <p>"Popular Tags"</p>
                            <Transition fallback=|| view! { <div class="loading">"Loading tags..."</div> }>
                                {move || Suspend::new(async move {
                                    match tags.await {
                                        Ok(tags) if tags.is_empty() => view! { <div class="tag-list">"No tags are here... yet."</div> }.erase(),
                                        Ok(tags) => view! {
                                            <div class="tag-list">
                                                {tags.into_iter().map(|tag| view! {
                                                    <a href=links::tag(&tag) class="tag-pill tag-default">{tag.clone()}</a>
                                                }).collect_view()}
                                            </div>
                                        }.erase(),
                                        Err(err) => view! { <ul class="error-messages"><li>{err.to_string()}</li></ul> }.erase(),
                                    }
                                })}
                            </Transition>
                        </div>
                    </div>
                </div>
            </div>
        </div>
    }
}
