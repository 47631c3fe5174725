//! The follow / unfollow button, on profiles and article pages.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::components::erased::SyncHydrated;
use crate::components::error::AppError;
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

#[component]
pub fn FollowButton(profile: Profile, action: ServerAction<SetFollow>) -> impl IntoView {
    let pending = action.pending();
    let class = if profile.following {
        "btn btn-sm btn-secondary action-btn"
    } else {
        "btn btn-sm btn-outline-secondary action-btn"
    };
    let label = if profile.following {
        format!(" Unfollow {}", profile.username)
    } else {
        format!(" Follow {}", profile.username)
    };
    view! {
        <ActionForm action attr:class="follow-form">{SyncHydrated(view! {
            <input type="hidden" name="username" value=profile.username.clone() />
            <input type="hidden" name="follow" value=(!profile.following).to_string() />
            <button type="submit" class=class disabled=pending aria-busy=move || pending.get().to_string()>
                <i class="ion-plus-round" aria-hidden="true"></i>
                {label}
            </button>
        })}</ActionForm>
    }
}
