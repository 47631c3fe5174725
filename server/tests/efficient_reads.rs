//! Issue 3, item 6: listing articles, the feed and a single article cost a fixed number of SQL
//! statements whatever the page size: no query per article. Issue 7: a page costs two (its total
//! and its rows, tags included), one article one, and writing an article the same whatever its
//! number of tags; issue 20: a page costs one (the total rides on its rows), an empty one two. Issue 19: a signed-in page costs at most 4 (its viewer read once), and each
//! write its minimum.
//!
//! Statements are counted from sqlx's own `sqlx::query` tracing events, through a global
//! subscriber (SQLite runs its statements on a worker thread). This file is its own test binary
//! whose tests take turns, so no other test's statements are counted.

// Tests look into the database directly, past the credential handling of `Db::acquire`.
#![allow(clippy::disallowed_methods)]

mod support;

#[path = "api/harness.rs"]
mod harness;
// Shared with the API suite, which uses all of it.
#[allow(dead_code)]
#[path = "api/ui.rs"]
mod ui;

use std::sync::{Mutex, OnceLock};

use serde_json::json;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use harness::{Backend, TestApp, TestUser};

static LAST: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// The tests of this binary take turns: they share the one global count.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct CountStatements;

impl<S: Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            struct Summary(String);
            impl tracing::field::Visit for Summary {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "summary" {
                        self.0 = format!("{value:?}");
                    }
                }
                fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                    if field.name() == "summary" {
                        self.0 = value.to_string();
                    }
                }
            }
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            LAST.lock().unwrap().push(summary.0);
        }
    }
}

fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(CountStatements);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this binary");
    });
}

/// The statements one GET costs, and what they were, beyond the token check of a signed-in
/// request.
async fn statements_of(app: &TestApp, path: &str, token: Option<&str>) -> (usize, Vec<String>) {
    LAST.lock().unwrap().clear();
    app.get(path, token).await.assert_status(200);
    let (count, statements) = take_statements();
    if token.is_none() {
        return (count, statements);
    }
    without_token_check(statements)
}

/// Issue 18: a token is checked against its user's token generation (a password change ends
/// earlier tokens) with one primary-key read before the request's own statements; the API
/// loads no viewer that it could be folded into.
fn without_token_check(mut statements: Vec<String>) -> (usize, Vec<String>) {
    assert!(
        statements
            .first()
            .is_some_and(|first| first.contains("token_generation")),
        "a signed-in request starts with its token check: {statements:?}"
    );
    statements.remove(0);
    assert!(
        !statements.iter().any(|s| s.contains("token_generation")),
        "one token check per request: {statements:?}"
    );
    (statements.len(), statements)
}

/// The statements run since `LAST` was last cleared.
fn take_statements() -> (usize, Vec<String>) {
    // The pool may open a connection during the request; its setup (the SQLite PRAGMAs of
    // `Db::connect`) is not a statement of the read.
    let statements: Vec<String> = std::mem::take(&mut *LAST.lock().unwrap())
        .into_iter()
        .filter(|summary| !summary.starts_with("PRAGMA"))
        .collect();
    (statements.len(), statements)
}

async fn populate(app: &TestApp, author: &TestUser, reader: &TestUser, n: usize) {
    for i in 0..n {
        let tags = [
            format!("tag-{i}"),
            "common".to_string(),
            format!("extra-{}", i % 3),
        ];
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let article = app
            .create_article(author, &format!("Article {i}"), &tags)
            .await;
        let slug = article["slug"].as_str().unwrap();
        app.post_empty(
            &format!("/api/articles/{slug}/favorite"),
            Some(&reader.token),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/api/articles/{slug}/comments"),
            Some(&reader.token),
            json!({"comment": {"body": "hi"}}),
        )
        .await
        .assert_status(201);
    }
}

