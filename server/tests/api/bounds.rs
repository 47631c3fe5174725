//! Issue 18, items 1 and 5: every list a request sends or reads has a bound, checked before the
//! work it would cost. Each bound is tested where it bites: exactly at it passes, one beyond is
//! refused (or cut).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::{json, Value};

use domain::validate::{Page, MAX_TAG, MAX_TAGS, MAX_TAG_ENTRIES};
use domain::{comments, tags};

use crate::api_test;
use crate::harness::{each_backend, Resp, TestApp};
use crate::ui::{assert_ui_error, form, post, sign_in, Js};

/// `count` alphanumeric tags, as many of them different as `budget` bytes of a JSON list hold
/// (shortest first), the rest repeats of "0": within the default 1 MiB body limit, the costliest
/// list for a check that compares tags pairwise.
fn flood_of_tags(count: usize, budget: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let name = |mut i: usize| {
        // The i-th string over ALPHABET in shortlex order.
        let mut len = 1;
        let mut span = ALPHABET.len();
        while i >= span {
            i -= span;
            len += 1;
            span *= ALPHABET.len();
        }
        let mut out = vec![b'0'; len];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[i % ALPHABET.len()];
            i /= ALPHABET.len();
        }
        String::from_utf8(out).unwrap()
    };
    // `"tag",` per entry; a repeat of "0" costs 4 bytes.
    let mut used = 0;
    (0..count)
        .map(|i| {
            let distinct = name(i);
            let rest = (count - i - 1) * 4;
            if used + distinct.len() + 3 + rest <= budget {
                used += distinct.len() + 3;
                distinct
            } else {
                used += 4;
                "0".to_string()
            }
        })
        .collect()
}

fn article_with_tags(tags: &[String]) -> Value {
    json!({"article": {"title": "Tagged", "description": "d", "body": "b", "tagList": tags}})
}

