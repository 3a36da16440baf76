//! PLG-1, PLG-2, PRV-2 through the server: a platform admin installs a plugin, an operator
//! enables it for their label, and the label's matcher ranks a batch; processor plugins only
//! with a registered processor; every hand-over is a recorded disclosure.
use etalage_core::authz::Role;
use etalage_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, plugin_wasm, storage_test};
use reqwest::StatusCode;

const HOST: &str = "werkweb.localhost";
const PASSWORD: &str = etalage_tests::PERSON_PASSWORD;

async fn person(app: &TestApp, name: &str, role: Role, domain: &str) -> reqwest::Client {
    app.person(HOST, name, role.as_str(), domain).await.1
}

async fn admin(app: &TestApp) -> reqwest::Client {
    app.create_admin().await;
    let client = app.client();
    app.api_login(&client, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    client
}

async fn install(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    version: &str,
    wasm: Vec<u8>,
) -> reqwest::Response {
    admin
        .post(app.url(
            HOST,
            &format!("/api/v1/admin/plugins?name={name}&version={version}"),
        ))
        .header("content-type", "application/wasm")
        .body(wasm)
        .send()
        .await
        .unwrap()
}

/// Installs a built example plugin, which must succeed; its registry entry.
async fn installed(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    version: &str,
    example: &str,
) -> serde_json::Value {
    let response = install(app, admin, name, version, plugin_wasm(example)).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{name} {version}");
    response.json().await.unwrap()
}

/// The demo batch ranked through the label's matcher by `client`, which must succeed.
async fn rank_batch(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let response = client
        .post(app.url(HOST, "/api/v1/match"))
        .json(&batch())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn batch() -> serde_json::Value {
    serde_json::json!({
        "vacancy": { "id": "v1", "skills": [{ "skill": 1, "weight": 1.0, "required": true }, { "skill": 2, "weight": 0.5 }], "region": "utrecht", "hours_per_week": 32 },
        "candidates": [
            { "id": "p-1", "skills": [1], "region": "utrecht", "hours_per_week": 32 },
            { "id": "p-2", "skills": [1, 2], "region": "utrecht", "hours_per_week": 32 },
            { "id": "p-3", "skills": [2], "region": "utrecht", "hours_per_week": 32 }
        ]
    })
}

storage_test!(
    plg_1_an_installed_matcher_ranks_a_batch_for_its_label,
    |app: TestApp| async move {
        let admin = admin(&app).await;
        let body = installed(&app, &admin, "skills-matcher", "1.0.0", "skills_matcher").await;
        assert_eq!(body["kind"], "matcher");
        assert_eq!(body["interface"], "0.2.0");

        let recruiter = person(&app, "recruiter", Role::Recruiter, "werkweb").await;
        // Not enabled for the label yet.
        let none = recruiter
            .post(app.url(HOST, "/api/v1/match"))
            .json(&batch())
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), StatusCode::CONFLICT);

        let operator = person(&app, "operator", Role::LabelOperator, "werkweb").await;
        let enabled = operator
        .put(app.url(HOST, "/api/v1/admin/labels/werkweb/plugins/skills-matcher"))
        .json(&serde_json::json!({ "version": "1.0.0", "settings": { "weight_skills": "0.8" }, "secrets": { "token": "s3cr3t" } }))
        .send()
        .await
        .unwrap();
        assert_eq!(enabled.status(), StatusCode::OK);
        let view: serde_json::Value = enabled.json().await.unwrap();
        assert_eq!(view["secret_names"][0], "token");
        assert!(
            !view.to_string().contains("s3cr3t"),
            "secrets are never shown back"
        );

        let ranked = rank_batch(&app, &recruiter).await;
        let order: Vec<&str> = ranked["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["candidate"].as_str().unwrap())
            .collect();
        assert_eq!(order, ["p-2", "p-1", "p-3"]);
        assert!(
            ranked["scores"][2]["explanation"]
                .as_str()
                .unwrap()
                .contains("required")
        );

        // Another label has no matcher: its recruiters get nothing through werkweb's plugin.
        let other = recruiter
            .post(app.url(HOST, "/l/65plus-werkt/api/v1/match"))
            .json(&batch())
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::FORBIDDEN);

        // The hand-over is recorded as a disclosure of the label, with its subjects counted.
        use sea_orm::EntityTrait;
        let disclosures = etalage_core::store::entities::disclosure::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(disclosures.len(), 1);
        assert_eq!(disclosures[0].label, "werkweb");
        assert_eq!(disclosures[0].plugin_name, "skills-matcher");
        assert_eq!(disclosures[0].event, "match.rank");
        assert!(disclosures[0].subjects.contains("p-3"));
        // The secret is sealed in the database.
        let rows = etalage_core::store::entities::label_plugin::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        assert!(!rows[0].sealed_secrets.clone().unwrap().contains("s3cr3t"));
        let page = app
            .page(&operator, HOST, "/admin/labels/werkweb/plugins")
            .await;
        assert!(
            page.contains("match.rank") && !page.contains("s3cr3t"),
            "{page}"
        );
    }
);

