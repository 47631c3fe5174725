//! Tags: the text rules for a tag and the lists of tags in use.

use super::validate::{Checks, MAX_TAG, MAX_TAGS};
use super::{Db, Result};

/// Cleans a tag list as given: trims each tag, drops empty ones and repeats, keeps the order.
pub fn normalize(tags: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim();
        if !tag.is_empty() && !out.iter().any(|t| t == tag) {
            out.push(tag.to_string());
        }
    }
    let mut checks = Checks::default();
    if out.len() > MAX_TAGS {
        checks.push(
            "tagList",
            format!("has too many tags (maximum is {MAX_TAGS})"),
        );
    }
    if out.iter().any(|t| t.chars().count() > MAX_TAG) {
        checks.push(
            "tagList",
            format!("has a tag that is too long (maximum is {MAX_TAG} characters)"),
        );
    }
    checks.finish()?;
    Ok(out)
}

/// Splits the raw text of a tag field (what a form posts before the page is interactive) into
/// tags: commas and line breaks separate them.
pub fn parse_text(text: &str) -> Vec<String> {
    text.split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Every tag in use, most used first.
pub async fn all(db: &Db) -> Result<Vec<String>> {
    list(db, i64::MAX).await
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

    #[test]
    fn too_many_or_too_long_tags_are_refused() {
        assert!(normalize((0..=MAX_TAGS).map(|i| i.to_string()).collect()).is_err());
        assert!(normalize(vec!["x".repeat(MAX_TAG + 1)]).is_err());
    }

    #[test]
    fn raw_tag_text_splits_on_commas_and_lines() {
        assert_eq!(
            parse_text("rust, web\nleptos,,"),
            vec!["rust", "web", "leptos"]
        );
        assert!(parse_text("  ").is_empty());
    }
}
