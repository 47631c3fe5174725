//! Sign in and sign up.

use crate::components::page_meta::{PageMeta, SITE_DESCRIPTION};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::erased::SyncHydrated;
use crate::components::error::{AppError, ErrorMessages};
use crate::components::form::TextField;
use crate::components::island::open_after;

/// Where to go after signing in: the path in `next` when it stays on this site, else home.
///
/// Browsers drop tabs and line breaks anywhere in a URL (and other control characters and
/// spaces around it) and read `\` as `/`, so `/\t/evil.example` is `//evil.example`, another
/// site. Those characters go first; what is left must start with exactly one `/`, hold no `\`
/// and fit [`MAX_NEXT`]. Anything non-ASCII is percent-encoded, so the result is always a valid
/// `Location` header.
#[cfg(feature = "ssr")]
pub fn after_sign_in(next: &str) -> String {
    use percent_encoding::{utf8_percent_encode, CONTROLS};
    let kept: String = next
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    let path = utf8_percent_encode(&kept, CONTROLS).to_string();
    if model::is_site_path(&kept) && path.len() <= MAX_NEXT {
        path
    } else {
        "/".to_string()
    }
}

/// The longest `next` followed, in bytes once encoded: far longer than any page's path.
#[cfg(feature = "ssr")]
pub const MAX_NEXT: usize = 2_048;

#[server]
pub async fn login(email: String, password: String, next: String) -> Result<String, AppError> {
    use crate::server_ctx::{redirect_plain_form, services, sign_in};
    use domain::users;
    // Settled before anything happens: whatever `next` holds, no session is left behind a
    // failure.
    let next = after_sign_in(&next);
    let account = users::login(&services()?.db, Some(&email), Some(&password)).await?;
    sign_in(account.user_id()).await?;
    redirect_plain_form(&next);
    Ok(next)
}

#[server]
pub async fn register(username: String, email: String, password: String) -> Result<(), AppError> {
    use crate::server_ctx::{redirect_plain_form, services, sign_in};
    use domain::users::{self, Registration};
    let form = Registration {
        username: Some(username),
        email: Some(email),
        password: Some(password),
    };
    let account = users::register(&services()?.db, form).await?;
    sign_in(account.user_id()).await?;
    redirect_plain_form("/");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default();
    view! {
        <AuthCard title="Sign in" path="/login" switch_href="/register" switch_text="Need an account?">
            <LoginForm next />
        </AuthCard>
    }
}

/// The sign-in form; `next` is where it leads once signed in.
#[island]
fn LoginForm(next: String) -> impl IntoView {
    let action = ServerAction::<Login>::new();
    open_after(action.value(), |next: &String| next.clone());
    let pending = action.pending();
    view! {
        <ErrorMessages result=action.value() />
        <ActionForm action>{SyncHydrated(view! {
            <input type="hidden" name="next" value=next />
            <TextField id="login-email" name="email" label="Email" inputmode="email" autocomplete="email" />
            <TextField id="login-password" name="password" label="Password" kind="password" autocomplete="current-password" />
            <button class="btn btn-lg btn-primary pull-xs-right" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                "Sign in"
            </button>
        })}</ActionForm>
    }
}

/// The frame both pages share: the page's title, the link to the other page, and the form.
#[component]
fn AuthCard<C: IntoView + 'static>(
    title: &'static str,
    path: &'static str,
    switch_href: &'static str,
    switch_text: &'static str,
    children: TypedChildren<C>,
) -> impl IntoView {
    view! {
        <PageMeta title description=SITE_DESCRIPTION path />
        <div class="auth-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-6 offset-md-3 col-xs-12">
                        <h1 class="text-xs-center">{title}</h1>
                        <p class="text-xs-center">
                            <a href=switch_href>{switch_text}</a>
                        </p>
                        {children.into_inner()()}
                    </div>
                </div>
            </div>
        </div>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <AuthCard title="Sign up" path="/register" switch_href="/login" switch_text="Have an account?">
            <RegisterForm />
        </AuthCard>
    }
}

