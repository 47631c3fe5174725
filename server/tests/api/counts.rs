//! The counts the schema keeps (migration 0002) and the tag links' copy of the creation time
//! (0003): after seeding and after every kind of write through the API, including deletes that
//! cascade, each total the API reports equals counting the rows, and each tag page and feed page
//! lists what the plain query over `articles` lists, in the same order. The tags every article
//! shows (kept on the article's row, 0007) are its links, in order.

use serde_json::{json, Value};
use server::seed::{self, Size, PASSWORD};

use crate::api_test;
use crate::harness::{TestApp, TestUser};

/// A number from the database for one bound name.
async fn count_for(app: &TestApp, sql: &str, name: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(name.to_string())
        .fetch_one(app.db.pool())
        .await
        .expect("a count")
}

async fn names(app: &TestApp, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .fetch_all(app.db.pool())
        .await
        .expect("names")
}

/// The slugs of a full page of 20 at `offset` of the articles matching `condition` (on `a`, with
/// `name` as `$1`), newest first, by the plain query the API's listings must agree with.
async fn plain_page(app: &TestApp, condition: &str, name: &str, offset: usize) -> Vec<String> {
    let sql = format!(
        "SELECT a.slug FROM articles a WHERE {condition}
         ORDER BY a.created_at DESC, a.id DESC LIMIT 20 OFFSET {offset}"
    );
    let slugs: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(name.to_string())
        .fetch_all(app.db.pool())
        .await
        .expect("a page by the plain query");
    assert_eq!(slugs.len(), 20, "a full page");
    slugs
}

fn total(resp: &crate::harness::Resp) -> i64 {
    resp.assert_status(200)["articlesCount"].as_i64().unwrap()
}

fn slugs(list: &Value) -> Vec<String> {
    list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_string())
        .collect()
}

async fn sign_in(app: &TestApp, username: &str) -> TestUser {
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE username = $1")
        .bind(username.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let resp = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": email, "password": PASSWORD}}),
        )
        .await;
    TestUser {
        username: username.to_string(),
        token: resp.assert_status(200)["user"]["token"]
            .as_str()
            .unwrap()
            .to_string(),
        email,
    }
}

/// Every total the API reports, checked against counting the rows.
async fn assert_counts_agree(app: &TestApp, users: &[String], followers: &[&TestUser]) {
    let articles = app.count("SELECT COUNT(*) FROM articles").await;
    assert_eq!(
        total(&app.get("/api/articles?limit=1", None).await),
        articles
    );

    for tag in names(app, "SELECT name FROM tags ORDER BY name").await {
        let counted = count_for(
            app,
            "SELECT COUNT(*) FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = $1",
            &tag,
        )
        .await;
        let path = format!("/api/articles?tag={}&limit=100", urlencoding(&tag));
        let page = app.get(&path, None).await;
        assert_eq!(total(&page), counted, "tag {tag}");
        assert_eq!(
            page.json["articles"].as_array().unwrap().len() as i64,
            counted.min(100)
        );
    }
    for user in users {
        let written = "SELECT COUNT(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE u.username = $1";
        let page = app
            .get(&format!("/api/articles?author={user}&limit=1"), None)
            .await;
        assert_eq!(
            total(&page),
            count_for(app, written, user).await,
            "author {user}"
        );
        let favorited = "SELECT COUNT(*) FROM favorites f JOIN users u ON u.id = f.user_id WHERE u.username = $1";
        let page = app
            .get(&format!("/api/articles?favorited={user}&limit=1"), None)
            .await;
        assert_eq!(
            total(&page),
            count_for(app, favorited, user).await,
            "favorited {user}"
        );
    }
    for reader in followers {
        let followed =
            "SELECT COUNT(*) FROM articles a JOIN follows fo ON fo.followee_id = a.author_id
                        JOIN users u ON u.id = fo.follower_id WHERE u.username = $1";
        let feed = app
            .get("/api/articles/feed?limit=1", Some(&reader.token))
            .await;
        assert_eq!(
            total(&feed),
            count_for(app, followed, &reader.username).await,
            "feed of {}",
            reader.username
        );
    }
    // Every article's tags, as listed, are its links in their order.
    let links: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.slug, t.name FROM article_tags at JOIN articles a ON a.id = at.article_id
         JOIN tags t ON t.id = at.tag_id ORDER BY a.slug, at.position",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("the tag links");
    let mut linked: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (slug, tag) in links {
        linked.entry(slug).or_default().push(tag);
    }
    let mut listed = 0;
    while listed < articles {
        let page = app
            .get(&format!("/api/articles?limit=100&offset={listed}"), None)
            .await;
        for article in page.assert_status(200)["articles"].as_array().unwrap() {
            let slug = article["slug"].as_str().unwrap();
            let links = linked.remove(slug).unwrap_or_default();
            assert_eq!(article["tagList"], json!(links), "tags of {slug}");
            listed += 1;
        }
    }
    assert!(linked.is_empty(), "links of unlisted articles: {linked:?}");

    // No unknown name has articles.
    assert_eq!(
        total(&app.get("/api/articles?tag=no-such-tag", None).await),
        0
    );
    assert_eq!(
        total(&app.get("/api/articles?author=nobody-here", None).await),
        0
    );
    assert_eq!(
        total(&app.get("/api/articles?favorited=nobody-here", None).await),
        0
    );

    // Tags in use, most used first, ties by name: the order of counting the links.
    let counted = names(
        app,
        "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id
         GROUP BY t.id, t.name ORDER BY COUNT(*) DESC, t.name",
    )
    .await;
    assert_eq!(
        app.get("/api/tags", None).await.assert_status(200)["tags"],
        json!(counted)
    );
}

