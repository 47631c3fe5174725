//! `/api/articles`: create, list, feed, get, update, delete, favorite and unfavorite.

use serde_json::{json, Value};

use crate::api_test;
use crate::harness::is_millis_timestamp;

fn slugs(list: &Value) -> Vec<&str> {
    list["articles"]
        .as_array()
        .expect("an articles list")
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect()
}

fn titles(list: &Value) -> Vec<&str> {
    list["articles"]
        .as_array()
        .expect("an articles list")
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect()
}

api_test!(
    async fn create_is_201_with_the_whole_article(app) {
        let jake = app.register("jake").await;
        let resp = app
            .post(
                "/api/articles",
                Some(&jake.token),
                json!({"article": {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "You have to believe", "tagList": ["reactjs", "angularjs", "dragons"]}}),
            )
            .await;
        let article = &resp.assert_status(201)["article"];
        assert_eq!(article["slug"], "how-to-train-your-dragon");
        assert_eq!(article["title"], "How to train your dragon");
        assert_eq!(article["description"], "Ever wonder how?");
        assert_eq!(article["body"], "You have to believe");
        assert_eq!(article["tagList"], json!(["reactjs", "angularjs", "dragons"]), "tags keep the order given");
        assert!(is_millis_timestamp(&article["createdAt"]), "createdAt {}", article["createdAt"]);
        assert!(is_millis_timestamp(&article["updatedAt"]), "updatedAt {}", article["updatedAt"]);
        assert_eq!(article["favorited"], false);
        assert_eq!(article["favoritesCount"], 0);
        assert_eq!(article["author"], json!({"username": "jake", "bio": null, "image": null, "following": false}));
    }
);

api_test!(
    async fn tag_list_is_optional_and_may_be_empty(app) {
        let jake = app.register("jake").await;
        let without = app.post("/api/articles", Some(&jake.token), json!({"article": {"title": "a", "description": "b", "body": "c"}})).await;
        assert_eq!(without.assert_status(201)["article"]["tagList"], json!([]));
        let empty = app
            .post("/api/articles", Some(&jake.token), json!({"article": {"title": "a", "description": "b", "body": "c", "tagList": []}}))
            .await;
        assert_eq!(empty.assert_status(201)["article"]["tagList"], json!([]));
        let order = app
            .post("/api/articles", Some(&jake.token), json!({"article": {"title": "a", "description": "b", "body": "c", "tagList": ["z", "a", "m", "z"]}}))
            .await;
        assert_eq!(order.assert_status(201)["article"]["tagList"], json!(["z", "a", "m"]));
        let slug = order.json["article"]["slug"].as_str().unwrap();
        assert_eq!(app.get(&format!("/api/articles/{slug}"), None).await.json["article"]["tagList"], json!(["z", "a", "m"]));
    }
);

api_test!(
    async fn create_needs_a_token_and_non_blank_fields(app) {
        let body = json!({"article": {"title": "t", "description": "d", "body": "b"}});
        app.post("/api/articles", None, body).await.assert_error(401, "token", "is missing");
        let jake = app.register("jake").await;
        for (field, article) in [
            ("title", json!({"title": "", "description": "d", "body": "b"})),
            ("description", json!({"title": "t", "description": "", "body": "b"})),
            ("body", json!({"title": "t", "description": "d", "body": ""})),
            ("title", json!({"description": "d", "body": "b"})),
            ("body", json!({"title": "t", "description": "d", "body": "   "})),
        ] {
            app.post("/api/articles", Some(&jake.token), json!({"article": article})).await.assert_error(422, field, "can't be blank");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 0);
    }
);

api_test!(
    async fn equal_titles_get_distinct_slugs(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        let mut seen = std::collections::HashSet::new();
        for user in [&jake, &jake, &anna] {
            let article = app.create_article(user, "Same Title", &[]).await;
            let slug = article["slug"].as_str().unwrap().to_string();
            assert!(slug.starts_with("same-title"), "{slug}");
            assert!(seen.insert(slug.clone()), "slug {slug} given twice");
            assert_eq!(app.get(&format!("/api/articles/{slug}"), None).await.assert_status(200)["article"]["author"]["username"], json!(user.username));
        }
    }
);

