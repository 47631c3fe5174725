//! Issue 21, item 6: `robots.txt`, the paged sitemaps and the Atom feeds, with absolute
//! addresses on the site's origin.

use std::str::FromStr;

use anyxml::relaxng::RelaxNGSchema;
use anyxml::sax::{DefaultSAXHandler, XMLReader};
use atom_syndication::Feed;
use axum::body::Body;
use axum::http::{header, Request};
use serde_json::Value;

use domain::sitemap::PAGE_IDS;

use crate::api_test;
use crate::harness::{Backend, Resp, TestApp};

const ORIGIN: &str = "http://conduit.test";

/// A GET as a browser or crawler sends it: with the `Host` the links are made of.
async fn fetch(app: &TestApp, path: &str) -> Resp {
    let request = Request::get(path)
        .header(header::HOST, "conduit.test")
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

fn content_type(resp: &Resp) -> &str {
    resp.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// RFC 4287's feed and entry rules, as a RELAX NG schema.
const ATOM_SCHEMA: &str = include_str!("atom.rnc");

/// `Err(why)` unless `xml` is an Atom document that [`ATOM_SCHEMA`] accepts.
fn atom_schema_verdict(xml: &str) -> Result<(), String> {
    let mut schema = RelaxNGSchema::parse_compact_str(ATOM_SCHEMA, None, None::<DefaultSAXHandler>)
        .expect("atom.rnc is a RELAX NG compact schema");
    let validator = schema.new_validate_handler(DefaultSAXHandler);
    let mut reader = XMLReader::builder().set_handler(validator).build();
    reader.parse_str(xml, None).map_err(|e| e.to_string())?;
    reader.handler.last_error.clone().map_err(|e| e.to_string())
}

#[test]
fn the_atom_schema_refuses_what_rfc_4287_forbids() {
    let feed = |inner: &str| {
        format!(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{inner}</feed>"#)
    };
    let id = "<id>http://conduit.test/feed.atom</id>";
    let updated = "<updated>2026-12-07T10:00:00.000Z</updated>";
    assert_eq!(
        atom_schema_verdict(&feed(&format!("{id}{updated}"))),
        Ok(())
    );
    for (why, bad) in [
        ("no id", feed(updated)),
        ("two ids", feed(&format!("{id}{id}{updated}"))),
        (
            "a relative id",
            feed(&format!("<id>/feed.atom</id>{updated}")),
        ),
        ("no updated", feed(id)),
        (
            "a date that is not RFC 3339",
            feed(&format!("{id}<updated>7 Dec 2026</updated>")),
        ),
        (
            "an entry without a title",
            feed(&format!(
                "{id}{updated}<entry><id>http://conduit.test/article/a</id>{updated}</entry>"
            )),
        ),
        (
            "an author without a name",
            feed(&format!(
                "{id}{updated}<author><uri>http://a.test</uri></author>"
            )),
        ),
        (
            "an unknown Atom element",
            feed(&format!("{id}{updated}<atom-ish/>")),
        ),
    ] {
        assert!(atom_schema_verdict(&bad).is_err(), "accepted {why}: {bad}");
    }
}

/// The feed at `path`, valid against [`ATOM_SCHEMA`] and parsed, after checking what RFC 4287
/// requires beyond what a schema can say: an author for every entry (its own or the feed's),
/// each entry's alternate link, and dates in order; and what Conduit promises: ids and links
/// absolute on the site's origin, and a self link.
async fn feed(app: &TestApp, path: &str) -> Feed {
    let resp = fetch(app, path).await;
    resp.assert_status(200);
    assert_eq!(
        content_type(&resp),
        "application/atom+xml; charset=utf-8",
        "{path}"
    );
    if let Err(why) = atom_schema_verdict(&resp.text) {
        panic!("{path} is not valid Atom: {why}\n{}", resp.text);
    }
    let feed = Feed::from_str(&resp.text).unwrap_or_else(|e| panic!("{path}: {e}\n{}", resp.text));
    assert_eq!(feed.id, format!("{ORIGIN}{path}"));
    assert!(feed
        .links
        .iter()
        .any(|l| l.rel == "self" && l.href == feed.id));
    for entry in &feed.entries {
        assert!(
            entry.id.starts_with(&format!("{ORIGIN}/article/")),
            "{entry:?}"
        );
        assert!(!entry.title.value.is_empty());
        assert!(
            !entry.authors.is_empty() || !feed.authors.is_empty(),
            "{entry:?}"
        );
        assert!(entry
            .links
            .iter()
            .any(|l| l.rel == "alternate" && l.href == entry.id));
        assert!(entry.updated >= entry.published.unwrap());
        assert!(feed.updated >= entry.updated);
    }
    feed
}

/// The page a feed follows.
fn alternate(feed: &Feed) -> Option<&str> {
    feed.links
        .iter()
        .find(|l| l.rel == "alternate")
        .map(|l| l.href.as_str())
}

fn titles(feed: &Feed) -> Vec<&str> {
    feed.entries
        .iter()
        .map(|e| e.title.value.as_str())
        .collect()
}

api_test!(
    async fn robots_txt_keeps_crawlers_off_private_pages_and_names_the_sitemap(app) {
        let resp = fetch(&app, "/robots.txt").await;
        resp.assert_status(200);
        assert_eq!(content_type(&resp), "text/plain; charset=utf-8");
        for line in [
            "User-agent: *",
            "Disallow: /settings",
            "Disallow: /editor",
            "Disallow: /api/",
            "Sitemap: http://conduit.test/sitemap.xml",
        ] {
            assert!(resp.text.lines().any(|l| l == line), "{line}: {}", resp.text);
        }
    }
);

api_test!(
    async fn the_sitemap_lists_the_home_page_and_every_article_with_its_last_change(app) {
        let author = app.register("mapper").await;
        let mut made = Vec::new();
        for title in ["First map", "Second map", "Third map"] {
            made.push(app.create_article(&author, title, &[]).await);
        }
        let index = fetch(&app, "/sitemap.xml").await;
        index.assert_status(200);
        assert_eq!(content_type(&index), "application/xml; charset=utf-8");
        assert_eq!(
            index.text.matches("<sitemap>").count(),
            1,
            "{}",
            index.text
        );
        assert!(index
            .text
            .contains("<loc>http://conduit.test/sitemaps/articles-0.xml</loc>"));

        let page = fetch(&app, "/sitemaps/articles-0.xml").await;
        page.assert_status(200);
        assert!(page.text.contains("<url><loc>http://conduit.test/</loc></url>"));
        for article in &made {
            let expected = format!(
                "<url><loc>http://conduit.test/article/{}</loc><lastmod>{}</lastmod></url>",
                article["slug"].as_str().unwrap(),
                article["updatedAt"].as_str().unwrap()
            );
            assert!(page.text.contains(&expected), "{expected}\n{}", page.text);
        }
        for missing in [
            "/sitemaps/articles-1.xml",
            "/sitemaps/articles--1.xml",
            "/sitemaps/articles-x.xml",
            "/sitemaps/articles-.xml",
            "/sitemaps/other-0.xml",
        ] {
            fetch(&app, missing).await.assert_status(404);
        }
    }
);

api_test!(
    async fn a_large_site_gets_one_sitemap_page_per_range_of_article_ids(app) {
        let author = app.register("bigmapper").await;
        let first = app.create_article(&author, "Early article", &[]).await;
        // An article far along the id sequence, as on a site with tens of thousands of them.
        let far = 2 * PAGE_IDS + 5;
        let insert = match app.backend {
            Backend::Sqlite => {
                "INSERT INTO articles (id, slug, title, description, body, author_id, created_at, updated_at)
                 SELECT $1, 'far-away', 'Far away', 'd', 'b', author_id, created_at, updated_at FROM articles"
            }
            Backend::Postgres => {
                "INSERT INTO articles (id, slug, title, description, body, author_id, created_at, updated_at)
                 OVERRIDING SYSTEM VALUE
                 SELECT $1, 'far-away', 'Far away', 'd', 'b', author_id, created_at, updated_at FROM articles"
            }
        };
        sqlx::query(insert)
            .bind(far)
            .execute(app.db.pool())
            .await
            .unwrap();
        let index = fetch(&app, "/sitemap.xml").await;
        assert_eq!(index.text.matches("<sitemap>").count(), 3, "{}", index.text);
        let slug = |v: &Value| v["slug"].as_str().unwrap().to_string();
        let page = |n: i64| {
            let app = &app;
            async move { fetch(app, &format!("/sitemaps/articles-{n}.xml")).await }
        };
        assert!(page(0).await.text.contains(&slug(&first)));
        let middle = page(1).await;
        middle.assert_status(200);
        assert_eq!(middle.text.matches("<url>").count(), 0, "{}", middle.text);
        let last = page(2).await;
        assert!(last.text.contains("/article/far-away<"), "{}", last.text);
        assert!(!last.text.contains(&slug(&first)));
        page(3).await.assert_status(404);
    }
);

api_test!(
    async fn feeds_follow_the_global_list_a_tag_and_an_author_newest_first(app) {
        let ada = app.register("ada").await;
        let bob = app.register("bob").await;
        app.create_article(&ada, "Ada on rust", &["rust"]).await;
        app.create_article(&bob, "Bob on rust", &["rust", "web"]).await;
        app.create_article(&ada, "Ada on cooking", &["food"]).await;

        let global = feed(&app, "/feed.atom").await;
        assert_eq!(
            titles(&global),
            ["Ada on cooking", "Bob on rust", "Ada on rust"]
        );
        let bobs = &global.entries[1];
        assert_eq!(bobs.authors[0].name, "bob");
        assert_eq!(
            bobs.authors[0].uri.as_deref(),
            Some("http://conduit.test/profile/bob")
        );
        assert_eq!(bobs.summary.as_ref().unwrap().value, "About Bob on rust");
        let tags: Vec<&str> = bobs.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(tags, ["rust", "web"]);
        assert_eq!(alternate(&global), Some("http://conduit.test/"));

        let rust = feed(&app, "/tag/rust/feed.atom").await;
        assert_eq!(titles(&rust), ["Bob on rust", "Ada on rust"]);
        assert_eq!(alternate(&rust), Some("http://conduit.test/tag/rust"));

        let adas = feed(&app, "/profile/ada/feed.atom").await;
        assert_eq!(titles(&adas), ["Ada on cooking", "Ada on rust"]);
        assert_eq!(alternate(&adas), Some("http://conduit.test/profile/ada"));

        // A tag nobody used has an empty feed; an author who does not exist has none.
        let unused = feed(&app, "/tag/nothing-here/feed.atom").await;
        assert!(unused.entries.is_empty());
        fetch(&app, "/profile/nobody/feed.atom").await.assert_status(404);
    }
);

api_test!(
    async fn a_feed_holds_one_page_of_the_newest_articles(app) {
        let author = app.register("prolific").await;
        for n in 0..(server::discovery::FEED_ENTRIES + 2) {
            app.create_article(&author, &format!("Article number {n}"), &[])
                .await;
        }
        let global = feed(&app, "/feed.atom").await;
        assert_eq!(
            global.entries.len() as i64,
            server::discovery::FEED_ENTRIES
        );
        assert_eq!(
            global.entries[0].title.value,
            format!("Article number {}", server::discovery::FEED_ENTRIES + 1)
        );
    }
);

/// The `<head>` of the page at `path`, with JavaScript off.
async fn head_of(app: &TestApp, path: &str) -> String {
    let resp = fetch(app, path).await;
    resp.assert_status(200);
    let end = resp.text.find("</head>").expect("a head");
    resp.text[..end].to_string()
}

/// The `wanted` attribute of every `<{element} ...>` in `head` that carries `marker`.
fn attribute<'a>(head: &'a str, element: &str, marker: &str, wanted: &str) -> Vec<&'a str> {
    head.split(&format!("<{element} "))
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap_or(""))
        .filter(|tag| tag.contains(marker))
        .filter_map(|tag| tag.split(&format!("{wanted}=\"")).nth(1)?.split('"').next())
        .collect()
}