#[tokio::test]
async fn reads_cost_the_same_statements_for_1_or_20_articles() {
    let _turn = ONE_AT_A_TIME.lock().await;
    install();
    harness::each_backend(
        "reads_cost_the_same_statements_for_1_or_20_articles",
        |app| async move {
            let author = app.register("author").await;
            let reader = app.register("reader").await;
            app.post_empty("/api/profiles/author/follow", Some(&reader.token))
                .await
                .assert_status(200);
            populate(&app, &author, &reader, 20).await;
            let bare = app.create_article(&author, "Bare", &[]).await;

            // Warm the pool so that opening a connection is not counted.
            statements_of(&app, "/api/articles?limit=20", Some(&reader.token)).await;

            for (token, who) in [
                (None, "anonymous"),
                (Some(reader.token.as_str()), "signed in"),
            ] {
                for base in [
                    "/api/articles?",
                    "/api/articles?tag=common&",
                    "/api/articles?favorited=reader&",
                    "/api/articles?author=author&",
                ] {
                    let (one, one_sql) =
                        statements_of(&app, &format!("{base}limit=1"), token).await;
                    let (twenty, twenty_sql) =
                        statements_of(&app, &format!("{base}limit=20"), token).await;
                    assert_eq!(
                        one, twenty,
                        "{base} ({who}): 1 article took {one_sql:?}, 20 took {twenty_sql:?}"
                    );
                    assert_eq!(
                        twenty, 1,
                        "{base} ({who}) took {twenty} statements: {twenty_sql:?}"
                    );
                    // Past the last page no row carries the total: it is read alone.
                    let (empty, empty_sql) =
                        statements_of(&app, &format!("{base}limit=20&offset=500"), token).await;
                    assert_eq!(empty, 2, "{base} past the end ({who}) took {empty_sql:?}");
                }
            }
            let (one, one_sql) =
                statements_of(&app, "/api/articles/feed?limit=1", Some(&reader.token)).await;
            let (twenty, twenty_sql) =
                statements_of(&app, "/api/articles/feed?limit=20", Some(&reader.token)).await;
            assert_eq!(
                one, twenty,
                "feed: 1 article took {one_sql:?}, 20 took {twenty_sql:?}"
            );
            assert_eq!(twenty, 1, "feed took {twenty_sql:?}");

            // One article costs the same whether it has tags, favorites and comments or none.
            let (rich, rich_sql) =
                statements_of(&app, "/api/articles/article-0", Some(&reader.token)).await;
            let (plain, plain_sql) = statements_of(
                &app,
                &format!("/api/articles/{}", bare["slug"].as_str().unwrap()),
                Some(&reader.token),
            )
            .await;
            assert_eq!(
                rich, plain,
                "an article with tags took {rich_sql:?}, without {plain_sql:?}"
            );
            assert_eq!(rich, 1, "one article took {rich_sql:?}");

            // Comments and tags are single statements after the article lookup.
            let (comments, comments_sql) =
                statements_of(&app, "/api/articles/article-0/comments", None).await;
            assert!(comments <= 2, "comments took {comments_sql:?}");
            let (tags, tags_sql) = statements_of(&app, "/api/tags", None).await;
            assert_eq!(tags, 1, "tags took {tags_sql:?}");

            // Writing: the tags of a new article are linked in as many statements however many
            // there are, and a favorite is one statement with the article it answers with on
            // PostgreSQL, plus a read back on SQLite.
            let mut created = Vec::new();
            for tags in [&["one"][..], &["one", "two", "three", "four", "five"]] {
                LAST.lock().unwrap().clear();
                let title = format!("Tagged {}", tags.len());
                let article = app.create_article(&author, &title, tags).await;
                assert_eq!(article["tagList"], json!(tags));
                created.push(take_statements());
            }
            assert_eq!(
                created[0].0, created[1].0,
                "1 tag took {:?}, 5 took {:?}",
                created[0].1, created[1].1
            );
            LAST.lock().unwrap().clear();
            app.post_empty("/api/articles/tagged-5/favorite", Some(&reader.token))
                .await
                .assert_status(200);
            let (favorite, favorite_sql) = without_token_check(take_statements().1);
            let expected = if app.backend == Backend::Sqlite { 2 } else { 1 };
            assert_eq!(favorite, expected, "a favorite took {favorite_sql:?}");

            // A statement is planned once per connection and then reused. SQLite built with
            // STAT4 re-plans `WHERE slug = ?` at every execution once ANALYZE has run (see
            // .cargo/config.toml): half of one article's server time went to re-parsing.
            if app.backend == Backend::Sqlite {
                let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
                    .fetch_all(app.db.pool())
                    .await
                    .unwrap();
                assert!(
                    !options.iter().any(|option| option.contains("STAT4")),
                    "SQLite is built with STAT4: {options:?}"
                );
            }
        },
    )
    .await;
}

