//! The data shapes shared by the server and the browser: what server functions return and
//! what the REST API serialises. They follow the RealWorld spec's JSON (camelCase fields).

use serde::{Deserialize, Serialize};

pub mod links;
mod timestamp;

pub use timestamp::Timestamp;

/// A user as others see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

/// The signed-in user, as the API returns it (with a fresh token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

/// The signed-in user as the UI needs it: no token, since the browser session is a cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub username: String,
    pub email: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Absent in lists: the spec leaves bodies out of `GET /articles` and the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    /// ISO-8601 UTC with milliseconds, e.g. `2026-01-02T03:04:05.678Z`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    pub body: String,
    pub author: Profile,
}

/// One page of articles and the total number of matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub articles_count: i64,
}

/// The avatar shown for a user without a usable image.
pub const DEFAULT_AVATAR: &str = "/default-avatar.svg";

/// What an `<img src>` shows for a user's `image`: the image itself when it is an absolute
/// http(s) URL or a path on this site, else [`DEFAULT_AVATAR`]. The API stores any string, as the
/// spec's schema allows, so this is the one gate between a stored image and a page (server
/// rendering and the browser alike): no `javascript:` or `data:` URL, nothing that relies on
/// attribute escaping to stay one attribute, and no other site by a protocol-relative `//`.
pub fn avatar(image: Option<&str>) -> String {
    image
        .filter(|url| is_web_image(url))
        .unwrap_or(DEFAULT_AVATAR)
        .to_string()
}

fn is_web_image(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme));
    let well_formed = match rest {
        Some(authority_and_path) => !authority_and_path.is_empty(),
        None => is_site_path(url),
    };
    // Characters a URL never holds unencoded: spaces and controls (browsers drop some of them,
    // so what is checked would differ from what is fetched), quotes, angle brackets, `\`.
    well_formed
        && !url.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\')
        })
}

/// A path on this site: exactly one leading `/` and no `\` anywhere (browsers read `\` as `/`,
/// so `/\evil.example` would be the protocol-relative `//evil.example`, another site).
pub fn is_site_path(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes.contains(&b'\\')
}

#[cfg(test)]
mod tests {
    use super::{avatar, DEFAULT_AVATAR};

    #[test]
    fn avatars_show_only_web_urls_and_site_paths() {
        for shown in [
            "https://example.com/a.png",
            "HTTP://example.com/a.png?size=2&x=%22",
            "/avatars/3.svg",
        ] {
            assert_eq!(avatar(Some(shown)), shown);
        }
        // The official suite's payloads, and what else would leave the attribute or the site.
        for refused in [
            "https://example.com/img.jpg\"onerror=\"alert(1)",
            "https://example.com/img.jpg\"onload=\"alert(1)",
            "https://x.com/img.jpg' onerror='alert(1)",
            "javascript:alert(1)",
            " javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "vbscript:msgbox(1)",
            "https://",
            "//evil.example/a.png",
            "/\\evil.example/a.png",
            "https://a.example/x\ty.png",
            "avatar.png",
            "",
        ] {
            assert_eq!(avatar(Some(refused)), DEFAULT_AVATAR, "{refused:?} shown");
        }
        assert_eq!(avatar(None), DEFAULT_AVATAR);
    }
}
