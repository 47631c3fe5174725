//! Article previews, the favorite button and pagination, shared by the home and profile pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::erased::Erase;
use crate::components::error::AppError;
use crate::components::island::{post_in_place, shared};
use model::links::{self, PageNumber};
use model::{avatar, Article, ArticleList};

/// Articles per page in the UI.
pub const PER_PAGE: i64 = 10;

/// Favorites or unfavorites an article.
#[server]
pub async fn set_favorite(slug: String, favorite: bool) -> Result<Article, AppError> {
    use crate::server_ctx::{require_user, services};
    use domain::articles;
    let user = require_user().await?;
    let db = &services()?.db;
    Ok(if favorite {
        articles::favorite(db, user, &slug).await?
    } else {
        articles::unfavorite(db, user, &slug).await?
    })
}

/// Whether the reader favors an article, and how many do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Favorites {
    favorited: bool,
    count: i64,
}

/// The heart button of the article `slug`: a real form, so it works before hydration too. Once
/// hydrated it answers in place, and the article's other heart on the page follows. `compact`
/// is the list style (just the count, at the right of the author row); otherwise it reads
/// "Favorite Article (n)".
#[island]
pub fn FavoriteButton(
    slug: String,
    favorited: bool,
    favorites_count: i64,
    compact: bool,
) -> impl IntoView {
    let state = shared(
        "favorites",
        &slug,
        Favorites {
            favorited,
            count: favorites_count,
        },
    );
    let favorited = move || state.get().favorited;
    let pending = RwSignal::new(false);
    let on_submit = post_in_place(
        pending,
        {
            let slug = slug.clone();
            move || set_favorite(slug.clone(), !state.get_untracked().favorited)
        },
        move |article: Article| {
            state.set(Favorites {
                favorited: article.favorited,
                count: article.favorites_count,
            })
        },
    );
    let class = move || {
        if favorited() {
            "btn btn-sm btn-primary"
        } else {
            "btn btn-sm btn-outline-primary"
        }
    };
    let form_class = if compact {
        "favorite-form pull-xs-right"
    } else {
        "favorite-form"
    };
    let verb = move || {
        if favorited() {
            "Unfavorite"
        } else {
            "Favorite"
        }
    };
    // Compact: the count alone is shown; the name starts with it (what speech users say) and
    // then tells what the button does.
    let label = move || (!compact).then(|| format!(" {} Article ", verb()));
    let count = move || {
        let count = state.get().count;
        if compact {
            count.to_string()
        } else {
            format!("({count})")
        }
    };
    let name = move || compact.then(|| format!("{}, {} article", state.get().count, verb()));
    view! {
        <form class=form_class method="post" action=SetFavorite::url() on:submit=on_submit>
            <input type="hidden" name="slug" value=slug />
            <input type="hidden" name="favorite" value=move || (!favorited()).to_string() />
            <button type="submit" class=class aria-label=name disabled=pending aria-busy=move || pending.get().to_string()>
                <i class="ion-heart" aria-hidden="true"></i>
                {label}
                <span class="counter">{count}</span>
            </button>
        </form>
    }
}

#[component]
pub fn ArticleMeta<C: IntoView + 'static>(
    article: Article,
    children: TypedChildren<C>,
) -> impl IntoView {
    let author = article.author.clone();
    view! {
        <div class="article-meta">
            <a href=links::profile(&author.username)>
                <img src=avatar(author.image.as_deref()) alt=format!("{}'s avatar", author.username) />
            </a>
            <div class="info">
                <a href=links::profile(&author.username) class="author">{author.username.clone()}</a>
                <span class="date">{article.created_at.human_date()}</span>
            </div>
            {children.into_inner()()}
        </div>
    }
}

#[component]
pub fn ArticlePreview(article: Article) -> impl IntoView {
    let href = links::article(&article.slug);
    let (title, description) = (article.title.clone(), article.description.clone());
    let tags = article.tag_list.clone();
    let (slug, favorited, favorites_count) = (
        article.slug.clone(),
        article.favorited,
        article.favorites_count,
    );
    view! {
        <div class="article-preview">
            <ArticleMeta article>
                <FavoriteButton slug favorited favorites_count compact=true />
            </ArticleMeta>
            <a href=href class="preview-link">
                <h1>{title}</h1>
                <p>{description}</p>
                <span>"Read more..."</span>
                <ul class="tag-list">
                    {tags
                        .iter()
                        .map(|tag| view! { <li class="tag-default tag-pill tag-outline">{tag.clone()}</li> })
                        .collect_view()}
                </ul>
            </a>
        </div>
    }
}

/// The page numbers to link: the first, the last, and those near the current one, so a list
/// of thousands of pages stays a short row.
fn page_window(current: u32, pages: u32) -> Vec<u32> {
    let mut numbers: Vec<u32> = (1..=pages)
        .filter(|&n| n == 1 || n == pages || n.abs_diff(current) <= 4)
        .collect();
    numbers.dedup();
    numbers
}

/// A page of previews, the empty message, and the page links (`base` plus `page=N`).
#[component]
pub fn ArticlePreviews(
    list: ArticleList,
    page: PageNumber,
    /// Builds the link of page `n`.
    page_href: Callback<PageNumber, String>,
    empty_message: &'static str,
) -> impl IntoView {
    let pages = ((list.articles_count + PER_PAGE - 1) / PER_PAGE).max(0) as u32;
    if list.articles.is_empty() {
        return view! {
            <div class="article-preview empty-feed-message">
                <p>{empty_message}</p>
                <a href="/">"Explore the Global Feed"</a>
            </div>
        }
        .erase();
    }
    view! {
        {list
            .articles
            .into_iter()
            .map(|article| view! { <ArticlePreview article /> })
            .collect_view()}
        {(pages > 1)
            .then(|| {
                view! {
                    <nav aria-label="Pages">
                        <ul class="pagination">
                            {page_window(page.get(), pages)
                                .into_iter()
                                .map(PageNumber::new)
                                .map(|n| {
                                    view! {
                                        <li class="page-item" class:active=n == page>
                                            <a class="page-link" href=page_href.run(n) aria-current=(n == page).then_some("page")>
                                                {n.get()}
                                            </a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </nav>
                }
            })}
    }
    .erase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_window_stays_short() {
        assert_eq!(page_window(1, 3), vec![1, 2, 3]);
        assert_eq!(
            page_window(50, 10_000),
            vec![1, 46, 47, 48, 49, 50, 51, 52, 53, 54, 10_000]
        );
    }
}
