//! What helps people and machines find the site's articles: `robots.txt`, a sitemap index with
//! paged sitemaps (`/sitemap.xml`, `/sitemaps/articles-N.xml`), and Atom feeds of the newest
//! articles beside the pages they follow: `/feed.atom` (the global list), `/tag/{tag}/feed.atom`
//! and `/profile/{username}/feed.atom`.
//!
//! Every address in them is absolute, on the site's own origin (the public URL when configured,
//! else the host the request was sent to), so links hold wherever the documents are read.

use std::sync::Arc;

use crate::AppState;
use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use domain::articles::{self, Filter};
use domain::validate::Page;
use domain::Services;
use domain::{profiles, sitemap};
use model::links;
use model::Article;
use quick_xml::escape::escape;

use crate::api::ApiError;
use crate::web::SiteOrigin;

/// Entries per feed: one page of the list it follows.
pub const FEED_ENTRIES: i64 = Page::DEFAULT_LIMIT;

/// Feeds and sitemaps change with every new article; crawlers and feed readers may keep them
/// for a few minutes.
const CACHE_CONTROL: &str = "public, max-age=300";

pub fn routes(site: Arc<SiteOrigin>) -> Router<AppState> {
    Router::new()
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/{file}", get(sitemap_page))
        .route("/feed.atom", get(global_feed))
        .route("/tag/{tag}/feed.atom", get(tag_feed))
        .route("/profile/{username}/feed.atom", get(author_feed))
        .layer(Extension(site))
}

/// What every handler here needs: the domain's services, and the site's origin as this request reached it
/// (e.g. `https://conduit.example.com`). A request whose `Host` names no host is a 400.
struct Here {
    services: Services,
    origin: String,
}

impl FromRequestParts<AppState> for Here {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // `routes` layers it in; a router built without it is a bug to log, not to panic on.
        let Some(site) = parts.extensions.get::<Arc<SiteOrigin>>() else {
            tracing::error!("discovery routes served without the site origin");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        match site.of(&parts.headers, &parts.uri) {
            Some(origin) => Ok(Here {
                services: state.services.clone(),
                origin: origin.ascii_serialization(),
            }),
            None => Err((
                StatusCode::BAD_REQUEST,
                "a Host header naming a host is required",
            )
                .into_response()),
        }
    }
}

impl Here {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

fn document(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        body,
    )
        .into_response()
}

async fn robots(here: Here) -> Response {
    // Pages for one signed-in person, and the machine interfaces, are nothing to index.
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /settings\nDisallow: /editor\nDisallow: /login\n\
         Disallow: /register\nDisallow: /rpc/\nDisallow: /api/\n\nSitemap: {}\n",
        here.url("/sitemap.xml")
    );
    document("text/plain; charset=utf-8", body)
}

