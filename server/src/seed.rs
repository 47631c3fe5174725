//! `conduit seed`: fills an empty database with a deterministic, realistic data set for
//! benchmarks and demos. The same seed number and size give the same rows on SQLite and on
//! PostgreSQL. Popularity is skewed on purpose (a few authors write and collect most of the
//! articles, favorites and followers), because that is what makes list queries expensive.
//!
//! Rows are written straight into the tables in large multi-row statements inside one
//! transaction: going through the domain would hash a password per user and take an hour for
//! the large set. Every seeded user signs in with [`PASSWORD`].
//!
//! `conduit seed --demo` is the small hand-written set instead: the users the official browser
//! suite's `ssr` mode expects on the API it is pointed at (`johndoe`, with articles), made
//! through the domain like any user's own. Seeded avatars are the site's own files
//! (`public/avatars/`), so a seeded page loads nothing from elsewhere.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Instant;

use domain::articles::{self, slugify};
use domain::auth::hash_password;
use domain::db::Backend;
use domain::Db;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Any, AssertSqlSafe, Transaction};

/// The password of every seeded user.
pub const PASSWORD: &str = "conduit-bench";

/// The two standard data sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 100 users, 1,000 articles.
    Small,
    /// 10,000 users, 100,000 articles.
    Large,
}

impl Size {
    pub fn parse(text: &str) -> Option<Size> {
        match text {
            "small" => Some(Size::Small),
            "large" => Some(Size::Large),
            _ => None,
        }
    }

    fn users(self) -> usize {
        match self {
            Size::Small => 100,
            Size::Large => 10_000,
        }
    }

    fn articles(self) -> usize {
        match self {
            Size::Small => 1_000,
            Size::Large => 100_000,
        }
    }
}

/// What a seeding run wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub users: usize,
    pub follows: usize,
    pub articles: usize,
    pub article_tags: usize,
    pub favorites: usize,
    pub comments: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the database already has users; seed an empty database")]
    NotEmpty,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("cannot hash the seed password: {0}")]
    Hash(String),
    #[error("cannot write the demo data: {0}")]
    Demo(#[from] domain::Error),
}

/// The avatars in `public/avatars/` (`1.svg` to `6.svg`), which the site serves itself.
pub const AVATARS: usize = 6;

/// The path of the `n`th seeded avatar, cycling through [`AVATARS`].
pub fn avatar_path(n: usize) -> String {
    format!("/avatars/{}.svg", n % AVATARS + 1)
}

/// Rows per INSERT statement: well under SQLite's and PostgreSQL's bind-parameter limits.
const BATCH: usize = 1_000;
/// The articles' timestamps end here (2026-01-01T00:00:00Z) so that a seed is reproducible.
const EPOCH_END_MS: i64 = 1_767_225_600_000;
/// Seeded articles are spread over the two years before `EPOCH_END_MS`.
const SPAN_MS: i64 = 2 * 365 * 24 * 3600 * 1000;
/// The first seeded user reads a feed of this many of the most popular authors.
const READER_FOLLOWS: usize = 25;

const TAGS: &[&str] = &[
    "rust",
    "webdev",
    "programming",
    "javascript",
    "leptos",
    "wasm",
    "databases",
    "sql",
    "postgres",
    "sqlite",
    "devops",
    "kubernetes",
    "aws",
    "security",
    "testing",
    "performance",
    "design",
    "ux",
    "css",
    "career",
    "productivity",
    "opensource",
    "linux",
    "networking",
    "distributed",
    "architecture",
    "api",
    "graphql",
    "rest",
    "mobile",
    "ai",
    "datascience",
    "python",
    "go",
    "typescript",
    "react",
    "vue",
    "svelte",
    "cloud",
    "startups",
];

