//! A profile: the user's card with follow or edit-settings, and their articles or favorites.

use crate::components::page_meta::PageMeta;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::components::article_previews::ArticlePreviews;
use crate::components::erased::Erase;
use crate::components::error::AppError;
use crate::components::follow::FollowButton;
use crate::pages::not_found::NotFound;
use model::links::{self, PageNumber};
use model::{avatar, ArticleList, Profile};

/// Everything the profile page shows, in one round trip.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfilePageData {
    pub profile: Profile,
    /// The reader's own profile: a link to the settings instead of a follow button.
    pub own: bool,
    pub articles: ArticleList,
}

#[server]
pub async fn profile_page(
    username: String,
    favorites: bool,
    page: PageNumber,
) -> Result<ProfilePageData, AppError> {
    use crate::components::article_previews::PER_PAGE;
    use crate::server_ctx::{services, viewer};
    use domain::articles::{self, Filter};
    use domain::profiles;
    use domain::validate::Page;
    let page = Page::numbered(page.get(), PER_PAGE)?;
    let db = &services()?.db;
    let viewer = viewer().await?;
    let shown = profiles::view(db, viewer, &username).await?;
    let filter = if favorites {
        Filter {
            favorited: Some(username),
            ..Filter::default()
        }
    } else {
        Filter {
            author: Some(username),
            ..Filter::default()
        }
    };
    let list = articles::list(db, viewer, &filter, page).await?;
    Ok(ProfilePageData {
        profile: shown.profile,
        own: shown.own,
        articles: list,
    })
}

/// A profile's own words when it has a bio, else what the page lists.
fn profile_description(profile: &Profile) -> String {
    match profile.bio.as_deref().map(str::trim) {
        Some(bio) if !bio.is_empty() => bio.to_string(),
        _ => format!("Articles by {} on Conduit.", profile.username),
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let location = use_location();
    let favorites = Memo::new(move |_| location.pathname.get().ends_with("/favorites"));
    let username = Memo::new(move |_| params.read().get("username").unwrap_or_default());
    let page = Memo::new(move |_| PageNumber::from_query(query.read().get("page").as_deref()));
    let data = Resource::new(
        move || (username.get(), favorites.get(), page.get()),
        |(username, favorites, page)| profile_page(username, favorites, page),
    );
    let page_href = Callback::new(move |n: PageNumber| {
        let username = username.get_untracked();
        let path = if favorites.get_untracked() {
            links::profile_favorites(&username)
        } else {
            links::profile(&username)
        };
        n.link(&path, "page")
    });

    view! {
        <Transition fallback=|| view! { <p class="loading container">"Loading the profile..."</p> }>
            {move || Suspend::new(async move {
                let result: Result<ProfilePageData, AppError> = data.await;
                match result {
                    Ok(ProfilePageData { profile, own: mine, articles: list }) => {
                        let base = links::profile(&profile.username);
                        view! {
                            <PageMeta
                                title=profile.username.clone()
                                description=profile_description(&profile)
                                path=if favorites.get_untracked() { links::profile_favorites(&profile.username) } else { base.clone() }
                                feed=links::feed_of(&base)
                            />
                            <div class="profile-page">
                                <div class="user-info">
                                    <div class="container">
                                        <div class="row">
                                            <div class="col-xs-12 col-md-10 offset-md-1">
                                                <img src=avatar(profile.image.as_deref()) class="user-img" alt=format!("{}'s avatar", profile.username) />
                                                <h4>{profile.username.clone()}</h4>
                                                <p>{profile.bio.clone().unwrap_or_default()}</p>
                                                {if mine {
                                                    view! {
                                                        <a class="btn btn-sm btn-outline-secondary action-btn" href="/settings">
                                                            <i class="ion-gear-a" aria-hidden="true"></i>" Edit Profile Settings"
                                                        </a>
                                                    }.erase()
                                                } else {
                                                    view! { <FollowButton username=profile.username.clone() following=profile.following /> }.erase()
                                                }}
                                            </div>
                                        </div>
                                    </div>
                                </div>
                                <div class="container">
                                    <div class="row">
                                        <div class="col-xs-12 col-md-10 offset-md-1">
                                            <div class="articles-toggle">
                                                <ul class="nav nav-pills outline-active">
                                                    <li class="nav-item">
                                                        <a class="nav-link" class:active=move || !favorites.get() href=base.clone()>"My Articles"</a>
                                                    </li>
                                                    <li class="nav-item">
                                                        <a class="nav-link" class:active=move || favorites.get() href=links::profile_favorites(&profile.username)>"Favorited Articles"</a>
                                                    </li>
                                                </ul>
                                            </div>
                                            <ArticlePreviews list page=page.get_untracked() page_href empty_message="No articles are here... yet." />
                                        </div>
                                    </div>
                                </div>
                            </div>
                        }.erase()
                    }
                    Err(err) if err.is_not_found() => view! { <NotFound /> }.erase(),
                    Err(err) => view! { <div class="container page"><ul class="error-messages"><li>{err.to_string()}</li></ul></div> }.erase(),
                }
            })}
        </Transition>
    }
}