storage_test!(
    prv_2_a_processor_plugin_needs_a_registered_processor,
    |app: TestApp| async move {
        let (admin, operator, url) = payroll_installed(&app).await;
        let without = operator
            .put(&url)
            .json(&serde_json::json!({ "version": "1.0.0" }))
            .send()
            .await
            .unwrap();
        assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: serde_json::Value = without.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "processor_id");

        let processor = register_payroll(&app, &admin).await;
        // Operators cannot register processors themselves.
        let by_operator = operator.post(app.url(HOST, "/api/v1/admin/processors")).json(&serde_json::json!({ "name": "x", "purpose": "x", "data_categories": ["x"], "agreement_reference": "x" })).send().await.unwrap();
        assert_eq!(by_operator.status(), StatusCode::FORBIDDEN);
        let with = operator
            .put(&url)
            .json(&serde_json::json!({ "version": "1.0.0", "processor_id": processor["id"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(with.status(), StatusCode::OK);
    }
);

/// The payroll connector installed: a platform admin, a werkweb operator, and the URL that
/// configures the connector for werkweb.
async fn payroll_installed(app: &TestApp) -> (reqwest::Client, reqwest::Client, String) {
    let admin = admin(app).await;
    installed(
        app,
        &admin,
        "payroll-connector",
        "1.0.0",
        "payroll_connector",
    )
    .await;
    let operator = person(app, "operator", Role::LabelOperator, "werkweb").await;
    let url = app.url(
        HOST,
        "/api/v1/admin/labels/werkweb/plugins/payroll-connector",
    );
    (admin, operator, url)
}

/// Registers the payroll processor with its endpoint, as a platform admin; its entry.
async fn register_payroll(app: &TestApp, admin: &reqwest::Client) -> serde_json::Value {
    let registered = admin
        .post(app.url(HOST, "/api/v1/admin/processors"))
        .json(&serde_json::json!({ "name": "Payrollpartner", "purpose": "Juridisch werkgever van uitzendkrachten", "data_categories": ["contact details", "BSN", "ID document", "IBAN"], "agreement_reference": "VO-2021-07", "endpoints": ["https://api.payroll.example/v1"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let entry: serde_json::Value = registered.json().await.unwrap();
    assert_eq!(
        entry["endpoints"],
        serde_json::json!(["https://api.payroll.example:443/v1"])
    );
    entry
}

storage_test!(
    sec_an_operator_cannot_choose_where_a_processor_plugin_sends_data,
    |app: TestApp| async move {
        let (admin, operator, url) = payroll_installed(&app).await;
        let processor = register_payroll(&app, &admin).await;
        // Neither a base_url setting nor a host list: the register entry decides.
        for body in [
            serde_json::json!({ "version": "1.0.0", "processor_id": processor["id"], "settings": { "base_url": "http://169.254.169.254/latest" } }),
            serde_json::json!({ "version": "1.0.0", "processor_id": processor["id"], "allowed_hosts": ["169.254.169.254"] }),
        ] {
            // A base_url setting is a refused value (422); a host list is no field of the
            // request at all, so the body is malformed (400).
            let refused = operator.put(&url).json(&body).send().await.unwrap();
            let expected = if body.get("allowed_hosts").is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            assert_eq!(refused.status(), expected, "{body}");
        }
        // The form has no field for it either, and a forged one changes nothing.
        let page = app
            .page(&operator, HOST, "/admin/labels/werkweb/plugins")
            .await;
        assert!(!page.contains("allowed_hosts") && !page.contains("name=\"base_url\""));

        // Platform admins register https endpoints on public names only.
        for endpoint in [
            "http://api.payroll.example/v1",
            "https://169.254.169.254/latest",
            "https://127.0.0.1:8443/",
            "https://[::1]/",
            "https://10.1.2.3/",
            "https://localhost/",
        ] {
            let refused = admin
                .post(app.url(HOST, "/api/v1/admin/processors"))
                .json(&serde_json::json!({ "name": format!("p {endpoint}"), "purpose": "x", "data_categories": ["x"], "agreement_reference": "x", "endpoints": [endpoint] }))
                .send()
                .await
                .unwrap();
            assert_eq!(
                refused.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{endpoint}"
            );
        }
    }
);

storage_test!(
    sec_a_tampered_artefact_in_the_plugins_table_is_never_deserialized,
    |app: TestApp| async move {
        use etalage_core::store::entities::plugin;
        use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
        let admin = admin(&app).await;
        installed(&app, &admin, "skills-matcher", "1.0.0", "skills_matcher").await;
        installed(&app, &admin, "hostile-matcher", "1.0.0", "hostile_matcher").await;
        let row = |name: &'static str| {
            let db = app.db.clone();
            async move {
                plugin::Entity::find()
                    .filter(plugin::Column::Name.eq(name))
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        // Someone with write access to the table puts other native code under the skills
        // matcher, with the SHA-256 a hash check beside it would want.
        let (skills, hostile) = (row("skills-matcher").await, row("hostile-matcher").await);
        let forged_mac = etalage_core::secrets::sha256_hex(&hostile.compiled);
        let mut active: plugin::ActiveModel = skills.clone().into();
        active.compiled = Set(hostile.compiled.clone());
        active.compiled_mac = Set(forged_mac.clone());
        active.update(&app.db).await.unwrap();

        let operator = person(&app, "operator", Role::LabelOperator, "werkweb").await;
        let enabled = operator
            .put(app.url(HOST, "/api/v1/admin/labels/werkweb/plugins/skills-matcher"))
            .json(&serde_json::json!({ "version": "1.0.0" }))
            .send()
            .await
            .unwrap();
        assert_eq!(enabled.status(), StatusCode::OK);
        // What ranks is the skills matcher compiled again from its `.wasm`, not the forged
        // artefact (the hostile matcher explains every score as "well-behaved").
        let recruiter = person(&app, "recruiter", Role::Recruiter, "werkweb").await;
        let ranked = rank_batch(&app, &recruiter).await;
        assert_eq!(ranked["scores"][0]["candidate"], "p-2");
        assert_ne!(ranked["scores"][0]["explanation"], "well-behaved");
        // And the row holds a freshly compiled artefact with a MAC of this server's.
        let repaired = row("skills-matcher").await;
        assert_ne!(repaired.compiled, hostile.compiled);
        assert_ne!(repaired.compiled_mac, forged_mac);
    }
);

storage_test!(
    sec_sealed_secrets_swapped_between_labels_do_not_open,
    |app: TestApp| async move {
        use etalage_core::store::entities::label_plugin;
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let admin = admin(&app).await;
        installed(&app, &admin, "skills-matcher", "1.0.0", "skills_matcher").await;
        for (label, secret) in [
            ("werkweb", "werkweb-token"),
            ("65plus-werkt", "other-token"),
        ] {
            let operator = person(
                &app,
                &format!("operator-{label}"),
                Role::LabelOperator,
                label,
            )
            .await;
            let response = operator
                .put(app.url(
                    HOST,
                    &format!("/api/v1/admin/labels/{label}/plugins/skills-matcher"),
                ))
                .json(&serde_json::json!({ "version": "1.0.0", "secrets": { "token": secret } }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        let key = etalage_core::crypto::SecretsKey::load_or_create(
            &app.storage().config().data_dir.join("secrets.key"),
        )
        .unwrap();
        let runtime = etalage_core::plugins::registry::all_enabled(&app.db, &key)
            .await
            .unwrap();
        assert_eq!(runtime.len(), 2);
        // Put 65plus-werkt's sealed secrets in werkweb's row.
        let rows = label_plugin::Entity::find().all(&app.db).await.unwrap();
        let (ours, theirs) = if rows[0].label == "werkweb" {
            (&rows[0], &rows[1])
        } else {
            (&rows[1], &rows[0])
        };
        let mut active: label_plugin::ActiveModel = ours.clone().into();
        active.sealed_secrets = Set(theirs.sealed_secrets.clone());
        active.update(&app.db).await.unwrap();
        let opened = etalage_core::plugins::registry::all_enabled(&app.db, &key).await;
        assert!(opened.is_err(), "a swapped row opened: {opened:?}");
        let opened = etalage_core::plugins::registry::for_label(&app.db, &key, "werkweb").await;
        assert!(opened.is_err(), "a swapped row opened: {opened:?}");
    }
);

storage_test!(
    plg_3_a_bad_upload_is_refused_and_leaves_nothing,
    |app: TestApp| async move {
        let admin = admin(&app).await;
        let garbage = install(
            &app,
            &admin,
            "broken",
            "1.0.0",
            b"not webassembly at all".to_vec(),
        )
        .await;
        assert_eq!(garbage.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            garbage.headers()["content-type"],
            "application/problem+json"
        );
        let bad_name = install(
            &app,
            &admin,
            "Bad Name",
            "1.0.0",
            plugin_wasm("skills_matcher"),
        )
        .await;
        assert_eq!(bad_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
        installed(&app, &admin, "skills-matcher", "1.0.0", "skills_matcher").await;
        let again = install(
            &app,
            &admin,
            "skills-matcher",
            "1.0.0",
            plugin_wasm("skills_matcher"),
        )
        .await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let list: serde_json::Value = admin
            .get(app.url(HOST, "/api/v1/admin/plugins"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        // Only platform admins install.
        let operator = person(&app, "operator", Role::LabelOperator, "werkweb").await;
        assert_eq!(
            install(
                &app,
                &operator,
                "skills-matcher",
                "1.0.1",
                plugin_wasm("skills_matcher")
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
    }
);

storage_test!(
    plg_1_an_upgrade_takes_over_and_survives_a_restart,
    |app: TestApp| async move {
        let admin = admin(&app).await;
        installed(&app, &admin, "skills-matcher", "1.0.0", "skills_matcher").await;
        installed(&app, &admin, "skills-matcher", "1.1.0", "skills_matcher").await;
        let operator = person(&app, "operator", Role::LabelOperator, "werkweb").await;
        let url = app.url(HOST, "/api/v1/admin/labels/werkweb/plugins/skills-matcher");
        operator
            .put(&url)
            .json(&serde_json::json!({ "version": "1.0.0" }))
            .send()
            .await
            .unwrap();
        let recruiter = person(&app, "recruiter", Role::Recruiter, "werkweb").await;
        let first = rank_batch(&app, &recruiter).await;
        assert_eq!(first["version"], "1.0.0");
        operator
            .put(&url)
            .json(&serde_json::json!({ "version": "1.1.0" }))
            .send()
            .await
            .unwrap();
        let second = rank_batch(&app, &recruiter).await;
        assert_eq!(second["version"], "1.1.0");
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |_| {}).await;
        let recruiter = app.client();
        app.api_login(&recruiter, HOST, "recruiter@werkweb.net", PASSWORD)
            .await;
        let after = rank_batch(&app, &recruiter).await;
        assert_eq!(after["version"], "1.1.0");
    }
);

storage_test!(
    plg_1_a_second_server_picks_up_a_plugin_enabled_on_the_first,
    |app: TestApp| async move {
        let admin = admin(&app).await;
        installed(&app, &admin, "skills-matcher", "1.0.0", "skills_matcher").await;
        // A second server process on the same database, as behind a load balancer.
        let mut config = app.storage().config();
        config.reload_secs = 1;
        let second = etalage::Application::build(config).await.unwrap();
        let second_port = second.port();
        let stop = second.shutdown_handle();
        let server = tokio::spawn(second.run_until_stopped());

        let operator = person(&app, "operator", Role::LabelOperator, "werkweb").await;
        let enabled = operator
            .put(app.url(HOST, "/api/v1/admin/labels/werkweb/plugins/skills-matcher"))
            .json(&serde_json::json!({ "version": "1.0.0" }))
            .send()
            .await
            .unwrap();
        assert_eq!(enabled.status(), StatusCode::OK);

        // Same session cookie works on the second server (sessions live in the database).
        let url = format!("http://{HOST}:{second_port}/api/v1/match");
        let mut status = StatusCode::CONFLICT;
        for _ in 0..40 {
            status = operator
                .post(&url)
                .json(&batch())
                .send()
                .await
                .unwrap()
                .status();
            if status == StatusCode::OK {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            status,
            StatusCode::OK,
            "the second server ranks with the plugin enabled on the first"
        );
        stop.stop();
        let _ = server.await;
    }
);

storage_test!(
    plg_1_a_matcher_built_for_an_older_interface_still_ranks_and_upgrades_to_the_current_one,
    |app: TestApp| async move {
        let admin = admin(&app).await;
        let old = installed(&app, &admin, "matcher", "1.0.0", "v0_1_matcher").await;
        assert_eq!(old["interface"], "0.1.0");
        installed(&app, &admin, "matcher", "2.0.0", "skills_matcher").await;
        let page = app.page(&admin, HOST, "/admin/plugins").await;
        assert!(
            page.contains("etalage:plugin@0.1.0") && page.contains("etalage:plugin@0.2.0"),
            "the plugins page says which interface each version uses"
        );

        let operator = person(&app, "operator", Role::LabelOperator, "werkweb").await;
        let recruiter = person(&app, "recruiter", Role::Recruiter, "werkweb").await;
        let enable = |version: &'static str| {
            let operator = operator.clone();
            let url = app.url(HOST, "/api/v1/admin/labels/werkweb/plugins/matcher");
            async move {
                let response = operator
                    .put(url)
                    .json(&serde_json::json!({ "version": version }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
            }
        };

        enable("1.0.0").await;
        let ranked = rank_batch(&app, &recruiter).await;
        assert_eq!(ranked["version"], "1.0.0");
        let scores: Vec<(String, String)> = ranked["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["candidate"].as_str().unwrap().to_string(),
                    s["explanation"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            scores,
            [
                ("p-2".to_string(), "2 of 2 skills".to_string()),
                ("p-1".to_string(), "1 of 2 skills".to_string()),
                ("p-3".to_string(), "1 of 2 skills".to_string()),
            ]
        );
        // The operator reads what the plugin logged. Enabling a plugin in another label
        // reloads the plugin table; werkweb's plugin, unchanged, keeps its log.
        let other = person(&app, "operator-other", Role::LabelOperator, "65plus-werkt").await;
        let enabled = other
            .put(app.url(HOST, "/api/v1/admin/labels/65plus-werkt/plugins/matcher"))
            .json(&serde_json::json!({ "version": "2.0.0" }))
            .send()
            .await
            .unwrap();
        assert_eq!(enabled.status(), StatusCode::OK);
        let page = app
            .page(&operator, HOST, "/admin/labels/werkweb/plugins")
            .await;
        let log = page
            .split_once(r#"id="plugin-log""#)
            .map(|(_, table)| table)
            .unwrap_or_else(|| panic!("no plugin log: {page}"));
        assert!(
            log.contains("ranking with interface 0.1.0") && log.contains("matcher@1.0.0"),
            "{log}"
        );

        enable("2.0.0").await;
        let ranked = rank_batch(&app, &recruiter).await;
        assert_eq!(ranked["version"], "2.0.0");
        assert_eq!(ranked["scores"][0]["candidate"], "p-2");
        assert!(
            ranked["scores"][2]["explanation"]
                .as_str()
                .unwrap()
                .contains("required")
        );
    }
);

storage_test!(
    plg_3_a_runaway_matcher_fails_clearly_while_the_server_and_other_labels_keep_answering,
    |app: TestApp| async move {
        let admin = admin(&app).await;
        installed(&app, &admin, "hostile-matcher", "1.0.0", "hostile_matcher").await;
        const OTHER: &str = "65plus-werkt";
        let enable = |label: &'static str, behaviour: &'static str| {
            let app = &app;
            async move {
                let operator = person(
                    app,
                    &format!("operator-{label}-{behaviour}"),
                    Role::LabelOperator,
                    label,
                )
                .await;
                let response = operator
                    .put(app.url(HOST, &format!("/api/v1/admin/labels/{label}/plugins/hostile-matcher")))
                    .json(&serde_json::json!({ "version": "1.0.0", "settings": { "behaviour": behaviour } }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
            }
        };
        enable("werkweb", "loop").await;
        enable(OTHER, "ok").await;
        let recruiter = person(&app, "recruiter", Role::Recruiter, "werkweb").await;
        let other_recruiter = person(&app, "recruiter-other", Role::Recruiter, OTHER).await;

        // The looping call holds its plugin until the 2 s deadline; while it runs, the server
        // answers, and the same plugin ranks for the other label.
        let looping = tokio::spawn({
            let (client, url) = (recruiter.clone(), app.url(HOST, "/api/v1/match"));
            async move { client.post(url).json(&batch()).send().await.unwrap() }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let health = app
            .client()
            .get(app.url(HOST, "/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        let other = other_recruiter
            .post(app.url(HOST, &format!("/l/{OTHER}/api/v1/match")))
            .json(&batch())
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK);
        let other: serde_json::Value = other.json().await.unwrap();
        assert_eq!(other["scores"][0]["explanation"], "well-behaved");
        assert!(
            !looping.is_finished(),
            "the other requests were answered while the runaway call still ran"
        );

        let stopped = looping.await.unwrap();
        assert_eq!(stopped.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(
            stopped.headers()["content-type"],
            "application/problem+json"
        );
        let problem: serde_json::Value = stopped.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("did not finish within 2000 ms"),
            "{problem}"
        );

        // A panic is a crash of the plugin, not of the server; a refusal is the plugin's own
        // message. Both calls are still recorded as disclosures.
        for (behaviour, status, says) in [
            ("panic", StatusCode::BAD_GATEWAY, "crashed"),
            (
                "refuse",
                StatusCode::BAD_GATEWAY,
                "this vacancy has no skills to match on",
            ),
        ] {
            enable("werkweb", behaviour).await;
            let response = recruiter
                .post(app.url(HOST, "/api/v1/match"))
                .json(&batch())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{behaviour}");
            let problem: serde_json::Value = response.json().await.unwrap();
            assert!(
                problem["detail"].as_str().unwrap().contains(says),
                "{problem}"
            );
        }
        use sea_orm::EntityTrait;
        let outcomes: Vec<String> = etalage_core::store::entities::disclosure::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.label == "werkweb")
            .map(|d| d.outcome)
            .collect();
        assert_eq!(outcomes.len(), 3, "{outcomes:?}");
        assert!(outcomes.iter().all(|o| o != "ok"), "{outcomes:?}");
    }
);
