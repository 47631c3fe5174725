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

            // Avatars are the site's own files (public/avatars), never another host.
            let images: Vec<String> = sqlx::query_scalar("SELECT image FROM users WHERE image IS NOT NULL")
                .fetch_all(app.db.pool())
                .await
                .unwrap();
            let files: Vec<String> = (0..seed::AVATARS).map(seed::avatar_path).collect();
            assert!(images.len() > 50 && images.iter().all(|image| files.contains(image)), "{images:?}");

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

#[tokio::test]
async fn the_demo_set_has_johndoe_with_articles_and_local_avatars() {
    each_backend("seed_demo", |app| async move {
        let counts = seed::demo(&app.db).await.unwrap();
        assert_eq!(
            (counts.users, counts.articles, counts.comments),
            (2, 3, 1),
            "{counts:?}"
        );

        // What the official browser suite's ssr mode looks for: johndoe, with articles, on the
        // global feed.
        let john = app.get("/api/profiles/johndoe", None).await;
        let john = john.assert_status(200)["profile"].clone();
        let mine = app.get("/api/articles?author=johndoe", None).await;
        assert_eq!(mine.assert_status(200)["articlesCount"], 2);
        let feed = app.get("/api/articles", None).await;
        let newest = &feed.assert_status(200)["articles"][0];
        assert_eq!(
            (
                newest["title"].as_str(),
                newest["author"]["username"].as_str()
            ),
            (Some("Welcome to Conduit"), Some("johndoe"))
        );
        assert_eq!(newest["favoritesCount"], 1);
        let slug = newest["slug"].as_str().unwrap();
        let comments = app
            .get(&format!("/api/articles/{slug}/comments"), None)
            .await;
        assert_eq!(
            comments.assert_status(200)["comments"][0]["author"]["username"],
            "janedoe"
        );

        // Avatars are the site's own files, never another host.
        for image in [
            john["image"].as_str().unwrap().to_string(),
            comments.json["comments"][0]["author"]["image"]
                .as_str()
                .unwrap()
                .to_string(),
        ] {
            assert!(
                image.starts_with("/avatars/") && image.ends_with(".svg"),
                "{image}"
            );
            assert_eq!(model::avatar(Some(&image)), image, "pages show {image}");
        }

        // Demo users sign in with the documented password, and janedoe follows johndoe.
        let login = app
            .post(
                "/api/users/login",
                None,
                json!({"user": {"email": "janedoe@example.com", "password": PASSWORD}}),
            )
            .await;
        let token = login.assert_status(200)["user"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        let feed = app.get("/api/articles/feed", Some(&token)).await;
        assert_eq!(feed.assert_status(200)["articlesCount"], 2);

        // Only an empty database is seeded.
        assert!(matches!(
            seed::demo(&app.db).await,
            Err(seed::SeedError::NotEmpty)
        ));
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
    })
    .await;
}
