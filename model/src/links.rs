//! Every address of the site that carries a value (a slug, a username, a tag, a page number), in
//! one place: pages, the navbar, feeds and sitemaps link through these, so each value is escaped
//! the same way everywhere.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use serde::{Deserialize, Serialize};

/// What a path segment escapes: everything but RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A link-safe path segment: usernames, slugs and tags may hold any character. Written straight
/// into the link being formatted (the home page formats three links per preview).
pub fn segment(text: &str) -> impl fmt::Display + '_ {
    utf8_percent_encode(text, SEGMENT)
}

pub fn article(slug: &str) -> String {
    format!("/article/{}", segment(slug))
}

pub fn editor(slug: &str) -> String {
    format!("/editor/{}", segment(slug))
}

pub fn profile(username: &str) -> String {
    format!("/profile/{}", segment(username))
}

pub fn profile_favorites(username: &str) -> String {
    format!("{}/favorites", profile(username))
}

pub fn tag(name: &str) -> String {
    format!("/tag/{}", segment(name))
}

/// The Atom feed beside a listing page (`/`, a tag's or a profile's page).
pub fn feed_of(page: &str) -> String {
    format!("{}/feed.atom", page.trim_end_matches('/'))
}

/// A page number of a paged list, from a query value such as `?page=N`: 1 when the value is
/// absent, zero or not a number, so a hand-edited address still shows a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "u32", into = "u32")]
pub struct PageNumber(u32);

impl From<u32> for PageNumber {
    fn from(n: u32) -> PageNumber {
        PageNumber::new(n)
    }
}

impl From<PageNumber> for u32 {
    fn from(page: PageNumber) -> u32 {
        page.0
    }
}

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);

    pub fn from_query(raw: Option<&str>) -> PageNumber {
        raw.and_then(|p| p.parse::<u32>().ok())
            .map_or(PageNumber::FIRST, PageNumber::new)
    }

    /// Page `n`; 0 is read as the first page.
    pub fn new(n: u32) -> PageNumber {
        PageNumber(n.max(1))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// `path` on this page, with the query parameter `name` (left out on the first page, so each
    /// page has one address).
    pub fn link(self, path: &str, name: &str) -> String {
        if self == PageNumber::FIRST {
            return path.to_string();
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}{name}={self}")
    }
}

impl fmt::Display for PageNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped() {
        assert_eq!(segment("plain-slug_1~.").to_string(), "plain-slug_1~.");
        assert_eq!(segment("a b/c?").to_string(), "a%20b%2Fc%3F");
        assert_eq!(segment("ü").to_string(), "%C3%BC");
        assert_eq!(profile("a/b"), "/profile/a%2Fb");
        assert_eq!(profile_favorites("a?b"), "/profile/a%3Fb/favorites");
        assert_eq!(tag("c#"), "/tag/c%23");
        assert_eq!(editor("x y"), "/editor/x%20y");
        assert_eq!(feed_of("/"), "/feed.atom");
        assert_eq!(feed_of(&tag("rust")), "/tag/rust/feed.atom");
    }

    #[test]
    fn page_numbers_read_any_query_value_and_link_back() {
        for (raw, page) in [
            (None, 1),
            (Some("0"), 1),
            (Some("-3"), 1),
            (Some("x"), 1),
            (Some("7"), 7),
        ] {
            assert_eq!(PageNumber::from_query(raw).get(), page, "{raw:?}");
        }
        assert_eq!(PageNumber::new(1).link("/", "page"), "/");
        assert_eq!(PageNumber::new(3).link("/", "page"), "/?page=3");
        assert_eq!(
            PageNumber::new(2).link("/?feed=following", "page"),
            "/?feed=following&page=2"
        );
        assert_eq!(
            PageNumber::new(4).link(&article("a"), "comments"),
            "/article/a?comments=4"
        );
    }
}
