//! Articles: slugs, listing and filtering, the feed, writing, and favorites.
//!
//! Reading a page of articles costs one query whatever its size: the rows, with the author, the
//! favorite count and the viewer's flags as subqueries, the tags as stored on the article, and
//! the page's total beside them; one article costs one too.
//! Totals come from the counts the schema keeps (migrations 0002 and 0004) or, for a user's
//! favorites, from counting along an index, so they never scan the articles.

use sqlx::{AssertSqlSafe, FromRow};

use super::db::{now_millis, write_by, Backend, Db, Flag};
use super::error::{is_not_null_violation, is_unique_violation};
use super::validate::{Checks, Page, MAX_BODY, MAX_DESCRIPTION, MAX_TITLE};
use super::write_limit::WriteLimit;
use super::{tags, viewer_id, Error, Result, UserId};
use model::{Article, ArticleList, Profile, Timestamp};

/// What to list: every filter is optional and they combine.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub favorited: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Vec<String>>,
}

/// Changes to an article: `None` keeps a field. `tag_list: Some(None)` is an explicit `null`,
/// which the spec refuses; `Some(Some(vec![]))` clears the tags.
#[derive(Clone, Debug, Default)]
pub struct Edit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Option<Vec<String>>>,
}

#[derive(FromRow)]
struct ArticleRow {
    id: i64,
    author_id: i64,
    slug: String,
    title: String,
    description: String,
    body: Option<String>,
    created_at: i64,
    updated_at: i64,
    favorites_count: i64,
    favorited: Flag,
    author_username: String,
    author_bio: Option<String>,
    author_image: Option<String>,
    author_following: Flag,
    /// The article's tags in their order, as a JSON array (the stored `articles.tag_list`).
    tag_list: String,
}

/// Where a listing's rows come from, newest first along an index, so that a page reads
/// `offset + limit` index entries and stops.
enum Source {
    /// `articles a` along `articles_created_idx`: the global list, the feed, filters combined.
    Articles,
    /// One filter's index alone (`k`, which holds the creation time the page is ordered by), for
    /// the ids of the page, and then those articles. Read as one query, PostgreSQL planned it by
    /// its guess of how many rows the filter's value has (ten, for a bound value), and where one
    /// has hundreds, reading all of them and sorting looked as cheap as the index order: the
    /// most prolific author's page of the small set read 230 articles (136 heap pages) and sorted
    /// them, and how it was planned changed from one seeded database to the next (the author
    /// filter at 0.99x to 2.06x the plain list). An index-only read of the ids has no cheaper
    /// rival.
    Keyed {
        index: &'static str,
        key: &'static str,
        order: &'static str,
    },
}

/// One tag's links by their copy of the article's creation time (`article_tags_tag_idx`).
const TAG_LINKS: Source = Source::Keyed {
    index: "article_tags k",
    key: "k.article_id",
    order: "k.created_at DESC, k.article_id DESC",
};

/// One author's articles (`articles_author_created_idx`).
const AUTHORED: Source = Source::Keyed {
    index: "articles k",
    key: "k.id",
    order: "k.created_at DESC, k.id DESC",
};

/// One user's favorites by their copy of the article's creation time
/// (`favorites_user_created_idx`).
const FAVORITES: Source = Source::Keyed {
    index: "favorites k",
    key: "k.article_id",
    order: "k.article_created_at DESC, k.article_id DESC",
};

/// Newest first, in the order of `articles_created_idx`.
const NEWEST_FIRST: &str = "a.created_at DESC, a.id DESC";

/// How many users favorited article `a`, as stored.
const FAVORITES_COUNT: &str = "(SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id)";

/// Whether the viewer ($1) favorited article `a` / follows its author `u`.
const FAVORITED: &str =
    "EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1)";
const FOLLOWING: &str =
    "EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = $1 AND fo.followee_id = u.id)";

/// The columns of an article that come from other tables, as SQL. A statement that changes them
/// computes them itself: its snapshot does not show its own changes.
struct Related<'a> {
    favorites_count: &'a str,
    favorited: &'a str,
    following: &'a str,
}