api_test!(
    async fn get_is_the_article_with_its_body_or_404(app) {
        let jake = app.register("jake").await;
        let created = app.create_article(&jake, "Dragons", &["a", "b"]).await;
        let resp = app.get("/api/articles/dragons", None).await;
        assert_eq!(resp.assert_status(200)["article"], created);
        assert_eq!(resp.json["article"]["body"], "Body of Dragons");
        app.get("/api/articles/no-such-article", None).await.assert_error(404, "article", "not found");
    }
);

api_test!(
    async fn list_is_newest_first_without_bodies_and_counts_every_match(app) {
        let jake = app.register("jake").await;
        for i in 0..5 {
            app.create_article(&jake, &format!("Article {i}"), &[]).await;
        }
        let all = app.get("/api/articles", None).await;
        let list = all.assert_status(200);
        assert_eq!(titles(list), vec!["Article 4", "Article 3", "Article 2", "Article 1", "Article 0"]);
        assert_eq!(list["articlesCount"], 5);
        for article in list["articles"].as_array().unwrap() {
            assert!(article.get("body").is_none(), "lists carry no body: {article}");
            assert!(is_millis_timestamp(&article["createdAt"]) && is_millis_timestamp(&article["updatedAt"]));
            assert_eq!(article["author"]["username"], "jake");
            assert!(article["tagList"].is_array() && article["favorited"].is_boolean() && article["favoritesCount"].is_i64());
        }
        // articlesCount is the total, not the page size.
        let page = app.get("/api/articles?limit=2", None).await;
        assert_eq!(titles(&page.json), vec!["Article 4", "Article 3"]);
        assert_eq!(page.json["articlesCount"], 5);
        let page = app.get("/api/articles?limit=2&offset=2", None).await;
        assert_eq!(titles(&page.json), vec!["Article 2", "Article 1"]);
        assert_eq!(page.json["articlesCount"], 5);
        let past = app.get("/api/articles?offset=10", None).await;
        assert_eq!(past.json, json!({"articles": [], "articlesCount": 5}));
        let none = app.get("/api/articles?limit=0", None).await;
        assert_eq!(none.json, json!({"articles": [], "articlesCount": 5}));
        // The default page is 20 articles.
        for i in 5..25 {
            app.create_article(&jake, &format!("Article {i}"), &[]).await;
        }
        let default = app.get("/api/articles", None).await;
        assert_eq!(default.json["articles"].as_array().unwrap().len(), 20);
        assert_eq!(default.json["articlesCount"], 25);
    }
);

api_test!(
    async fn list_filters_by_tag_author_and_favorited(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        let j1 = app.create_article(&jake, "Jake one", &["rust", "web"]).await;
        let _j2 = app.create_article(&jake, "Jake two", &["web"]).await;
        let a1 = app.create_article(&anna, "Anna one", &["rust"]).await;
        // Favorited newest first: the favorites page still lists the newest article first.
        for slug in [&a1["slug"], &j1["slug"]] {
            app.post_empty(&format!("/api/articles/{}/favorite", slug.as_str().unwrap()), Some(&anna.token)).await.assert_status(200);
        }

        let by_tag = app.get("/api/articles?tag=rust", None).await;
        assert_eq!(titles(&by_tag.json), vec!["Anna one", "Jake one"]);
        assert_eq!(by_tag.json["articlesCount"], 2);
        let by_author = app.get("/api/articles?author=jake", None).await;
        assert_eq!(titles(&by_author.json), vec!["Jake two", "Jake one"]);
        assert_eq!(by_author.json["articlesCount"], 2);
        let favorited = app.get("/api/articles?favorited=anna", Some(&anna.token)).await;
        assert_eq!(titles(&favorited.json), vec!["Anna one", "Jake one"]);
        assert!(favorited.json["articles"].as_array().unwrap().iter().all(|a| a["favorited"] == true && a["favoritesCount"] == 1));
        let combined = app.get("/api/articles?tag=rust&author=jake&favorited=anna", None).await;
        assert_eq!(titles(&combined.json), vec!["Jake one"]);
        assert_eq!(combined.json["articlesCount"], 1);
        let paged = app.get("/api/articles?tag=web&limit=1&offset=1", None).await;
        assert_eq!(titles(&paged.json), vec!["Jake one"]);
        assert_eq!(paged.json["articlesCount"], 2);
        for query in ["tag=nothing", "author=nobody", "favorited=jake", "favorited=nobody"] {
            let empty = app.get(&format!("/api/articles?{query}"), None).await;
            assert_eq!(empty.assert_status(200), &json!({"articles": [], "articlesCount": 0}), "{query}");
        }
        // Each article carries its own tags, in order.
        let j1_listed = by_author.json["articles"].as_array().unwrap().iter().find(|a| a["slug"] == j1["slug"]).unwrap().clone();
        assert_eq!(j1_listed["tagList"], json!(["rust", "web"]));
    }
);