/// The statements of one page as the browser asks for it (no JavaScript: the server renders it
/// whole), with `cookie` as its session.
async fn page_statements(app: &TestApp, path: &str, cookie: &str) -> (usize, Vec<String>) {
    let request = axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, cookie)
        .header(axum::http::header::ACCEPT, "text/html")
        .body(axum::body::Body::empty())
        .unwrap();
    LAST.lock().unwrap().clear();
    let resp = app.send(request).await;
    assert_eq!(resp.status, 200, "{path}: {resp:?}");
    take_statements()
}

/// The statements of one API write, beyond its token check. A transaction's `COMMIT` (which
/// PostgreSQL's driver logs and SQLite's does not) is not one of the write's own.
async fn write_statements(
    app: &TestApp,
    method: axum::http::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (usize, Vec<String>) {
    LAST.lock().unwrap().clear();
    let resp = app.call(method.clone(), path, Some(token), body).await;
    assert!(resp.status.is_success(), "{method} {path}: {resp:?}");
    let (_, statements) = take_statements();
    without_token_check(statements.into_iter().filter(|s| s != "COMMIT").collect())
}

/// Issue 19: a signed-in page costs at most 4 statements, its session lookup included (the
/// navbar, the page and its server functions share one lookup of the viewer), and each API write
/// its minimum: the row it changes read once, no read-back of what it already knows.
#[tokio::test]
async fn pages_and_writes_keep_their_statement_budgets() {
    let _turn = ONE_AT_A_TIME.lock().await;
    install();
    harness::each_backend("pages_and_writes_keep_their_statement_budgets", |app| async move {
        let author = app.register("author").await;
        let reader = app.register("reader").await;
        populate(&app, &author, &reader, 3).await;
        let cookie = ui::sign_in(&app, &reader).await;
        // Warm the pool so that opening a connection is not counted.
        page_statements(&app, "/", &cookie).await;

        for (path, budget) in [("/", 4), ("/article/article-0", 4)] {
            let (count, sql) = page_statements(&app, path, &cookie).await;
            assert!(count <= budget, "{path} took {count}: {sql:#?}");
        }

        use axum::http::Method;
        // Each write's minimum: the change itself, and reading back what it answers with
        // (counts, tags and flags the change did not know), on PostgreSQL in the same statement
        // where it allows (SQLite has no data-modifying CTEs). Only a refused write asks why.
        let postgres = app.backend == Backend::Postgres;
        let one_on_postgres = |sqlite_budget: usize| if postgres { 1 } else { sqlite_budget };
        let article = json!({"article": {"title": "Budget", "description": "d", "body": "b", "tagList": ["x", "y"]}});
        let retitle = json!({"article": {"title": "Budget two", "tagList": ["z"]}});
        let writes = [
            // The article, its new tags, their links; the article read back.
            (Method::POST, "/api/articles", &author, Some(article), one_on_postgres(4)),
            (Method::PUT, "/api/articles/budget", &author, Some(json!({"article": {"body": "new"}})), 2),
            // The update, the old links, the new tags and links; the article read back.
            (Method::PUT, "/api/articles/budget", &author, Some(retitle), 5),
            (Method::POST, "/api/articles/budget-two/favorite", &reader, None, one_on_postgres(2)),
            (Method::DELETE, "/api/articles/budget-two/favorite", &reader, None, one_on_postgres(2)),
            (Method::POST, "/api/articles/budget-two/comments", &reader, Some(json!({"comment": {"body": "hi"}})), one_on_postgres(2)),
            (Method::POST, "/api/profiles/author/follow", &reader, None, 2),
            (Method::DELETE, "/api/profiles/author/follow", &reader, None, 2),
            // The account as it was (to know what changed), the update.
            (Method::PUT, "/api/user", &reader, Some(json!({"user": {"bio": "hello"}})), 2),
        ];
        for (method, path, user, body, budget) in writes {
            let (count, sql) = write_statements(&app, method.clone(), path, &user.token, body).await;
            assert!(count <= budget, "{method} {path} took {count}: {sql:#?}");
        }
        let comment = app
            .get("/api/articles/budget-two/comments", None)
            .await
            .assert_status(200)["comments"][0]["id"]
            .as_i64()
            .unwrap();
        for (path, user) in [
            (format!("/api/articles/budget-two/comments/{comment}"), &reader),
            ("/api/articles/budget-two".to_string(), &author),
        ] {
            let (count, sql) = write_statements(&app, Method::DELETE, &path, &user.token, None).await;
            assert_eq!(count, 1, "DELETE {path} took {sql:#?}");
        }
    })
    .await;
}
