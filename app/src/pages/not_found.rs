use crate::components::page_meta::{PageMeta, SITE_DESCRIPTION};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The page for unknown routes, articles and profiles; the server answers it with a 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageMeta title="Page not found" description=SITE_DESCRIPTION path=use_location().pathname.get_untracked() />
        <div class="not-found-page">
            <div class="container page">
                <h1>"Page not found"</h1>
                <p>"The page you are looking for does not exist, or was removed."</p>
                <a href="/">"Back to the home page"</a>
            </div>
        </div>
    }
}