/// Tags here are plain words, dashes and digits; the new ones below add a space.
fn urlencoding(tag: &str) -> String {
    tag.replace(' ', "%20")
}

api_test!(
    async fn kept_counts_equal_counting_after_every_kind_of_write(app) {
        seed::run(&app.db, Size::Small, 11).await.unwrap();
        let users = names(&app, "SELECT username FROM users ORDER BY id").await;
        let first = sign_in(&app, &users[0]).await;
        let second = sign_in(&app, &users[1]).await;
        assert_counts_agree(&app, &users, &[&first, &second]).await;

        // Writes of every kind: new articles and tags, retagging, favorites, follows, deletes.
        let writer = app.register("counter").await;
        app.post_empty(&format!("/api/profiles/{}/follow", writer.username), Some(&second.token))
            .await
            .assert_status(200);
        let mut created = Vec::new();
        for (i, tags) in [vec!["rust", "fresh tag"], vec!["fresh tag"], vec![], vec!["rust", "sql", "other tag"]]
            .into_iter()
            .enumerate()
        {
            created.push(app.create_article(&writer, &format!("Counted {i}"), &tags).await);
        }
        let slug = |i: usize| created[i]["slug"].as_str().unwrap().to_string();
        app.put(&format!("/api/articles/{}", slug(0)), Some(&writer.token), json!({"article": {"tagList": ["sql"]}}))
            .await
            .assert_status(200);
        for user in [&first, &second] {
            for i in [1, 3] {
                app.post_empty(&format!("/api/articles/{}/favorite", slug(i)), Some(&user.token))
                    .await
                    .assert_status(200);
            }
        }
        app.delete(&format!("/api/articles/{}/favorite", slug(1)), Some(&first.token))
            .await
            .assert_status(200);
        // Deleting an article takes its tag links and favorites with it.
        app.delete(&format!("/api/articles/{}", slug(3)), Some(&writer.token))
            .await
            .assert_status(204);
        // And a seeded article, with seeded favorites, comments and tags.
        let own = app.get(&format!("/api/articles?author={}&limit=1", first.username), None).await;
        let seeded = slugs(own.assert_status(200))[0].clone();
        app.delete(&format!("/api/articles/{seeded}"), Some(&first.token))
            .await
            .assert_status(204);

        let mut everyone = users.clone();
        everyone.push(writer.username.clone());
        assert_counts_agree(&app, &everyone, &[&first, &second, &writer]).await;
        assert_eq!(app.get("/api/articles?tag=other%20tag", None).await.json["articlesCount"], 0);
    }
);

api_test!(
    async fn a_tag_page_lists_the_same_articles_in_the_same_order_as_the_plain_query(app) {
        seed::run(&app.db, Size::Small, 5).await.unwrap();
        let tag = &names(&app, "SELECT name FROM tags ORDER BY article_count DESC LIMIT 1").await[0];
        let expected = plain_page(
            &app,
            "a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = $1)",
            tag,
            40,
        )
        .await;
        let page = app.get(&format!("/api/articles?tag={tag}&limit=20&offset=40"), None).await;
        assert_eq!(slugs(page.assert_status(200)), expected);
        // Every article on it carries the tag.
        for article in page.json["articles"].as_array().unwrap() {
            assert!(article["tagList"].as_array().unwrap().contains(&json!(tag)), "{article}");
        }
    }
);

api_test!(
    async fn a_feed_page_lists_the_same_articles_in_the_same_order_as_the_plain_query(app) {
        seed::run(&app.db, Size::Small, 5).await.unwrap();
        // The reader who follows the most authors, so the page mixes many of them; deep enough
        // that a prolific author supplies more than one page of what comes before it.
        let email = &names(
            &app,
            "SELECT u.email FROM users u JOIN follows fo ON fo.follower_id = u.id
             GROUP BY u.id, u.email ORDER BY COUNT(*) DESC, u.id LIMIT 1",
        )
        .await[0];
        let expected = plain_page(
            &app,
            "a.author_id IN (SELECT fo.followee_id FROM follows fo JOIN users r ON r.id = fo.follower_id WHERE r.email = $1)",
            email,
            200,
        )
        .await;
        let login = app
            .post("/api/users/login", None, json!({"user": {"email": email, "password": PASSWORD}}))
            .await;
        let token = login.assert_status(200)["user"]["token"].as_str().unwrap().to_string();
        let page = app.get("/api/articles/feed?limit=20&offset=200", Some(&token)).await;
        assert_eq!(slugs(page.assert_status(200)), expected);
        let authors: std::collections::HashSet<&str> = page.json["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["author"]["username"].as_str().unwrap())
            .collect();
        assert!(authors.len() > 1, "the page mixes authors: {authors:?}");
    }
);

api_test!(
    async fn a_favorites_page_lists_the_same_articles_in_the_same_order_as_the_plain_query(app) {
        seed::run(&app.db, Size::Small, 5).await.unwrap();
        // The most active fan, and a page after the first, so the page's ids are chosen from
        // more favorites than it shows.
        let fan = &names(
            &app,
            "SELECT u.username FROM users u JOIN favorites f ON f.user_id = u.id
             GROUP BY u.id, u.username ORDER BY COUNT(*) DESC, u.id LIMIT 1",
        )
        .await[0];
        let expected = plain_page(
            &app,
            "a.id IN (SELECT f.article_id FROM favorites f JOIN users u ON u.id = f.user_id WHERE u.username = $1)",
            fan,
            10,
        )
        .await;
        let page = app.get(&format!("/api/articles?favorited={fan}&limit=20&offset=10"), None).await;
        assert_eq!(slugs(page.assert_status(200)), expected);
    }
);
