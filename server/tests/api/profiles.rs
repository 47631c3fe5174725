//! `GET /api/profiles/:username` and `POST`/`DELETE /api/profiles/:username/follow`.

use serde_json::json;

use crate::api_test;

api_test!(
    async fn profile_is_200_with_username_bio_image_and_following(app) {
        let celeb = app.register("celeb").await;
        app.put("/api/user", Some(&celeb.token), json!({"user": {"bio": "famous", "image": "https://example.com/c.png"}}))
            .await
            .assert_status(200);
        let resp = app.get("/api/profiles/celeb", None).await;
        assert_eq!(
            resp.assert_status(200),
            &json!({"profile": {"username": "celeb", "bio": "famous", "image": "https://example.com/c.png", "following": false}})
        );
        let fan = app.register("fan").await;
        let resp = app.get("/api/profiles/celeb", Some(&fan.token)).await;
        assert_eq!(resp.assert_status(200)["profile"]["following"], false);
        // A fresh user's profile has null bio and image.
        let fresh = app.get("/api/profiles/fan", None).await;
        assert_eq!(fresh.assert_status(200), &json!({"profile": {"username": "fan", "bio": null, "image": null, "following": false}}));
    }
);

api_test!(
    async fn unknown_profile_is_404_profile_not_found(app) {
        app.get("/api/profiles/nobody", None).await.assert_error(404, "profile", "not found");
        let fan = app.register("fan").await;
        app.get("/api/profiles/nobody", Some(&fan.token)).await.assert_error(404, "profile", "not found");
    }
);

api_test!(
    async fn follow_and_unfollow_are_idempotent(app) {
        app.register("celeb").await;
        let fan = app.register("fan").await;
        for _ in 0..2 {
            let resp = app.post_empty("/api/profiles/celeb/follow", Some(&fan.token)).await;
            assert_eq!(resp.assert_status(200), &json!({"profile": {"username": "celeb", "bio": null, "image": null, "following": true}}));
        }
        assert_eq!(app.get("/api/profiles/celeb", Some(&fan.token)).await.json["profile"]["following"], true);
        // Nobody else sees it as followed.
        assert_eq!(app.get("/api/profiles/celeb", None).await.json["profile"]["following"], false);
        assert_eq!(app.count("SELECT COUNT(*) FROM follows").await, 1);
        for _ in 0..2 {
            let resp = app.delete("/api/profiles/celeb/follow", Some(&fan.token)).await;
            assert_eq!(resp.assert_status(200)["profile"]["following"], false);
        }
        assert_eq!(app.get("/api/profiles/celeb", Some(&fan.token)).await.json["profile"]["following"], false);
        assert_eq!(app.count("SELECT COUNT(*) FROM follows").await, 0);
    }
);

api_test!(
    async fn follow_needs_a_token_and_a_known_user(app) {
        app.register("celeb").await;
        app.post_empty("/api/profiles/celeb/follow", None).await.assert_error(401, "token", "is missing");
        app.delete("/api/profiles/celeb/follow", None).await.assert_error(401, "token", "is missing");
        let fan = app.register("fan").await;
        app.post_empty("/api/profiles/nobody/follow", Some(&fan.token)).await.assert_error(404, "profile", "not found");
        app.delete("/api/profiles/nobody/follow", Some(&fan.token)).await.assert_error(404, "profile", "not found");
        assert_eq!(app.count("SELECT COUNT(*) FROM follows").await, 0);
    }
);
