//! What the HTTP contract says beyond the body: the error layer that rewrites every 4xx/5xx into
//! problem+json or an error page keeps the headers the original answer carried for a reason.
use etalage_tests::{Backend, spawn_app};
use reqwest::StatusCode;

const HOST: &str = "werkweb.localhost";

/// RFC 9110 §15.5.6: a 405 names the methods the resource does support. Before the error layer
/// kept it, the rewritten answer dropped axum's `Allow`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_405_keeps_its_allow_header_for_the_api_and_for_pages() {
    let app = spawn_app(Backend::Sqlite).await;
    let client = app.client();
    for (path, content_type) in [
        ("/api/v1/session", "application/problem+json"),
        ("/login", "text/html"),
    ] {
        let response = client
            .patch(app.url(HOST, path))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allow = response
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("405 on {path} without Allow"))
            .to_str()
            .unwrap()
            .to_ascii_uppercase();
        assert!(allow.contains("POST"), "{path}: Allow: {allow}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{path} answers {content_type}"
        );
    }
}