impl Related<'_> {
    /// As stored, for `viewer` ($1). Nobody signed in favorites or follows nothing: written as
    /// `FALSE`, a page read by a visitor probes no index for them (two per article).
    fn stored(viewer: Option<UserId>) -> Related<'static> {
        let (favorited, following) = match viewer {
            Some(_) => (FAVORITED, FOLLOWING),
            None => ("FALSE", "FALSE"),
        };
        Related {
            favorites_count: FAVORITES_COUNT,
            favorited,
            following,
        }
    }
}

/// The columns of an article as `viewer` ($1) sees it, from `from` (which names the article `a`);
/// `body` only when asked for.
fn select(viewer: Option<UserId>, with_body: bool, from: &str) -> String {
    select_with(with_body, from, Related::stored(viewer))
}

fn select_with(with_body: bool, from: &str, related: Related) -> String {
    format!(
        "SELECT {} FROM {from} JOIN users u ON u.id = a.author_id",
        columns(with_body, related)
    )
}

/// An [`ArticleRow`]'s columns, from article `a` and its author `u`.
fn columns(with_body: bool, related: Related) -> String {
    format!(
        "a.id, a.author_id, a.slug, a.title, a.description, {body} AS body,
         a.created_at, a.updated_at, {count} AS favorites_count, {favorited} AS favorited,
         u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
         {following} AS author_following, a.tag_list",
        body = if with_body { "a.body" } else { "NULL" },
        count = related.favorites_count,
        favorited = related.favorited,
        following = related.following,
    )
}

/// Writes every article's `tag_list` from its links, for rows written around the domain (the
/// bench seeder's bulk insert). The domain itself writes the list with the article.
pub async fn store_tag_lists(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> std::result::Result<(), sqlx::Error> {
    let sql = format!("UPDATE articles AS a SET tag_list = {}", tags_json(backend));
    sqlx::query(AssertSqlSafe(sql)).execute(conn).await?;
    Ok(())
}

/// The tags of article `a` as a JSON array of names in their order, from its links. The two
/// databases spell JSON aggregation differently; the result is the same text.
fn tags_json(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => {
            "(SELECT CAST(COALESCE(json_agg(t.name ORDER BY at.position), '[]') AS TEXT)
              FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id)"
        }
        Backend::Sqlite => {
            "(SELECT json_group_array(t.name ORDER BY at.position)
              FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id)"
        }
    }
}

fn assemble(rows: Vec<ArticleRow>) -> Result<Vec<Article>> {
    rows.into_iter().map(article_of).collect()
}

fn article_of(row: ArticleRow) -> Result<Article> {
    let tag_list = serde_json::from_str(&row.tag_list)
        .map_err(|e| Error::Internal(format!("tags of article {}: {e}", row.id)))?;
    Ok(Article {
        tag_list,
        slug: row.slug,
        title: row.title,
        description: row.description,
        body: row.body,
        created_at: Timestamp::from_unix_millis(row.created_at),
        updated_at: Timestamp::from_unix_millis(row.updated_at),
        favorited: row.favorited.0,
        favorites_count: row.favorites_count,
        author: Profile {
            username: row.author_username,
            bio: row.author_bio,
            image: row.author_image,
            following: row.author_following.0,
        },
    })
}

/// One row of a page: an article, and the page's total read in the same statement.
#[derive(FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    article: ArticleRow,
    total: i64,
}

