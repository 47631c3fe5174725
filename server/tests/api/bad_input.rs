//! Issue 3, item 5: bad input gets a clear 4xx in the envelope (or is stored verbatim and
//! returned intact), never a 500, and never changes other data. The harness already fails any
//! 5xx and any 4xx without the envelope.

use axum::http::Method;
use serde_json::{json, Value};

use crate::api_test;
use crate::harness::{TestApp, PASSWORD};

/// What a user, their article and its comment look like now, to show that bad requests changed
/// nothing.
async fn snapshot(app: &TestApp, token: &str) -> Value {
    json!({
        "user": app.get("/api/user", Some(token)).await.json["user"]["bio"],
        "articles": app.get("/api/articles", None).await.json,
        "comments": app.get("/api/articles/stable/comments", None).await.json,
        "tags": app.get("/api/tags", None).await.json,
        "users": app.count("SELECT COUNT(*) FROM users").await,
    })
}

api_test!(
    async fn malformed_json_is_422_and_changes_nothing(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Stable", &["t"]).await;
        let before = snapshot(&app, &jake.token).await;
        let json = Some("application/json");
        for body in ["{", "{\"user\":", "not json", "{\"user\": {\"email\": \"a@b.c\",}}", "\u{0}", ""] {
            app.raw(Method::POST, "/api/users", None, json, body).await.assert_error_field(422, "body");
            app.raw(Method::POST, "/api/users/login", None, json, body).await.assert_error_field(422, "body");
            app.raw(Method::PUT, "/api/user", Some(&jake.token), json, body).await.assert_error_field(422, "body");
            app.raw(Method::POST, "/api/articles", Some(&jake.token), json, body).await.assert_error_field(422, "body");
            app.raw(Method::PUT, "/api/articles/stable", Some(&jake.token), json, body).await.assert_error_field(422, "body");
            app.raw(Method::POST, "/api/articles/stable/comments", Some(&jake.token), json, body).await.assert_error_field(422, "body");
        }
        assert_eq!(snapshot(&app, &jake.token).await, before);
    }
);

api_test!(
    async fn a_wrong_or_missing_content_type_is_415(app) {
        let jake = app.register("jake").await;
        let body = json!({"user": {"username": "anna", "email": "anna@example.com", "password": PASSWORD}}).to_string();
        for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x"), None] {
            app.raw(Method::POST, "/api/users", None, content_type, body.clone()).await.assert_error_field(415, "body");
        }
        let article = json!({"article": {"title": "t", "description": "d", "body": "b"}}).to_string();
        app.raw(Method::POST, "/api/articles", Some(&jake.token), Some("text/plain"), article).await.assert_error_field(415, "body");
        // A JSON content type with parameters is still JSON.
        app.raw(Method::POST, "/api/users", None, Some("application/json; charset=utf-8"), body).await.assert_status(201);
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 0);
    }
);

api_test!(
    async fn missing_wrappers_and_wrong_types_are_422(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Stable", &["t"]).await;
        let before = snapshot(&app, &jake.token).await;
        for body in [
            json!({"username": "anna", "email": "anna@example.com", "password": PASSWORD}),
            json!({"user": null}),
            json!({"user": []}),
            json!({"user": "anna"}),
            json!([]),
            json!(null),
            json!(42),
            json!({"user": {"username": 42, "email": "anna@example.com", "password": PASSWORD}}),
            json!({"user": {"username": "anna", "email": ["anna@example.com"], "password": PASSWORD}}),
            json!({"user": {"username": "anna", "email": "anna@example.com", "password": 12345678}}),
            json!({"user": {"username": {"$ne": null}, "email": "anna@example.com", "password": PASSWORD}}),
        ] {
            app.post("/api/users", None, body.clone()).await.assert_error_field(422, "body");
        }
        for body in [json!({"email": "jake@example.com", "password": PASSWORD}), json!({"user": {"email": true, "password": PASSWORD}})] {
            app.post("/api/users/login", None, body).await.assert_error_field(422, "body");
        }
        for body in [json!({"bio": "x"}), json!({"user": {"bio": 42}}), json!({"user": {"image": false}})] {
            app.put("/api/user", Some(&jake.token), body).await.assert_error_field(422, "body");
        }
        for body in [
            json!({"title": "t", "description": "d", "body": "b"}),
            json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": "a,b"}}),
            json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": [1, 2]}}),
            json!({"article": {"title": 1, "description": "d", "body": "b"}}),
        ] {
            app.post("/api/articles", Some(&jake.token), body).await.assert_error_field(422, "body");
        }
        for body in [json!({"body": "x"}), json!({"article": {"tagList": {"a": 1}}}), json!({"article": {"body": 3}})] {
            app.put("/api/articles/stable", Some(&jake.token), body).await.assert_error_field(422, "body");
        }
        for body in [json!({"body": "x"}), json!({"comment": {"body": 3}}), json!({"comment": "x"})] {
            app.post("/api/articles/stable/comments", Some(&jake.token), body).await.assert_error_field(422, "body");
        }
        assert_eq!(snapshot(&app, &jake.token).await, before);
    }
);

