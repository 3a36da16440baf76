//! Two-factor login (issue 7, "Accounts"): enrolment, the two-step login over the API and the
//! pages, code replay and throttling, recovery codes, turning it off, the admin reset and the
//! platform policy. Codes are computed with totp-rs from the secret the API handed out, as an
//! authenticator app would.
use etalage_core::accounts::{LoginThrottle, purge};
use etalage_core::store::entities::{account_totp, audit_event, pending_login, recovery_code};
use etalage_tests::{PERSON_PASSWORD, TestApp, csrf_token, start, storage_test};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Builder, Secret, Totp};

const HOST: &str = "werkweb.localhost";
const STEP: i64 = 30;

/// What enrolling gave the test: the app's view of the secret, and the recovery codes.
struct Enrolled {
    totp: Totp,
    recovery_codes: Vec<String>,
}

impl Enrolled {
    /// The code of the time step `offset` steps from now (the server accepts -1, 0 and +1).
    fn code(&self, offset: i64) -> String {
        let now = etalage_core::time::now().timestamp();
        self.totp
            .generate(u64::try_from(now + offset * STEP).unwrap())
            .to_string()
    }
}

fn email(name: &str) -> String {
    format!("{name}@werkweb.net")
}

async fn post_json(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client
        .post(app.url(HOST, path))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// What an authenticator app makes of a base32 secret: SHA1, 6 digits, 30 seconds.
fn app_view(secret: &str) -> Totp {
    let bytes = Secret::try_from_base32(secret).unwrap();
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(bytes.as_bytes().to_vec())
        .build()
        .unwrap()
}

/// Enrols `client`'s account through the API, confirming with the code of the previous step
/// (so that this step's and the next one's codes are still unused).
async fn enrol(app: &TestApp, client: &reqwest::Client) -> Enrolled {
    let started = post_json(app, client, "/api/v1/me/two-factor/enrolment", json!({})).await;
    assert_eq!(started.status(), StatusCode::OK);
    let started: Value = started.json().await.unwrap();
    let secret = started["secret"].as_str().unwrap();
    let uri = started["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(started["qr_svg"].as_str().unwrap().contains("<svg"));
    let mut enrolled = Enrolled {
        totp: app_view(secret),
        recovery_codes: Vec::new(),
    };
    let confirmed = post_json(
        app,
        client,
        "/api/v1/me/two-factor/enrolment/confirm",
        json!({ "code": enrolled.code(-1) }),
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let confirmed: Value = confirmed.json().await.unwrap();
    enrolled.recovery_codes = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(enrolled.recovery_codes.len(), 10);
    enrolled
}

/// The password step of an API login: the pending token of a 202, with no session cookie.
async fn password_step(app: &TestApp, client: &reqwest::Client, name: &str) -> String {
    let response = app
        .api_login(client, HOST, &email(name), PERSON_PASSWORD)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "a second factor is needed"
    );
    assert!(
        response
            .headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap().starts_with("etalage_session")),
        "no session before the second factor"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["second_factor_required"], true);
    body["pending_token"].as_str().unwrap().to_string()
}

async fn second_step(
    app: &TestApp,
    client: &reqwest::Client,
    pending: &str,
    code: &str,
) -> reqwest::Response {
    post_json(
        app,
        client,
        "/api/v1/session/second-factor",
        json!({ "pending_token": pending, "code": code }),
    )
    .await
}

async fn me_status(app: &TestApp, client: &reqwest::Client) -> StatusCode {
    client
        .get(app.url(HOST, "/api/v1/me"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn audited(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .all(&app.db)
        .await
        .unwrap()
}

storage_test!(
    sec_totp_enrolment_is_confirmed_by_a_code_and_then_login_needs_one,
    |app: TestApp| async move {
        let (id, client) = app.person(HOST, "rita", "recruiter", "werkweb").await;
        // An enrolment not yet confirmed changes nothing about logging in.
        let started = post_json(&app, &client, "/api/v1/me/two-factor/enrolment", json!({})).await;
        assert_eq!(started.status(), StatusCode::OK);
        let confirm_wrong = post_json(
            &app,
            &client,
            "/api/v1/me/two-factor/enrolment/confirm",
            json!({ "code": "000000" }),
        )
        .await;
        assert_eq!(confirm_wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fresh = app.client();
        let plain = app
            .api_login(&fresh, HOST, &email("rita"), PERSON_PASSWORD)
            .await;
        assert_eq!(
            plain.status(),
            StatusCode::OK,
            "not active before confirmation"
        );

        let enrolled = enrol(&app, &client).await;
        // Stored sealed, bound to the account: the base32 secret is nowhere in the row.
        let row = account_totp::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert!(row.confirmed_at.is_some());
        let base32 = enrolled.totp.secret().to_base32();
        assert!(!row.secret_sealed.contains(&base32));
        assert_eq!(audited(&app, "account.two_factor.enable").await.len(), 1);
        // Recovery codes are stored as hashes only.
        let stored = recovery_code::Entity::find()
            .filter(recovery_code::Column::AccountId.eq(id))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(stored.len(), 10);
        for code in &enrolled.recovery_codes {
            assert!(
                stored
                    .iter()
                    .all(|r| !r.code_hash.contains(&code.replace('-', "")))
            );
        }

        // API: the password alone gives no session.
        let api = app.client();
        let pending = password_step(&app, &api, "rita").await;
        assert_eq!(me_status(&app, &api).await, StatusCode::UNAUTHORIZED);
        let wrong = second_step(&app, &api, "not-a-token", &enrolled.code(0)).await;
        assert_eq!(
            wrong.status(),
            StatusCode::UNAUTHORIZED,
            "an unknown pending login"
        );
        let done = second_step(&app, &api, &pending, &enrolled.code(0)).await;
        assert_eq!(done.status(), StatusCode::OK);
        assert_eq!(me_status(&app, &api).await, StatusCode::OK);
        // The pending login is spent.
        let again = second_step(&app, &api, &pending, &enrolled.code(1)).await;
        assert_eq!(again.status(), StatusCode::UNAUTHORIZED);

        // Pages: the login form asks for the code next, and only then logs in.
        let browser = app.client();
        let form = app.page(&browser, HOST, "/login").await;
        let step_one = browser
            .post(app.url(HOST, "/login"))
            .form(&[
                ("csrf", csrf_token(&form).as_str()),
                ("email", email("rita").as_str()),
                ("password", PERSON_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(step_one.status(), StatusCode::OK);
        let html = step_one.text().await.unwrap();
        assert!(
            html.contains("id=\"second-factor\""),
            "the second step's form"
        );
        assert_eq!(me_status(&app, &browser).await, StatusCode::UNAUTHORIZED);
        let marker = "name=\"pending\" value=\"";
        let start_at = html.find(marker).unwrap() + marker.len();
        let pending = &html[start_at..start_at + html[start_at..].find('"').unwrap()];
        let step_two = browser
            .post(app.url(HOST, "/login/two-factor"))
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("pending", pending),
                ("code", enrolled.code(1).as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(step_two.status(), StatusCode::SEE_OTHER);
        assert_eq!(me_status(&app, &browser).await, StatusCode::OK);

        // The daily purge removes pending logins that are spent.
        let left_before = pending_login::Entity::find().count(&app.db).await.unwrap();
        assert!(left_before >= 2);
        purge::purge(&app.db, &LoginThrottle::default())
            .await
            .unwrap();
        assert_eq!(
            pending_login::Entity::find().count(&app.db).await.unwrap(),
            0
        );
    }
);

storage_test!(
    sec_a_wrong_second_factor_code_is_refused_and_throttled,
    |app: TestApp| async move {
        let (_, client) = app.person(HOST, "wim", "recruiter", "werkweb").await;
        let enrolled = enrol(&app, &client).await;
        let api = app.client();
        let pending = password_step(&app, &api, "wim").await;
        let right = enrolled.code(0);
        let wrong = if right == "123456" {
            "654321"
        } else {
            "123456"
        };
        for attempt in 1..=5 {
            let refused = second_step(&app, &api, &pending, wrong).await;
            assert_eq!(
                refused.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "wrong code {attempt}"
            );
            assert_eq!(me_status(&app, &api).await, StatusCode::UNAUTHORIZED);
        }
        // Past the limit even the right code is not checked.
        let throttled = second_step(&app, &api, &pending, &right).await;
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(throttled.headers().get("retry-after").is_some());
        // A correct password does not forgive the code guesses.
        let pending = password_step(&app, &api, "wim").await;
        let still = second_step(&app, &api, &pending, &right).await;
        assert_eq!(still.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(me_status(&app, &api).await, StatusCode::UNAUTHORIZED);
    }
);

storage_test!(
    sec_a_used_totp_code_cannot_be_replayed,
    |app: TestApp| async move {
        let (_, client) = app.person(HOST, "rob", "recruiter", "werkweb").await;
        let enrolled = enrol(&app, &client).await;
        // The code that confirmed the enrolment is spent already.
        let first = app.client();
        let pending = password_step(&app, &first, "rob").await;
        let replayed = second_step(&app, &first, &pending, &enrolled.code(-1)).await;
        assert_eq!(replayed.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let code = enrolled.code(0);
        let ok = second_step(&app, &first, &pending, &code).await;
        assert_eq!(ok.status(), StatusCode::OK);
        // Somebody who saw that code cannot use it for a login of their own.
        let thief = app.client();
        let pending = password_step(&app, &thief, "rob").await;
        let replayed = second_step(&app, &thief, &pending, &code).await;
        assert_eq!(replayed.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(me_status(&app, &thief).await, StatusCode::UNAUTHORIZED);
    }
);

storage_test!(
    sec_a_recovery_code_logs_in_once,
    |app: TestApp| async move {
        let (id, client) = app.person(HOST, "ria", "recruiter", "werkweb").await;
        let enrolled = enrol(&app, &client).await;
        let code = enrolled.recovery_codes[3].clone();
        let first = app.client();
        let pending = password_step(&app, &first, "ria").await;
        // Typed in upper case and without the dash, it is still the code.
        let typed = code.to_uppercase().replace('-', "");
        let ok = second_step(&app, &first, &pending, &typed).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let used = audited(&app, "account.two_factor.recovery_code_used").await;
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].subject, format!("account:{id}"));
        assert!(!used[0].details.contains(&code), "no code in the audit log");
        // Spent: a second login with it fails.
        let second = app.client();
        let pending = password_step(&app, &second, "ria").await;
        let again = second_step(&app, &second, &pending, &code).await;
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Regenerating (against a code) replaces them all, the unused old ones too.
        let regenerated = post_json(
            &app,
            &client,
            "/api/v1/me/two-factor/recovery-codes",
            json!({ "code": enrolled.recovery_codes[4] }),
        )
        .await;
        assert_eq!(regenerated.status(), StatusCode::OK);
        let fresh: Value = regenerated.json().await.unwrap();
        let fresh_code = fresh["recovery_codes"][0].as_str().unwrap().to_string();
        let old = second_step(&app, &second, &pending, &enrolled.recovery_codes[5]).await;
        assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let new = second_step(&app, &second, &pending, &fresh_code).await;
        assert_eq!(new.status(), StatusCode::OK);
    }
);

storage_test!(
    sec_turning_two_factor_off_needs_the_password_and_a_code,
    |app: TestApp| async move {
        let (id, client) = app.person(HOST, "dirk", "recruiter", "werkweb").await;
        let enrolled = enrol(&app, &client).await;
        let disable = |password: &str, code: &str| {
            post_json(
                &app,
                &client,
                "/api/v1/me/two-factor/disable",
                json!({ "current_password": password, "code": code }),
            )
        };
        let wrong_password = disable("not my password at all", &enrolled.code(0)).await;
        assert_eq!(wrong_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let wrong_code = disable(PERSON_PASSWORD, "999999x").await;
        assert_eq!(wrong_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            account_totp::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .is_some()
        );
        let off = disable(PERSON_PASSWORD, &enrolled.code(0)).await;
        assert_eq!(off.status(), StatusCode::NO_CONTENT);
        assert!(
            account_totp::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(audited(&app, "account.two_factor.disable").await.len(), 1);
        // The password alone logs in again.
        let login = app
            .api_login(&app.client(), HOST, &email("dirk"), PERSON_PASSWORD)
            .await;
        assert_eq!(login.status(), StatusCode::OK);
    }
);

storage_test!(
    sec_a_platform_admin_resets_a_locked_out_persons_two_factor,
    |app: TestApp| async move {
        let admin = app.create_admin().await;
        let admin_client = app.client();
        let login = app
            .api_login(
                &admin_client,
                HOST,
                etalage_tests::ADMIN_EMAIL,
                etalage_tests::ADMIN_PASSWORD,
            )
            .await;
        assert_eq!(login.status(), StatusCode::OK);
        let (id, client) = app.person(HOST, "lotte", "recruiter", "werkweb").await;
        enrol(&app, &client).await;
        let (_, other) = app.person(HOST, "otto", "label-operator", "werkweb").await;
        let path = format!("/api/v1/admin/accounts/{id}/two-factor/reset");
        // Only platform admins, and not for themselves.
        assert_eq!(
            post_json(&app, &other, &path, json!({})).await.status(),
            StatusCode::FORBIDDEN
        );
        let own = format!("/api/v1/admin/accounts/{}/two-factor/reset", admin.id);
        assert_eq!(
            post_json(&app, &admin_client, &own, json!({}))
                .await
                .status(),
            StatusCode::CONFLICT
        );
        let missing = "/api/v1/admin/accounts/999999/two-factor/reset";
        assert_eq!(
            post_json(&app, &admin_client, missing, json!({}))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(me_status(&app, &client).await, StatusCode::OK);
        let reset = post_json(&app, &admin_client, &path, json!({})).await;
        assert_eq!(reset.status(), StatusCode::NO_CONTENT);
        // Their sessions end, the secret and codes are gone, and it is audited.
        assert_eq!(me_status(&app, &client).await, StatusCode::UNAUTHORIZED);
        assert!(
            account_totp::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap()
                .is_none()
        );
        let codes = recovery_code::Entity::find()
            .filter(recovery_code::Column::AccountId.eq(id))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(codes, 0);
        let entries = audited(&app, "account.two_factor.reset").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor_account_id, Some(admin.id));
        assert_eq!(entries[0].subject, format!("account:{id}"));
        let login = app
            .api_login(&app.client(), HOST, &email("lotte"), PERSON_PASSWORD)
            .await;
        assert_eq!(login.status(), StatusCode::OK, "the password alone again");
    }
);

storage_test!(
    sec_the_platform_policy_makes_an_operator_enrol_before_anything_else,
    |app: TestApp| async move {
        // This test needs the policy on (the harness turns it off for the others).
        let storage = app.stop().await;
        let app = start(storage, |config| {
            config.security.require_two_factor =
                vec!["platform-admin".into(), "label-operator".into()];
        })
        .await;
        let (_, operator) = app.person(HOST, "olga", "label-operator", "werkweb").await;
        let (_, recruiter) = app.person(HOST, "rens", "recruiter", "werkweb").await;
        // The recruiter's role is not on the list.
        assert_eq!(me_status(&app, &recruiter).await, StatusCode::OK);
        // The operator may do nothing but enrol: the API says why …
        let refused = operator
            .get(app.url(HOST, "/api/v1/admin/people"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let problem: Value = refused.json().await.unwrap();
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("/two-factor-required"),
            "{problem}"
        );
        assert_eq!(me_status(&app, &operator).await, StatusCode::FORBIDDEN);
        // … and pages go to the enrolment page, which itself is reachable.
        let page = operator
            .get(app.url(HOST, "/admin/people"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            page.headers()["location"].to_str().unwrap(),
            "/account/two-factor"
        );
        // Enrolling through the pages: start, scan (here: read the key), confirm with a code.
        let enrol_page = app.page(&operator, HOST, "/account/two-factor").await;
        assert!(enrol_page.contains("id=\"two-factor-required\""));
        let started = operator
            .post(app.url(HOST, "/account/two-factor/enrolment"))
            .form(&[("csrf", csrf_token(&enrol_page))])
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), StatusCode::OK);
        let html = started.text().await.unwrap();
        assert!(html.contains("<svg"), "the QR code");
        let marker = "id=\"two-factor-secret\">";
        let at = html.find(marker).unwrap() + marker.len();
        let secret = &html[at..at + html[at..].find('<').unwrap()];
        let enrolled = Enrolled {
            totp: app_view(secret),
            recovery_codes: Vec::new(),
        };
        let confirmed = operator
            .post(app.url(HOST, "/account/two-factor/enrolment/confirm"))
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("code", enrolled.code(0).as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let html = confirmed.text().await.unwrap();
        assert!(html.contains("id=\"recovery-codes\""), "shown once");
        // Enrolled: the operator's permissions apply again.
        assert_eq!(me_status(&app, &operator).await, StatusCode::OK);
        let people = operator
            .get(app.url(HOST, "/api/v1/admin/people"))
            .send()
            .await
            .unwrap();
        assert_eq!(people.status(), StatusCode::OK);
        // Logging out is always possible.
        let (_, second) = app.person(HOST, "oscar", "label-operator", "werkweb").await;
        let out = second
            .delete(app.url(HOST, "/api/v1/session"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        assert_eq!(me_status(&app, &second).await, StatusCode::UNAUTHORIZED);
    }
);