/// Item 1: 200,000 tags in one body. The pairwise de-duplication took tens of seconds of one
/// worker (release build) for this body; now the count is refused before any tag is looked at.
/// The server's runtime has a worker per core; so does this test's, and `/healthz` is asked
/// all along: it must never wait more than 50 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_200_000_tags_is_a_quick_422_while_healthz_keeps_answering() {
    each_backend(
        "a_body_of_200_000_tags_is_a_quick_422_while_healthz_keeps_answering",
        |app| async move {
            let jake = app.register("jake").await;
            let flood = flood_of_tags(200_000, 1024 * 1024 - 256);
            let distinct: std::collections::HashSet<&String> = flood.iter().collect();
            assert!(
                distinct.len() > 120_000,
                "{} different tags",
                distinct.len()
            );
            let body = article_with_tags(&flood).to_string();
            assert!(
                body.len() <= 1024 * 1024,
                "fits the default body limit: {} bytes",
                body.len()
            );

            let request = Request::builder()
                .method(Method::POST)
                .uri("/api/articles")
                .header(header::AUTHORIZATION, format!("Token {}", jake.token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
            let sender = app.clone();
            let started = Instant::now();
            let answer = tokio::spawn(async move {
                let resp = sender.send(request).await;
                (resp, started.elapsed())
            });
            let mut slowest = Duration::ZERO;
            let mut probes = 0;
            while !answer.is_finished() && started.elapsed() < Duration::from_secs(10) {
                let asked = Instant::now();
                app.get("/healthz", None).await.assert_status(200);
                slowest = slowest.max(asked.elapsed());
                probes += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert!(
                answer.is_finished(),
                "no answer to 200,000 tags within 10 s"
            );
            let (resp, took) = answer.await.unwrap();
            resp.assert_error_field(422, "tagList");
            assert!(resp.json["errors"]["tagList"][0]
                .as_str()
                .unwrap()
                .contains("too many entries"));
            assert!(took < Duration::from_secs(1), "422 after {took:?}");
            assert!(
                slowest < Duration::from_millis(50),
                "/healthz waited {slowest:?} ({probes} probes)"
            );
            assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 0);
            assert_eq!(app.count("SELECT COUNT(*) FROM tags").await, 0);
        },
    )
    .await;
}

api_test!(
    async fn tag_lists_pass_at_their_bounds_and_are_refused_one_beyond(app) {
        let jake = app.register("jake").await;
        let distinct = |n: usize| (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>();
        let create = |tags: Vec<String>| {
            let app = app.clone();
            let token = jake.token.clone();
            async move { app.post("/api/articles", Some(&token), article_with_tags(&tags)).await }
        };
        // Different tags: 20 pass, 21 are refused.
        let at_max = create(distinct(MAX_TAGS)).await;
        assert_eq!(at_max.assert_status(201)["article"]["tagList"].as_array().unwrap().len(), MAX_TAGS);
        create(distinct(MAX_TAGS + 1)).await.assert_error(422, "tagList", "has too many tags (maximum is 20)");
        // Entries as sent, repeats and blanks included: 100 pass, 101 are refused.
        let mut entries = distinct(MAX_TAGS);
        entries.resize(MAX_TAG_ENTRIES, " t0 ".to_string());
        assert_eq!(create(entries.clone()).await.assert_status(201)["article"]["tagList"].as_array().unwrap().len(), MAX_TAGS);
        entries.push(String::new());
        create(entries).await.assert_error(
            422,
            "tagList",
            "has too many entries (maximum is 100, repeats included; at most 20 different tags)",
        );
        // A tag's length: 64 characters pass, 65 are refused.
        let longest = "ü".repeat(MAX_TAG);
        let resp = create(vec![longest.clone()]).await;
        assert_eq!(resp.assert_status(201)["article"]["tagList"], json!([longest]));
        create(vec![format!("{longest}x")]).await.assert_error(
            422,
            "tagList",
            "has a tag that is too long (maximum is 64 characters)",
        );
        // Changing the tags is bound alike.
        let slug = at_max.json["article"]["slug"].as_str().unwrap().to_string();
        let path = format!("/api/articles/{slug}");
        let flood = json!({"article": {"tagList": vec!["x"; MAX_TAG_ENTRIES + 1]}});
        app.put(&path, Some(&jake.token), flood).await.assert_error_field(422, "tagList");
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 3);
    }
);

// The editor posts the tag field's raw text (all there is before hydration): it is bound as it
// is split, before any tag is made.
api_test!(
    async fn the_editors_raw_tag_text_is_bound_before_it_is_split_into_tags(app) {
        let jake = app.register("jake").await;
        let cookie = sign_in(&app, &jake).await;
        let publish = |tag_input: String| {
            let app = app.clone();
            let cookie = cookie.clone();
            async move {
                let body = form(&[
                    ("slug", ""),
                    ("title", "Tagged in the editor"),
                    ("description", "d"),
                    ("body", "b"),
                    ("tag_list", ""),
                    ("tag_input", &tag_input),
                ]);
                let started = Instant::now();
                let resp = post::<app::pages::editor::PublishArticle>(&app, Js::On, Some(&cookie), body).await;
                (resp, started.elapsed())
            }
        };
        let flood = flood_of_tags(200_000, 900 * 1024).join(",");
        let (resp, took) = publish(flood).await;
        assert_ui_error(&resp, 422, "tagList has too many entries");
        assert!(took < Duration::from_secs(1), "422 after {took:?}");
        let at_max = vec!["rust"; MAX_TAG_ENTRIES].join(",");
        let (resp, _) = publish(at_max.clone()).await;
        resp.assert_status(200);
        let (resp, _) = publish(format!("{at_max},rust")).await;
        assert_ui_error(&resp, 422, "tagList has too many entries");
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 1);
    }
);

