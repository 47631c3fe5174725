//! `GET /api/openapi.json`: an OpenAPI 3.1 document generated from the handlers, listing every
//! route the router serves and nothing else.

use std::collections::BTreeSet;

use axum::http::Method;
use serde_json::Value;

use crate::api_test;

/// Every operation of the RealWorld API, and the document itself.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/users"),
    ("post", "/api/users/login"),
    ("get", "/api/user"),
    ("put", "/api/user"),
    ("get", "/api/profiles/{username}"),
    ("post", "/api/profiles/{username}/follow"),
    ("delete", "/api/profiles/{username}/follow"),
    ("get", "/api/articles"),
    ("post", "/api/articles"),
    ("get", "/api/articles/feed"),
    ("get", "/api/articles/{slug}"),
    ("put", "/api/articles/{slug}"),
    ("delete", "/api/articles/{slug}"),
    ("post", "/api/articles/{slug}/favorite"),
    ("delete", "/api/articles/{slug}/favorite"),
    ("get", "/api/articles/{slug}/comments"),
    ("post", "/api/articles/{slug}/comments"),
    ("delete", "/api/articles/{slug}/comments/{id}"),
    ("get", "/api/tags"),
    ("get", "/api/openapi.json"),
];

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if METHODS.contains(&method.as_str()) {
                found.insert((method.clone(), path.clone()));
            }
        }
    }
    found
}

/// Every `$ref` in the document, to check that each resolves.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => refs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

fn concrete(path: &str) -> String {
    path.replace("{username}", "somebody")
        .replace("{slug}", "some-slug")
        .replace("{id}", "1")
}

api_test!(
    async fn the_document_is_openapi_3_1_and_lists_every_route(app) {
        let resp = app.get("/api/openapi.json", None).await;
        let doc = resp.assert_status(200).clone();
        assert!(resp.headers["content-type"].to_str().unwrap().starts_with("application/json"));
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "version {}", doc["openapi"]);
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        // The same document as the code generates.
        assert_eq!(doc, serde_json::to_value(server::api::openapi()).unwrap());

        let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(operations(&doc), expected);

        // Each documented operation is served (not the router's 404 or 405), and each other
        // method on a documented path is refused: the document and the router agree.
        for (path, item) in doc["paths"].as_object().unwrap() {
            let uri = concrete(path);
            for method in METHODS {
                let served = app.call(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &uri, None, None).await;
                let unrouted = served.json["errors"]["path"].is_string() || served.json["errors"]["method"].is_string();
                if item.get(*method).is_some() {
                    assert!(!unrouted, "{method} {path} is documented but not served: {served:?}");
                } else {
                    assert_eq!(served.status.as_u16(), 405, "{method} {path} is served but not documented: {served:?}");
                }
            }
        }

        // Authentication: the spec's `Token` scheme in the Authorization header.
        let scheme = &doc["components"]["securitySchemes"]["Token"];
        assert_eq!(scheme["type"], "apiKey");
        assert_eq!(scheme["in"], "header");
        assert_eq!(scheme["name"], "Authorization");
        assert_eq!(doc["paths"]["/api/user"]["get"]["security"][0]["Token"], serde_json::json!([]));
        assert!(doc["paths"]["/api/tags"]["get"].get("security").is_none());

        // Request wrappers, responses and the error envelope are described, and every
        // reference resolves.
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for name in ["ErrorBody", "NewUserBody", "LoginBody", "UpdateUserBody", "UserResponse", "ProfileResponse", "ArticleResponse", "ArticleList", "NewArticleBody", "UpdateArticleBody", "NewCommentBody", "CommentResponse", "CommentsResponse", "TagsResponse", "Article", "Comment", "Profile", "User"] {
            assert!(schemas.contains_key(name), "schema {name} missing");
        }
        assert_eq!(schemas["NewUserBody"]["required"], serde_json::json!(["user"]));
        assert_eq!(schemas["ArticleList"]["properties"]["articlesCount"]["type"], "integer");
        let mut all_refs = Vec::new();
        refs(&doc, &mut all_refs);
        assert!(!all_refs.is_empty());
        for target in all_refs {
            let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected ref {target}"));
            assert!(schemas.contains_key(name), "dangling ref {target}");
        }
        let create = &doc["paths"]["/api/users"]["post"];
        assert_eq!(create["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/NewUserBody");
        assert_eq!(create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/UserResponse");
        assert_eq!(create["responses"]["409"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        let delete = &doc["paths"]["/api/articles/{slug}"]["delete"];
        assert!(delete["responses"]["204"].is_object());
        let list = &doc["paths"]["/api/articles"]["get"];
        let params: BTreeSet<&str> = list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(params, ["author", "favorited", "limit", "offset", "tag"].into_iter().collect());
    }
);
