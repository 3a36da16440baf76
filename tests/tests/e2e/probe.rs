//! What a client can forge — `Host`, `X-Forwarded-*`, `Forwarded`, `next` — does not reach the
//! links we mail or the places we redirect to; tokens and mail jobs keep nothing they need not.
use etalage_core::accounts::reset;
use etalage_core::mail::{self, OutgoingMail};
use etalage_core::store::entities::{audit_event, job, password_reset};
use etalage_tests::{
    Backend, PERSON_PASSWORD, Storage, TestApp, csrf_token, link_in_mail, storage_test,
};
use reqwest::StatusCode;
use reqwest::header::{HOST, LOCATION};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

const LABEL_HOST: &str = "werkweb.localhost";
const SLUG: &str = "werkweb";

/// Headers a client (or a misconfigured proxy) may send to make us believe in another address.
const FORGED: &[(&str, &str)] = &[
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "https"),
    ("x-forwarded-port", "443"),
    ("x-forwarded-server", "evil.example"),
    ("x-original-host", "evil.example"),
    ("x-host", "evil.example"),
    ("forwarded", "for=1.2.3.4;host=evil.example;proto=https"),
];

fn forged(mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    for (name, value) in FORGED {
        request = request.header(*name, *value);
    }
    request
}

/// The reset (or invitation) link mailed to `to`, at the label's public address.
async fn mailed_reset_link(app: &TestApp, to: &str) -> String {
    mailed_link(app, to, &app.public_url(SLUG, "/password-reset/")).await
}

/// The one reset link mailed to `to`, checked to carry nothing of the forged address.
async fn mailed_link(app: &TestApp, to: &str, prefix: &str) -> String {
    let mails = app.wait_for_mail(1).await;
    let mail = mails
        .iter()
        .find(|m| m.contains(&format!("To: {to}")))
        .expect("a mail to the account");
    assert!(!mail.contains("evil.example"), "{mail}");
    link_in_mail(mail, prefix).unwrap_or_else(|| panic!("a link starting {prefix} in {mail}"))
}

storage_test!(
    sec_reset_link_ignores_a_forged_host_header,
    |app: TestApp| async move {
        let (_, _) = app
            .person(LABEL_HOST, "slachtoffer", "recruiter", SLUG)
            .await;
        // The label comes from the path; the Host is the attacker's.
        let sent = forged(
            app.client()
                .post(app.url("127.0.0.1", "/l/werkweb/api/v1/password-resets"))
                .header(HOST, "evil.example"),
        )
        .json(&serde_json::json!({ "email": "slachtoffer@werkweb.net" }))
        .send()
        .await
        .unwrap();
        assert!(sent.status().is_success(), "{}", sent.status());
        let link = mailed_reset_link(&app, "slachtoffer@werkweb.net").await;
        let page = app.client().get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "the link works");
    }
);

