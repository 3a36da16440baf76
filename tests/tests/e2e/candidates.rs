//! Candidates and their privacy rights (issue #8): sign-up through a label, one person across
//! labels, what each label sees, login codes, a new statement version, "my privacy", export,
//! and erasure that leaves no byte behind. Every test runs on SQLite and PostgreSQL.
use std::io::Read;

use etalage_core::store::entities::{candidate, consent_event, erasure_receipt};
use etalage_tests::{PERSON_PASSWORD, TestApp, link_in_mail, storage_test};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const WERKWEB: &str = "werkweb.localhost";
const MKB: &str = "vacature-service-mkb.localhost";
const OPERATOR: &str = "winwinwerkt.localhost";
const PASSWORD: &str = "een sterk wachtwoord voor mij";

/// The current statement version of the label at `host`.
async fn current_version(app: &TestApp, host: &str) -> String {
    let label: Value = app
        .client()
        .get(app.url(host, "/api/v1/label"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    label["current_statement_version"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Signs `email` up through the API on `host`; returns the response status.
async fn register(app: &TestApp, host: &str, email: &str, extra: Value) -> StatusCode {
    let mut body = json!({
        "name": "Anna de Vries",
        "email": email,
        "password": PASSWORD,
        "accept_privacy_statement_version": current_version(app, host).await,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    app.client()
        .post(app.url(host, "/api/v1/candidates"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

/// The mails to `email`, once `count` of them have arrived.
async fn mails_to(app: &TestApp, email: &str, count: usize) -> Vec<String> {
    etalage_tests::wait_until(&format!("{count} mail(s) to {email}"), || async {
        let mails: Vec<String> = app
            .outbox()
            .into_iter()
            .filter(|m| m.contains(&format!("To: {email}")))
            .collect();
        (mails.len() >= count).then_some(mails)
    })
    .await
}

/// Registers, verifies through the mailed link's token, and logs in on `host`.
async fn signed_up(app: &TestApp, host: &str, email: &str, extra: Value) -> reqwest::Client {
    assert_eq!(
        register(app, host, email, extra).await,
        StatusCode::ACCEPTED
    );
    let mails = mails_to(app, email, 1).await;
    let link = link_in_mail(&mails[0], "http://127.0.0.1").expect("a verification link");
    let token = link.rsplit('/').next().unwrap().to_string();
    let client = app.client();
    let verified = client
        .post(app.url(host, "/api/v1/email-verifications"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::NO_CONTENT);
    let login = app.api_login(&client, host, email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
    client
}

/// Uploads a CV through the API as the logged-in `client` on werkweb; asserts it was taken.
async fn upload_cv(app: &TestApp, client: &reqwest::Client, name: &str, text: &str) {
    let listed = client
        .get(app.url(WERKWEB, "/api/v1/me/documents"))
        .send()
        .await
        .unwrap();
    let csrf = listed.headers()["x-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    let (content_type, body) = etalage_tests::fixtures::upload_body("cv", name, text.as_bytes());
    let uploaded = client
        .post(app.url(WERKWEB, "/api/v1/me/documents"))
        .header("content-type", content_type)
        .header("x-csrf-token", csrf)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
}

async fn get_json(client: &reqwest::Client, url: String) -> (StatusCode, Value) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

storage_test!(
    can_1_sign_up_verify_and_keep_ones_own_profile,
    |app: TestApp| async move {
        let client = signed_up(
            &app,
            WERKWEB,
            "anna@example.nl",
            json!({ "showcase": true, "profile": { "province": "Utrecht", "skills": ["Rust"] } }),
        )
        .await;
        let (status, me) = get_json(&client, app.url(WERKWEB, "/api/v1/me/profile")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["email_verified"], true);
        assert_eq!(me["province"], "Utrecht");
        assert_eq!(me["in_showcase"], true);
        assert_eq!(me["labels"], json!(["werkweb"]));

        let updated = client
            .put(app.url(WERKWEB, "/api/v1/me/profile"))
            .json(&json!({ "hours_per_week": 32, "summary": "Ervaren ontwikkelaar" }))
            .send()
            .await
            .unwrap();
        assert_eq!(updated.status(), StatusCode::OK);
        let me: Value = updated.json().await.unwrap();
        assert_eq!(me["hours_per_week"], 32);

        // Bad input names the field; nothing changes.
        let bad = client
            .put(app.url(WERKWEB, "/api/v1/me/profile"))
            .json(&json!({ "hours_per_week": 90 }))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().await.unwrap().contains("hours_per_week"));

        // Sign-up without accepting the current statement is refused and leaves nothing.
        let refused = app
            .client()
            .post(app.url(WERKWEB, "/api/v1/candidates"))
            .json(
                &json!({ "name": "B", "email": "b@example.nl", "password": PASSWORD,
                "accept_privacy_statement_version": "0.1" }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(candidate::Entity::find().count(&app.db).await.unwrap(), 1);

        // The address of a disabled account is taken: the same answer, no second account.
        let (staff_id, _) = app
            .person(WERKWEB, "uitgeschakeld", "recruiter", "werkweb")
            .await;
        let admin = app.create_admin().await;
        etalage_core::accounts::set_disabled(&app.db, staff_id, true, admin.id, None)
            .await
            .unwrap();
        assert_eq!(
            register(&app, WERKWEB, "uitgeschakeld@werkweb.net", json!({})).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(candidate::Entity::find().count(&app.db).await.unwrap(), 1);
    }
);

storage_test!(
    can_2_the_consent_ledger_records_label_version_purpose_and_form,
    |app: TestApp| async move {
        let client = signed_up(
            &app,
            WERKWEB,
            "ledger@example.nl",
            json!({ "vacancy_mails": true }),
        )
        .await;
        let switched = client
            .put(app.url(WERKWEB, "/api/v1/me/consents"))
            .json(&json!({ "vacancy_mails": false, "other_labels": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(switched.status(), StatusCode::OK);
        let (_, privacy) = get_json(&client, app.url(WERKWEB, "/api/v1/me/disclosures")).await;
        let ledger: Vec<(String, Option<String>, bool, String)> = privacy["consents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["purpose"].as_str().unwrap().to_string(),
                    c["statement_version"].as_str().map(str::to_string),
                    c["given"].as_bool().unwrap(),
                    c["form"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let version = current_version(&app, WERKWEB).await;
        assert_eq!(
            ledger,
            vec![
                (
                    "privacy-statement".into(),
                    Some(version),
                    true,
                    "api".into()
                ),
                ("vacancy-mails".into(), None, true, "api".into()),
                ("other-labels".into(), None, true, "api".into()),
                ("vacancy-mails".into(), None, false, "api".into()),
            ]
        );
        assert!(
            privacy["consents"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["label"] == "werkweb")
        );
    }
);

storage_test!(
    can_2_one_person_through_two_labels_is_one_candidate,
    |app: TestApp| async move {
        let client = signed_up(&app, WERKWEB, "twee@example.nl", json!({})).await;
        // Signing up again through another label: the same answer, no second record, and a
        // mail to the address's owner instead.
        assert_eq!(
            register(&app, MKB, "twee@example.nl", json!({})).await,
            StatusCode::ACCEPTED
        );
        let mails = mails_to(&app, "twee@example.nl", 2).await;
        assert!(
            mails
                .iter()
                .any(|m| m.contains("profiel") || m.contains("profile"))
        );
        assert_eq!(candidate::Entity::find().count(&app.db).await.unwrap(), 1);
        // The password typed in the second sign-up is not trusted.
        let other = app.client();
        let wrong = app
            .api_login(&other, MKB, "twee@example.nl", "a different password!")
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

        // The owner logs in on the second label: no profile there until they accept its
        // statement; then the one record is linked to both.
        let login = app
            .api_login(&client, MKB, "twee@example.nl", PASSWORD)
            .await;
        assert_eq!(login.status(), StatusCode::OK);
        let (status, _) = get_json(&client, app.url(MKB, "/api/v1/me/profile")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let joined = client
            .post(app.url(MKB, "/api/v1/me/labels"))
            .json(&json!({ "accept_privacy_statement_version": current_version(&app, MKB).await }))
            .send()
            .await
            .unwrap();
        assert_eq!(joined.status(), StatusCode::OK);
        let me: Value = joined.json().await.unwrap();
        assert_eq!(me["labels"], json!(["werkweb", "vacature-service-mkb"]));
        assert_eq!(candidate::Entity::find().count(&app.db).await.unwrap(), 1);
        let statements = consent_event::Entity::find()
            .filter(consent_event::Column::Purpose.eq("privacy-statement"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(statements, 2, "one acceptance per label");
    }
);

storage_test!(
    ten_2_a_label_sees_the_candidates_that_came_through_it_and_the_operator_sees_all,
    |app: TestApp| async move {
        let candidate = signed_up(&app, WERKWEB, "zicht@example.nl", json!({})).await;
        let (_, me) = get_json(&candidate, app.url(WERKWEB, "/api/v1/me/profile")).await;
        let id = me["id"].as_i64().unwrap();
        let (_, werkweb) = app
            .person(WERKWEB, "rec-werkweb", "recruiter", "werkweb")
            .await;
        let (_, mkb) = app
            .person(MKB, "rec-mkb", "recruiter", "vacature-service-mkb")
            .await;
        let (_, operator) = app
            .person(OPERATOR, "rec-operator", "recruiter", "winwinwerkt")
            .await;

        let listed = |client: reqwest::Client, host: &'static str| {
            let app = &app;
            async move {
                let (status, list) = get_json(&client, app.url(host, "/api/v1/candidates")).await;
                assert_eq!(status, StatusCode::OK);
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(listed(werkweb.clone(), WERKWEB).await, vec![id]);
        assert_eq!(listed(operator.clone(), OPERATOR).await, vec![id]);
        assert!(listed(mkb.clone(), MKB).await.is_empty());
        let (status, _) = get_json(&mkb, app.url(MKB, &format!("/api/v1/candidates/{id}"))).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a foreign candidate answers as an unknown one"
        );
        let note = mkb
            .post(app.url(MKB, &format!("/api/v1/candidates/{id}/notes")))
            .json(&json!({ "body": "not ours" }))
            .send()
            .await
            .unwrap();
        assert_eq!(note.status(), StatusCode::NOT_FOUND);

        // Notes belong to the label that wrote them.
        let note = werkweb
            .post(app.url(WERKWEB, &format!("/api/v1/candidates/{id}/notes")))
            .json(&json!({ "body": "Sterk gesprek gehad" }))
            .send()
            .await
            .unwrap();
        assert_eq!(note.status(), StatusCode::CREATED);

        // Opting in to all labels makes the candidate visible to the partner label, without
        // the first label's notes.
        let opt_in = candidate
            .put(app.url(WERKWEB, "/api/v1/me/consents"))
            .json(&json!({ "other_labels": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(opt_in.status(), StatusCode::OK);
        assert_eq!(listed(mkb.clone(), MKB).await, vec![id]);
        let (status, seen) =
            get_json(&mkb, app.url(MKB, &format!("/api/v1/candidates/{id}"))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["notes"], json!([]));
        let (_, own) = get_json(
            &werkweb,
            app.url(WERKWEB, &format!("/api/v1/candidates/{id}")),
        )
        .await;
        assert_eq!(own["notes"][0]["body"], "Sterk gesprek gehad");
        // The partner label sees them but may not erase them for everyone.
        let erase = mkb
            .post(app.url(MKB, &format!("/api/v1/candidates/{id}/erasure")))
            .json(&json!({ "confirm": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(erase.status(), StatusCode::NOT_FOUND);
    }
);

storage_test!(
    prv_6_every_staff_read_is_audited_and_shown_to_the_candidate,
    |app: TestApp| async move {
        let candidate = signed_up(&app, WERKWEB, "inzage@example.nl", json!({})).await;
        let (_, me) = get_json(&candidate, app.url(WERKWEB, "/api/v1/me/profile")).await;
        let id = me["id"].as_i64().unwrap();
        let (recruiter_id, recruiter) = app.person(WERKWEB, "lezer", "recruiter", "werkweb").await;
        let (_, privacy) = get_json(&candidate, app.url(WERKWEB, "/api/v1/me/disclosures")).await;
        assert_eq!(privacy["staff_accesses"], json!([]));
        let (status, _) = get_json(
            &recruiter,
            app.url(WERKWEB, &format!("/api/v1/candidates/{id}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (_, privacy) = get_json(&candidate, app.url(WERKWEB, "/api/v1/me/disclosures")).await;
        let accesses = privacy["staff_accesses"].as_array().unwrap();
        assert_eq!(accesses.len(), 1);
        assert_eq!(accesses[0]["action"], "candidate.read");
        assert_eq!(accesses[0]["staff_account_id"], recruiter_id);
        assert_eq!(accesses[0]["label"], "werkweb");
    }
);

storage_test!(
    can_2_a_mailed_login_code_works_once_and_not_for_staff,
    |app: TestApp| async move {
        signed_up(&app, WERKWEB, "code@example.nl", json!({})).await;
        let client = app.client();
        let asked = client
            .post(app.url(WERKWEB, "/api/v1/login-codes"))
            .json(&json!({ "email": "code@example.nl" }))
            .send()
            .await
            .unwrap();
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
        let mails = mails_to(&app, "code@example.nl", 2).await;
        let mail = mails.iter().find(|m| m.contains("/login/code/")).unwrap();
        let subject = mail.lines().find(|l| l.starts_with("Subject:")).unwrap();
        let code: String = subject.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(code.len(), 6, "{subject}");

        let login = |code: String| {
            let client = client.clone();
            let app = &app;
            async move {
                client
                    .post(app.url(WERKWEB, "/api/v1/session/code"))
                    .json(&json!({ "email": "code@example.nl", "code": code }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let wrong = if code == "000000" { "000001" } else { "000000" };
        assert_eq!(login(wrong.to_string()).await, StatusCode::UNAUTHORIZED);
        assert_eq!(login(code.clone()).await, StatusCode::OK);
        let (status, _) = get_json(&client, app.url(WERKWEB, "/api/v1/me/profile")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(login(code).await, StatusCode::UNAUTHORIZED, "single use");

        // Staff accounts never get a code: their roles need their password.
        app.person(WERKWEB, "staff", "recruiter", "werkweb").await;
        let before = app.outbox().len();
        client
            .post(app.url(WERKWEB, "/api/v1/login-codes"))
            .json(&json!({ "email": "staff@werkweb.net" }))
            .send()
            .await
            .unwrap();
        app.wait_for_jobs_drained().await;
        assert_eq!(app.outbox().len(), before);
        let _ = PERSON_PASSWORD;
    }
);

storage_test!(
    can_3_passive_and_unavailable_for_good,
    |app: TestApp| async move {
        let client = signed_up(
            &app,
            WERKWEB,
            "passief@example.nl",
            json!({ "showcase": true }),
        )
        .await;
        let passive = client
            .put(app.url(WERKWEB, "/api/v1/me/availability"))
            .json(&json!({ "availability": "passive" }))
            .send()
            .await
            .unwrap();
        assert_eq!(passive.status(), StatusCode::OK);
        let me: Value = passive.json().await.unwrap();
        assert_eq!(me["availability"], "passive");
        // Unavailable for good erases, but only after an explicit confirmation.
        let unconfirmed = client
            .put(app.url(WERKWEB, "/api/v1/me/availability"))
            .json(&json!({ "availability": "unavailable" }))
            .send()
            .await
            .unwrap();
        assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(candidate::Entity::find().count(&app.db).await.unwrap(), 1);
        let confirmed = client
            .put(app.url(WERKWEB, "/api/v1/me/availability"))
            .json(&json!({ "availability": "unavailable", "confirm_erasure": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::ACCEPTED);
        let receipt: Value = confirmed.json().await.unwrap();
        assert!(
            receipt["receipt_id"]
                .as_str()
                .is_some_and(|r| r.len() == 36)
        );
        assert_eq!(candidate::Entity::find().count(&app.db).await.unwrap(), 0);
        assert_eq!(
            erasure_receipt::Entity::find()
                .count(&app.db)
                .await
                .unwrap(),
            1
        );
        let (status, _) = get_json(&client, app.url(WERKWEB, "/api/v1/me/profile")).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the session went with the account"
        );
    }
);

storage_test!(
    prv_1_the_export_holds_everything_in_one_zip,
    |app: TestApp| async move {
        let client = signed_up(
            &app,
            WERKWEB,
            "export@example.nl",
            json!({ "profile": { "summary": "EXPORTMARKER-zomer" } }),
        )
        .await;
        let cv = "Curriculum vitae\nEXPORTCV-herfst\n";
        upload_cv(&app, &client, "../../mijn cv.txt", cv).await;
        let response = client
            .get(app.url(WERKWEB, "/api/v1/me/export"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/zip");
        let bytes = response.bytes().await.unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut data = String::new();
        zip.by_name("data.json")
            .unwrap()
            .read_to_string(&mut data)
            .unwrap();
        let data: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(data["profile"]["summary"], "EXPORTMARKER-zomer");
        assert_eq!(data["profile"]["email"], "export@example.nl");
        assert!(
            data["consents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["purpose"] == "privacy-statement")
        );
        // The original document, byte for byte, under a name that stays inside the folder.
        let names: Vec<String> = (0..zip.len())
            .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        let cv_name = names
            .iter()
            .find(|n| n.starts_with("documents/"))
            .expect("the CV is in the zip");
        assert!(!cv_name.contains(".."), "{cv_name}");
        let mut bytes = String::new();
        zip.by_name(cv_name)
            .unwrap()
            .read_to_string(&mut bytes)
            .unwrap();
        assert_eq!(bytes, cv);
        assert_eq!(data["documents"][0]["kind"], "cv");
        let mut summary = String::new();
        zip.by_name("summary.html")
            .unwrap()
            .read_to_string(&mut summary)
            .unwrap();
        assert!(summary.contains("EXPORTMARKER-zomer"));
        assert!(summary.contains("Autoriteit Persoonsgegevens"));
    }
);

/// Every file under `dir` (the outbox excepted) that contains one of `markers`.
fn files_holding(dir: &std::path::Path, markers: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.file_name().is_some_and(|n| n == "outbox") {
            continue;
        }
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap().flatten() {
                stack.push(entry.path());
            }
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for marker in markers {
            if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                hits.push(format!("{} holds {marker}", path.display()));
            }
        }
    }
    hits
}

storage_test!(
    can_3_forensic_nothing_of_an_erased_candidate_is_left_on_disk,
    |app: TestApp| async move {
        let email = "forensisch.q7x@example.nl";
        let markers = [
            "forensisch.q7x",
            "Zyxwnaam",
            "0611223344",
            "Plaatsmarker",
            "Werkmarker",
            "Skillmarker",
            "Opleidingmarker",
            "Samenvattingmarker",
            "Notitiemarker",
            "Verzoekmarker",
            "Documentmarker",
            "cvnaammarker",
        ];
        let client = signed_up(
            &app,
            WERKWEB,
            email,
            json!({ "showcase": true, "other_labels": true, "profile": {
                "phone": "0611223344", "place": "Plaatsmarker", "desired_work": "Werkmarker",
                "skills": ["Skillmarker"], "education": "Opleidingmarker",
                "summary": "Samenvattingmarker" } }),
        )
        .await;
        client
            .put(app.url(WERKWEB, "/api/v1/me/profile"))
            .json(&json!({ "name": "Zyxwnaam" }))
            .send()
            .await
            .unwrap();
        let (_, me) = get_json(&client, app.url(WERKWEB, "/api/v1/me/profile")).await;
        let id = me["id"].as_i64().unwrap();
        let (_, recruiter) = app
            .person(WERKWEB, "forensic-rec", "recruiter", "werkweb")
            .await;
        recruiter
            .post(app.url(WERKWEB, &format!("/api/v1/candidates/{id}/notes")))
            .json(&json!({ "body": "Notitiemarker" }))
            .send()
            .await
            .unwrap();
        upload_cv(
            &app,
            &client,
            "cvnaammarker.txt",
            "Curriculum vitae\nDocumentmarker en meer\n",
        )
        .await;
        // A data-subject request, a login code (a row and a mail job), an export and a failed
        // login attempt too.
        let filed = client
            .post(app.url(WERKWEB, "/api/v1/me/privacy-requests"))
            .json(&json!({ "kind": "access", "description": "Verzoekmarker: wat hebben jullie?" }))
            .send()
            .await
            .unwrap();
        assert_eq!(filed.status(), StatusCode::CREATED);
        client
            .post(app.url(WERKWEB, "/api/v1/login-codes"))
            .json(&json!({ "email": email }))
            .send()
            .await
            .unwrap();
        app.wait_for_jobs_drained().await;
        client
            .get(app.url(WERKWEB, "/api/v1/me/export"))
            .send()
            .await
            .unwrap();
        app.api_login(&app.client(), WERKWEB, email, "wrong password!!")
            .await;

        let erased = recruiter
            .post(app.url(WERKWEB, &format!("/api/v1/candidates/{id}/erasure")))
            .json(&json!({ "confirm": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(erased.status(), StatusCode::ACCEPTED);

        let hits = files_holding(app.storage().data_dir.path(), &markers);
        assert!(hits.is_empty(), "left on disk after erasure: {hits:?}");
        if let Some(pg) = &app.storage().pg {
            let dump = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&pg.url)
                .output()
                .expect("pg_dump runs");
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            let dump = String::from_utf8_lossy(&dump.stdout);
            let left: Vec<&&str> = markers.iter().filter(|m| dump.contains(**m)).collect();
            assert!(left.is_empty(), "left in pg_dump after erasure: {left:?}");
        }
    }
);

/// The shipped labels, with WinWinWerkt's current statement set back to version 1.2.
fn labels_at_version_1_2() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = etalage_tests::labels_dir();
    let mut stack = vec![(from.clone(), dir.path().to_path_buf())];
    while let Some((src, dst)) = stack.pop() {
        std::fs::create_dir_all(&dst).unwrap();
        for entry in std::fs::read_dir(&src).unwrap().flatten() {
            let target = dst.join(entry.file_name());
            if entry.path().is_dir() {
                stack.push((entry.path(), target));
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let file = dir.path().join("winwinwerkt.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("current_version = \"1.3\"", "current_version = \"1.2\""),
    )
    .unwrap();
    dir
}

storage_test!(
    prv_4_a_new_statement_version_is_put_to_the_candidate_at_the_next_login,
    |app: TestApp| async move {
        // Sign up while 1.2 is current, then the operator publishes 1.3 (a restart with it).
        let old = labels_at_version_1_2();
        let storage = app.stop().await;
        let app =
            etalage_tests::start(storage, |c| c.labels_dir = Some(old.path().to_path_buf())).await;
        assert_eq!(current_version(&app, OPERATOR).await, "1.2");
        signed_up(&app, OPERATOR, "versie@example.nl", json!({})).await;
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |_| {}).await;
        assert_eq!(current_version(&app, OPERATOR).await, "1.3");

        // The login form takes the candidate to the new statement, whatever `next` says.
        let client = app.client();
        let login = app
            .login(&client, OPERATOR, "versie@example.nl", PASSWORD)
            .await;
        assert_eq!(login.status(), StatusCode::SEE_OTHER);
        assert!(
            login.headers()["location"]
                .to_str()
                .unwrap()
                .ends_with("/portal")
        );
        let portal = app.page(&client, OPERATOR, "/portal").await;
        assert!(
            portal.contains("id=\"join\"") && portal.contains("1.3"),
            "{portal}"
        );
        let (_, me) = get_json(&client, app.url(OPERATOR, "/api/v1/me/profile")).await;
        assert_eq!(me["statement_to_accept"], "1.3");

        let accepted = client
            .put(app.url(OPERATOR, "/api/v1/me/consents"))
            .json(&json!({ "accept_privacy_statement_version": "1.3" }))
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), StatusCode::OK);
        let me: Value = accepted.json().await.unwrap();
        assert_eq!(me["statement_to_accept"], Value::Null);
        // The history of acceptances stays, and the candidate sees it.
        let (_, privacy) = get_json(&client, app.url(OPERATOR, "/api/v1/me/disclosures")).await;
        let versions: Vec<&str> = privacy["consents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["purpose"] == "privacy-statement")
            .map(|c| c["statement_version"].as_str().unwrap())
            .collect();
        assert_eq!(versions, vec!["1.2", "1.3"]);
    }
);

storage_test!(
    prv_5_the_candidate_sees_every_disclosure_about_them_and_no_one_elses,
    |app: TestApp| async move {
        let client = signed_up(&app, WERKWEB, "verstrekt@example.nl", json!({})).await;
        let (_, me) = get_json(&client, app.url(WERKWEB, "/api/v1/me/profile")).await;
        let id = me["id"].as_i64().unwrap();
        // A hand-over as `core::plugins::handover` records it, one about this candidate and
        // one about somebody else.
        for subjects in [
            vec![format!("candidate:{id}")],
            vec![format!("candidate:{}", id + 1000)],
        ] {
            etalage_core::disclosures::record(
                &app.db,
                etalage_core::disclosures::NewDisclosure {
                    label: "werkweb".into(),
                    plugin_name: "payroll-connector".into(),
                    plugin_version: "1.0.0".into(),
                    processor_id: None,
                    data_categories: vec!["name".into(), "e-mail".into()],
                    event: "payroll.place-worker".into(),
                    subjects,
                    outcome: "ok".into(),
                },
            )
            .await
            .unwrap();
        }
        let (status, privacy) = get_json(&client, app.url(WERKWEB, "/api/v1/me/disclosures")).await;
        assert_eq!(status, StatusCode::OK);
        let disclosures = privacy["disclosures"].as_array().unwrap();
        assert_eq!(disclosures.len(), 1, "{privacy}");
        assert_eq!(disclosures[0]["recipient"], "payroll-connector");
        assert_eq!(disclosures[0]["data_categories"], "name, e-mail");
        // The page says the same.
        let page = app.page(&client, WERKWEB, "/portal/privacy").await;
        assert!(page.contains("payroll-connector") && page.contains("Autoriteit Persoonsgegevens"));
    }
);
