//! Who is signed in, as the whole page sees it: one resource per request. Signing in or out
//! loads a new page, which asks again.

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
}

impl Session {
    /// The signed-in user, once known (`None` while loading or when signed out).
    pub fn current(&self) -> Option<CurrentUser> {
        self.user.get().and_then(|r| r.ok()).flatten()
    }
}

pub fn provide_session() {
    let user = Resource::new(|| (), |_| load_current_user());
    provide_context(Session { user });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