/// One page of the articles of `source` matching `where_sql` (about `a`, or a keyed source's `k`),
/// newest first, and their number by `total_sql` (a query of one value). Both may use `$1` (the
/// viewer) and `$2`.. for `args`.
///
/// The total rides on every row as an uncorrelated subquery (computed once): one round trip
/// per page instead of two. Only a page with no rows (past the end, or nothing matches) asks
/// for it alone.
///
/// The page's limit and offset are written into the SQL as numbers, not bound: with them as
/// parameters, PostgreSQL's cached (generic) plan has to guess the LIMIT (a tenth of the table),
/// so it keeps planning every execution afresh; with them written in, it plans each page shape
/// once per connection. pgbench, newest 20 articles on the large set: 0.80 ms -> 0.35 ms. They
/// are integers, so nothing can be injected.
async fn page_where(
    db: &Db,
    viewer: Option<UserId>,
    source: Source,
    where_sql: &str,
    args: &[&str],
    total_sql: &str,
    page: Page,
) -> Result<ArticleList> {
    let (limit, offset) = (page.limit, page.offset);
    let select = format!(
        "SELECT {}, ({total_sql}) AS total FROM articles a JOIN users u ON u.id = a.author_id",
        columns(false, Related::stored(viewer))
    );
    let rows_sql = match source {
        Source::Articles => format!(
            "{select} WHERE {where_sql} ORDER BY {NEWEST_FIRST} LIMIT {limit} OFFSET {offset}"
        ),
        Source::Keyed { index, key, order } => format!(
            "{select} WHERE a.id IN (
               SELECT {key} FROM {index} WHERE {where_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset})
             ORDER BY {NEWEST_FIRST}"
        ),
    };
    let mut conn = db.acquire().await?;
    let mut rows = sqlx::query_as::<_, PageRow>(AssertSqlSafe(rows_sql)).bind(viewer_id(viewer));
    for arg in args {
        rows = rows.bind(*arg);
    }
    let rows = rows.fetch_all(&mut *conn).await?;
    let articles_count = match rows.first() {
        Some(row) => row.total,
        None => {
            // `$1 = $1` keeps the viewer's placeholder, which the total may not use, numbered.
            let sql = format!("SELECT ({total_sql}) WHERE $1 = $1");
            let mut total = sqlx::query_scalar(AssertSqlSafe(sql)).bind(viewer_id(viewer));
            for arg in args {
                total = total.bind(*arg);
            }
            total.fetch_one(&mut *conn).await?
        }
    };
    Ok(ArticleList {
        articles: assemble(rows.into_iter().map(|row| row.article).collect())?,
        articles_count,
    })
}

/// The global list, newest first, filtered by tag, author and/or a user's favorites.
///
/// One filter or none reads its total from a kept count or an index (a tag alone, or a user's
/// favorites alone, walks its own index newest first); filters in combination narrow
/// `articles` with subqueries and count the matches. An unknown name counts 0: a kept count
/// read with MAX over no row is NULL, hence the COALESCEs.
pub async fn list(
    db: &Db,
    viewer: Option<UserId>,
    filter: &Filter,
    page: Page,
) -> Result<ArticleList> {
    let filter_by = (
        filter.tag.as_deref(),
        filter.author.as_deref(),
        filter.favorited.as_deref(),
    );
    let (source, where_sql, args, total_sql) = match filter_by {
        (None, None, None) => (
            Source::Articles,
            "1 = 1".to_string(),
            vec![],
            // PostgreSQL sums BIGINTs as NUMERIC; the cast brings the total back to BIGINT.
            "SELECT CAST(COALESCE(SUM(article_count), 0) AS BIGINT) FROM article_total_slots"
                .to_string(),
        ),
        (Some(tag), None, None) => (
            TAG_LINKS,
            "k.tag_id = (SELECT t.id FROM tags t WHERE t.name = $2)".to_string(),
            vec![tag],
            "SELECT COALESCE(MAX(article_count), 0) FROM tags WHERE name = $2".to_string(),
        ),
        (None, Some(author), None) => (
            AUTHORED,
            written_by("k", 2),
            vec![author],
            "SELECT COALESCE(MAX(article_count), 0) FROM users WHERE username = $2".to_string(),
        ),
        (None, None, Some(user)) => (
            FAVORITES,
            "k.user_id = (SELECT fu.id FROM users fu WHERE fu.username = $2)".to_string(),
            vec![user],
            // Along the favorites primary key, which user_id leads.
            "SELECT COUNT(*) FROM favorites f JOIN users fu ON fu.id = f.user_id
             WHERE fu.username = $2"
                .to_string(),
        ),
        (tag, author, user) => {
            let mut conditions = Vec::new();
            let mut args: Vec<&str> = Vec::new();
            if let Some(tag) = tag {
                args.push(tag);
                conditions.push(format!(
                    "a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = ${})",
                    args.len() + 1
                ));
            }
            if let Some(author) = author {
                args.push(author);
                conditions.push(written_by("a", args.len() + 1));
            }
            if let Some(user) = user {
                args.push(user);
                conditions.push(favorited_by(args.len() + 1));
            }
            let where_sql = conditions.join(" AND ");
            // Counted: no kept count covers filters in combination.
            let total_sql = format!(
                "SELECT COUNT(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE {where_sql}"
            );
            (Source::Articles, where_sql, args, total_sql)
        }
    };
    page_where(db, viewer, source, &where_sql, &args, &total_sql, page).await
}

