//! `POST /api/users`, `POST /api/users/login`, `GET /api/user`, `PUT /api/user`.

use std::time::Duration;

use axum::http::Method;
use domain::{Tokens, UserId};
use serde_json::json;

use crate::api_test;
use crate::harness::PASSWORD;

fn registration(username: &str, email: &str, password: &str) -> serde_json::Value {
    json!({"user": {"username": username, "email": email, "password": password}})
}

api_test!(
    async fn register_is_201_with_the_user_a_token_and_null_bio_and_image(app) {
        let resp = app.post("/api/users", None, registration("jake", "jake@jake.jake", PASSWORD)).await;
        let user = &resp.assert_status(201)["user"];
        assert_eq!(user["username"], "jake");
        assert_eq!(user["email"], "jake@jake.jake");
        assert!(user["bio"].is_null() && user.get("bio").is_some(), "bio must be present and null: {user}");
        assert!(user["image"].is_null() && user.get("image").is_some(), "image must be present and null: {user}");
        let token = user["token"].as_str().expect("a token");
        assert!(!token.is_empty());
        // The token signs the new user in.
        let me = app.get("/api/user", Some(token)).await;
        assert_eq!(me.assert_status(200)["user"]["username"], "jake");
        // The password is never returned.
        assert!(!resp.text.contains(PASSWORD) && !resp.text.contains("password"));
    }
);

api_test!(
    async fn register_blank_or_missing_fields_are_422_cant_be_blank(app) {
        for (field, body) in [
            ("username", registration("", "a@example.com", PASSWORD)),
            ("username", registration("   ", "a@example.com", PASSWORD)),
            ("email", registration("alice", "", PASSWORD)),
            ("password", registration("alice", "a@example.com", "")),
            ("username", json!({"user": {"email": "a@example.com", "password": PASSWORD}})),
            ("email", json!({"user": {"username": "alice", "password": PASSWORD}})),
            ("password", json!({"user": {"username": "alice", "email": "a@example.com"}})),
            ("username", json!({"user": {"username": null, "email": "a@example.com", "password": PASSWORD}})),
        ] {
            app.post("/api/users", None, body).await.assert_error(422, field, "can't be blank");
        }
        let all = app.post("/api/users", None, json!({"user": {}})).await;
        for field in ["username", "email", "password"] {
            all.assert_error(422, field, "can't be blank");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0, "nothing was stored");
    }
);

