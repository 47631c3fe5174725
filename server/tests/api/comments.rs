//! `/api/articles/:slug/comments`.

use serde_json::json;

use crate::api_test;
use crate::harness::is_millis_timestamp;

fn comment(body: &str) -> serde_json::Value {
    json!({"comment": {"body": body}})
}

api_test!(
    async fn add_is_201_with_an_integer_id_and_list_is_newest_first(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        app.create_article(&jake, "Talked about", &[]).await;
        let resp = app.post("/api/articles/talked-about/comments", Some(&anna.token), comment("First!")).await;
        let first = resp.assert_status(201)["comment"].clone();
        assert!(first["id"].is_i64(), "integer id: {first}");
        assert_eq!(first["body"], "First!");
        assert!(is_millis_timestamp(&first["createdAt"]) && is_millis_timestamp(&first["updatedAt"]));
        assert_eq!(first["author"], json!({"username": "anna", "bio": null, "image": null, "following": false}));
        let second = app.post("/api/articles/talked-about/comments", Some(&jake.token), comment("Thanks")).await;
        let second = second.assert_status(201)["comment"].clone();
        assert_ne!(first["id"], second["id"]);

        let list = app.get("/api/articles/talked-about/comments", None).await;
        assert_eq!(list.assert_status(200), &json!({"comments": [second, first]}));
        // The viewer's following flag is per viewer.
        app.post_empty("/api/profiles/anna/follow", Some(&jake.token)).await.assert_status(200);
        let seen_by_jake = app.get("/api/articles/talked-about/comments", Some(&jake.token)).await;
        assert_eq!(seen_by_jake.json["comments"][0]["author"]["following"], false);
        assert_eq!(seen_by_jake.json["comments"][1]["author"]["following"], true);
    }
);

api_test!(
    async fn comments_of_an_article_without_any_are_an_empty_list(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Quiet", &[]).await;
        assert_eq!(app.get("/api/articles/quiet/comments", None).await.assert_status(200), &json!({"comments": []}));
    }
);

api_test!(
    async fn comments_need_a_known_article(app) {
        let jake = app.register("jake").await;
        app.get("/api/articles/nothing/comments", None).await.assert_error(404, "article", "not found");
        app.post("/api/articles/nothing/comments", Some(&jake.token), comment("orphan")).await.assert_error(404, "article", "not found");
        app.delete("/api/articles/nothing/comments/1", Some(&jake.token)).await.assert_error(404, "article", "not found");
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 0);
    }
);

api_test!(
    async fn add_needs_a_token_and_a_body(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Commented", &[]).await;
        app.post("/api/articles/commented/comments", None, comment("hi")).await.assert_error(401, "token", "is missing");
        for body in [json!({"comment": {"body": ""}}), json!({"comment": {"body": "  "}}), json!({"comment": {}})] {
            app.post("/api/articles/commented/comments", Some(&jake.token), body).await.assert_error(422, "body", "can't be blank");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 0);
    }
);

api_test!(
    async fn delete_is_204_for_the_author_only(app) {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        app.create_article(&jake, "Commented", &[]).await;
        let first = app.post("/api/articles/commented/comments", Some(&anna.token), comment("one")).await.json["comment"]["id"].clone();
        let second = app.post("/api/articles/commented/comments", Some(&anna.token), comment("two")).await.json["comment"]["id"].clone();
        let path = format!("/api/articles/commented/comments/{first}");

        app.delete(&path, None).await.assert_error(401, "token", "is missing");
        // Not even the article's author may delete someone else's comment.
        app.delete(&path, Some(&jake.token)).await.assert_error(403, "comment", "forbidden");
        assert_eq!(app.get("/api/articles/commented/comments", None).await.json["comments"].as_array().unwrap().len(), 2);

        let resp = app.delete(&path, Some(&anna.token)).await;
        assert_eq!(resp.status.as_u16(), 204);
        assert!(resp.text.is_empty());
        let left = app.get("/api/articles/commented/comments", None).await;
        assert_eq!(left.json["comments"].as_array().unwrap().len(), 1);
        assert_eq!(left.json["comments"][0]["id"], second);
        assert_eq!(left.json["comments"][0]["body"], "two");
        app.delete(&path, Some(&anna.token)).await.assert_error(404, "comment", "not found");
    }
);

api_test!(
    async fn delete_unknown_or_foreign_comment_ids_is_404_comment(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "One", &[]).await;
        app.create_article(&jake, "Two", &[]).await;
        let id = app.post("/api/articles/one/comments", Some(&jake.token), comment("on one")).await.json["comment"]["id"].clone();
        app.delete("/api/articles/one/comments/99999", Some(&jake.token)).await.assert_error(404, "comment", "not found");
        app.delete("/api/articles/one/comments/not-a-number", Some(&jake.token)).await.assert_error(404, "comment", "not found");
        app.delete("/api/articles/one/comments/-1", Some(&jake.token)).await.assert_error(404, "comment", "not found");
        app.delete("/api/articles/one/comments/99999999999999999999999", Some(&jake.token)).await.assert_error(404, "comment", "not found");
        // A comment is deleted only through its own article.
        app.delete(&format!("/api/articles/two/comments/{id}"), Some(&jake.token)).await.assert_error(404, "comment", "not found");
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 1);
    }
);