/// Articles (`alias`) whose author is named by placeholder `$n`. The author's id, looked up
/// once, lets a page walk `articles_author_created_idx` and stop after one page.
fn written_by(alias: &str, n: usize) -> String {
    format!("{alias}.author_id = (SELECT wu.id FROM users wu WHERE wu.username = ${n})")
}

/// Articles favorited by the user named by placeholder `$n`.
fn favorited_by(n: usize) -> String {
    format!(
        "a.id IN (SELECT f.article_id FROM favorites f JOIN users fu ON fu.id = f.user_id WHERE fu.username = ${n})"
    )
}

/// Articles by the authors `viewer` follows, newest first.
pub async fn feed(db: &Db, viewer: UserId, page: Page) -> Result<ArticleList> {
    // PostgreSQL sums BIGINTs as NUMERIC; the cast brings the total back to BIGINT.
    let total_sql = "SELECT CAST(COALESCE(SUM(fu.article_count), 0) AS BIGINT)
         FROM follows ff JOIN users fu ON fu.id = ff.followee_id WHERE ff.follower_id = $1";
    page_where(
        db,
        Some(viewer),
        Source::Articles,
        &followed_articles(db.backend(), page),
        &[],
        total_sql,
        page,
    )
    .await
}

/// The feed's condition. PostgreSQL, misled by how unevenly articles spread over authors (it
/// expects a dozen per author), read every article of every followed author and sorted them:
/// 28 ms for 25 prolific authors (9,073 articles) on the large set. It now takes the newest
/// `offset + limit` of each followed author from `articles_author_created_idx` alone (LATERAL),
/// keeps the newest `offset + limit` of those, and only then reads articles: 1 ms. SQLite has
/// no LATERAL and needs none: it sorts the followed authors' entries of that index, which covers
/// the sort (0.3 ms on the same data).
fn followed_articles(backend: Backend, page: Page) -> String {
    match backend {
        Backend::Postgres => {
            // A number, as in `page_where`.
            let reach = page.limit + page.offset;
            format!(
                "a.id IN (SELECT fa.id FROM follows fo CROSS JOIN LATERAL (
                     SELECT x.id, x.created_at FROM articles x WHERE x.author_id = fo.followee_id
                     ORDER BY x.created_at DESC, x.id DESC LIMIT {reach}) fa
                   WHERE fo.follower_id = $1
                   ORDER BY fa.created_at DESC, fa.id DESC LIMIT {reach})"
            )
        }
        Backend::Sqlite => {
            "a.author_id IN (SELECT fo.followee_id FROM follows fo WHERE fo.follower_id = $1)"
                .to_string()
        }
    }
}

/// An article as its page shows it: with its body, whether the viewer may edit and delete it,
/// and its id, for reading its comments without looking the slug up again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleView {
    pub article: Article,
    pub editable: bool,
    pub(crate) id: i64,
}

/// One article with its body.
pub async fn get(db: &Db, viewer: Option<UserId>, slug: &str) -> Result<Article> {
    Ok(view(db, viewer, slug).await?.article)
}

pub async fn view(db: &Db, viewer: Option<UserId>, slug: &str) -> Result<ArticleView> {
    let sql = format!("{} WHERE a.slug = $2", select(viewer, true, "articles a"));
    let row = sqlx::query_as::<_, ArticleRow>(AssertSqlSafe(sql))
        .bind(viewer_id(viewer))
        .bind(slug)
        .fetch_optional(&mut *db.acquire().await?)
        .await?
        .ok_or(Error::NotFound("article"))?;
    Ok(ArticleView {
        id: row.id,
        editable: viewer.is_some_and(|viewer| viewer.0 == row.author_id),
        article: article_of(row)?,
    })
}

