//! Issue 3, item 6: listing articles, the feed and a single article cost a fixed number of SQL
//! statements whatever the page size: no query per article. Issue 7: a page costs two (its total
//! and its rows, tags included), one article one, and writing an article the same whatever its
//! number of tags.
//!
//! Statements are counted from sqlx's own `sqlx::query` tracing events, through a global
//! subscriber (SQLite runs its statements on a worker thread). This file is its own test binary
//! with a single test, so no other test's statements are counted.

// Tests look into the database directly, past the credential handling of `Db::acquire`.
#![allow(clippy::disallowed_methods)]

#[path = "api/harness.rs"]
mod harness;

use std::sync::{Mutex, OnceLock};

use serde_json::json;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use harness::{Backend, TestApp, TestUser};

static LAST: Mutex<Vec<String>> = Mutex::new(Vec::new());

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
                    assert!(
                        twenty <= 2,
                        "{base} ({who}) took {twenty} statements: {twenty_sql:?}"
                    );
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
            assert!(twenty <= 2, "feed took {twenty_sql:?}");

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

            // Writing: the tags of a new article are linked in two statements however many there
            // are, and a favorite is one statement plus the article it answers with.
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
            assert_eq!(favorite, 2, "a favorite took {favorite_sql:?}");

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
