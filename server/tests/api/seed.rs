//! `conduit seed`: the benchmark data set is realistic, usable through the API, refuses to
//! overwrite data, and is the same rows for the same seed on SQLite and on PostgreSQL.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use serde_json::json;
use server::seed::{self, Size, PASSWORD};

use crate::harness::each_backend;

/// A fingerprint of every seeded article's slug, author, tags and counts.
async fn fingerprint(app: &crate::harness::TestApp) -> u64 {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT a.slug, u.username,
                (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id),
                (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id)
           FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let mut hasher = DefaultHasher::new();
    rows.hash(&mut hasher);
    hasher.finish()
}

#[tokio::test]
async fn the_small_set_is_realistic_usable_and_the_same_on_every_backend() {
    let fingerprints = Arc::new(Mutex::new(Vec::new()));
    let seen = fingerprints.clone();
    each_backend("seed_small", move |app| {
        let seen = seen.clone();
        async move {
            let counts = seed::run(&app.db, Size::Small, 7).await.unwrap();
            assert_eq!((counts.users, counts.articles), (100, 1_000));
            assert!(counts.follows > 100 && counts.favorites > 100 && counts.comments > 1_000, "{counts:?}");
            assert!(counts.article_tags > 1_000, "0 to 5 tags per article: {counts:?}");

            // Popularity is skewed: the top tenth of authors wrote about half the articles.
            let top_share = app
                .count("SELECT COUNT(*) FROM articles WHERE author_id IN (SELECT id FROM users ORDER BY id LIMIT 10)")
                .await;
            assert!(top_share >= 400, "top 10 authors wrote {top_share} of 1000");

            let list = app.get("/api/articles?limit=20", None).await;
            assert_eq!(list.assert_status(200)["articlesCount"], 1_000);
            let body = app
                .get(&format!("/api/articles/{}", list.json["articles"][0]["slug"].as_str().unwrap()), None)
                .await;
            let body = body.assert_status(200)["article"]["body"].as_str().unwrap().to_string();
            assert!(body.len() > 500 && body.contains("\n\n"), "a markdown body of realistic length: {body:?}");
            assert_eq!(app.get("/api/tags", None).await.assert_status(200)["tags"].as_array().unwrap().len(), 40);

            // The first user signs in with the documented password and reads a full feed.
            let first: String = sqlx::query_scalar("SELECT email FROM users ORDER BY id LIMIT 1")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
            let login = app
                .post("/api/users/login", None, json!({"user": {"email": first, "password": PASSWORD}}))
                .await;
            let token = login.assert_status(200)["user"]["token"].as_str().unwrap().to_string();
            let feed = app.get("/api/articles/feed?limit=20", Some(&token)).await;
            assert_eq!(feed.assert_status(200)["articles"].as_array().unwrap().len(), 20);

            // A second run must not mix a new data set into the first.
            assert!(matches!(seed::run(&app.db, Size::Small, 7).await, Err(seed::SeedError::NotEmpty)));
            assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 1_000);

            let print = fingerprint(&app).await;
            seen.lock().unwrap().push(print);
        }
    })
    .await;
    let fingerprints = fingerprints.lock().unwrap();
    assert!(
        fingerprints.windows(2).all(|w| w[0] == w[1]),
        "same seed, same rows: {fingerprints:?}"
    );
}