const WORDS: &[&str] = &[
    "the",
    "server",
    "renders",
    "every",
    "page",
    "before",
    "hydration",
    "and",
    "a",
    "query",
    "reads",
    "only",
    "what",
    "it",
    "needs",
    "from",
    "index",
    "while",
    "browser",
    "keeps",
    "state",
    "in",
    "signals",
    "that",
    "update",
    "small",
    "parts",
    "of",
    "view",
    "when",
    "data",
    "changes",
    "we",
    "measured",
    "latency",
    "under",
    "load",
    "with",
    "many",
    "connections",
    "cache",
    "misses",
    "cost",
    "more",
    "than",
    "expected",
    "so",
    "design",
    "matters",
    "early",
    "team",
    "shipped",
    "feature",
    "behind",
    "flag",
    "rolled",
    "out",
    "slowly",
    "watched",
    "metrics",
    "errors",
    "stayed",
    "flat",
    "users",
    "noticed",
    "faster",
    "pages",
    "readers",
    "write",
    "comments",
    "about",
    "trade",
    "offs",
    "between",
    "memory",
    "throughput",
    "simple",
    "code",
    "wins",
    "most",
    "days",
    "types",
    "catch",
    "mistakes",
    "compile",
    "time",
    "tests",
    "prove",
    "behaviour",
    "deploys",
    "are",
    "boring",
    "again",
];

const FIRST_NAMES: &[&str] = &[
    "ada",
    "alan",
    "grace",
    "linus",
    "barbara",
    "ken",
    "margaret",
    "dennis",
    "frances",
    "edsger",
    "radia",
    "donald",
    "sophie",
    "tim",
    "hedy",
    "john",
    "katherine",
    "niklaus",
    "shafi",
    "guido",
];

const LAST_NAMES: &[&str] = &[
    "lovelace",
    "turing",
    "hopper",
    "torvalds",
    "liskov",
    "thompson",
    "hamilton",
    "ritchie",
    "allen",
    "dijkstra",
    "perlman",
    "knuth",
    "wilson",
    "berners",
    "lamarr",
    "mccarthy",
    "johnson",
    "wirth",
    "goldwasser",
    "rossum",
];

/// Fills `db`, which must have no users, with the data set of `size` drawn from `seed`.
pub async fn run(db: &Db, size: Size, seed: u64) -> Result<Counts, SeedError> {
    let mut conn = db.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Err(SeedError::NotEmpty);
    }
    let password_hash = hash_password(PASSWORD.to_string())
        .await
        .map_err(|err| SeedError::Hash(err.to_string()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut counts = Counts::default();

    let user_ids = insert_users(&mut tx, &mut rng, size.users(), &password_hash).await?;
    counts.users = user_ids.len();
    counts.follows = insert_follows(&mut tx, &mut rng, &user_ids).await?;
    let tag_ids = insert_tags(&mut tx).await?;
    let article_ids = insert_articles(&mut tx, &mut rng, size.articles(), &user_ids).await?;
    counts.articles = article_ids.len();
    counts.article_tags = insert_article_tags(&mut tx, &mut rng, &article_ids, &tag_ids).await?;
    articles::store_tag_lists(&mut tx, db.backend()).await?;
    counts.favorites = insert_favorites(&mut tx, &mut rng, &user_ids, &article_ids).await?;
    counts.comments = insert_comments(&mut tx, &mut rng, &user_ids, &article_ids).await?;
    tx.commit().await?;
    // Fresh statistics, so the planner sees the seeded sizes at once. On PostgreSQL, VACUUM also
    // clears the dead row versions the kept counts' updates left and marks the pages all-visible,
    // so counts along an index read the index alone, as they will once autovacuum has run.
    let tidy = match db.backend() {
        Backend::Postgres => "VACUUM ANALYZE",
        Backend::Sqlite => "ANALYZE",
    };
    sqlx::query(tidy).execute(&mut *db.acquire().await?).await?;
    Ok(counts)
}

/// An index in `0..n`, heavily biased towards 0 (index `k` is drawn about as often as
/// `k^(-2/3)` says): the first tenth takes nearly half of the draws.
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.gen();
    ((u * u * u * n as f64) as usize).min(n - 1)
}