api_test!(
    async fn feed_lists_followed_authors_only_and_needs_a_token(app) {
        app.get("/api/articles/feed", None).await.assert_error(401, "token", "is missing");
        let fan = app.register("fan").await;
        let celeb = app.register("celeb").await;
        let other = app.register("other").await;
        let empty = app.get("/api/articles/feed", Some(&fan.token)).await;
        assert_eq!(empty.assert_status(200), &json!({"articles": [], "articlesCount": 0}));

        app.post_empty("/api/profiles/celeb/follow", Some(&fan.token)).await.assert_status(200);
        app.create_article(&celeb, "Celeb one", &[]).await;
        app.create_article(&other, "Other one", &[]).await;
        app.create_article(&celeb, "Celeb two", &[]).await;
        app.create_article(&fan, "Fan own", &[]).await;

        let feed = app.get("/api/articles/feed", Some(&fan.token)).await;
        assert_eq!(titles(feed.assert_status(200)), vec!["Celeb two", "Celeb one"]);
        assert_eq!(feed.json["articlesCount"], 2);
        for article in feed.json["articles"].as_array().unwrap() {
            assert!(article.get("body").is_none());
            assert_eq!(article["author"]["following"], true);
        }
        let page = app.get("/api/articles/feed?limit=1", Some(&fan.token)).await;
        assert_eq!(titles(&page.json), vec!["Celeb two"]);
        assert_eq!(page.json["articlesCount"], 2);
        let page = app.get("/api/articles/feed?limit=1&offset=1", Some(&fan.token)).await;
        assert_eq!(titles(&page.json), vec!["Celeb one"]);
        assert_eq!(page.json["articlesCount"], 2);

        app.delete("/api/profiles/celeb/follow", Some(&fan.token)).await.assert_status(200);
        assert_eq!(app.get("/api/articles/feed", Some(&fan.token)).await.json["articlesCount"], 0);
    }
);

api_test!(
    async fn updating_the_body_keeps_slug_and_created_at_and_moves_updated_at(app) {
        let jake = app.register("jake").await;
        let created = app.create_article(&jake, "Keep my slug", &["one", "two"]).await;
        let slug = created["slug"].as_str().unwrap();
        let resp = app.put(&format!("/api/articles/{slug}"), Some(&jake.token), json!({"article": {"body": "New body"}})).await;
        let article = &resp.assert_status(200)["article"];
        assert_eq!(article["slug"], created["slug"]);
        assert_eq!(article["title"], "Keep my slug");
        assert_eq!(article["description"], created["description"]);
        assert_eq!(article["body"], "New body");
        assert_eq!(article["tagList"], json!(["one", "two"]), "no tagList keeps the tags");
        assert_eq!(article["createdAt"], created["createdAt"]);
        assert_ne!(article["updatedAt"], created["updatedAt"]);
        assert!(is_millis_timestamp(&article["updatedAt"]));
        assert!(article["updatedAt"].as_str().unwrap() > created["updatedAt"].as_str().unwrap());
        let fetched = app.get(&format!("/api/articles/{slug}"), None).await;
        assert_eq!(fetched.json["article"]["body"], "New body");
        assert_eq!(fetched.json["article"]["updatedAt"], article["updatedAt"]);
    }
);