/// The article `user` is about to edit: refused unless they wrote it.
pub async fn for_editing(db: &Db, user: UserId, slug: &str) -> Result<Article> {
    let view = view(db, Some(user), slug).await?;
    if !view.editable {
        return Err(Error::Forbidden("article"));
    }
    Ok(view.article)
}

/// Makes the readable part of a slug from a title: lowercase letters and digits of any script,
/// words joined by single dashes.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_alphanumeric() {
            // Some lowercase forms carry a combining mark ('İ' is 'i' + U+0307), which is not
            // alphanumeric and would leave the slug neither URL-clean nor stable: keep only the
            // letters and digits of the lowercase form.
            slug.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(80).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "article".to_string()
    } else {
        slug.to_string()
    }
}

/// A slug with a random suffix, for when the plain one is taken.
fn suffixed(base: &str) -> String {
    use rand::Rng;
    format!("{base}-{:06x}", rand::thread_rng().gen_range(0..0x100_0000))
}

fn check_draft(title: Option<&str>, description: Option<&str>, body: Option<&str>) -> Result<()> {
    Checks::default()
        .required("title", title, MAX_TITLE)
        .required("description", description, MAX_DESCRIPTION)
        .required("body", body, MAX_BODY)
        .finish()
}

/// A draft as its article page would show it, before it is published.
pub struct Preview {
    pub title: String,
    /// The body through the same renderer and sanitizer as the article page.
    pub body_html: String,
}

/// Renders a draft for the editor's preview. Blank fields are fine (a draft may be half
/// written), but the length limits of publishing hold, so a preview costs no more than an
/// article would.
pub fn preview(title: &str, body: &str) -> Result<Preview> {
    Checks::default()
        .optional("title", Some(title), MAX_TITLE)
        .optional("body", Some(body), MAX_BODY)
        .finish()?;
    Ok(Preview {
        title: title.to_string(),
        body_html: super::markdown::to_safe_html(body),
    })
}

/// Publishes a new article by `author`, within their share of writes.
pub async fn create(db: &Db, writes: &WriteLimit, author: UserId, draft: Draft) -> Result<Article> {
    check_draft(
        draft.title.as_deref(),
        draft.description.as_deref(),
        draft.body.as_deref(),
    )?;
    let tag_list = tags::normalize(draft.tag_list.unwrap_or_default())?;
    let tags_text = list_text(&tag_list)?;
    writes.spend(author)?;
    let title = draft.title.unwrap_or_default().trim().to_string();
    let base = slugify(&title);
    let now = now_millis();

    // The plain slug first; on a clash, suffixed ones. The unique index decides races.
    let mut slug = base.clone();
    for _attempt in 0..5 {
        if db.backend() == Backend::Postgres {
            let statement = created_in_one_statement(&tag_list);
            let mut insert = sqlx::query_as::<_, ArticleRow>(AssertSqlSafe(statement))
                .bind(author.0)
                .bind(&slug)
                .bind(&title)
                .bind(draft.description.as_deref().unwrap_or_default())
                .bind(draft.body.as_deref().unwrap_or_default())
                .bind(now)
                .bind(&tags_text);
            for name in &tag_list {
                insert = insert.bind(name);
            }
            match insert.fetch_one(&mut *db.writer().await?).await {
                Ok(row) => return article_of(row),
                Err(err) if is_unique_violation(&err) => slug = suffixed(&base),
                // A new tag that another writer added after this statement began: the next
                // attempt's snapshot sees it (see `created_in_one_statement`).
                Err(err) if is_not_null_violation(&err) => {}
                Err(err) => return Err(err.into()),
            }
            continue;
        }
        let mut conn = db.writer().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO articles
               (slug, title, description, body, author_id, created_at, updated_at, tag_list)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
        )
        .bind(&slug)
        .bind(&title)
        .bind(draft.description.as_deref().unwrap_or_default())
        .bind(draft.body.as_deref().unwrap_or_default())
        .bind(author.0)
        .bind(now)
        .bind(&tags_text)
        .fetch_one(&mut *tx)
        .await;
        match inserted {
            Ok(id) => {
                link_tags(&mut tx, id, &tag_list).await?;
                tx.commit().await?;
                // The next writer's turn before the read back.
                drop(conn);
                return get(db, Some(author), &slug).await;
            }
            Err(err) if is_unique_violation(&err) => slug = suffixed(&base),
            Err(err) => return Err(err.into()),
        }
    }
    Err(Error::Internal("could not find a free slug".into()))
}

