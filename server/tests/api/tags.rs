//! `GET /api/tags`.

use serde_json::json;

use crate::api_test;

api_test!(
    async fn tags_are_every_tag_in_use_not_a_capped_top_n(app) {
        assert_eq!(app.get("/api/tags", None).await.assert_status(200), &json!({"tags": []}));
        let jake = app.register("jake").await;
        let first: Vec<String> = (0..20).map(|i| format!("tag-{i:02}")).collect();
        let second: Vec<String> = (20..35).map(|i| format!("tag-{i:02}")).collect();
        let first_refs: Vec<&str> = first.iter().map(String::as_str).collect();
        let second_refs: Vec<&str> = second.iter().map(String::as_str).collect();
        app.create_article(&jake, "First", &first_refs).await;
        app.create_article(&jake, "Second", &second_refs).await;
        app.create_article(&jake, "Third", &["tag-00", "tag-20"]).await;
        let resp = app.get("/api/tags", None).await;
        let mut tags: Vec<String> = serde_json::from_value(resp.assert_status(200)["tags"].clone()).unwrap();
        assert_eq!(tags.len(), 35, "every tag, each once: {tags:?}");
        // Most used first.
        let mut top = tags[..2].to_vec();
        top.sort();
        assert_eq!(top, vec!["tag-00", "tag-20"]);
        tags.sort();
        let mut expected: Vec<String> = first.into_iter().chain(second).collect();
        expected.sort();
        assert_eq!(tags, expected);
    }
);

api_test!(
    async fn tags_of_deleted_articles_are_no_longer_listed(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Gone", &["gone", "kept"]).await;
        app.create_article(&jake, "Stays", &["kept"]).await;
        app.delete("/api/articles/gone", Some(&jake.token)).await.assert_status(204);
        assert_eq!(app.get("/api/tags", None).await.json, json!({"tags": ["kept"]}));
    }
);

api_test!(
    async fn listing_by_tag_finds_each_article_with_it(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "A", &["x", "y"]).await;
        app.create_article(&jake, "B", &["y"]).await;
        let list = app.get("/api/articles?tag=y", None).await;
        assert_eq!(list.json["articlesCount"], 2);
        let list = app.get("/api/articles?tag=x", None).await;
        assert_eq!(list.json["articlesCount"], 1);
        assert_eq!(list.json["articles"][0]["tagList"], json!(["x", "y"]), "the whole tag list, not just the match");
    }
);