#[island]
fn RegisterForm() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    open_after(action.value(), |_: &()| "/".to_string());
    let pending = action.pending();
    view! {
        <ErrorMessages result=action.value() />
        <ActionForm action>{SyncHydrated(view! {
            <TextField id="register-username" name="username" label="Username" autocomplete="username" />
            <TextField id="register-email" name="email" label="Email" inputmode="email" autocomplete="email" />
            <TextField id="register-password" name="password" label="Password" kind="password" autocomplete="new-password" />
            <button class="btn btn-lg btn-primary pull-xs-right" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                "Sign up"
            </button>
        })}</ActionForm>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{after_sign_in, MAX_NEXT};
    use axum::http::HeaderValue;

    /// What any answer must be: a valid header value, and a path on this site even after a
    /// browser drops tabs and line breaks and reads `\` as `/`.
    #[track_caller]
    fn assert_stays_on_site(next: &str) {
        let path = after_sign_in(next);
        assert!(HeaderValue::from_str(&path).is_ok(), "{next:?} -> {path:?}");
        let as_browsers_read = path.replace('\\', "/");
        assert!(as_browsers_read.starts_with('/'), "{next:?} -> {path:?}");
        assert!(!as_browsers_read.starts_with("//"), "{next:?} -> {path:?}");
        assert!(
            path.bytes().all(|b| b.is_ascii_graphic()),
            "{next:?} -> {path:?}"
        );
    }

    #[test]
    fn local_paths_are_followed() {
        assert_eq!(after_sign_in("/article/x"), "/article/x");
        assert_eq!(
            after_sign_in("/profile/jake/favorites?page=2"),
            "/profile/jake/favorites?page=2"
        );
        assert_eq!(after_sign_in("/tag/%E6%97%A5"), "/tag/%E6%97%A5");
        assert_eq!(after_sign_in("/tag/日"), "/tag/%E6%97%A5");
        assert_eq!(after_sign_in(""), "/");
    }

    /// The known payloads go through the whole sign-in in `server/tests/api/redirects.rs`, with
    /// JavaScript off and on; here, a few more of their kind.
    #[test]
    fn known_open_redirect_payloads_go_home() {
        for payload in [
            "/\u{85}/evil.example",
            "/\u{2028}/evil.example",
            "JaVaScRiPt:alert(1)",
            "/a\\b",
            &format!("/{}", "a".repeat(MAX_NEXT)),
        ] {
            assert_eq!(after_sign_in(payload), "/", "{payload:?}");
        }
        // Encoded forms stay what they are: paths on this site.
        assert_eq!(after_sign_in("/%09/evil.example"), "/%09/evil.example");
        assert_eq!(after_sign_in("/%2F%2Fevil.example"), "/%2F%2Fevil.example");
        // Invisible characters that are neither controls nor spaces are encoded into the path.
        assert_eq!(
            after_sign_in("/\u{feff}/evil.example"),
            "/%EF%BB%BF/evil.example"
        );
        // Line breaks are dropped, never passed into a header.
        assert_eq!(after_sign_in("/a\r\nSet-Cookie: x=1"), "/aSet-Cookie:x=1");
    }

    /// Every character, alone and in the spots that matter, never panics and never leaves the
    /// site: every one of the first 65,536 code points, and a sample of the rest.
    #[test]
    fn no_character_anywhere_escapes_or_panics() {
        let sample = (0..=0xFFFF_u32).chain((0x1_0000..=0x10_FFFF).step_by(97));
        for c in sample.filter_map(char::from_u32) {
            for template in [
                "{c}",
                "/{c}/evil.example",
                "{c}//evil.example",
                "/{c}{c}evil.example",
                "/x{c}",
            ] {
                assert_stays_on_site(&template.replace("{c}", &c.to_string()));
            }
        }
    }

    /// Random strings over the characters that matter for redirects.
    #[test]
    fn random_mixes_of_slashes_and_controls_stay_on_site() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let alphabet: Vec<char> = "/\\\t\r\n\0 .:%09aZ\u{a0}\u{3000}\u{ff0f}\u{2215}@?#"
            .chars()
            .collect();
        let mut rng = StdRng::seed_from_u64(18);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..8);
            let next: String = (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            assert_stays_on_site(&next);
        }
    }
}