/// PostgreSQL writes a new article, its new tags and its tag links, and reads it back, in one
/// statement: one round trip and one commit instead of six statements (`BEGIN`, three inserts,
/// `COMMIT`, the read), the most expensive write of the benchmark's mix. Binds: $1 the author,
/// $2 to $7 the slug, title, description, body, time and tag list, then the tags in their order.
///
/// Its snapshot is taken as it starts: a tag that another writer commits meanwhile is neither
/// inserted here (the conflict) nor visible in `tags`, and its link gets no tag id, a NOT NULL
/// violation that `create` answers by trying again. SQLite has no data-modifying CTEs.
fn created_in_one_statement(tag_list: &[String]) -> String {
    let article = "INSERT INTO articles
           (slug, title, description, body, author_id, created_at, updated_at, tag_list)
         VALUES ($2, $3, $4, $5, $1, $6, $6, $7) RETURNING *";
    let new = Related {
        favorites_count: "CAST(0 AS BIGINT)",
        favorited: "FALSE",
        // Nothing stops a user from following themselves.
        following: FOLLOWING,
    };
    let read = select_with(true, "a", new);
    if tag_list.is_empty() {
        return format!("WITH a AS ({article}) {read}");
    }
    // The positions are numbers written into the SQL; the names are bound.
    let names: Vec<String> = (0..tag_list.len())
        .map(|i| format!("(${}, {i})", i + 8))
        .collect();
    format!(
        "WITH names (name, position) AS (VALUES {names}),
         new_tags AS (
           INSERT INTO tags (name) SELECT name FROM names ORDER BY name
           ON CONFLICT (name) DO NOTHING RETURNING id, name),
         a AS ({article}),
         links AS (
           INSERT INTO article_tags (article_id, tag_id, position, created_at)
           SELECT a.id, COALESCE(n.id, t.id), v.position, a.created_at
           FROM a CROSS JOIN names v
             LEFT JOIN new_tags n ON n.name = v.name LEFT JOIN tags t ON t.name = v.name)
         {read}",
        names = names.join(", "),
    )
}

/// An article's tags as its `tag_list` column holds them: kept on the row beside the links
/// (`article_tags`, which the tag pages and counts read), so that a page of articles reads no
/// links: a join and a sorted aggregate per article (findings 2j).
fn list_text(tag_list: &[String]) -> Result<String> {
    serde_json::to_string(tag_list).map_err(|e| Error::Internal(format!("tag list: {e}")))
}

/// Replaces an article's tags, keeping the given order.
async fn replace_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    article: i64,
    tag_list: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
        .bind(article)
        .execute(&mut **tx)
        .await?;
    link_tags(tx, article, tag_list).await
}

/// Links an article that has no tags to `tag_list`, in order, creating the tags not yet known:
/// two statements however many tags there are.
async fn link_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    article: i64,
    tag_list: &[String],
) -> Result<()> {
    if tag_list.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = (1..=tag_list.len()).map(|i| format!("(${i})")).collect();
    let sql = format!(
        "INSERT INTO tags (name) VALUES {} ON CONFLICT (name) DO NOTHING",
        names.join(", ")
    );
    // In one order in every transaction, so two writers adding the same new tags in different
    // orders cannot each wait for a name the other inserted (a deadlock on PostgreSQL).
    let mut in_order: Vec<&String> = tag_list.iter().collect();
    in_order.sort();
    let mut insert_tags = sqlx::query(AssertSqlSafe(sql));
    for name in in_order {
        insert_tags = insert_tags.bind(name);
    }
    insert_tags.execute(&mut **tx).await?;

    // (name, position) pairs from $2 on; both databases name a VALUES list's columns column1,
    // column2. Each link copies its article's creation time, for the tag pages' index.
    let pairs: Vec<String> = (0..tag_list.len())
        .map(|i| format!("(${}, ${})", 2 * i + 2, 2 * i + 3))
        .collect();
    let sql = format!(
        "INSERT INTO article_tags (article_id, tag_id, position, created_at)
         SELECT a.id, t.id, v.column2, a.created_at
         FROM articles a, (VALUES {}) v JOIN tags t ON t.name = v.column1
         WHERE a.id = $1",
        pairs.join(", ")
    );
    let mut insert_links = sqlx::query(AssertSqlSafe(sql)).bind(article);
    for (position, name) in tag_list.iter().enumerate() {
        insert_links = insert_links.bind(name).bind(position as i64);
    }
    insert_links.execute(&mut **tx).await?;
    Ok(())
}

