//! The HTTP surface: problem+json errors, the OpenAPI document, health, and the protective
//! layers (security headers, request ids, body limit).
use etalage_tests::{TestApp, storage_test};
use reqwest::StatusCode;

const HOST: &str = "werkweb.localhost";

storage_test!(api_errors_are_problem_json, |app: TestApp| async move {
    let client = app.client();
    let malformed = client
        .post(app.url(HOST, "/api/v1/session"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(problem["status"], 400);
    assert!(problem["title"].is_string() && problem["detail"].is_string());

    let not_json = client
        .post(app.url(HOST, "/api/v1/password-resets"))
        .header("x-csrf-token", "none")
        .header("content-type", "application/xml")
        .body("<email/>")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let bad_email = client
        .post(app.url(HOST, "/api/v1/password-resets"))
        .json(&serde_json::json!({ "email": "geen adres" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_email.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = bad_email.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "email");

    let missing = client
        .get(app.url(HOST, "/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );

    let wrong_method = client
        .put(app.url(HOST, "/api/v1/label"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong_method.headers()["content-type"],
        "application/problem+json"
    );
});

storage_test!(
    request_bodies_over_the_limit_get_413,
    |app: TestApp| async move {
        // A small limit, so the whole body fits in the socket buffers and the client reads the answer.
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| c.http.body_limit_bytes = 1024).await;
        let too_big = app
            .client()
            .post(app.url(HOST, "/api/v1/session"))
            .header("content-type", "application/json")
            .body(vec![b' '; 8 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            too_big.headers()["content-type"],
            "application/problem+json"
        );
    }
);

storage_test!(pages_show_branded_errors, |app: TestApp| async move {
    let missing = app
        .client()
        .get(app.url(HOST, "/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let html = missing.text().await.unwrap();
    assert!(
        html.contains("data-label=\"werkweb\""),
        "the label's own layout"
    );
    assert!(
        html.contains("Deze pagina bestaat niet."),
        "Dutch by default"
    );
    let english = app
        .client()
        .get(app.url(HOST, "/no-such-page?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("This page does not exist."));
});

storage_test!(
    openapi_document_describes_the_api,
    |app: TestApp| async move {
        let doc: serde_json::Value = app
            .client()
            .get(app.url(HOST, "/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/label",
            "/api/v1/session",
            "/api/v1/me",
            "/api/v1/admin/labels/{slug}",
            "/api/v1/admin/audit",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
        assert!(doc["components"]["schemas"]["Problem"].is_object());
    }
);

storage_test!(health_and_readiness, |app: TestApp| async move {
    let client = app.client();
    let health: serde_json::Value = client
        .get(app.url("127.0.0.1", "/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = client
        .get(app.url("127.0.0.1", "/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["labels"], 5);
    let backend = ready["database"].as_str().unwrap();
    assert!(backend == "sqlite" || backend == "postgres");
});

storage_test!(
    responses_carry_security_headers_and_a_request_id,
    |app: TestApp| async move {
        let response = app
            .client()
            .get(app.url("werkweb.net", "/"))
            .send()
            .await
            .unwrap();
        let h = response.headers();
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h.contains_key("strict-transport-security"));
        assert!(!h["x-request-id"].to_str().unwrap().is_empty());
        let gzip = app
            .client()
            .get(app.url(HOST, "/static/app.css"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzip.headers()["content-encoding"], "gzip");
    }
);
