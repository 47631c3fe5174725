//! The navbar and footer around every page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use model::links;

use crate::components::erased::Erase;
use crate::components::session::use_session;
use model::avatar;

#[component]
fn NavLink<C: IntoView + 'static>(href: String, children: TypedChildren<C>) -> impl IntoView {
    let location = use_location();
    let target = href.clone();
    let active = move || location.pathname.get() == target;
    view! {
        <li class="nav-item">
            <a class="nav-link" class:active=active href=href>{children.into_inner()()}</a>
        </li>
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    view! {
        <nav class="navbar navbar-light">
            <div class="container">
                <a class="navbar-brand" href="/">"conduit"</a>
                <ul class="nav navbar-nav pull-xs-right">
                    <NavLink href="/".into()>"Home"</NavLink>
                    <Transition fallback=|| ()>
                        {move || match session.current() {
                            Some(user) => view! {
                                <NavLink href="/editor".into()>
                                    <i class="ion-compose" aria-hidden="true"></i>" New Article"
                                </NavLink>
                                <NavLink href="/settings".into()>
                                    <i class="ion-gear-a" aria-hidden="true"></i>" Settings"
                                </NavLink>
                                <NavLink href=links::profile(&user.username)>
                                    <img class="user-pic" src=avatar(user.image.as_deref()) alt="" />
                                    {user.username.clone()}
                                </NavLink>
                            }
                            .erase(),
                            None => view! {
                                <NavLink href="/login".into()>"Sign in"</NavLink>
                                <NavLink href="/register".into()>"Sign up"</NavLink>
                            }
                            .erase(),
                        }}
                    </Transition>
                </ul>
            </div>
        </nav>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer>
            <div class="container">
                <a href="/" class="logo-font">"conduit"</a>
                <span class="attribution">
                    "An interactive learning project from "
                    <a href="https://thinkster.io" rel="noopener">"Thinkster"</a>
                    ". Code & design licensed under MIT."
                </span>
            </div>
        </footer>
    }
}

/// Sends a visitor who must sign in to `/login`: a redirect response (pages render on the
/// server only; the islands in them never hold one).
#[component]
pub fn SignInRedirect() -> impl IntoView {
    view! { <leptos_router::components::Redirect path="/login" /> }
}