fn words(rng: &mut StdRng, count: usize) -> String {
    let mut out = String::new();
    for i in 0..count {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
    }
    out
}

fn sentence(rng: &mut StdRng) -> String {
    let count = rng.gen_range(6..16);
    let mut text = words(rng, count);
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text.push('.');
    text
}

fn paragraph(rng: &mut StdRng) -> String {
    let count = rng.gen_range(3..7);
    (0..count)
        .map(|_| sentence(rng))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A markdown body of 1 to 4 KB: paragraphs, a heading, sometimes a list, a code block, a link.
fn body(rng: &mut StdRng) -> String {
    let mut md = String::new();
    for section in 0..rng.gen_range(2..5) {
        if section > 0 {
            let _ = writeln!(md, "## {}\n", title_case(&words(rng, 3)));
        }
        for _ in 0..rng.gen_range(1..3) {
            let _ = writeln!(md, "{}\n", paragraph(rng));
        }
        match rng.gen_range(0..4) {
            0 => {
                for _ in 0..rng.gen_range(2..5) {
                    let _ = writeln!(md, "- {}", words(rng, 5));
                }
                md.push('\n');
            }
            1 => {
                let _ = writeln!(
                    md,
                    "```rust\nfn {}() -> u32 {{\n    {}\n}}\n```\n",
                    words(rng, 1),
                    rng.gen_range(1..1000)
                );
            }
            2 => {
                let _ = writeln!(
                    md,
                    "See [the *{}* notes](https://example.com/{}) and `{}`.\n",
                    words(rng, 2),
                    rng.gen_range(1..10_000),
                    words(rng, 1)
                );
            }
            _ => {}
        }
    }
    md
}

fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `INSERT INTO <head> VALUES ($1, $2, ...), (...)` for `rows` rows of `columns` values, in the
/// `$n` form both databases read (the Any driver's query builder writes `?`, which PostgreSQL
/// does not).
fn insert_sql(head: &str, rows: usize, columns: usize) -> AssertSqlSafe<String> {
    let mut sql = format!("INSERT INTO {head} VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "${}", row * columns + column + 1);
        }
        sql.push(')');
    }
    AssertSqlSafe(sql)
}

/// The ids of the rows of `table` in insertion order (the seed starts from an empty table, so
/// they follow the order of the VALUES lists).
async fn ids(tx: &mut Transaction<'_, Any>, table: &str) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT id FROM {table} ORDER BY id")))
        .fetch_all(&mut **tx)
        .await
}

async fn insert_users(
    tx: &mut Transaction<'_, Any>,
    rng: &mut StdRng,
    count: usize,
    password_hash: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let users: Vec<(String, Option<String>, Option<String>)> = (0..count)
        .map(|i| {
            let username = format!(
                "{}{}{}",
                FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())],
                LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())],
                i + 1
            );
            let bio = rng.gen_bool(0.8).then(|| sentence(rng));
            let image = rng.gen_bool(0.7).then(|| avatar_path(i));
            (username, bio, image)
        })
        .collect();
    for chunk in users.chunks(BATCH) {
        let head = "users (username, email, password_hash, bio, image, created_at, updated_at)";
        let mut insert = sqlx::query(insert_sql(head, chunk.len(), 7));
        for (username, bio, image) in chunk {
            insert = insert
                .bind(username.clone())
                .bind(format!("{username}@example.com"))
                .bind(password_hash.to_string())
                .bind(bio.clone())
                .bind(image.clone())
                .bind(EPOCH_END_MS - SPAN_MS)
                .bind(EPOCH_END_MS - SPAN_MS);
        }
        insert.execute(&mut **tx).await?;
    }
    ids(tx, "users").await
}