storage_test!(
    sec_reset_link_ignores_forwarded_headers,
    |app: TestApp| async move {
        app.person(LABEL_HOST, "doelwit", "recruiter", SLUG).await;
        // The label comes from its real host; forwarding headers name the attacker's.
        let form = app.client();
        let page = app.page(&form, LABEL_HOST, "/password-reset").await;
        let sent = forged(form.post(app.url(LABEL_HOST, "/password-reset")))
            .form(&[
                ("csrf", csrf_token(&page).as_str()),
                ("email", "doelwit@werkweb.net"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::OK);
        mailed_reset_link(&app, "doelwit@werkweb.net").await;
    }
);

storage_test!(
    sec_invitation_link_ignores_a_forged_host_header,
    |app: TestApp| async move {
        // Logged in on 127.0.0.1, so the session cookie goes with every request there.
        let (_, operator) = app
            .person("127.0.0.1", "operator", "label-operator", SLUG)
            .await;
        let people = app.url("127.0.0.1", "/l/werkweb/admin/people");
        // The form is fetched as usual (a forged Host would make its cookie Secure, which
        // this plain-http client would not send back); the invitation is posted forged.
        let form = forged(operator.get(&people)).send().await.unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        let html = form.text().await.unwrap();
        let invited = forged(operator.post(&people).header(HOST, "evil.example"))
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("email", "uitgenodigd@werkweb.net"),
                ("display_name", "Uitgenodigd"),
                ("role", "recruiter"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(invited.status(), StatusCode::SEE_OTHER);
        mailed_reset_link(&app, "uitgenodigd@werkweb.net").await;
    }
);

/// `next` values that browsers would follow off the site, raw and encoded.
const HOSTILE_NEXT: &[&str] = &[
    "/%09/evil.example",
    "/\t/evil.example",
    "/\\evil",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "//evil.example",
    "https:evil.example",
    "https://evil.example/",
    "/%0d%0aSet-Cookie:%20stolen=1",
    "/\r\nSet-Cookie: stolen=1",
    "/%5Cevil.example",
];

storage_test!(
    sec_login_next_never_leaves_the_site,
    |app: TestApp| async move {
        let (_, _) = app.person(LABEL_HOST, "bezoeker", "recruiter", SLUG).await;
        for next in HOSTILE_NEXT {
            let client = app.client();
            let page = app.page(&client, LABEL_HOST, "/login").await;
            let response = client
                .post(app.url(LABEL_HOST, "/login"))
                .form(&[
                    ("csrf", csrf_token(&page).as_str()),
                    ("email", "bezoeker@werkweb.net"),
                    ("password", PERSON_PASSWORD),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "next={next:?}");
            assert_eq!(
                response.headers()[LOCATION],
                "/",
                "next={next:?} falls back to the label's home"
            );
            assert!(
                response.headers().get("set-cookie").is_some()
                    && !response
                        .headers()
                        .get_all("set-cookie")
                        .iter()
                        .any(|c| c.to_str().unwrap_or_default().contains("stolen")),
                "next={next:?} sets no cookie of its own"
            );
        }
        // A path on the site is still honoured.
        let client = app.client();
        let page = app.page(&client, LABEL_HOST, "/login").await;
        let response = client
            .post(app.url(LABEL_HOST, "/login"))
            .form(&[
                ("csrf", csrf_token(&page).as_str()),
                ("email", "bezoeker@werkweb.net"),
                ("password", PERSON_PASSWORD),
                ("next", "/privacy"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[LOCATION], "/privacy");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_path_labels_off_makes_l_prefix_a_404() {
    let storage = Storage::new(Backend::Sqlite).await.unwrap();
    let app = etalage_tests::start(storage, |c| c.http.path_labels = Some(false)).await;
    let client = app.client();
    for (host, path) in [
        (LABEL_HOST, "/l/onbekend-talent/"),
        (LABEL_HOST, "/l/werkweb/"),
        (LABEL_HOST, "/l/onbekend-talent/api/v1/label"),
        ("127.0.0.1", "/l/werkweb/"),
    ] {
        let response = client.get(app.url(host, path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{host}{path}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("Onbekend Talent") && !body.contains("WerkWeb"),
            "no label content at {host}{path}: {body}"
        );
    }
    let home = client.get(app.url(LABEL_HOST, "/")).send().await.unwrap();
    assert_eq!(
        home.status(),
        StatusCode::OK,
        "the label's own host still works"
    );

    // Mail links then use the label's local hostname, not the prefix.
    app.person(LABEL_HOST, "lokaal", "recruiter", SLUG).await;
    app.client()
        .post(app.url(LABEL_HOST, "/api/v1/password-resets"))
        .json(&serde_json::json!({ "email": "lokaal@werkweb.net" }))
        .send()
        .await
        .unwrap();
    mailed_link(
        &app,
        "lokaal@werkweb.net",
        &app.url(LABEL_HOST, "/password-reset/"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_path_labels_are_on_by_default_on_loopback() {
    let app = etalage_tests::spawn_app(Backend::Sqlite).await;
    let response = app
        .client()
        .get(app.url(LABEL_HOST, "/l/onbekend-talent/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Onbekend Talent"));
}

/// Rows in the tables a reset request could write to.
async fn footprint(app: &TestApp) -> (u64, u64, u64, Vec<String>) {
    let jobs = job::Entity::find().all(&app.db).await.unwrap();
    (
        jobs.len() as u64,
        password_reset::Entity::find().count(&app.db).await.unwrap(),
        audit_event::Entity::find().count(&app.db).await.unwrap(),
        jobs.into_iter().map(|j| j.kind).collect(),
    )
}

storage_test!(
    sec_reset_request_does_the_same_work_for_known_and_unknown_addresses,
    |app: TestApp| async move {
        // No workers: what the request itself does, before any job runs.
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| c.jobs.workers = 0).await;
        app.person(LABEL_HOST, "bekend", "recruiter", SLUG).await;
        let client = app.client();
        let mut deltas = Vec::new();
        for email in ["bekend@werkweb.net", "onbekend@werkweb.net"] {
            let before = footprint(&app).await;
            let response = client
                .post(app.url(LABEL_HOST, "/api/v1/password-resets"))
                .json(&serde_json::json!({ "email": email }))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            let after = footprint(&app).await;
            deltas.push((
                after.0 - before.0,
                after.1 - before.1,
                after.2 - before.2,
                after.3[before.3.len()..].to_vec(),
            ));
        }
        assert_eq!(
            deltas[0], deltas[1],
            "a known and an unknown address leave the same trace"
        );
        assert_eq!(deltas[0].1, 0, "no token before the job runs");
        assert_eq!(deltas[0].3, vec![reset::REQUEST_JOB_KIND.to_string()]);
    }
);

storage_test!(
    sec_completed_reset_cancels_the_accounts_other_links,
    |app: TestApp| async move {
        let (account, _) = app.person(LABEL_HOST, "herstel", "recruiter", SLUG).await;
        // An invitation link still open (a row like a reset's, valid for days).
        let invitation = etalage_core::secrets::new_token();
        let now = etalage_core::time::now();
        password_reset::ActiveModel {
            token_hash: Set(etalage_core::secrets::token_hash(&invitation)),
            account_id: Set(account),
            created_at: Set(now - chrono::Duration::minutes(10)),
            expires_at: Set(now + chrono::Duration::days(7)),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        assert!(reset::is_valid(&app.db, &invitation).await.unwrap());

        let client = app.client();
        client
            .post(app.url(LABEL_HOST, "/api/v1/password-resets"))
            .json(&serde_json::json!({ "email": "herstel@werkweb.net" }))
            .send()
            .await
            .unwrap();
        let link = mailed_reset_link(&app, "herstel@werkweb.net").await;
        let page = client
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let done = client
            .post(&link)
            .form(&[
                ("csrf", csrf_token(&page).as_str()),
                ("password", "een heel nieuw wachtwoord"),
                ("password_repeat", "een heel nieuw wachtwoord"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert!(
            !reset::is_valid(&app.db, &invitation).await.unwrap(),
            "the other link died with the reset"
        );
    }
);

storage_test!(
    sec_failed_mail_job_keeps_no_link,
    |app: TestApp| async move {
        mail::enqueue(
            &app.db,
            &OutgoingMail {
                // Refused by the mailer for good: the job fails without retries.
                to: "geen adres".into(),
                from_name: "WerkWeb".into(),
                reply_to: None,
                subject: "Nieuw wachtwoord".into(),
                text: "http://127.0.0.1/l/werkweb/password-reset/geheim".into(),
                label: Some(SLUG.into()),
            },
        )
        .await
        .unwrap();
        // Wait for the worker to give the job up, not for a guessed time.
        let mut ended = None;
        for _ in 0..400 {
            let row = job::Entity::find().one(&app.db).await.unwrap().unwrap();
            if row.status == "failed" {
                ended = Some(row);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let row = ended.expect("the mail job fails for good");
        assert!(row.payload.is_none(), "{:?}", row.payload);
    }
);