/// The `content` of every `<meta {key}="{name}">` in `head`.
fn meta<'a>(head: &'a str, key: &str, name: &str) -> Vec<&'a str> {
    attribute(head, "meta", &format!("{key}=\"{name}\""), "content")
}

/// The `href` of every `<link rel="{rel}">` in `head`.
fn links<'a>(head: &'a str, rel: &str) -> Vec<&'a str> {
    attribute(head, "link", &format!("rel=\"{rel}\""), "href")
}

api_test!(
    async fn every_page_describes_itself_once_with_share_cards_a_canonical_link_and_its_feed(app) {
        let ada = app.register("ada").await;
        let article = app.create_article(&ada, "Share me", &["rust"]).await;
        let slug = article["slug"].as_str().unwrap();

        let head = head_of(&app, &format!("/article/{slug}")).await;
        assert_eq!(meta(&head, "name", "description"), ["About Share me"], "{head}");
        assert_eq!(meta(&head, "property", "og:title"), ["Share me — Conduit"]);
        assert_eq!(meta(&head, "property", "og:description"), ["About Share me"]);
        assert_eq!(meta(&head, "property", "og:type"), ["article"]);
        let url = format!("{ORIGIN}/article/{slug}");
        assert_eq!(meta(&head, "property", "og:url"), [url.as_str()]);
        assert_eq!(links(&head, "canonical"), [url.as_str()]);
        assert_eq!(
            meta(&head, "property", "article:author"),
            ["http://conduit.test/profile/ada"]
        );
        assert_eq!(
            meta(&head, "property", "article:published_time"),
            [article["createdAt"].as_str().unwrap()]
        );
        assert_eq!(meta(&head, "name", "twitter:card"), ["summary"]);
        assert_eq!(meta(&head, "name", "twitter:title"), ["Share me — Conduit"]);
        assert_eq!(
            links(&head, "alternate"),
            ["http://conduit.test/profile/ada/feed.atom"]
        );

        // Lists: (path, description, canonical path, feed path).
        for (path, description, canonical, feed) in [
            ("/", "Conduit: a place to share your knowledge.", "/", "/feed.atom"),
            (
                "/tag/rust",
                "The newest Conduit articles tagged rust.",
                "/tag/rust",
                "/tag/rust/feed.atom",
            ),
            (
                "/profile/ada",
                "Articles by ada on Conduit.",
                "/profile/ada",
                "/profile/ada/feed.atom",
            ),
        ] {
            let head = head_of(&app, path).await;
            assert_eq!(meta(&head, "name", "description"), [description], "{path}");
            let absolute = |p: &str| format!("{ORIGIN}{p}");
            assert_eq!(links(&head, "canonical"), [absolute(canonical)], "{path}");
            assert_eq!(links(&head, "alternate"), [absolute(feed)], "{path}");
        }

        for page in ["/login", "/register"] {
            let head = head_of(&app, page).await;
            assert_eq!(meta(&head, "name", "description").len(), 1, "{page}: {head}");
            assert_eq!(links(&head, "canonical"), [format!("{ORIGIN}{page}").as_str()]);
        }
    }
);
