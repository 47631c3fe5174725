//! Who is signed in, as the whole UI sees it: one resource, refetched after sign-in, sign-up,
//! settings and logout.

use leptos::prelude::*;

use crate::components::error::AppError;
use model::CurrentUser;

#[server]
pub async fn load_current_user() -> Result<Option<CurrentUser>, AppError> {
    let Some(account) = crate::server_ctx::signed_in().await? else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        username: account.username,
        email: account.email,
        bio: account.bio,
        image: account.image,
    }))
}

#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    changed: RwSignal<u32>,
}

impl Session {
    /// The signed-in user, once known (`None` while loading or when signed out).
    pub fn current(&self) -> Option<CurrentUser> {
        self.user.get().and_then(|r| r.ok()).flatten()
    }

    pub fn username(&self) -> Option<String> {
        self.current().map(|u| u.username)
    }

    /// Reloads the user after an action that signs in or out.
    pub fn refresh(&self) {
        self.changed.update(|n| *n += 1);
    }
}

pub fn provide_session() {
    let changed = RwSignal::new(0u32);
    let user = Resource::new(move || changed.get(), |_| load_current_user());
    provide_context(Session { user, changed });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