api_test!(
    async fn an_oversized_body_is_413_with_the_envelope(app) {
        let jake = app.register("jake").await;
        // The default limit is 1 MiB.
        let huge = "x".repeat(2 * 1024 * 1024);
        let body = json!({"article": {"title": "big", "description": "d", "body": huge}}).to_string();
        app.raw(Method::POST, "/api/articles", Some(&jake.token), Some("application/json"), body)
            .await
            .assert_error(413, "body", "is too large");
        let register = json!({"user": {"username": huge, "email": "big@example.com", "password": PASSWORD}}).to_string();
        app.raw(Method::POST, "/api/users", None, Some("application/json"), register).await.assert_error(413, "body", "is too large");
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    }
);

#[tokio::test]
async fn the_body_limit_follows_the_configuration() {
    crate::harness::each_backend_with("the_body_limit_follows_the_configuration", &[("CONDUIT_BODY_LIMIT_BYTES", "2000")], |app| async move {
        let jake = app.register("jake").await;
        let fits = json!({"article": {"title": "fits", "description": "d", "body": "x".repeat(1500)}});
        app.post("/api/articles", Some(&jake.token), fits).await.assert_status(201);
        let too_big = json!({"article": {"title": "too big", "description": "d", "body": "x".repeat(2500)}});
        app.post("/api/articles", Some(&jake.token), too_big).await.assert_error(413, "body", "is too large");
        // A streamed body without a length is cut off at the limit as well.
        let chunks: Vec<Result<String, std::io::Error>> =
            vec![Ok("{\"comment\": {\"body\": \"".to_string()), Ok("y".repeat(3000)), Ok("\"}}".to_string())];
        let stream = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
        app.raw(Method::POST, "/api/articles/fits/comments", Some(&jake.token), Some("application/json"), stream)
            .await
            .assert_error(413, "body", "is too large");
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 0);
    })
    .await;
}

api_test!(
    async fn absurd_limit_and_offset_are_422_and_sane_offsets_past_the_end_are_empty_pages(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Only", &[]).await;
        for (query, field) in [
            ("limit=-1", "limit"),
            ("limit=101", "limit"),
            ("limit=99999999999999999999999", "limit"),
            ("limit=abc", "limit"),
            ("limit=1.5", "limit"),
            ("limit=1e3", "limit"),
            ("offset=-5", "offset"),
            ("offset=abc", "offset"),
            ("offset=99999999999999999999999", "offset"),
            ("offset=9223372036854775807", "offset"),
            ("offset=1000000", "offset"),
        ] {
            app.get(&format!("/api/articles?{query}"), None).await.assert_error_field(422, field);
            app.get(&format!("/api/articles/feed?{query}"), Some(&jake.token)).await.assert_error_field(422, field);
        }
        // A repeated parameter is refused in the envelope too.
        app.get("/api/articles?limit=1&limit=2", None).await.assert_error_field(422, "query");
        // Offsets past the end (up to the maximum) are empty pages; empty values mean the defaults.
        let past = app.get("/api/articles?offset=10000&limit=100", None).await;
        assert_eq!(past.assert_status(200), &json!({"articles": [], "articlesCount": 1}));
        let defaults = app.get("/api/articles?limit=&offset=", None).await;
        assert_eq!(defaults.assert_status(200)["articlesCount"], 1);
        let unknown = app.get("/api/articles?page=7&whatever=1", None).await;
        assert_eq!(unknown.assert_status(200)["articlesCount"], 1);
    }
);

