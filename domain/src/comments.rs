//! Comments on articles.

use sqlx::FromRow;

use super::articles;
use super::db::{iso_millis, now_millis, Db};
use super::validate::{Checks, Page, MAX_COMMENT};
use super::write_limit::WriteLimit;
use super::{viewer_id, Error, Result, UserId};
use model::{Comment, Profile};

/// The most comments `GET /api/articles/:slug/comments` returns: the newest ones. The spec's
/// call has no paging, and an article may gather any number of comments.
pub const MAX_LISTED: i64 = 100;

#[derive(FromRow)]
struct CommentRow {
    id: i64,
    body: String,
    created_at: i64,
    updated_at: i64,
    author_username: String,
    author_bio: Option<String>,
    author_image: Option<String>,
    author_following: i64,
}

impl From<CommentRow> for Comment {
    fn from(row: CommentRow) -> Comment {
        Comment {
            id: row.id,
            body: row.body,
            created_at: iso_millis(row.created_at),
            updated_at: iso_millis(row.updated_at),
            author: Profile {
                username: row.author_username,
                bio: row.author_bio,
                image: row.author_image,
                following: row.author_following != 0,
            },
        }
    }
}

const SELECT: &str = "SELECT c.id, c.body, c.created_at, c.updated_at,
       u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
       CASE WHEN EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = $1 AND fo.followee_id = u.id)
            THEN 1 ELSE 0 END AS author_following
     FROM comments c JOIN users u ON u.id = c.author_id";

/// An article's newest comments, newest first, up to [`MAX_LISTED`].
pub async fn list(db: &Db, viewer: Option<UserId>, slug: &str) -> Result<Vec<Comment>> {
    let newest = Page {
        limit: MAX_LISTED,
        offset: 0,
    };
    Ok(page_of(db, viewer, slug, newest).await?.0)
}

/// One page of an article's comments, newest first, and whether older ones follow. Reads one
/// row more than the page to know, along `comments_article_idx`.
pub async fn page_of(
    db: &Db,
    viewer: Option<UserId>,
    slug: &str,
    page: Page,
) -> Result<(Vec<Comment>, bool)> {
    let article = articles::id_of(db, slug).await?;
    // Numbers written into the SQL, as in `articles::page_where`; they are integers.
    let rows = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.article_id = $2 ORDER BY c.created_at DESC, c.id DESC LIMIT {} OFFSET {}",
        page.limit + 1,
        page.offset
    )))
    .bind(viewer_id(viewer))
    .bind(article)
    .fetch_all(&mut *db.acquire().await?)
    .await?;
    let older = rows.len() as i64 > page.limit;
    let comments = rows
        .into_iter()
        .take(page.limit as usize)
        .map(Comment::from)
        .collect();
    Ok((comments, older))
}

/// Adds a comment by `author`, within their share of writes.
pub async fn add(
    db: &Db,
    writes: &WriteLimit,
    author: UserId,
    slug: &str,
    body: Option<&str>,
) -> Result<Comment> {
    let article = articles::id_of(db, slug).await?;
    Checks::default()
        .required("body", body, MAX_COMMENT)
        .finish()?;
    writes.spend(author)?;
    let now = now_millis();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(article)
    .bind(author.0)
    .bind(body.unwrap_or_default())
    .bind(now)
    .fetch_one(&mut *db.acquire().await?)
    .await?;
    let row =
        sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $2")))
            .bind(author.0)
            .bind(id)
            .fetch_one(&mut *db.acquire().await?)
            .await?;
    Ok(row.into())
}

/// Deletes a comment; only its author may.
pub async fn delete(db: &Db, user: UserId, slug: &str, id: i64) -> Result<()> {
    let article = articles::id_of(db, slug).await?;
    let author: i64 =
        sqlx::query_scalar("SELECT author_id FROM comments WHERE id = $1 AND article_id = $2")
            .bind(id)
            .bind(article)
            .fetch_optional(&mut *db.acquire().await?)
            .await?
            .ok_or(Error::NotFound("comment"))?;
    if author != user.0 {
        return Err(Error::Forbidden("comment"));
    }
    sqlx::query("DELETE FROM comments WHERE id = $1")
        .bind(id)
        .execute(&mut *db.acquire().await?)
        .await?;
    Ok(())
}
