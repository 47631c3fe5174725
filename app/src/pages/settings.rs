//! Settings: the signed-in user's profile, email and password, and logging out.

use crate::components::page_meta::{PageMeta, SITE_DESCRIPTION};
use leptos::form::ActionForm;
use leptos::prelude::*;
use model::links;

use crate::components::erased::{Erase, SyncHydrated};
use crate::components::error::{AppError, ErrorMessages};
use crate::components::form::TextField;
use crate::components::island::open_after;
use crate::components::layout::SignInRedirect;
use crate::components::session::use_session;
use model::{avatar, CurrentUser};

#[server]
pub async fn update_settings(
    image: String,
    username: String,
    bio: String,
    email: String,
    password: String,
    current_password: String,
) -> Result<String, AppError> {
    use crate::server_ctx::{redirect_plain_form, require_user, services, session_token};
    use domain::auth::Credential;
    use domain::users::{self, Changes};
    let user = require_user().await?;
    let changes = Changes {
        image: Some(image),
        username: Some(username),
        bio: Some(bio),
        email: Some(email),
        // An empty password field means "keep my password".
        password: Some(password).filter(|p| !p.is_empty()),
        nulled: Vec::new(),
        // A browser left signed in must not let anyone change the password.
        current_password: Some(current_password),
    };
    // This browser stays signed in; the user's other sessions end with a new password.
    let session = session_token().unwrap_or_default();
    let account = users::update(
        &services()?.db,
        user,
        changes,
        Credential::Session(&session),
    )
    .await?;
    redirect_plain_form(&links::profile(&account.username));
    Ok(account.username)
}

#[server]
pub async fn logout() -> Result<(), AppError> {
    use crate::server_ctx::{redirect_plain_form, sign_out};
    sign_out().await?;
    redirect_plain_form("/");
    Ok(())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();

    view! {
        <PageMeta title="Settings" description=SITE_DESCRIPTION path="/settings" />
        <div class="settings-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">"Your Settings"</h1>
                        <Suspense fallback=|| view! { <p class="loading">"Loading your settings..."</p> }>
                            {move || Suspend::new(async move {
                                match session.user.await {
                                    Ok(Some(user)) => view! { <SettingsForm user /> }.erase(),
                                    Ok(None) => view! { <SignInRedirect /> }.erase(),
                                    Err(err) => view! { <ul class="error-messages"><li>{err.to_string()}</li></ul> }.erase(),
                                }
                            })}
                        </Suspense>
                        <hr />
                        <LogoutButton />
                    </div>
                </div>
            </div>
        </div>
    }
}

/// Signs out, then opens the home page.
#[island]
fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    open_after(logout.value(), |_: &()| "/".to_string());
    let pending = logout.pending();
    view! {
        <ActionForm action=logout>{SyncHydrated(view! {
            <button class="btn btn-outline-danger" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>"Or click here to logout."</button>
        })}</ActionForm>
    }
}

/// The settings form; once hydrated, the picture follows its field as it is typed, and the
/// saved profile opens.
#[island]
fn SettingsForm(user: CurrentUser) -> impl IntoView {
    let update = ServerAction::<UpdateSettings>::new();
    open_after(update.value(), |username: &String| links::profile(username));
    let pending = update.pending();
    // The picture as every page will show it: only a web URL or a path on this site, else the
    // default avatar.
    let image = RwSignal::new(user.image.clone().unwrap_or_default());
    view! {
        <ErrorMessages result=update.value() />
        <ActionForm action=update>{SyncHydrated(view! {
            <fieldset>
                <img class="user-img settings-avatar" src=move || avatar(Some(&image.read())) alt="Your profile picture, as others see it" />
                <TextField id="settings-image" name="image" label="URL of profile picture" autocomplete="photo" large=false value=image.get_untracked() on:input=move |ev| image.set(event_target_value(&ev)) />
                <TextField id="settings-username" name="username" label="Username" placeholder="Your Name" autocomplete="username" value=user.username.clone() />
                <fieldset class="form-group">
                    <label class="visually-hidden" for="settings-bio">"Bio"</label>
                    <textarea id="settings-bio" class="form-control form-control-lg" rows="8" name="bio" placeholder="Short bio about you">{user.bio.clone().unwrap_or_default()}</textarea>
                </fieldset>
                <TextField id="settings-email" name="email" label="Email" inputmode="email" autocomplete="email" value=user.email.clone() />
                <TextField id="settings-password" name="password" label="New Password" kind="password" autocomplete="new-password" />
                <TextField id="settings-current-password" name="current_password" label="Current Password" placeholder="Current Password (to change it)" kind="password" autocomplete="current-password" />
                <button class="btn btn-lg btn-primary pull-xs-right" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                    "Update Settings"
                </button>
            </fieldset>
        })}</ActionForm>
    }
}