api_test!(
    async fn offsets_pass_up_to_their_maximum_and_are_422_beyond(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Only", &[]).await;
        let max = Page::MAX_OFFSET;
        assert_eq!(max, 10_000, "the README's Limits list says so");
        for (path, token) in [("/api/articles", None), ("/api/articles/feed", Some(jake.token.as_str()))] {
            let at_max = app.get(&format!("{path}?offset={max}&limit=100"), token).await;
            assert_eq!(at_max.assert_status(200)["articles"], json!([]));
            app.get(&format!("{path}?offset={}", max + 1), token)
                .await
                .assert_error(422, "offset", "must be between 0 and 10000");
            app.get(&format!("{path}?offset=1000000000"), token).await.assert_error_field(422, "offset");
            app.get(&format!("{path}?limit=100"), token).await.assert_status(200);
            app.get(&format!("{path}?limit=101"), token).await.assert_error(422, "limit", "must be between 0 and 100");
        }
        // Filters are bound alike.
        app.get(&format!("/api/articles?tag=x&offset={}", max + 1), None).await.assert_error_field(422, "offset");
        app.get(&format!("/api/articles?author=jake&offset={max}"), None).await.assert_status(200);
    }
);

/// A server-rendered page (JavaScript off) as a browser asks for it.
async fn page(app: &TestApp, path: &str) -> String {
    let request = Request::builder()
        .uri(path)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    app.send(request).await.text
}

api_test!(
    async fn a_page_number_past_the_deepest_page_is_a_readable_message(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Listed", &["paged"]).await;
        let last = Page::last_numbered(10);
        assert_eq!(last, 1_001);
        let refused = "page must be between 1 and 1001";
        for base in ["/?", "/tag/paged?", "/profile/jake?", "/profile/jake/favorites?"] {
            let first = page(&app, &format!("{base}page=1")).await;
            assert!(first.contains("Listed") || base.contains("favorites"), "{base}: {first}");
            assert!(!page(&app, &format!("{base}page={last}")).await.contains(refused), "{base}");
            let beyond = page(&app, &format!("{base}page={}", last + 1)).await;
            assert!(beyond.contains(refused), "{base}: {beyond}");
            let far = page(&app, &format!("{base}page=4000000000")).await;
            assert!(far.contains(refused), "{base}: {far}");
        }
    }
);

api_test!(
    async fn the_comment_list_is_the_newest_100_newest_first(app) {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Talked about", &[]).await;
        let path = "/api/articles/talked-about/comments";
        let max = comments::MAX_LISTED as usize;
        assert_eq!(max, 100, "the README's Limits list says so");
        for i in 0..max {
            app.post(path, Some(&jake.token), json!({"comment": {"body": format!("comment {i}")}}))
                .await
                .assert_status(201);
        }
        let bodies = |resp: &Resp| -> Vec<String> {
            resp.json["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap().to_string()).collect()
        };
        let all = app.get(path, None).await;
        let expected: Vec<String> = (0..max).rev().map(|i| format!("comment {i}")).collect();
        assert_eq!(bodies(&all), expected, "all 100, newest first");
        app.post(path, Some(&jake.token), json!({"comment": {"body": "comment 100"}})).await.assert_status(201);
        let capped = bodies(&app.get(path, None).await);
        assert_eq!(capped.len(), max, "one beyond: the oldest is left out");
        assert_eq!(capped.first().unwrap(), "comment 100");
        assert_eq!(capped.last().unwrap(), "comment 1");
    }
);

api_test!(
    async fn the_tag_list_is_every_tag_up_to_1000_most_used_first(app) {
        let jake = app.register("jake").await;
        let max = tags::MAX_LISTED as usize;
        assert_eq!(max, 1_000, "the README's Limits list says so");
        let names: Vec<String> = (0..max).map(|i| format!("tag-{i:04}")).collect();
        for (i, chunk) in names.chunks(MAX_TAGS).enumerate() {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            app.create_article(&jake, &format!("Tagged {i}"), &chunk).await;
        }
        let listed = |resp: &Resp| resp.json["tags"].as_array().unwrap().len();
        assert_eq!(listed(&app.get("/api/tags", None).await), max, "every tag at the bound");
        // One more tag, used twice: it leads, and the least used (last by name) is left out.
        app.create_article(&jake, "Popular", &["popular"]).await;
        app.create_article(&jake, "Popular again", &["popular"]).await;
        let resp = app.get("/api/tags", None).await;
        assert_eq!(listed(&resp), max);
        assert_eq!(resp.json["tags"][0], "popular");
        assert!(!resp.json["tags"].as_array().unwrap().contains(&json!("tag-0999")));
    }
);
