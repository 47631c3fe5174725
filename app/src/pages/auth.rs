//! Sign in and sign up.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::erased::SyncHydrated;
use crate::components::error::{AppError, ErrorMessages};
use crate::components::form::TextField;
use crate::components::session::use_session;

/// Where to go after signing in: the local path in `next`, or home. Only paths on this site
/// are followed, so a crafted link cannot send someone elsewhere.
pub fn after_sign_in(next: &str) -> String {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[server(prefix = "/rpc")]
pub async fn login(email: String, password: String, next: String) -> Result<String, AppError> {
    use crate::domain::users;
    use crate::server_ctx::{redirect_plain_form, sign_in, state};
    let account = users::login(&state()?.db, Some(&email), Some(&password)).await?;
    sign_in(account.user_id()).await?;
    let next = after_sign_in(&next);
    redirect_plain_form(&next);
    Ok(next)
}

#[server(prefix = "/rpc")]
pub async fn register(username: String, email: String, password: String) -> Result<(), AppError> {
    use crate::domain::users::{self, Registration};
    use crate::server_ctx::{redirect_plain_form, sign_in, state};
    let form = Registration {
        username: Some(username),
        email: Some(email),
        password: Some(password),
    };
    let account = users::register(&state()?.db, form).await?;
    sign_in(account.user_id()).await?;
    redirect_plain_form("/");
    Ok(())
}

/// After a successful sign-in or sign-up in the hydrated app: reload the session and go where
/// `to` says for the action's result.
pub fn on_signed_in<T: Clone + Send + Sync + 'static>(
    value: impl Into<Signal<Option<Result<T, AppError>>>>,
    to: fn(&T) -> String,
) {
    let value = value.into();
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(result)) = value.get() {
            session.refresh();
            navigate(&to(&result), Default::default());
        }
    });
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    on_signed_in(action.value(), |next: &String| next.clone());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let pending = action.pending();
    view! {
        <Title text="Sign in" />
        <div class="auth-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">"Sign in"</h1>
                        <p class="text-xs-center">
                            <a href="/register">"Need an account?"</a>
                        </p>
                        <ErrorMessages result=action.value() />
                        <ActionForm action>{SyncHydrated(view! {
                            <input type="hidden" name="next" value=next />
                            <TextField id="login-email" name="email" label="Email" inputmode="email" autocomplete="email" />
                            <TextField id="login-password" name="password" label="Password" kind="password" autocomplete="current-password" />
                            <button class="btn btn-lg btn-primary pull-xs-right" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                                "Sign in"
                            </button>
                        })}</ActionForm>
                    </div>
                </div>
            </div>
        </div>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    on_signed_in(action.value(), |_: &()| "/".to_string());
    let pending = action.pending();
    view! {
        <Title text="Sign up" />
        <div class="auth-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">"Sign up"</h1>
                        <p class="text-xs-center">
                            <a href="/login">"Have an account?"</a>
                        </p>
                        <ErrorMessages result=action.value() />
                        <ActionForm action>{SyncHydrated(view! {
                            <TextField id="register-username" name="username" label="Username" autocomplete="username" />
                            <TextField id="register-email" name="email" label="Email" inputmode="email" autocomplete="email" />
                            <TextField id="register-password" name="password" label="Password" kind="password" autocomplete="new-password" />
                            <button class="btn btn-lg btn-primary pull-xs-right" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                                "Sign up"
                            </button>
                        })}</ActionForm>
                    </div>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::after_sign_in;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(after_sign_in("/article/x"), "/article/x");
        assert_eq!(after_sign_in(""), "/");
        assert_eq!(after_sign_in("https://evil.example"), "/");
        assert_eq!(after_sign_in("//evil.example"), "/");
        assert_eq!(after_sign_in("/\\evil.example"), "/");
    }
}