/// Each user follows 0 to 30 authors, mostly the popular ones; the first user follows the
/// [`READER_FOLLOWS`] most popular, so benchmarks have a full feed to read.
async fn insert_follows(
    tx: &mut Transaction<'_, Any>,
    rng: &mut StdRng,
    user_ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let mut pairs = Vec::new();
    for (i, &follower) in user_ids.iter().enumerate() {
        let mut followed = HashSet::new();
        if i == 0 {
            followed.extend(1..=READER_FOLLOWS.min(user_ids.len() - 1));
        } else {
            for _ in 0..skewed(rng, 31) {
                followed.insert(skewed(rng, user_ids.len()));
            }
        }
        followed.remove(&i);
        let mut followed: Vec<usize> = followed.into_iter().collect();
        followed.sort_unstable();
        pairs.extend(followed.into_iter().map(|j| (follower, user_ids[j])));
    }
    insert_id_pairs(tx, "follows (follower_id, followee_id)", &pairs).await
}

/// Inserts rows of two ids into `head` (`table (column, column)`), in batches.
async fn insert_id_pairs(
    tx: &mut Transaction<'_, Any>,
    head: &str,
    pairs: &[(i64, i64)],
) -> Result<usize, sqlx::Error> {
    for chunk in pairs.chunks(BATCH) {
        let mut insert = sqlx::query(insert_sql(head, chunk.len(), 2));
        for (first, second) in chunk {
            insert = insert.bind(*first).bind(*second);
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(pairs.len())
}

async fn insert_tags(tx: &mut Transaction<'_, Any>) -> Result<Vec<i64>, sqlx::Error> {
    let mut insert = sqlx::query(insert_sql("tags (name)", TAGS.len(), 1));
    for tag in TAGS {
        insert = insert.bind(tag.to_string());
    }
    insert.execute(&mut **tx).await?;
    ids(tx, "tags").await
}

/// Articles newest last, written mostly by the popular authors, with unique slugs.
async fn insert_articles(
    tx: &mut Transaction<'_, Any>,
    rng: &mut StdRng,
    count: usize,
    user_ids: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..count {
        let title_words = rng.gen_range(3..9);
        let title = title_case(&words(rng, title_words));
        let slug = format!("{}-{}", slugify(&title), i + 1);
        let description = sentence(rng);
        let body = body(rng);
        let author = user_ids[skewed(rng, user_ids.len())];
        let created = article_created_at(i, count);
        batch.push((slug, title, description, body, author, created));
        if batch.len() == BATCH || i + 1 == count {
            let head =
                "articles (slug, title, description, body, author_id, created_at, updated_at)";
            let mut insert = sqlx::query(insert_sql(head, batch.len(), 7));
            for (slug, title, description, body, author, created) in batch.drain(..) {
                insert = insert
                    .bind(slug)
                    .bind(title)
                    .bind(description)
                    .bind(body)
                    .bind(author)
                    .bind(created)
                    .bind(created);
            }
            insert.execute(&mut **tx).await?;
        }
    }
    ids(tx, "articles").await
}

/// When the `i`th of `count` articles was written: evenly over the seeded span, oldest first.
fn article_created_at(i: usize, count: usize) -> i64 {
    EPOCH_END_MS - SPAN_MS + SPAN_MS / count as i64 * i as i64
}

/// 0 to 5 tags per article, the popular tags more often.
async fn insert_article_tags(
    tx: &mut Transaction<'_, Any>,
    rng: &mut StdRng,
    article_ids: &[i64],
    tag_ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let mut links = Vec::new();
    for (i, &article) in article_ids.iter().enumerate() {
        let created = article_created_at(i, article_ids.len());
        let mut chosen: Vec<usize> = Vec::new();
        for _ in 0..rng.gen_range(0..=5) {
            let tag = skewed(rng, tag_ids.len());
            if !chosen.contains(&tag) {
                chosen.push(tag);
            }
        }
        links.extend(
            chosen
                .into_iter()
                .enumerate()
                .map(|(position, tag)| (article, tag_ids[tag], position as i64, created)),
        );
    }
    for chunk in links.chunks(BATCH) {
        let head = "article_tags (article_id, tag_id, position, created_at)";
        let mut insert = sqlx::query(insert_sql(head, chunk.len(), 4));
        for (article, tag, position, created) in chunk {
            insert = insert
                .bind(*article)
                .bind(*tag)
                .bind(*position)
                .bind(*created);
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(links.len())
}

/// Each user favorites 0 to 40 articles, the early (long-lived) ones more often.
async fn insert_favorites(
    tx: &mut Transaction<'_, Any>,
    rng: &mut StdRng,
    user_ids: &[i64],
    article_ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let mut favorites = Vec::new();
    for &user in user_ids {
        let mut chosen = HashSet::new();
        for _ in 0..skewed(rng, 41) {
            chosen.insert(skewed(rng, article_ids.len()));
        }
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        favorites.extend(chosen.into_iter().map(|a| {
            (
                user,
                article_ids[a],
                article_created_at(a, article_ids.len()),
            )
        }));
    }
    for chunk in favorites.chunks(BATCH) {
        let head = "favorites (user_id, article_id, article_created_at)";
        let mut insert = sqlx::query(insert_sql(head, chunk.len(), 3));
        for (user, article, created) in chunk {
            insert = insert.bind(*user).bind(*article).bind(*created);
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(favorites.len())
}

/// 0 to 8 comments per article, an hour apart, by any user.
async fn insert_comments(
    tx: &mut Transaction<'_, Any>,
    rng: &mut StdRng,
    user_ids: &[i64],
    article_ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let step = SPAN_MS / article_ids.len() as i64;
    let mut total = 0;
    let mut batch = Vec::with_capacity(BATCH);
    for (i, &article) in article_ids.iter().enumerate() {
        let created = EPOCH_END_MS - SPAN_MS + step * i as i64;
        for n in 0..skewed(rng, 9) {
            let author = user_ids[rng.gen_range(0..user_ids.len())];
            let at = created + (n as i64 + 1) * 3_600_000;
            batch.push((article, author, paragraph(rng), at));
        }
        let last = i + 1 == article_ids.len();
        if batch.len() >= BATCH || (last && !batch.is_empty()) {
            total += batch.len();
            let head = "comments (article_id, author_id, body, created_at, updated_at)";
            let mut insert = sqlx::query(insert_sql(head, batch.len(), 5));
            for (article, author, body, at) in batch.drain(..) {
                insert = insert
                    .bind(article)
                    .bind(author)
                    .bind(body)
                    .bind(at)
                    .bind(at);
            }
            insert.execute(&mut **tx).await?;
        }
    }
    Ok(total)
}

/// A user of the demo set: username, bio, avatar number.
const DEMO_USERS: &[(&str, &str, usize)] = &[
    (
        "johndoe",
        "Writes about building web applications, one small release at a time.",
        0,
    ),
    ("janedoe", "Reads everything, comments on most of it.", 1),
];

/// An article of the demo set: author, title, description, body, tags.
const DEMO_ARTICLES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "janedoe",
        "Markdown in Conduit",
        "What an article body can hold",
        "Bodies are **markdown**: *emphasis*, `code`, lists and links.\n\n\
         - one item\n- another item\n\n\
         ```rust\nfn main() {\n    println!(\"Hello, Conduit\");\n}\n```\n",
        &["markdown", "howto"],
    ),
    (
        "johndoe",
        "How to build webapps that scale",
        "Small pieces, measured often",
        "Start with one server and one database, measure, and split only what the numbers \
         point at.\n\nCaches come last: most slow pages are one missing index.",
        &["webdev", "performance"],
    ),
    (
        "johndoe",
        "Welcome to Conduit",
        "A place to share your knowledge",
        "Conduit is a Medium clone: write articles, follow authors, favorite what you like.\n\n\
         Sign up to write your own, or browse the **Global Feed**.",
        &["welcome", "realworld"],
    ),
];

/// Fills `db`, which must have no users, with the demo set: `johndoe` (3 articles' author
/// with `janedoe`), a comment, a follow and a favorite. Every demo user signs in with
/// `<username>@example.com` and [`PASSWORD`].
pub async fn demo(db: &Db) -> Result<Counts, SeedError> {
    use domain::articles::Draft;
    use domain::users::{self, Registration};
    use domain::{comments, profiles, WriteLimit};

    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *db.acquire().await?)
        .await?;
    if existing > 0 {
        return Err(SeedError::NotEmpty);
    }
    let unlimited = WriteLimit::new(None);
    let mut counts = Counts::default();
    let mut ids = Vec::new();
    for &(username, bio, avatar) in DEMO_USERS {
        let account = users::register(
            db,
            Registration {
                username: Some(username.to_string()),
                email: Some(format!("{username}@example.com")),
                password: Some(PASSWORD.to_string()),
            },
        )
        .await?;
        sqlx::query("UPDATE users SET bio = $1, image = $2 WHERE id = $3")
            .bind(bio)
            .bind(avatar_path(avatar))
            .bind(account.id)
            .execute(&mut *db.acquire().await?)
            .await?;
        ids.push((username, account.user_id()));
        counts.users += 1;
    }
    let id_of = |name: &str| {
        ids.iter()
            .find(|(username, _)| *username == name)
            .map(|(_, id)| *id)
            .expect("every demo author is a demo user")
    };
    let mut slugs = Vec::new();
    for &(author, title, description, body, tags) in DEMO_ARTICLES {
        let draft = Draft {
            title: Some(title.to_string()),
            description: Some(description.to_string()),
            body: Some(body.to_string()),
            tag_list: Some(tags.iter().map(|tag| tag.to_string()).collect()),
        };
        let article = articles::create(db, &unlimited, id_of(author), draft).await?;
        counts.article_tags += article.tag_list.len();
        slugs.push(article.slug);
        counts.articles += 1;
    }
    // The newest article, "Welcome to Conduit", opens the global feed: give it some life.
    let (jane, welcome) = (id_of("janedoe"), slugs.last().expect("demo articles"));
    comments::add(
        db,
        &unlimited,
        jane,
        welcome,
        Some("Glad to be here. Where do I start?"),
    )
    .await?;
    counts.comments += 1;
    articles::favorite(db, jane, welcome).await?;
    counts.favorites += 1;
    profiles::follow(db, jane, "johndoe").await?;
    counts.follows += 1;
    Ok(counts)
}

/// Runs `conduit seed [--size small|large] [--seed N]` or `conduit seed --demo` against the
/// configured database.
pub async fn command(db: &Db, args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--demo") {
        if args.len() > 1 {
            return Err("--demo takes no other option".to_string());
        }
        let counts = demo(db).await.map_err(|err| err.to_string())?;
        println!(
            "seeded the demo set: {} users (johndoe, janedoe), {} articles, {} comment; every \
             demo user signs in as <username>@example.com with the password {PASSWORD:?}",
            counts.users, counts.articles, counts.comments
        );
        return Ok(());
    }
    let mut size = Size::Small;
    let mut seed = 1;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--size" => {
                let value = args.next().map(String::as_str).unwrap_or_default();
                size = Size::parse(value)
                    .ok_or_else(|| format!("--size must be small or large, not {value:?}"))?;
            }
            "--seed" => {
                let value = args.next().map(String::as_str).unwrap_or_default();
                seed = value
                    .parse()
                    .map_err(|_| format!("--seed must be a whole number, not {value:?}"))?;
            }
            other => {
                return Err(format!(
                    "unknown seed option {other:?} (try --size, --seed, or --demo alone)"
                ))
            }
        }
    }
    let started = Instant::now();
    let counts = run(db, size, seed).await.map_err(|err| err.to_string())?;
    println!(
        "seeded {size:?} set from seed {seed} in {:.1} s: {} users, {} follows, {} articles, \
         {} tag links, {} favorites, {} comments; every user's password is {PASSWORD:?}",
        started.elapsed().as_secs_f64(),
        counts.users,
        counts.follows,
        counts.articles,
        counts.article_tags,
        counts.favorites,
        counts.comments
    );
    Ok(())
}
