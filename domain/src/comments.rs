//! Comments on articles.

use sqlx::{FromRow, Row};

use super::articles;
use super::articles::ArticleView;
use super::db::{now_millis, Backend, Db, Flag};
use super::validate::{Checks, Page, MAX_COMMENT};
use super::write_limit::WriteLimit;
use super::{viewer_id, Error, Result, UserId};
use model::{Comment, Profile, Timestamp};

/// The most comments `GET /api/articles/:slug/comments` returns: the newest ones. The spec's
/// call has no paging, and an article may gather any number of comments.
pub const MAX_LISTED: i64 = 100;

#[derive(FromRow)]
struct CommentRow {
    id: i64,
    author_id: i64,
    body: String,
    created_at: i64,
    updated_at: i64,
    author_username: String,
    author_bio: Option<String>,
    author_image: Option<String>,
    author_following: Flag,
}

impl From<CommentRow> for Comment {
    fn from(row: CommentRow) -> Comment {
        Comment {
            id: row.id,
            body: row.body,
            created_at: Timestamp::from_unix_millis(row.created_at),
            updated_at: Timestamp::from_unix_millis(row.updated_at),
            author: Profile {
                username: row.author_username,
                bio: row.author_bio,
                image: row.author_image,
                following: row.author_following.0,
            },
        }
    }
}

/// The columns of comment `c` as the viewer ($1) sees them; `users u` is its author.
const COLUMNS: &str = "SELECT c.id, c.author_id, c.body, c.created_at, c.updated_at,
       u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
       EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = $1 AND fo.followee_id = u.id)
         AS author_following";

const FROM: &str = "FROM comments c JOIN users u ON u.id = c.author_id";

/// A comment as the article page shows it: whether the viewer may delete it, beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentView {
    pub comment: Comment,
    pub deletable: bool,
}

/// An article's newest comments, newest first, up to [`MAX_LISTED`].
pub async fn list(db: &Db, viewer: Option<UserId>, slug: &str) -> Result<Vec<Comment>> {
    let newest = Page {
        limit: MAX_LISTED,
        offset: 0,
    };
    let article = articles::id_of(db, slug).await?;
    let (rows, _) = rows_of(db, viewer, article, newest).await?;
    Ok(rows.into_iter().map(Comment::from).collect())
}

/// One page of the comments of an article the page has read, newest first, and whether older
/// ones follow.
pub async fn page_of(
    db: &Db,
    viewer: Option<UserId>,
    article: &ArticleView,
    page: Page,
) -> Result<(Vec<CommentView>, bool)> {
    let (rows, older) = rows_of(db, viewer, article.id, page).await?;
    let comments = rows
        .into_iter()
        .map(|row| CommentView {
            deletable: viewer.is_some_and(|viewer| viewer.0 == row.author_id),
            comment: row.into(),
        })
        .collect();
    Ok((comments, older))
}

/// One page of comment rows, and whether older ones follow. Reads one row more than the page to
/// know, along `comments_article_idx`.
async fn rows_of(
    db: &Db,
    viewer: Option<UserId>,
    article: i64,
    page: Page,
) -> Result<(Vec<CommentRow>, bool)> {
    // Numbers written into the SQL, as in `articles::page_where`; they are integers.
    let rows = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} {FROM} WHERE c.article_id = $2 ORDER BY c.created_at DESC, c.id DESC LIMIT {} OFFSET {}",
        page.limit + 1,
        page.offset
    )))
    .bind(viewer_id(viewer))
    .bind(article)
    .fetch_all(&mut *db.acquire().await?)
    .await?;
    let older = rows.len() as i64 > page.limit;
    let mut rows = rows;
    rows.truncate(page.limit as usize);
    Ok((rows, older))
}

/// Adds a comment by `author`, within their share of writes.
pub async fn add(
    db: &Db,
    writes: &WriteLimit,
    author: UserId,
    slug: &str,
    body: Option<&str>,
) -> Result<Comment> {
    Checks::default()
        .required("body", body, MAX_COMMENT)
        .finish()?;
    writes.spend(author)?;
    let now = now_millis();
    // Straight into the article the slug names: an unknown slug inserts nothing, a 404.
    let insert = "INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
         SELECT a.id, $1, $3, $4, $4 FROM articles a WHERE a.slug = $2
         RETURNING id, article_id, author_id, body, created_at, updated_at";
    // PostgreSQL writes and reads back in one statement; SQLite, which has no data-modifying
    // CTEs, reads the comment back after.
    let statement = match db.backend() {
        Backend::Postgres => {
            format!("WITH c AS ({insert}) {COLUMNS} FROM c JOIN users u ON u.id = c.author_id")
        }
        Backend::Sqlite => insert.to_string(),
    };
    let inserted = sqlx::query(sqlx::AssertSqlSafe(statement))
        .bind(author.0)
        .bind(slug)
        .bind(body.unwrap_or_default())
        .bind(now)
        .fetch_optional(&mut *db.writer().await?)
        .await?
        .ok_or(Error::NotFound("article"))?;
    if db.backend() == Backend::Postgres {
        return Ok(CommentRow::from_row(&inserted)?.into());
    }
    let id: i64 = inserted.try_get("id")?;
    let row = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} {FROM} WHERE c.id = $2"
    )))
    .bind(author.0)
    .bind(id)
    .fetch_one(&mut *db.acquire().await?)
    .await?;
    Ok(row.into())
}

/// Deletes a comment; only its author may. One statement when it is theirs; only a refused
/// delete asks why (no article, no such comment on it, or somebody else's).
pub async fn delete(db: &Db, user: UserId, slug: &str, id: i64) -> Result<()> {
    let deleted = sqlx::query(
        "DELETE FROM comments
         WHERE id = $1 AND author_id = $2
           AND article_id = (SELECT a.id FROM articles a WHERE a.slug = $3)",
    )
    .bind(id)
    .bind(user.0)
    .bind(slug)
    .execute(&mut *db.writer().await?)
    .await?;
    if deleted.rows_affected() > 0 {
        return Ok(());
    }
    let article = articles::id_of(db, slug).await?;
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM comments WHERE id = $1 AND article_id = $2")
            .bind(id)
            .bind(article)
            .fetch_optional(&mut *db.acquire().await?)
            .await?;
    Err(match found {
        Some(_) => Error::Forbidden("comment"),
        None => Error::NotFound("comment"),
    })
}