async fn sitemap_index(here: Here) -> Response {
    let pages = match sitemap::pages(&here.services.db).await {
        Ok(pages) => pages,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in 0..pages {
        xml.push_str(&format!(
            "  <sitemap><loc>{}</loc></sitemap>\n",
            escape(here.url(&format!("/sitemaps/articles-{page}.xml")))
        ));
    }
    xml.push_str("</sitemapindex>\n");
    document("application/xml; charset=utf-8", xml)
}

async fn sitemap_page(here: Here, Path(file): Path<String>) -> Response {
    let page = file
        .strip_prefix("articles-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<i64>().ok());
    let entries = match page {
        Some(page) => sitemap::page(&here.services.db, page).await,
        None => Ok(None),
    };
    let entries = match entries {
        Ok(Some(entries)) => entries,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such sitemap").into_response(),
        Err(err) => return ApiError::from(err).into_response(),
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    if page == Some(0) {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            escape(here.url("/"))
        ));
    }
    for entry in entries {
        xml.push_str(&format!(
            "  <url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            escape(here.url(&links::article(&entry.slug))),
            entry.updated_at
        ));
    }
    xml.push_str("</urlset>\n");
    document("application/xml; charset=utf-8", xml)
}

/// Which list a feed follows.
enum Source {
    Global,
    Tag(String),
    Author(String),
}

impl Source {
    fn title(&self) -> String {
        match self {
            Source::Global => "Conduit: newest articles".into(),
            Source::Tag(tag) => format!("Conduit: articles tagged {tag}"),
            Source::Author(username) => format!("Conduit: articles by {username}"),
        }
    }

    /// The page the feed follows, and the feed's own address.
    fn paths(&self) -> (String, String) {
        match self {
            Source::Global => ("/".into(), links::feed_of("/")),
            Source::Tag(tag) => {
                let page = links::tag(tag);
                let feed = links::feed_of(&page);
                (page, feed)
            }
            Source::Author(username) => {
                let page = links::profile(username);
                let feed = links::feed_of(&page);
                (page, feed)
            }
        }
    }
}

async fn global_feed(here: Here) -> Response {
    feed(here, Source::Global).await
}

async fn tag_feed(here: Here, Path(tag): Path<String>) -> Response {
    feed(here, Source::Tag(tag)).await
}

async fn author_feed(here: Here, Path(username): Path<String>) -> Response {
    feed(here, Source::Author(username)).await
}

async fn feed(here: Here, source: Source) -> Response {
    let filter = match &source {
        Source::Global => Filter::default(),
        Source::Tag(tag) => Filter {
            tag: Some(tag.clone()),
            ..Filter::default()
        },
        Source::Author(username) => {
            // An author who does not exist has no feed (a tag nobody used has an empty one).
            if let Err(err) = profiles::get(&here.services.db, None, username).await {
                return ApiError::from(err).into_response();
            }
            Filter {
                author: Some(username.clone()),
                ..Filter::default()
            }
        }
    };
    let page = Page {
        limit: FEED_ENTRIES,
        offset: 0,
    };
    let list = match articles::list(&here.services.db, None, &filter, page).await {
        Ok(list) => list,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let (page_path, feed_path) = source.paths();
    let entries: Vec<Entry> = list
        .articles
        .iter()
        .map(|article| entry(&here, article))
        .collect();
    // The newest change among the entries; an empty feed says the epoch rather than "now", so
    // that it reads the same until something is published.
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| timestamp(model::Timestamp::from_unix_millis(0)));
    let feed = Feed {
        title: Text::plain(source.title()),
        id: here.url(&feed_path),
        updated,
        links: vec![
            link(here.url(&feed_path), "self", "application/atom+xml"),
            link(here.url(&page_path), "alternate", "text/html"),
        ],
        entries,
        ..Feed::default()
    };
    document("application/atom+xml; charset=utf-8", feed.to_string())
}

fn entry(here: &Here, article: &Article) -> Entry {
    let url = here.url(&links::article(&article.slug));
    Entry {
        title: Text::plain(article.title.clone()),
        id: url.clone(),
        updated: timestamp(article.updated_at),
        published: Some(timestamp(article.created_at)),
        authors: vec![Person {
            name: article.author.username.clone(),
            uri: Some(here.url(&links::profile(&article.author.username))),
            ..Person::default()
        }],
        links: vec![link(url, "alternate", "text/html")],
        summary: Some(Text::plain(article.description.clone())),
        categories: article
            .tag_list
            .iter()
            .map(|tag| Category {
                term: tag.clone(),
                ..Category::default()
            })
            .collect(),
        ..Entry::default()
    }
}

fn link(href: String, rel: &str, mime_type: &str) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Link::default()
    }
}

/// The domain's ISO-8601 UTC timestamps, as Atom's dates.
fn timestamp(moment: model::Timestamp) -> FixedDateTime {
    chrono::DateTime::from_timestamp_millis(moment.unix_millis())
        .unwrap_or_default()
        .fixed_offset()
}