api_test!(
    async fn register_taken_username_or_email_is_409_has_already_been_taken(app) {
        app.register("taken").await;
        app.post("/api/users", None, registration("taken", "other@example.com", PASSWORD))
            .await
            .assert_error(409, "username", "has already been taken");
        app.post("/api/users", None, registration("other", "taken@example.com", PASSWORD))
            .await
            .assert_error(409, "email", "has already been taken");
        // Emails are compared without regard to case.
        app.post("/api/users", None, registration("other", "TAKEN@Example.com", PASSWORD))
            .await
            .assert_error(409, "email", "has already been taken");
        // Both taken: the violated constraint's name gives the field (issue 19: no second query
        // asks which), whichever the database checked first.
        let both = app.post("/api/users", None, registration("taken", "taken@example.com", PASSWORD)).await;
        assert_eq!(both.status, 409, "{both:?}");
        let errors = both.json["errors"].as_object().unwrap();
        assert_eq!(errors.len(), 1, "{both:?}");
        let (field, messages) = errors.iter().next().unwrap();
        assert!(["username", "email"].contains(&field.as_str()), "{both:?}");
        assert_eq!(messages, &json!(["has already been taken"]), "{both:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    }
);

api_test!(
    async fn passwords_need_8_characters_and_64_pass(app) {
        app.post("/api/users", None, registration("short", "short@example.com", "1234567"))
            .await
            .assert_error_field(422, "password");
        for (name, password) in [("eight", "bonjour1".to_string()), ("sixtyfour", "a".repeat(64))] {
            app.post("/api/users", None, registration(name, &format!("{name}@example.com"), &password)).await.assert_status(201);
            let login = app.post("/api/users/login", None, json!({"user": {"email": format!("{name}@example.com"), "password": password}})).await;
            assert_eq!(login.assert_status(200)["user"]["username"], name);
        }
    }
);

api_test!(
    async fn login_returns_the_user_with_a_token(app) {
        app.register("jake").await;
        let resp = app.post("/api/users/login", None, json!({"user": {"email": "jake@example.com", "password": PASSWORD}})).await;
        let user = &resp.assert_status(200)["user"];
        assert_eq!(user["username"], "jake");
        assert_eq!(user["email"], "jake@example.com");
        assert!(user["bio"].is_null() && user["image"].is_null());
        let token = user["token"].as_str().unwrap();
        assert_eq!(app.get("/api/user", Some(token)).await.assert_status(200)["user"]["email"], "jake@example.com");
    }
);

api_test!(
    async fn login_blank_fields_are_422_and_bad_credentials_401_alike(app) {
        app.register("jake").await;
        app.post("/api/users/login", None, json!({"user": {"email": "", "password": PASSWORD}}))
            .await
            .assert_error(422, "email", "can't be blank");
        app.post("/api/users/login", None, json!({"user": {"email": "jake@example.com", "password": ""}}))
            .await
            .assert_error(422, "password", "can't be blank");
        app.post("/api/users/login", None, json!({"user": {}})).await.assert_error(422, "email", "can't be blank");
        let wrong_password =
            app.post("/api/users/login", None, json!({"user": {"email": "jake@example.com", "password": "wrongpassword"}})).await;
        wrong_password.assert_error(401, "credentials", "invalid");
        // An unknown email gets the very same answer: login reveals nothing about who exists.
        let unknown = app.post("/api/users/login", None, json!({"user": {"email": "nobody@example.com", "password": "wrongpassword"}})).await;
        unknown.assert_error(401, "credentials", "invalid");
        assert_eq!(wrong_password.json, unknown.json);
    }
);

api_test!(
    async fn current_user_needs_a_valid_token(app) {
        let jake = app.register("jake").await;
        let me = app.get("/api/user", Some(&jake.token)).await;
        let user = &me.assert_status(200)["user"];
        assert_eq!(user["username"], "jake");
        assert_eq!(user["email"], "jake@example.com");
        assert!(user["token"].as_str().is_some_and(|t| !t.is_empty()));

        app.get("/api/user", None).await.assert_error(401, "token", "is missing");
        // Garbage, a token signed with another secret, a wrong scheme, an empty token: all 401.
        let forged = Tokens::new(b"some other secret, of enough bytes", Duration::from_secs(3600)).issue(UserId(1), 0).unwrap();
        for header in ["Token garbage".to_string(), format!("Token {forged}"), format!("Basic {}", jake.token), "Token ".to_string(), "Token a.b.c".to_string()]
        {
            let request = axum::http::Request::builder()
                .uri("/api/user")
                .header("authorization", header.as_str())
                .body(axum::body::Body::empty())
                .unwrap();
            app.send(request).await.assert_error_field(401, "token");
        }
        // A bad token is refused even where a token is optional.
        app.get("/api/articles", Some("garbage")).await.assert_error_field(401, "token");
        app.put("/api/user", None, json!({"user": {"bio": "x"}})).await.assert_error(401, "token", "is missing");
    }
);

api_test!(
    async fn update_changes_only_the_fields_sent(app) {
        let jake = app.register("jake").await;
        let resp = app.put("/api/user", Some(&jake.token), json!({"user": {"bio": "I work at statefarm"}})).await;
        let user = &resp.assert_status(200)["user"];
        assert_eq!(user["bio"], "I work at statefarm");
        assert_eq!(user["username"], "jake");
        assert_eq!(user["email"], "jake@example.com");
        assert!(user["image"].is_null());

        let resp = app.put("/api/user", Some(&jake.token), json!({"user": {"image": "https://example.com/jake.jpg"}})).await;
        assert_eq!(resp.assert_status(200)["user"]["image"], "https://example.com/jake.jpg");
        assert_eq!(resp.json["user"]["bio"], "I work at statefarm");

        let resp = app
            .put("/api/user", Some(&jake.token), json!({"user": {"username": "jacob", "email": "jacob@example.com"}}))
            .await;
        let user = &resp.assert_status(200)["user"];
        assert_eq!(user["username"], "jacob");
        assert_eq!(user["email"], "jacob@example.com");
        let token = user["token"].as_str().unwrap();
        let me = app.get("/api/user", Some(token)).await;
        assert_eq!(me.assert_status(200)["user"]["username"], "jacob");
        assert_eq!(me.json["user"]["bio"], "I work at statefarm");
        assert_eq!(me.json["user"]["image"], "https://example.com/jake.jpg");
        // The old token still names the same user.
        assert_eq!(app.get("/api/user", Some(&jake.token)).await.assert_status(200)["user"]["username"], "jacob");
        app.get("/api/profiles/jake", None).await.assert_error(404, "profile", "not found");
        assert_eq!(app.get("/api/profiles/jacob", None).await.assert_status(200)["profile"]["bio"], "I work at statefarm");
    }
);

api_test!(
    async fn empty_or_null_bio_and_image_are_stored_as_null(app) {
        let jake = app.register("jake").await;
        for clear in [json!(""), json!(null)] {
            let set = app
                .put("/api/user", Some(&jake.token), json!({"user": {"bio": "a bio", "image": "https://example.com/a.png"}}))
                .await;
            set.assert_status(200);
            let resp = app.put("/api/user", Some(&jake.token), json!({"user": {"bio": clear, "image": clear}})).await;
            let user = &resp.assert_status(200)["user"];
            assert!(user["bio"].is_null() && user["image"].is_null(), "{clear} must clear: {user}");
            let me = app.get("/api/user", Some(&jake.token)).await;
            assert!(me.json["user"]["bio"].is_null() && me.json["user"]["image"].is_null());
            let profile = app.get("/api/profiles/jake", None).await;
            assert!(profile.json["profile"]["bio"].is_null() && profile.json["profile"]["image"].is_null());
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE bio IS NULL AND image IS NULL").await, 1);
    }
);

api_test!(
    async fn update_refuses_empty_or_null_email_username_and_bad_passwords(app) {
        let jake = app.register("jake").await;
        for (field, value) in [
            ("email", json!("")),
            ("email", json!(null)),
            ("username", json!("")),
            ("username", json!(null)),
            ("password", json!("")),
            ("password", json!(null)),
            ("password", json!("short7c")),
            ("email", json!("not-an-email")),
            ("image", json!("x".repeat(2_049))),
            ("bio", json!("x".repeat(5_001))),
        ] {
            let resp = app.put("/api/user", Some(&jake.token), json!({"user": {field: value}})).await;
            resp.assert_error_field(422, field);
        }
        // Nothing changed: the old password still signs in, the account is as it was.
        let login = app.post("/api/users/login", None, json!({"user": {"email": "jake@example.com", "password": PASSWORD}})).await;
        let user = &login.assert_status(200)["user"];
        assert_eq!(user["username"], "jake");
        assert!(user["image"].is_null());
    }
);

api_test!(
    async fn image_and_bio_take_any_string_the_spec_allows(app) {
        let jake = app.register("jake").await;
        // The spec's schema says any string: the official browser suite stores these to check that
        // pages render them safely (the pages show the default avatar instead).
        let long_image = format!("https://example.com/{}", "a".repeat(2_048 - "https://example.com/".len()));
        for (image, bio) in [
            ("javascript:alert(1)", "<script>alert(1)</script>"),
            ("https://x.com/img.jpg\"onerror=\"alert(1)", "\"onmouseover=\"alert(1)"),
            ("https://example.com/img.jpg\"onload=\"alert(1)", "plain words"),
            ("data:text/html,<script>alert(1)</script>", "🎉"),
            ("not a url at all", "x"),
            ("/avatars/1.svg", "a path on this site"),
            (long_image.as_str(), &"b".repeat(5_000)),
        ] {
            let resp = app.put("/api/user", Some(&jake.token), json!({"user": {"image": image, "bio": bio}})).await;
            let user = &resp.assert_status(200)["user"];
            assert_eq!((user["image"].as_str(), user["bio"].as_str()), (Some(image), Some(bio)));
            let me = app.get("/api/user", Some(&jake.token)).await;
            assert_eq!(me.assert_status(200)["user"]["image"], image);
            let profile = app.get("/api/profiles/jake", None).await;
            assert_eq!(profile.assert_status(200)["profile"]["image"], image);
            assert_eq!(profile.json["profile"]["bio"], bio);
        }
        // One character over either bound is a 422 that names the field and the maximum.
        let resp = app.put("/api/user", Some(&jake.token), json!({"user": {"image": "x".repeat(2_049)}})).await;
        resp.assert_error(422, "image", "is too long (maximum is 2048 characters)");
        let resp = app.put("/api/user", Some(&jake.token), json!({"user": {"bio": "x".repeat(5_001)}})).await;
        resp.assert_error(422, "bio", "is too long (maximum is 5000 characters)");
    }
);

api_test!(
    async fn update_password_of_8_and_64_characters(app) {
        let jake = app.register("jake").await;
        for password in ["bonjour1".to_string(), "a".repeat(64)] {
            app.put("/api/user", Some(&jake.token), json!({"user": {"password": password}})).await.assert_status(200);
            let login = app.post("/api/users/login", None, json!({"user": {"email": "jake@example.com", "password": password}})).await;
            login.assert_status(200);
            app.post("/api/users/login", None, json!({"user": {"email": "jake@example.com", "password": PASSWORD}}))
                .await
                .assert_error(401, "credentials", "invalid");
        }
    }
);

api_test!(
    async fn update_to_a_taken_username_or_email_is_409(app) {
        let jake = app.register("jake").await;
        app.register("anna").await;
        app.put("/api/user", Some(&jake.token), json!({"user": {"username": "anna"}}))
            .await
            .assert_error(409, "username", "has already been taken");
        app.put("/api/user", Some(&jake.token), json!({"user": {"email": "ANNA@example.com"}}))
            .await
            .assert_error(409, "email", "has already been taken");
        // Sending one's own username and email again is no conflict.
        let same = app.put("/api/user", Some(&jake.token), json!({"user": {"username": "jake", "email": "jake@example.com"}})).await;
        assert_eq!(same.assert_status(200)["user"]["username"], "jake");
    }
);

api_test!(
    async fn user_routes_refuse_other_methods_with_the_envelope(app) {
        app.call(Method::DELETE, "/api/user", None, None).await.assert_error_field(405, "method");
        app.get("/api/users", None).await.assert_error_field(405, "method");
    }
);
