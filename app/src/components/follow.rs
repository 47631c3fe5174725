//! The follow / unfollow button, on profiles and article pages.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::components::erased::SyncHydrated;
use crate::components::error::{AppError, Problem};
use crate::components::island::{go_to, shared};
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
    let following = shared(format!("following:{username}"), following);
    let action = ServerAction::<SetFollow>::new();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(profile)) => following.set(profile.following),
        Some(Err(err)) if err.problem == Problem::SignInRequired => go_to("/login"),
        _ => {}
    });
    let pending = action.pending();
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
        <ActionForm action attr:class="follow-form">{SyncHydrated(view! {
            <input type="hidden" name="username" value=username />
            <input type="hidden" name="follow" value=move || (!following.get()).to_string() />
            <button type="submit" class=class disabled=pending aria-busy=move || pending.get().to_string()>
                <i class="ion-plus-round" aria-hidden="true"></i>
                {label}
            </button>
        })}</ActionForm>
    }
}
