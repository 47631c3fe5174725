//! What a page tells browsers, search engines, feed readers and link previews about itself: its
//! title, its own description, its canonical address, Open Graph and Twitter cards, and the Atom
//! feed that follows it. Every page renders one [`PageMeta`], so none repeats another's
//! description.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

/// The site's origin (`https://conduit.example.com`) for the absolute addresses that canonical
/// links and share cards need: the server provides it with each request (the public URL, or the
/// host the request was sent to); in the browser it is the location's.
#[derive(Clone, Debug)]
pub struct RequestOrigin(pub String);

/// What every page says when it has nothing of its own to say.
pub const SITE_DESCRIPTION: &str = "Conduit: a place to share your knowledge.";

fn site_origin() -> String {
    if let Some(RequestOrigin(origin)) = use_context::<RequestOrigin>() {
        return origin;
    }
    #[cfg(feature = "hydrate")]
    if let Ok(origin) = window().location().origin() {
        return origin;
    }
    String::new()
}

/// An article's authorship, for `og:type=article`.
#[derive(Clone, Debug)]
pub struct Authorship {
    pub author_path: String,
    pub published: model::Timestamp,
}

/// The document title for a page title: "Settings — Conduit", or "Conduit" alone.
pub fn document_title(title: String) -> String {
    if title.is_empty() {
        "Conduit".to_string()
    } else {
        format!("{title} — Conduit")
    }
}

#[component]
pub fn PageMeta(
    /// The page's own title, without the site's name ("" for none).
    #[prop(into)]
    title: String,
    #[prop(into)] description: String,
    /// The page's own path, e.g. `/article/how-to-train-your-dragon`.
    #[prop(into)]
    path: String,
    /// The Atom feed that follows this page's list, e.g. `/tag/rust/feed.atom`.
    #[prop(optional, into)]
    feed: Option<String>,
    #[prop(optional)] article: Option<Authorship>,
) -> impl IntoView {
    let origin = site_origin();
    let url = format!("{origin}{path}");
    let shared = document_title(title.clone());
    let kind = if article.is_some() {
        "article"
    } else {
        "website"
    };
    view! {
        <Title text=title />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:site_name" content="Conduit" />
        <Meta property="og:type" content=kind />
        <Meta property="og:title" content=shared.clone() />
        <Meta property="og:description" content=description.clone() />
        <Meta property="og:url" content=url />
        <Meta name="twitter:card" content="summary" />
        <Meta name="twitter:title" content=shared.clone() />
        <Meta name="twitter:description" content=description />
        {article.map(|a| view! {
            <Meta property="article:author" content=format!("{origin}{}", a.author_path) />
            <Meta property="article:published_time" content=a.published.to_string() />
        })}
        {feed.map(|feed| view! {
            <Link rel="alternate" type_="application/atom+xml" title=format!("{shared}: Atom feed") href=format!("{}{feed}", site_origin()) />
        })}
    }
}
