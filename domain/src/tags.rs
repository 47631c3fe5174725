//! Tags: the text rules for a tag and the lists of tags in use.

use std::collections::HashSet;

use super::validate::{MAX_TAG, MAX_TAGS, MAX_TAG_ENTRIES};
use super::{Db, Error, Result};

/// The most tags `GET /api/tags` lists (the most used): far more than a tag cloud shows, and a
/// bound on what one request reads and sends however many tags come into use.
pub const MAX_LISTED: i64 = 1_000;

/// Cleans a tag list as given: trims each tag, drops empty ones and repeats, keeps the order.
///
/// The entries as sent and each one's length are checked before anything else, and repeats are
/// found with a set: a list costs time in proportion to what is allowed, never to what was sent
/// (a 1 MiB body holds about 200,000 tags, which the old pairwise check took tens of seconds of
/// one worker to compare).
pub fn normalize(tags: Vec<String>) -> Result<Vec<String>> {
    if tags.len() > MAX_TAG_ENTRIES {
        return Err(too_many_entries());
    }
    if tags.iter().any(|tag| too_long(tag.trim())) {
        return Err(too_long_error());
    }
    let mut seen = HashSet::with_capacity(tags.len());
    let out: Vec<String> = tags
        .iter()
        .map(|tag| tag.trim())
        .filter(|tag| !tag.is_empty() && seen.insert(*tag))
        .map(String::from)
        .collect();
    if out.len() > MAX_TAGS {
        return Err(Error::invalid(
            "tagList",
            format!("has too many tags (maximum is {MAX_TAGS})"),
        ));
    }
    Ok(out)
}

/// Splits the raw text of a tag field (what a form posts before the page is interactive) into
/// tags: commas and line breaks separate them. Bounded like [`normalize`] as it goes, so a
/// field of 200,000 commas and letters is refused after [`MAX_TAG_ENTRIES`] tags.
pub fn parse_text(text: &str) -> Result<Vec<String>> {
    let mut tags = Vec::new();
    for tag in text
        .split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if tags.len() == MAX_TAG_ENTRIES {
            return Err(too_many_entries());
        }
        if too_long(tag) {
            return Err(too_long_error());
        }
        tags.push(tag.to_string());
    }
    Ok(tags)
}

/// More than [`MAX_TAG`] characters, found without counting past them.
fn too_long(tag: &str) -> bool {
    tag.len() > MAX_TAG && tag.chars().nth(MAX_TAG).is_some()
}

fn too_many_entries() -> Error {
    Error::invalid(
        "tagList",
        format!(
            "has too many entries (maximum is {MAX_TAG_ENTRIES}, repeats included; at most {MAX_TAGS} different tags)"
        ),
    )
}

fn too_long_error() -> Error {
    Error::invalid(
        "tagList",
        format!("has a tag that is too long (maximum is {MAX_TAG} characters)"),
    )
}

/// The tags in use, most used first, up to [`MAX_LISTED`].
pub async fn all(db: &Db) -> Result<Vec<String>> {
    list(db, MAX_LISTED).await
}

/// The `limit` most used tags, for the home page's sidebar.
pub async fn popular(db: &Db, limit: i64) -> Result<Vec<String>> {
    list(db, limit).await
}

/// Reads the counts the schema keeps (migration 0002) along `tags_popular_idx`, so the cost does
/// not grow with the number of articles.
async fn list(db: &Db, limit: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM tags WHERE article_count > 0
         ORDER BY article_count DESC, name LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *db.acquire().await?)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_keep_order_and_drop_repeats() {
        let tags = normalize(vec![
            " rust ".into(),
            "web".into(),
            "".into(),
            "rust".into(),
            "🦀".into(),
        ])
        .unwrap();
        assert_eq!(tags, vec!["rust", "web", "🦀"]);
    }

    fn message(result: Result<Vec<String>>) -> String {
        match result {
            Err(Error::Invalid(fields)) if fields.len() == 1 && fields[0].0 == "tagList" => {
                fields[0].1.clone()
            }
            other => panic!("expected one tagList error, got {other:?}"),
        }
    }

    #[test]
    fn too_many_or_too_long_tags_are_refused() {
        let distinct = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(normalize(distinct(MAX_TAGS)).unwrap().len(), MAX_TAGS);
        assert!(message(normalize(distinct(MAX_TAGS + 1))).contains("too many tags"));
        let longest = "é".repeat(MAX_TAG);
        assert_eq!(
            normalize(vec![format!("  {longest} ")]).unwrap(),
            vec![longest.clone()]
        );
        assert!(message(normalize(vec![format!("{longest}x")])).contains("too long"));
    }

    #[test]
    fn entries_as_sent_are_bounded_repeats_and_blanks_included() {
        let repeats = |n: usize| vec!["rust".to_string(); n];
        assert_eq!(normalize(repeats(MAX_TAG_ENTRIES)).unwrap(), vec!["rust"]);
        assert!(message(normalize(repeats(MAX_TAG_ENTRIES + 1))).contains("too many entries"));
        let blanks = vec![String::new(); MAX_TAG_ENTRIES + 1];
        assert!(message(normalize(blanks)).contains("too many entries"));
    }

    /// 200,000 distinct tags, about what the body limit lets through: refused at once. The
    /// pairwise check took tens of seconds here (debug build: minutes); the bound is in the microseconds.
    #[test]
    fn a_huge_list_is_refused_without_looking_at_its_tags() {
        let huge: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
        let started = std::time::Instant::now();
        assert!(message(normalize(huge)).contains("too many entries"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let text = (0..200_000)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let started = std::time::Instant::now();
        assert!(message(parse_text(&text)).contains("too many entries"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn raw_tag_text_splits_on_commas_and_lines() {
        assert_eq!(
            parse_text("rust, web\nleptos,,").unwrap(),
            vec!["rust", "web", "leptos"]
        );
        assert!(parse_text("  ").unwrap().is_empty());
        let at_max = vec!["a"; MAX_TAG_ENTRIES].join(",");
        assert_eq!(parse_text(&at_max).unwrap().len(), MAX_TAG_ENTRIES);
        assert!(message(parse_text(&format!("{at_max},a"))).contains("too many entries"));
        // Separators alone are no entries.
        assert!(parse_text(&",\n".repeat(100_000)).unwrap().is_empty());
        assert!(message(parse_text(&"x".repeat(MAX_TAG + 1))).contains("too long"));
    }
}