api_test!(
    async fn unicode_and_emoji_are_kept_in_every_text_field(app) {
        let username = "Zoë-日本語-🦀";
        let email = "zoë+🦀@例え.jp";
        let resp = app.post("/api/users", None, json!({"user": {"username": username, "email": email, "password": "pässwörd🔑🔑"}})).await;
        let user = resp.assert_status(201)["user"].clone();
        assert_eq!(user["username"], username);
        assert_eq!(user["email"], email);
        let token = user["token"].as_str().unwrap();
        let login = app.post("/api/users/login", None, json!({"user": {"email": email, "password": "pässwörd🔑🔑"}})).await;
        login.assert_status(200);

        let bio = "Ich bin ein Berliner. 我是柏林人。 🇩🇪 \u{200d}👩‍💻 مرحبا";
        let updated = app.put("/api/user", Some(token), json!({"user": {"bio": bio}})).await;
        assert_eq!(updated.assert_status(200)["user"]["bio"], bio);

        let (title, description, body) = ("Ünïcödé Straße 🎉", "Описание — 説明", "# Überschrift\n\nTexte avec accents: é à ç ✓ 🚀\n");
        let tags = ["日本", "émoji-🏷️", "Straße"];
        let created = app
            .post("/api/articles", Some(token), json!({"article": {"title": title, "description": description, "body": body, "tagList": tags}}))
            .await;
        let article = created.assert_status(201)["article"].clone();
        assert_eq!(article["title"], title);
        assert_eq!(article["description"], description);
        assert_eq!(article["body"], body);
        assert_eq!(article["tagList"], json!(tags));
        assert_eq!(article["author"]["username"], username);
        let slug = article["slug"].as_str().unwrap();
        assert!(!slug.is_empty());

        let encode = |s: &str| -> String { s.bytes().map(|b| format!("%{b:02X}")).collect() };
        let fetched = app.get(&format!("/api/articles/{}", encode(slug)), None).await;
        assert_eq!(fetched.assert_status(200)["article"], article);
        let by_tag = app.get(&format!("/api/articles?tag={}", encode("émoji-🏷️")), None).await;
        assert_eq!(by_tag.json["articlesCount"], 1);
        let by_author = app.get(&format!("/api/articles?author={}", encode(username)), None).await;
        assert_eq!(by_author.json["articlesCount"], 1);
        let profile = app.get(&format!("/api/profiles/{}", encode(username)), None).await;
        assert_eq!(profile.assert_status(200)["profile"]["bio"], bio);

        let comment_body = "👍 très bien — 很好";
        let comment = app.post(&format!("/api/articles/{}/comments", encode(slug)), Some(token), json!({"comment": {"body": comment_body}})).await;
        assert_eq!(comment.assert_status(201)["comment"]["body"], comment_body);
        let tags_now = app.get("/api/tags", None).await;
        for tag in tags {
            assert!(tags_now.json["tags"].as_array().unwrap().contains(&json!(tag)), "{tag} in {}", tags_now.json);
        }
    }
);

