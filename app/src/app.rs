use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::erased::page;
use crate::components::layout::{Footer, Header};
use crate::components::page_meta::document_title;
use crate::pages::article::ArticlePage;
use crate::pages::auth::{LoginPage, RegisterPage};
use crate::pages::editor::EditorPage;
use crate::pages::home::HomePage;
use crate::pages::not_found::NotFound;
use crate::pages::profile::ProfilePage;
use crate::pages::settings::SettingsPage;

/// The HTML document around the app, rendered on the server. The stylesheet's name carries its
/// build's hash (cargo-leptos `hash-files`), which only the server knows: it is linked here, not
/// from the app, which the browser renders too.
pub fn shell(options: LeptosOptions, stylesheet: Arc<str>) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" id="leptos" href=stylesheet />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::components::session::provide_session();

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title formatter=document_title />
        <Router>
            // `target` makes the browser, not the router, follow the link: a fragment navigation
            // moves keyboard focus to <main> (the router would only scroll).
            <a class="skip-link" href="#main" target="_self">"Skip to main content"</a>
            <Header />
            <main id="main" tabindex="-1">
                // Async rendering: each page's HTML is complete before it is sent, so it reads the
                // same without JavaScript, and the server can answer 404 or redirect.
                <Routes fallback=page(NotFound)>
                    <Route path=path!("/") view=page(HomePage) ssr=SsrMode::Async />
                    <Route path=path!("/tag/:tag") view=page(HomePage) ssr=SsrMode::Async />
                    <Route path=path!("/login") view=page(LoginPage) ssr=SsrMode::Async />
                    <Route path=path!("/register") view=page(RegisterPage) ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=page(SettingsPage) ssr=SsrMode::Async />
                    <Route path=path!("/editor") view=page(EditorPage) ssr=SsrMode::Async />
                    <Route path=path!("/editor/:slug") view=page(EditorPage) ssr=SsrMode::Async />
                    <Route path=path!("/article/:slug") view=page(ArticlePage) ssr=SsrMode::Async />
                    <Route path=path!("/profile/:username") view=page(ProfilePage) ssr=SsrMode::Async />
                    <Route path=path!("/profile/:username/favorites") view=page(ProfilePage) ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