api_test!(
    async fn updating_the_title_makes_a_new_slug(app) {
        let jake = app.register("jake").await;
        let created = app.create_article(&jake, "Old title", &[]).await;
        app.create_article(&jake, "Taken title", &[]).await;
        let resp = app.put("/api/articles/old-title", Some(&jake.token), json!({"article": {"title": "New title", "description": "New d"}})).await;
        let article = &resp.assert_status(200)["article"];
        assert_eq!(article["slug"], "new-title");
        assert_eq!(article["description"], "New d");
        assert_eq!(article["body"], created["body"]);
        app.get("/api/articles/old-title", None).await.assert_error(404, "article", "not found");
        assert_eq!(app.get("/api/articles/new-title", None).await.assert_status(200)["article"]["title"], "New title");
        // A title whose slug is taken gets a distinct one.
        let clash = app.put("/api/articles/new-title", Some(&jake.token), json!({"article": {"title": "Taken title"}})).await;
        let clash_slug = clash.assert_status(200)["article"]["slug"].as_str().unwrap().to_string();
        assert!(clash_slug.starts_with("taken-title") && clash_slug != "taken-title", "{clash_slug}");
        assert_eq!(app.get("/api/articles/taken-title", None).await.json["article"]["description"], "About Taken title");
    }
);

api_test!(
    async fn tag_list_on_update_absent_keeps_empty_clears_null_is_422(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Tagged", &["a", "b"]).await;
        let path = "/api/articles/tagged";
        let reordered = app.put(path, Some(&jake.token), json!({"article": {"tagList": ["c", "b", "a"]}})).await;
        assert_eq!(reordered.assert_status(200)["article"]["tagList"], json!(["c", "b", "a"]));
        let kept = app.put(path, Some(&jake.token), json!({"article": {"description": "x"}})).await;
        assert_eq!(kept.assert_status(200)["article"]["tagList"], json!(["c", "b", "a"]));
        app.put(path, Some(&jake.token), json!({"article": {"tagList": null}})).await.assert_error_field(422, "tagList");
        assert_eq!(app.get(path, None).await.json["article"]["tagList"], json!(["c", "b", "a"]), "a refused update changes nothing");
        let cleared = app.put(path, Some(&jake.token), json!({"article": {"tagList": []}})).await;
        assert_eq!(cleared.assert_status(200)["article"]["tagList"], json!([]));
        assert_eq!(app.get(path, None).await.json["article"]["tagList"], json!([]));
        assert_eq!(app.get("/api/tags", None).await.json["tags"], json!([]), "tags no longer used are not listed");
    }
);

api_test!(
    async fn update_needs_the_author_a_known_slug_and_valid_fields(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        app.create_article(&jake, "Mine", &[]).await;
        let change = json!({"article": {"body": "hijacked"}});
        app.put("/api/articles/mine", None, change.clone()).await.assert_error(401, "token", "is missing");
        app.put("/api/articles/mine", Some(&anna.token), change.clone()).await.assert_error(403, "article", "forbidden");
        app.put("/api/articles/nothing", Some(&jake.token), change).await.assert_error(404, "article", "not found");
        for field in ["title", "description", "body"] {
            app.put("/api/articles/mine", Some(&jake.token), json!({"article": {field: ""}}))
                .await
                .assert_error(422, field, "can't be blank");
        }
        assert_eq!(app.get("/api/articles/mine", None).await.json["article"]["body"], "Body of Mine");
    }
);

