//! The follow / unfollow button, on profiles and article pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::error::AppError;
use crate::components::island::{post_in_place, shared};
use model::Profile;

#[server]
pub async fn set_follow(username: String, follow: bool) -> Result<Profile, AppError> {
    use crate::server_ctx::{require_user, services};
    use domain::profiles;
    let user = require_user().await?;
    let db = &services()?.db;
    Ok(if follow {
        profiles::follow(db, user, &username).await?
    } else {
        profiles::unfollow(db, user, &username).await?
    })
}

/// Follow or unfollow `username`: a real form, so it works before hydration too; once hydrated
/// it answers in place, and the other buttons for the same author on the page follow.
#[island]
pub fn FollowButton(username: String, following: bool) -> impl IntoView {
    let following = shared("following", &username, following);
    let pending = RwSignal::new(false);
    let on_submit = post_in_place(
        pending,
        {
            let username = username.clone();
            move || set_follow(username.clone(), !following.get_untracked())
        },
        move |profile: Profile| following.set(profile.following),
    );
    let class = move || {
        if following.get() {
            "btn btn-sm btn-secondary action-btn"
        } else {
            "btn btn-sm btn-outline-secondary action-btn"
        }
    };
    let label = {
        let username = username.clone();
        move || match following.get() {
            true => format!(" Unfollow {username}"),
            false => format!(" Follow {username}"),
        }
    };
    view! {
        <form class="follow-form" method="post" action=SetFollow::url() on:submit=on_submit>
            <input type="hidden" name="username" value=username />
            <input type="hidden" name="follow" value=move || (!following.get()).to_string() />
            <button type="submit" class=class disabled=pending aria-busy=move || pending.get().to_string()>
                <i class="ion-plus-round" aria-hidden="true"></i>
                {label}
            </button>
        </form>
    }
}
