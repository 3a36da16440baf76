//! TEN-1, TEN-3, PRV-4: one host serves every label, each on its own hostnames with its own
//! branding; unknown hosts get nothing; labels change at run time, audited.
use etalage_tests::{TestApp, storage_test};
use reqwest::StatusCode;

storage_test!(
    ten_1_each_host_gets_its_own_label_and_branding,
    |app: TestApp| async move {
        let client = app.client();
        let werkweb = client
            .get(app.url("werkweb.localhost", "/"))
            .send()
            .await
            .unwrap();
        assert_eq!(werkweb.status(), StatusCode::OK);
        let werkweb = werkweb.text().await.unwrap();
        let plus = app.page(&client, "65pluswerkt.nl", "/").await;
        assert!(werkweb.contains("data-label=\"werkweb\""));
        assert!(plus.contains("data-label=\"65plus-werkt\""));
        assert!(plus.contains("65plus Werkt"));
        assert!(!plus.contains("data-label=\"werkweb\""));

        // Branding: each label's theme carries its own colours from its file.
        let registry = etalage_tenants::load_dir(&etalage_tests::labels_dir()).unwrap();
        for slug in ["werkweb", "65plus-werkt"] {
            let label = registry.get(slug).unwrap();
            let host = label
                .hostnames
                .iter()
                .find(|h| h.ends_with(".localhost"))
                .unwrap();
            let css = app.page(&client, host, "/theme.css").await;
            assert!(
                css.contains(&label.primary_color.to_string()),
                "{slug}: {css}"
            );
        }
    }
);

