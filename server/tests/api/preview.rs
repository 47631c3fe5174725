//! Issue 21, item 7: the editor's markdown preview, rendered by the article page's own renderer
//! and sanitizer, the two ways the editor asks for it: the hydrated app's server function, and
//! the preview page that the Preview button posts the form to without JavaScript.

use axum::body::Body;
use axum::http::{header, Method, Request};

use app::pages::editor::{PreviewArticle, PREVIEW_PAGE};
use domain::validate::MAX_BODY;

use crate::api_test;
use crate::harness::{Resp, TestApp};
use crate::ui::{assert_ui_error, form, post, Js};

const TITLE: &str = "<b>Bold</b> & \"quoted\"";
const BODY: &str = "# A heading\n\nSome *emphasis*.\n\n<script>alert(1)</script>\n\n\
    <img src=x onerror=alert(2)>\n\n[a link](javascript:alert(3))";

/// Posts the editor's form (every field it has) to the preview page, as a browser on `site`.
async fn preview_page(app: &TestApp, site: &str, title: &str, body: &str) -> Resp {
    let fields = form(&[
        ("slug", ""),
        ("tag_list", "one"),
        ("title", title),
        ("description", "About it"),
        ("body", body),
        ("tag_input", "two"),
    ]);
    let request = Request::builder()
        .method(Method::POST)
        .uri(PREVIEW_PAGE)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", site)
        .body(Body::from(fields))
        .unwrap();
    app.send(request).await
}

/// What every preview must show of [`BODY`]: the markdown rendered, every injection gone.
#[track_caller]
fn assert_rendered_and_inert(html: &str) {
    assert!(html.contains("<h1>A heading</h1>"), "{html}");
    assert!(html.contains("<em>emphasis</em>"), "{html}");
    let lower = html.to_lowercase();
    for left in ["<script", "onerror", "javascript:"] {
        assert!(!lower.contains(left), "{left} left in {html}");
    }
}

api_test!(
    async fn the_preview_page_shows_a_draft_as_its_article_page_would(app) {
        let resp = preview_page(&app, "same-origin", TITLE, BODY).await;
        resp.assert_status(200);
        let content_type = resp.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert_rendered_and_inert(&resp.text);
        // The title is text, escaped; the page keeps out of search results.
        assert!(
            resp.text
                .contains("<h1>&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot;</h1>")
                || resp
                    .text
                    .contains("<h1>&lt;b&gt;Bold&lt;/b&gt; &amp; \"quoted\"</h1>"),
            "{}",
            resp.text
        );
        assert!(resp.text.contains(r#"<meta name="robots" content="noindex""#));
        assert!(resp.text.contains(r#"href="/pkg/conduit.css""#));

        // A half-written draft previews too.
        let empty = preview_page(&app, "same-origin", "", "").await;
        empty.assert_status(200);
        assert!(empty.text.contains("<h1>Untitled</h1>"), "{}", empty.text);
    }
);

api_test!(
    async fn the_preview_page_refuses_other_sites_and_drafts_too_long_to_publish(app) {
        let resp = preview_page(&app, "cross-site", TITLE, BODY).await;
        assert_eq!(resp.status.as_u16(), 403, "{resp:?}");
        assert!(!resp.text.contains("A heading"));

        let long = "x".repeat(MAX_BODY + 1);
        let resp = preview_page(&app, "same-origin", "Long", &long).await;
        assert_eq!(resp.status.as_u16(), 422, "{resp:?}");
        assert!(
            resp.text.contains("body is too long (maximum is 100000 characters)"),
            "{}",
            resp.text
        );
        // Exactly at the limit is fine, as it is for publishing.
        let resp = preview_page(&app, "same-origin", "Long", &long[1..]).await;
        resp.assert_status(200);
    }
);

api_test!(
    async fn the_hydrated_editor_previews_through_its_server_function(app) {
        let resp = post::<PreviewArticle>(
            &app,
            Js::On,
            None,
            form(&[("title", TITLE), ("body", BODY)]),
        )
        .await;
        resp.assert_status(200);
        let html = resp.json.as_str().expect("the rendered body, as a JSON string");
        assert_rendered_and_inert(html);

        let long = "x".repeat(MAX_BODY + 1);
        let resp = post::<PreviewArticle>(
            &app,
            Js::On,
            None,
            form(&[("title", ""), ("body", &long)]),
        )
        .await;
        assert_ui_error(&resp, 422, "body is too long");
    }
);
