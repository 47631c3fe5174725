//! Issue 18, item 5: new articles and comments are limited per user
//! (`CONDUIT_WRITE_RATE_PER_MINUTE`, `CONDUIT_WRITE_RATE_BURST`), one budget for the REST API
//! and the UI together: 429 with `Retry-After` in the error envelope on the API, a readable
//! message in the UI.

use serde_json::json;

use crate::harness::{each_backend_with, Resp};
use crate::ui::{assert_ui_error, form, post, sign_in, Js};

/// One write a minute after a burst of three.
const LIMITED: &[(&str, &str)] = &[
    ("CONDUIT_WRITE_RATE_PER_MINUTE", "1"),
    ("CONDUIT_WRITE_RATE_BURST", "3"),
];

#[track_caller]
fn assert_refused_for_a_while(resp: &Resp) {
    resp.assert_error_field(429, "request");
    let message = resp.json["errors"]["request"][0].as_str().unwrap();
    assert!(
        message.starts_with("too many articles and comments, try again in "),
        "{message}"
    );
    let retry: u64 = resp.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(
        message.contains(&format!("in {retry} seconds")),
        "{message} / {retry}"
    );
}

#[tokio::test]
async fn writes_pass_up_to_the_burst_and_the_next_is_a_429_with_retry_after() {
    each_backend_with("writes_pass_up_to_the_burst", LIMITED, |app| async move {
        let jake = app.register("jake").await;
        let anna = app.register("anna").await;
        // Refused input spends nothing.
        for _ in 0..5 {
            let blank = json!({"article": {"title": "", "description": "d", "body": "b"}});
            app.post("/api/articles", Some(&jake.token), blank)
                .await
                .assert_error_field(422, "title");
        }
        // Articles and comments share the budget: three writes pass.
        app.create_article(&jake, "First", &[]).await;
        let comment = |token: &str, body: &str| {
            let (app, token) = (app.clone(), token.to_string());
            let body = json!({"comment": {"body": body}});
            async move {
                app.post("/api/articles/first/comments", Some(&token), body)
                    .await
            }
        };
        comment(&jake.token, "one").await.assert_status(201);
        comment(&jake.token, "two").await.assert_status(201);
        // The fourth, of either kind, is refused and writes nothing.
        let article = json!({"article": {"title": "Second", "description": "d", "body": "b"}});
        assert_refused_for_a_while(&app.post("/api/articles", Some(&jake.token), article).await);
        assert_refused_for_a_while(&comment(&jake.token, "three").await);
        assert_eq!(app.count("SELECT COUNT(*) FROM articles").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 2);
        // Reading and changing are not limited, nor is anyone else.
        app.get("/api/articles/first", Some(&jake.token))
            .await
            .assert_status(200);
        let edit = json!({"article": {"body": "changed"}});
        app.put("/api/articles/first", Some(&jake.token), edit)
            .await
            .assert_status(200);
        comment(&anna.token, "mine").await.assert_status(201);
    })
    .await;
}

#[tokio::test]
async fn the_ui_shares_the_budget_and_says_so_readably() {
    each_backend_with("the_ui_shares_the_budget", LIMITED, |app| async move {
        let jake = app.register("jake").await;
        let cookie = sign_in(&app, &jake).await;
        app.create_article(&jake, "Talked about", &[]).await;
        let comment = |text: &str| form(&[("slug", "talked-about"), ("body", text)]);
        let say = |text: &'static str| {
            let app = app.clone();
            let cookie = cookie.clone();
            async move {
                post::<app::pages::article::PostComment>(&app, Js::On, Some(&cookie), comment(text))
                    .await
            }
        };
        say("one").await.assert_status(200);
        say("two").await.assert_status(200);
        // The API's write and the UI's two used the burst.
        let refused = say("three").await;
        assert_ui_error(
            &refused,
            429,
            "You are posting faster than we allow. Please wait ",
        );
        let publish = form(&[
            ("slug", ""),
            ("title", "Another"),
            ("description", "d"),
            ("body", "b"),
            ("tag_list", ""),
            ("tag_input", ""),
        ]);
        let refused =
            post::<app::pages::editor::PublishArticle>(&app, Js::On, Some(&cookie), publish).await;
        assert_ui_error(
            &refused,
            429,
            "You are posting faster than we allow. Please wait ",
        );
        let api = json!({"comment": {"body": "four"}});
        let resp = app
            .post(
                "/api/articles/talked-about/comments",
                Some(&jake.token),
                api,
            )
            .await;
        assert_refused_for_a_while(&resp);
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 2);
    })
    .await;
}

#[tokio::test]
async fn zero_turns_the_limit_off() {
    let off = &[
        ("CONDUIT_WRITE_RATE_PER_MINUTE", "0"),
        ("CONDUIT_WRITE_RATE_BURST", "1"),
    ];
    each_backend_with("zero_turns_the_limit_off", off, |app| async move {
        let jake = app.register("jake").await;
        app.create_article(&jake, "Busy", &[]).await;
        for i in 0..12 {
            let body = json!({"comment": {"body": format!("comment {i}")}});
            app.post("/api/articles/busy/comments", Some(&jake.token), body)
                .await
                .assert_status(201);
        }
    })
    .await;
}