api_test!(
    async fn delete_is_204_and_cascades(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        app.create_article(&jake, "Doomed", &["doomed-tag", "shared"]).await;
        app.create_article(&jake, "Survivor", &["shared"]).await;
        app.post_empty("/api/articles/doomed/favorite", Some(&anna.token)).await.assert_status(200);
        app.post_empty("/api/articles/survivor/favorite", Some(&anna.token)).await.assert_status(200);
        app.post("/api/articles/doomed/comments", Some(&anna.token), json!({"comment": {"body": "first"}})).await.assert_status(201);
        app.post("/api/articles/survivor/comments", Some(&anna.token), json!({"comment": {"body": "kept"}})).await.assert_status(201);

        app.delete("/api/articles/doomed", None).await.assert_error(401, "token", "is missing");
        app.delete("/api/articles/doomed", Some(&anna.token)).await.assert_error(403, "article", "forbidden");
        app.delete("/api/articles/nothing", Some(&jake.token)).await.assert_error(404, "article", "not found");

        let resp = app.delete("/api/articles/doomed", Some(&jake.token)).await;
        assert_eq!(resp.status.as_u16(), 204);
        assert!(resp.text.is_empty(), "204 has no body");
        app.get("/api/articles/doomed", None).await.assert_error(404, "article", "not found");
        app.get("/api/articles/doomed/comments", None).await.assert_error(404, "article", "not found");
        app.delete("/api/articles/doomed", Some(&jake.token)).await.assert_error(404, "article", "not found");

        // Its tag links, favorites and comments went with it; the other article's stayed.
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM favorites").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM article_tags").await, 1);
        assert_eq!(app.get("/api/tags", None).await.json["tags"], json!(["shared"]));
        let favorited = app.get("/api/articles?favorited=anna", None).await;
        assert_eq!(titles(&favorited.json), vec!["Survivor"]);
        assert_eq!(favorited.json["articlesCount"], 1);
        assert_eq!(app.get("/api/articles/survivor/comments", None).await.json["comments"][0]["body"], "kept");
    }
);

api_test!(
    async fn favorite_and_unfavorite_are_idempotent_and_counted(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        app.create_article(&jake, "Liked", &[]).await;
        for _ in 0..2 {
            let resp = app.post_empty("/api/articles/liked/favorite", Some(&anna.token)).await;
            let article = &resp.assert_status(200)["article"];
            assert_eq!(article["favorited"], true);
            assert_eq!(article["favoritesCount"], 1);
            assert_eq!(article["body"], "Body of Liked", "the favorite answer carries the body");
        }
        let both = app.post_empty("/api/articles/liked/favorite", Some(&jake.token)).await;
        assert_eq!(both.assert_status(200)["article"]["favoritesCount"], 2);
        assert_eq!(app.get("/api/articles/liked", None).await.json["article"]["favorited"], false);
        assert_eq!(app.get("/api/articles/liked", Some(&anna.token)).await.json["article"]["favorited"], true);
        let listed = app.get("/api/articles", Some(&anna.token)).await;
        assert_eq!(listed.json["articles"][0]["favorited"], true);
        assert_eq!(listed.json["articles"][0]["favoritesCount"], 2);
        for _ in 0..2 {
            let resp = app.delete("/api/articles/liked/favorite", Some(&anna.token)).await;
            let article = &resp.assert_status(200)["article"];
            assert_eq!(article["favorited"], false);
            assert_eq!(article["favoritesCount"], 1);
            assert!(article["body"].is_string());
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM favorites").await, 1);
    }
);

api_test!(
    async fn favorite_needs_a_token_and_a_known_article(app) {
        app.post_empty("/api/articles/any/favorite", None).await.assert_error(401, "token", "is missing");
        app.delete("/api/articles/any/favorite", None).await.assert_error(401, "token", "is missing");
        let anna = app.register("anna").await;
        app.post_empty("/api/articles/nothing/favorite", Some(&anna.token)).await.assert_error(404, "article", "not found");
        app.delete("/api/articles/nothing/favorite", Some(&anna.token)).await.assert_error(404, "article", "not found");
    }
);

api_test!(
    async fn following_shows_on_articles_of_followed_authors(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        app.create_article(&jake, "Followed", &[]).await;
        app.post_empty("/api/profiles/jake/follow", Some(&anna.token)).await.assert_status(200);
        assert_eq!(app.get("/api/articles/followed", Some(&anna.token)).await.json["article"]["author"]["following"], true);
        assert_eq!(app.get("/api/articles/followed", None).await.json["article"]["author"]["following"], false);
        let list = app.get("/api/articles", Some(&anna.token)).await;
        assert_eq!(list.json["articles"][0]["author"]["following"], true);
        assert_eq!(slugs(&list.json), vec!["followed"]);
    }
);