storage_test!(
    ten_1_unknown_host_gets_404_and_no_label_content,
    |app: TestApp| async move {
        let client = app.client();
        for path in ["/", "/login", "/privacy", "/api/v1/label", "/admin"] {
            let response = client
                .get(app.url("unknown.example", path))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("data-label="),
                "{path} showed a label: {body}"
            );
            assert!(
                !body.contains("WinWinWerkt"),
                "{path} leaked the main label"
            );
        }
        // Health checks answer on any host: load balancers probe by address.
        let health = client
            .get(app.url("unknown.example", "/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    }
);

storage_test!(
    ten_1_path_prefix_shows_every_label_on_one_host,
    |app: TestApp| async move {
        let client = app.client();
        let page = client
            .get(app.url("127.0.0.1", "/l/onbekend-talent/"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        // minijinja escapes `/` in attribute values as `&#x2f;`, which browsers read as `/`.
        let html = page.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("data-label=\"onbekend-talent\""));
        // Links stay inside the prefix.
        assert!(html.contains("href=\"/l/onbekend-talent/privacy\""));
        let api = client
            .get(app.url("127.0.0.1", "/l/werkweb/api/v1/label"))
            .send()
            .await
            .unwrap();
        let json: serde_json::Value = api.json().await.unwrap();
        assert_eq!(json["slug"], "werkweb");
        let missing = client
            .get(app.url("127.0.0.1", "/l/no-such-label/"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(!missing.text().await.unwrap().contains("data-label="));
    }
);

storage_test!(
    prv_4_every_statement_version_is_published_and_stored,
    |app: TestApp| async move {
        let client = app.client();
        let current = client
            .get(app.url("werkweb.localhost", "/privacy"))
            .send()
            .await
            .unwrap();
        assert_eq!(current.status(), StatusCode::OK);
        let html = current.text().await.unwrap();
        assert!(html.contains("1.3"));
        for version in ["1.1", "1.2", "1.3"] {
            let page = client
                .get(app.url("werkweb.localhost", &format!("/privacy/{version}")))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::OK, "version {version}");
        }
        let missing = client
            .get(app.url("werkweb.localhost", "/privacy/9.9"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        // The versions are in the database, per label, with the hash of their text.
        use sea_orm::{EntityTrait, PaginatorTrait};
        let stored = etalage_core::store::entities::statement_version::Entity::find()
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(stored, 15, "five labels with three versions each");
    }
);

storage_test!(
    ten_3_operator_changes_label_at_run_time_and_it_is_audited,
    |app: TestApp| async move {
        app.create_admin().await;
        let client = app.client();
        let host = "werkweb.localhost";
        let login = app
            .api_login(
                &client,
                host,
                etalage_tests::ADMIN_EMAIL,
                etalage_tests::ADMIN_PASSWORD,
            )
            .await;
        assert_eq!(login.status(), StatusCode::OK);

        let patched = client
            .patch(app.url(host, "/api/v1/admin/labels/werkweb"))
            .json(&serde_json::json!({ "name": "WerkWeb Noord", "primary_color": "#123456" }))
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), StatusCode::OK);
        let home = app.page(&client, host, "/").await;
        assert!(home.contains("WerkWeb Noord"));
        let css = app.page(&client, host, "/theme.css").await;
        assert!(css.contains("#123456"));

        // Bad colours and unreadable contrast are refused with the field named, nothing saved.
        let bad = client
            .patch(app.url(host, "/api/v1/admin/labels/werkweb"))
            .json(&serde_json::json!({ "accent_color": "red" }))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = bad.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "accent_color");
        let low_contrast = client
            .patch(app.url(host, "/api/v1/admin/labels/werkweb"))
            .json(&serde_json::json!({ "primary_color": "#ffffff", "text_on_primary": "#fefefe" }))
            .send()
            .await
            .unwrap();
        assert_eq!(low_contrast.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let audit: serde_json::Value = client
            .get(app.url(host, "/api/v1/admin/audit?label=werkweb"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let updates: Vec<_> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "label.settings.update")
            .collect();
        assert_eq!(updates.len(), 1, "one change, one entry: {audit}");
        assert_eq!(updates[0]["details"]["after"]["name"], "WerkWeb Noord");
        assert!(updates[0]["actor_account_id"].is_number());

        // The change survives a restart; the label file is not rewritten.
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |_| {}).await;
        let home = app
            .client()
            .get(app.url(host, "/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("WerkWeb Noord"));
    }
);

/// Posts the label settings form of werkweb with only `fields` (and its CSRF token).
async fn post_settings_form(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> StatusCode {
    let host = "werkweb.localhost";
    let page = app.page(client, host, "/admin/labels/werkweb").await;
    let csrf = etalage_tests::csrf_token(&page);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    client
        .post(app.url(host, "/admin/labels/werkweb"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
}

async fn werkweb_over_api(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    client
        .get(app.url("werkweb.localhost", "/api/v1/admin/labels/werkweb"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

storage_test!(
    ten_3_the_console_form_and_the_api_change_settings_alike,
    |app: TestApp| async move {
        app.create_admin().await;
        let client = app.client();
        let host = "werkweb.localhost";
        app.api_login(
            &client,
            host,
            etalage_tests::ADMIN_EMAIL,
            etalage_tests::ADMIN_PASSWORD,
        )
        .await;
        let patched = client
            .patch(app.url(host, "/api/v1/admin/labels/werkweb"))
            .json(&serde_json::json!({ "tagline": "Werk in het noorden" }))
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), StatusCode::OK);

        // A form that sends only the name keeps the tagline, as a PATCH with only the name does.
        let saved = post_settings_form(&app, &client, &[("name", "WerkWeb Noord")]).await;
        assert_eq!(saved, StatusCode::SEE_OTHER);
        let label = werkweb_over_api(&app, &client).await;
        assert_eq!(label["name"], "WerkWeb Noord");
        assert_eq!(label["tagline"], "Werk in het noorden");

        // An empty field returns to the file's value on both surfaces.
        let cleared = post_settings_form(&app, &client, &[("tagline", "")]).await;
        assert_eq!(cleared, StatusCode::SEE_OTHER);
        let label = werkweb_over_api(&app, &client).await;
        assert_ne!(label["tagline"], "Werk in het noorden");
        assert_eq!(label["name"], "WerkWeb Noord");
    }
);

/// A second server process on the same database, as behind a load balancer, checking for
/// changes every second. Returns its port and what stops it.
async fn second_server(
    app: &TestApp,
) -> (
    u16,
    etalage::app::ShutdownHandle,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let mut config = app.storage().config();
    config.reload_secs = 1;
    let second = etalage::Application::build(config).await.unwrap();
    let port = second.port();
    let stop = second.shutdown_handle();
    (port, stop, tokio::spawn(second.run_until_stopped()))
}

/// The label `host` shows on the server at `port`.
async fn label_on(client: &reqwest::Client, port: u16, host: &str) -> serde_json::Value {
    client
        .get(etalage_tests::url_on(port, host, "/api/v1/label"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

storage_test!(
    ten_3_settings_changed_on_one_server_reach_the_others_and_concurrent_changes_are_all_kept,
    |app: TestApp| async move {
        app.create_admin().await;
        let admin = app.client();
        let host = "werkweb.localhost";
        app.api_login(
            &admin,
            host,
            etalage_tests::ADMIN_EMAIL,
            etalage_tests::ADMIN_PASSWORD,
        )
        .await;
        let (second, stop, server) = second_server(&app).await;
        let patch = |port: u16, slug: &'static str, body: serde_json::Value| {
            let admin = admin.clone();
            async move {
                admin
                    .patch(etalage_tests::url_on(
                        port,
                        host,
                        &format!("/api/v1/admin/labels/{slug}"),
                    ))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // At once: two labels, one on each server; and two fields of a third label, one on
        // each server.
        let statuses = tokio::join!(
            patch(
                app.port,
                "werkweb",
                serde_json::json!({ "name": "WerkWeb Noord" })
            ),
            patch(
                second,
                "65plus-werkt",
                serde_json::json!({ "name": "65+ Zuid" })
            ),
            patch(
                app.port,
                "winwinwerkt",
                serde_json::json!({ "tagline": "Samen sterk" })
            ),
            patch(
                second,
                "winwinwerkt",
                serde_json::json!({ "primary_color": "#123456" })
            ),
        );
        assert_eq!(
            [statuses.0, statuses.1, statuses.2, statuses.3],
            [StatusCode::OK; 4]
        );
        let anyone = app.client();
        for port in [app.port, second] {
            etalage_tests::wait_until("every change on both servers", || {
                let anyone = anyone.clone();
                async move {
                    let werkweb = label_on(&anyone, port, "werkweb.localhost").await;
                    let plus = label_on(&anyone, port, "65plus-werkt.localhost").await;
                    let win = label_on(&anyone, port, "winwinwerkt.localhost").await;
                    (werkweb["name"] == "WerkWeb Noord"
                        && plus["name"] == "65+ Zuid"
                        && win["tagline"] == "Samen sterk"
                        && win["primary_color"] == "#123456")
                        .then_some(())
                }
            })
            .await;
        }
        stop.stop();
        let _ = server.await;
    }
);