/// Why a write restricted to the author of `slug` changed nothing: no such article (404), or
/// somebody else's (403). Asked only after the write, so a write that succeeds costs no lookup.
async fn refusal(db: &Db, slug: &str) -> Error {
    let found: std::result::Result<Option<i64>, sqlx::Error> = async {
        sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *db.acquire().await?)
            .await
    }
    .await;
    match found {
        Ok(Some(_)) => Error::Forbidden("article"),
        Ok(None) => Error::NotFound("article"),
        Err(err) => err.into(),
    }
}

/// Changes an article of `user`'s. One statement writes every field and says which article it
/// was (the row is not read first); the tags, when sent, are replaced in the same transaction.
pub async fn update(db: &Db, user: UserId, slug: &str, edit: Edit) -> Result<Article> {
    let mut checks = Checks::default();
    if edit.title.is_some() {
        checks.required("title", edit.title.as_deref(), MAX_TITLE);
    }
    if edit.description.is_some() {
        checks.required("description", edit.description.as_deref(), MAX_DESCRIPTION);
    }
    if edit.body.is_some() {
        checks.required("body", edit.body.as_deref(), MAX_BODY);
    }
    if matches!(edit.tag_list, Some(None)) {
        checks.push("tagList", "can't be null");
    }
    checks.finish()?;
    let tag_list = match edit.tag_list {
        Some(Some(tags)) => Some(tags::normalize(tags)?),
        _ => None,
    };
    let tags_text = tag_list.as_deref().map(list_text).transpose()?;
    let title = edit.title.as_deref().map(str::trim);
    // A new title makes a new slug (the SQL keeps the old one when the title is unchanged).
    let mut new_slug = title.map(slugify);
    for _attempt in 0..5 {
        let mut conn = db.writer().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // `updated_at` moves forward even within the millisecond of the last change.
        let updated = sqlx::query_as::<_, (i64, String)>(
            "UPDATE articles SET
               slug = CASE WHEN $1 IS NOT NULL AND $2 <> title THEN $1 ELSE slug END,
               title = COALESCE($2, title),
               description = COALESCE($3, description),
               body = COALESCE($4, body),
               updated_at = CASE WHEN $5 > updated_at THEN $5 ELSE updated_at + 1 END,
               tag_list = COALESCE($8, tag_list)
             WHERE slug = $6 AND author_id = $7
             RETURNING id, slug",
        )
        .bind(new_slug.as_deref())
        .bind(title)
        .bind(edit.description.as_deref())
        .bind(edit.body.as_deref())
        .bind(now_millis())
        .bind(slug)
        .bind(user.0)
        .bind(tags_text.as_deref())
        .fetch_optional(&mut *tx)
        .await;
        match updated {
            Ok(Some((id, slug))) => {
                if let Some(tag_list) = &tag_list {
                    replace_tags(&mut tx, id, tag_list).await?;
                }
                tx.commit().await?;
                return get(db, Some(user), &slug).await;
            }
            Ok(None) => return Err(refusal(db, slug).await),
            Err(err) if is_unique_violation(&err) => {
                new_slug = title.map(|title| suffixed(&slugify(title)))
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(Error::Internal("could not find a free slug".into()))
}

/// Deletes an article of `user`'s; its tag links, favorites and comments go with it (ON DELETE
/// CASCADE).
pub async fn delete(db: &Db, user: UserId, slug: &str) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM articles WHERE slug = $1 AND author_id = $2")
        .bind(slug)
        .bind(user.0)
        .execute(&mut *db.writer().await?)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(refusal(db, slug).await);
    }
    Ok(())
}

/// Favorites an article; doing it twice is the same as once. An unknown slug inserts nothing,
/// and reading the article back answers 404.
pub async fn favorite(db: &Db, user: UserId, slug: &str) -> Result<Article> {
    let sql = "INSERT INTO favorites (user_id, article_id, article_created_at)
               SELECT $1, a.id, a.created_at FROM articles a WHERE a.slug = $2
               ON CONFLICT DO NOTHING RETURNING article_id";
    // Favorited now, whether by this insert or before it.
    favorites_changed(db, user, slug, sql, ("+", "TRUE")).await
}

pub async fn unfavorite(db: &Db, user: UserId, slug: &str) -> Result<Article> {
    let sql = "DELETE FROM favorites
               WHERE user_id = $1 AND article_id = (SELECT a.id FROM articles a WHERE a.slug = $2)
               RETURNING article_id";
    favorites_changed(db, user, slug, sql, ("-", "FALSE")).await
}

/// Runs a favorite or unfavorite of `user` ($1) on `slug` ($2), `change` (which returns the
/// changed rows' `article_id`), and answers the article. PostgreSQL does both in one statement:
/// the change as a CTE, whose rows the read adds (`+`) to or takes (`-`) from the stored count,
/// since its snapshot does not show them; the viewer's flag is then known. SQLite, which has no
/// data-modifying CTEs, writes and reads back.
async fn favorites_changed(
    db: &Db,
    user: UserId,
    slug: &str,
    change: &'static str,
    (sign, favorited): (&str, &str),
) -> Result<Article> {
    if db.backend() == Backend::Sqlite {
        write_by(db, change, user, slug).await?;
        return get(db, Some(user), slug).await;
    }
    let count = format!("{FAVORITES_COUNT} {sign} (SELECT COUNT(*) FROM changed)");
    let related = Related {
        favorites_count: &count,
        favorited,
        ..Related::stored(Some(user))
    };
    let read = select_with(true, "articles a", related);
    let sql = format!("WITH changed AS ({change}) {read} WHERE a.slug = $2");
    let row = sqlx::query_as::<_, ArticleRow>(AssertSqlSafe(sql))
        .bind(user.0)
        .bind(slug)
        .fetch_optional(&mut *db.writer().await?)
        .await?
        .ok_or(Error::NotFound("article"))?;
    article_of(row)
}

/// The id of an article, for the comments module.
pub(crate) async fn id_of(db: &Db, slug: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut *db.acquire().await?)
        .await?
        .ok_or(Error::NotFound("article"))
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_readable() {
        assert_eq!(
            slugify("How to train your dragon"),
            "how-to-train-your-dragon"
        );
        assert_eq!(slugify("  Hello, World!!  "), "hello-world");
        assert_eq!(slugify("Ünïcödé Straße"), "ünïcödé-straße");
        assert_eq!(slugify("日本語 タイトル"), "日本語-タイトル");
        assert_eq!(slugify("🎉🎉🎉"), "article");
        assert_eq!(slugify("'; DROP TABLE articles; --"), "drop-table-articles");
        assert_eq!(
            slugify("<script>alert(1)</script>"),
            "script-alert-1-script"
        );
        assert!(slugify(&"word ".repeat(100)).chars().count() <= 80);
        assert!(!slugify(&"word ".repeat(100)).ends_with('-'));
    }

    /// Found by `fuzz/fuzz_targets/slug.rs`: 'İ' lowercases to "i\u{307}", whose combining dot
    /// leaked into the slug.
    #[test]
    fn slugs_hold_only_letters_digits_and_dashes_and_are_stable() {
        for title in ["İstanbul", "\0\u{7}İ[", "DİYARBAKIR gezisi", "ǅemal"] {
            let slug = slugify(title);
            assert!(
                slug.chars().all(|c| c == '-' || c.is_alphanumeric()),
                "{title:?} -> {slug:?}"
            );
            assert_eq!(slugify(&slug), slug, "{title:?}");
        }
        assert_eq!(slugify("İstanbul"), "istanbul");
    }
}