api_test!(
    async fn sql_and_html_looking_text_is_stored_verbatim(app) {
        let sql = "Robert'); DROP TABLE users; --";
        let html = "<script>alert('xss')</script><img src=x onerror=alert(1)>";
        let resp = app.post("/api/users", None, json!({"user": {"username": sql, "email": "bobby@tables.example", "password": PASSWORD}})).await;
        let token = resp.assert_status(201)["user"]["token"].as_str().unwrap().to_string();
        assert_eq!(resp.json["user"]["username"], sql);
        app.put("/api/user", Some(&token), json!({"user": {"bio": html}})).await.assert_status(200);

        let title = "1' OR '1'='1";
        let body = format!("{html}\n\n' UNION SELECT password_hash FROM users --");
        let tags = ["' OR 1=1 --", "<b>bold</b>", "%", "_"];
        let created = app
            .post("/api/articles", Some(&token), json!({"article": {"title": title, "description": html, "body": body, "tagList": tags}}))
            .await;
        let article = created.assert_status(201)["article"].clone();
        assert_eq!(article["title"], title);
        assert_eq!(article["description"], html);
        assert_eq!(article["body"], body);
        assert_eq!(article["tagList"], json!(tags));
        assert_eq!(article["author"]["username"], sql);
        assert_eq!(article["author"]["bio"], html);
        let slug = article["slug"].as_str().unwrap().to_string();
        let comment = app.post(&format!("/api/articles/{slug}/comments"), Some(&token), json!({"comment": {"body": html}})).await;
        assert_eq!(comment.assert_status(201)["comment"]["body"], html);

        // Filters with SQL wildcards and quotes match only themselves.
        let other = app.register("other").await;
        app.create_article(&other, "Plain", &["plain"]).await;
        let encode = |s: &str| -> String { s.bytes().map(|b| format!("%{b:02X}")).collect() };
        for tag in ["%", "_", "' OR 1=1 --"] {
            let list = app.get(&format!("/api/articles?tag={}", encode(tag)), None).await;
            assert_eq!(list.json["articlesCount"], 1, "tag {tag}");
        }
        let list = app.get(&format!("/api/articles?author={}", encode("' OR '1'='1")), None).await;
        assert_eq!(list.json["articlesCount"], 0);
        let list = app.get(&format!("/api/articles?author={}", encode(sql)), None).await;
        assert_eq!(list.json["articlesCount"], 1);
        app.get(&format!("/api/profiles/{}", encode("' OR '1'='1")), None).await.assert_error(404, "profile", "not found");
        let login = app.post("/api/users/login", None, json!({"user": {"email": "' OR '1'='1", "password": "' OR '1'='1"}})).await;
        login.assert_error(401, "credentials", "invalid");

        // Everything is still there and intact.
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
        let fetched = app.get(&format!("/api/articles/{}", encode(&slug)), None).await;
        assert_eq!(fetched.assert_status(200)["article"]["body"], body);
        assert_eq!(app.get("/api/articles", None).await.json["articlesCount"], 2);
    }
);

api_test!(
    async fn unknown_routes_and_methods_get_the_envelope(app) {
        app.get("/api/nothing-here", None).await.assert_error(404, "path", "not found");
        app.get("/api/articles/a/b/c/d", None).await.assert_error(404, "path", "not found");
        app.call(Method::PATCH, "/api/articles/x", None, None).await.assert_error(405, "method", "is not allowed");
        app.call(Method::DELETE, "/api/tags", None, None).await.assert_error(405, "method", "is not allowed");
        app.call(Method::PUT, "/api/articles", None, Some(json!({}))).await.assert_error(405, "method", "is not allowed");
        // A path segment that is not UTF-8 names nothing.
        app.get("/api/articles/%FF%FE", None).await.assert_error_field(404, "path");
        app.get("/api/profiles/%C3%28", None).await.assert_error_field(404, "path");
    }
);

api_test!(
    async fn very_long_fields_are_422_not_500(app) {
        let jake = app.register("jake").await;
        let long = "x".repeat(300);
        app.post("/api/users", None, json!({"user": {"username": "y".repeat(200), "email": "y@example.com", "password": PASSWORD}}))
            .await
            .assert_error_field(422, "username");
        app.post("/api/users", None, json!({"user": {"username": "y", "email": "y@example.com", "password": "p".repeat(10_000)}}))
            .await
            .assert_error_field(422, "password");
        app.post("/api/articles", Some(&jake.token), json!({"article": {"title": long, "description": "d", "body": "b"}}))
            .await
            .assert_error_field(422, "title");
        let many: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
        app.post("/api/articles", Some(&jake.token), json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": many}}))
            .await
            .assert_error_field(422, "tagList");
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 0);
    }
);
