//! CORS on `/api`, from `CONDUIT_CORS_ORIGINS` (`*` by default).

use axum::body::Body;
use axum::http::{header, Method, Request};

use crate::api_test;
use crate::harness::{each_backend_with, Resp, TestApp};

async fn preflight(app: &TestApp, origin: &str, method: &str) -> Resp {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/articles/some-slug")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, method)
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,content-type",
        )
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

async fn get_from(app: &TestApp, origin: &str) -> Resp {
    let request = Request::builder()
        .uri("/api/tags")
        .header(header::ORIGIN, origin)
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

fn header_text(resp: &Resp, name: header::HeaderName) -> &str {
    resp.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

api_test!(
    async fn any_origin_may_call_the_api_by_default(app) {
        let resp = preflight(&app, "https://client.example", "PUT").await;
        assert!(resp.status.is_success(), "preflight {resp:?}");
        assert_eq!(header_text(&resp, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        let methods = header_text(&resp, header::ACCESS_CONTROL_ALLOW_METHODS).to_ascii_uppercase();
        for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
            assert!(methods.contains(method), "{method} in {methods}");
        }
        let headers = header_text(&resp, header::ACCESS_CONTROL_ALLOW_HEADERS).to_ascii_lowercase();
        assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");

        let resp = get_from(&app, "https://client.example").await;
        assert_eq!(resp.assert_status(200)["tags"], serde_json::json!([]));
        assert_eq!(header_text(&resp, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        // Errors carry the CORS headers too, so a browser client can read them.
        let request = Request::builder().uri("/api/user").header(header::ORIGIN, "https://client.example").body(Body::empty()).unwrap();
        let resp = app.send(request).await;
        resp.assert_error(401, "token", "is missing");
        assert_eq!(header_text(&resp, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    }
);

#[tokio::test]
async fn only_configured_origins_are_allowed() {
    let origins = [(
        "CONDUIT_CORS_ORIGINS",
        "https://one.example, https://two.example/",
    )];
    each_backend_with(
        "only_configured_origins_are_allowed",
        &origins,
        |app| async move {
            for origin in ["https://one.example", "https://two.example"] {
                let resp = preflight(&app, origin, "POST").await;
                assert!(resp.status.is_success());
                assert_eq!(
                    header_text(&resp, header::ACCESS_CONTROL_ALLOW_ORIGIN),
                    origin
                );
                assert_eq!(
                    header_text(
                        &get_from(&app, origin).await,
                        header::ACCESS_CONTROL_ALLOW_ORIGIN
                    ),
                    origin
                );
            }
            let stranger = get_from(&app, "https://evil.example").await;
            stranger.assert_status(200);
            assert!(
                stranger
                    .headers
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .is_none(),
                "{stranger:?}"
            );
            let stranger = preflight(&app, "https://evil.example", "DELETE").await;
            assert!(
                stranger
                    .headers
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .is_none(),
                "{stranger:?}"
            );
        },
    )
    .await;
}
