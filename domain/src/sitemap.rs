//! What search engines are told exists: every article's address and when it last changed, in
//! pages of [`PAGE_IDS`] article ids. Pages are id ranges, not offsets, so the last page of a
//! large site costs one primary-key range read like the first.

use super::db::Db;
use super::Result;
use model::Timestamp;

/// Article ids per sitemap page: under the protocol's 50,000 addresses per file, small enough
/// that one page is one short read.
pub const PAGE_IDS: i64 = 10_000;

/// The most pages a sitemap index lists: the protocol's 50,000 sitemaps per index.
pub const MAX_PAGES: i64 = 50_000;

/// One article's address and when it last changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub slug: String,
    pub updated_at: Timestamp,
}

/// How many pages the articles fill (at least one: the first also lists the home page). Ids are
/// given out in order, so the highest one says, without counting rows.
pub async fn pages(db: &Db) -> Result<i64> {
    let mut conn = db.acquire().await?;
    let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM articles")
        .fetch_one(&mut *conn)
        .await?;
    let filled = (highest.unwrap_or(0) + PAGE_IDS - 1) / PAGE_IDS;
    Ok(filled.clamp(1, MAX_PAGES))
}

/// The articles of page `page` (from 0), in id order; `None` past the last page.
pub async fn page(db: &Db, page: i64) -> Result<Option<Vec<Entry>>> {
    if !(0..pages(db).await?).contains(&page) {
        return Ok(None);
    }
    let mut conn = db.acquire().await?;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT slug, updated_at FROM articles WHERE id BETWEEN $1 AND $2 ORDER BY id",
    )
    .bind(page * PAGE_IDS + 1)
    .bind((page + 1) * PAGE_IDS)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(
        rows.into_iter()
            .map(|(slug, updated)| Entry {
                slug,
                updated_at: Timestamp::from_unix_millis(updated),
            })
            .collect(),
    ))
}
