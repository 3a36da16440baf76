//! PRV-1: the register of data-subject requests. Staff register and follow requests with their
//! ten-working-day deadline beside the one-month limit; another label's request is unknown;
//! candidates file their own; overdue requests are mailed to the label's handlers daily; special
//! personal data in free text is refused.
use chrono::{Duration, NaiveDate};
use etalage_core::privacy::calendar::{self, HolidaySettings};
use etalage_core::privacy::reminder;
use etalage_core::store::entities::{audit_event, candidate, candidate_label, label};
use etalage_tests::{TestApp, csrf_token, link_in_mail, storage_test};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

const HOST: &str = "werkweb.localhost";
const OTHER: &str = "65plus-werkt";

fn today() -> NaiveDate {
    etalage_core::time::now().date_naive()
}

/// A receipt date whose deadline is within two working days from today, as the server counts.
fn received_due_soon() -> NaiveDate {
    let s = HolidaySettings::default();
    let until = calendar::add_working_days(today(), 2, s);
    (1..40)
        .map(|back| today() - Duration::days(back))
        .find(|r| {
            let due = calendar::deadlines(*r, s).due;
            due >= today() && due <= until
        })
        .unwrap()
}

async fn register(app: &TestApp, client: &reqwest::Client, body: Value) -> reqwest::Response {
    client
        .post(app.url(HOST, "/api/v1/admin/privacy-requests"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn phone_request(kind: &str, received_on: NaiveDate, name: &str) -> Value {
    json!({
        "kind": kind,
        "channel": "phone",
        "received_on": received_on.to_string(),
        "requester_name": name,
        "requester_contact": "06 1234 5678",
        "description": "Belde over de eigen gegevens",
    })
}

async fn list(
    app: &TestApp,
    client: &reqwest::Client,
    host: &str,
    query: &str,
) -> (StatusCode, Value) {
    let r = client
        .get(app.url(host, &format!("/api/v1/admin/privacy-requests{query}")))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

storage_test!(
    prv_1_staff_register_follow_and_answer_requests_within_their_label,
    |app: TestApp| async move {
        let (_, recruiter) = app.person(HOST, "recruiter", "recruiter", "werkweb").await;
        let s = HolidaySettings::default();

        // Registered by staff: the deadline and the legal limit come with it.
        let old = today() - Duration::days(40);
        let r = register(&app, &recruiter, phone_request("access", old, "Jan Laat")).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let late: Value = r.json().await.unwrap();
        let expected = calendar::deadlines(old, s);
        assert_eq!(late["due_on"], expected.due.to_string());
        assert_eq!(late["legal_limit_on"], expected.legal_limit.to_string());
        assert_eq!(late["urgency"], "overdue");
        assert_eq!(late["status"], "received");
        let soon: Value = register(
            &app,
            &recruiter,
            phone_request("erasure", received_due_soon(), "Piet Binnenkort"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(soon["urgency"], "due_soon");
        let fresh: Value = register(
            &app,
            &recruiter,
            phone_request("objection", today(), "Kees Vers"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(fresh["urgency"], "on_time");
        let (late_id, soon_id, fresh_id) = (
            late["id"].as_i64().unwrap(),
            soon["id"].as_i64().unwrap(),
            fresh["id"].as_i64().unwrap(),
        );

        // Special personal data never lands in the register.
        let mut with_bsn = phone_request("access", today(), "Anna");
        with_bsn["identity_check"] = json!("verified");
        with_bsn["identity_method"] = json!("paspoort, BSN 111222333");
        let refused = register(&app, &recruiter, with_bsn).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "identity_method");
        let mut with_iban = phone_request("access", today(), "Anna");
        with_iban["description"] = json!("Stort terug op NL91 ABNA 0417 1643 00");
        assert_eq!(
            register(&app, &recruiter, with_iban).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let future = phone_request("access", today() + Duration::days(3), "Anna");
        assert_eq!(
            register(&app, &recruiter, future).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Filters and paging.
        let (_, all) = list(&app, &recruiter, HOST, "").await;
        assert_eq!(ids(&all), vec![late_id, soon_id, fresh_id]);
        let (_, overdue) = list(&app, &recruiter, HOST, "?due=overdue").await;
        assert_eq!(ids(&overdue), vec![late_id]);
        let (_, due_soon) = list(&app, &recruiter, HOST, "?due=due_soon").await;
        assert_eq!(ids(&due_soon), vec![soon_id]);
        let (_, urgent) = list(&app, &recruiter, HOST, "?due=urgent").await;
        assert_eq!(ids(&urgent), vec![late_id, soon_id]);
        let (_, erasures) = list(&app, &recruiter, HOST, "?kind=erasure").await;
        assert_eq!(ids(&erasures), vec![soon_id]);
        let (_, second) = list(&app, &recruiter, HOST, "?per_page=2&page=2").await;
        assert_eq!(
            (ids(&second), second["total"].as_i64()),
            (vec![fresh_id], Some(3))
        );
        for bad in [
            "?due=someday",
            "?kind=gossip",
            "?per_page=0",
            "?per_page=999",
            "?page=0",
        ] {
            assert_eq!(
                list(&app, &recruiter, HOST, bad).await.0,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}"
            );
        }

        // Status changes, audited with ids only.
        let patch = |id: i64, body: Value| {
            let client = recruiter.clone();
            let url = app.url(HOST, &format!("/api/v1/admin/privacy-requests/{id}"));
            async move { client.patch(url).json(&body).send().await.unwrap() }
        };
        let r = patch(late_id, json!({ "status": "in_progress" })).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "in_progress");
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("privacy.request.status"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].subject, format!("privacy_request:{late_id}"));
        assert_eq!(audited[0].label.as_deref(), Some("werkweb"));
        assert!(
            !audited[0].details.contains("Jan"),
            "{}",
            audited[0].details
        );
        assert_eq!(
            patch(late_id, json!({ "status": "answered" }))
                .await
                .status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "an answer needs its text"
        );
        let answered = patch(
            late_id,
            json!({ "status": "answered", "answer": "Overzicht per post verstuurd" }),
        )
        .await;
        assert_eq!(answered.status(), StatusCode::OK);
        let answered: Value = answered.json().await.unwrap();
        assert_eq!(answered["urgency"], "closed");
        assert!(answered["answered_at"].is_string());
        assert_eq!(
            patch(late_id, json!({ "status": "in_progress" }))
                .await
                .status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            patch(
                soon_id,
                json!({ "identity_method": "ID-kaart SPECI2014 gezien" })
            )
            .await
            .status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Another label's staff: the request is unknown there, as is any id.
        let (_, stranger) = app.person(HOST, "andere", "recruiter", OTHER).await;
        let theirs = format!("/l/{OTHER}/api/v1/admin/privacy-requests");
        let r = stranger
            .patch(app.url(HOST, &format!("{theirs}/{soon_id}")))
            .json(&json!({ "status": "withdrawn" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = stranger
            .get(app.url(
                HOST,
                &format!("/l/{OTHER}/admin/privacy-requests/{soon_id}"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = stranger.get(app.url(HOST, &theirs)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(ids(&r.json::<Value>().await.unwrap()), Vec::<i64>::new());
        // And our recruiter is refused in the other label altogether.
        let r = recruiter.get(app.url(HOST, &theirs)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // The console page: deadline and legal limit side by side, the urgent ones marked,
        // and the supervisory authority named.
        let html = app.page(&recruiter, HOST, "/admin/privacy-requests").await;
        assert!(html.contains("Autoriteit Persoonsgegevens"), "{html}");
        assert!(html.contains("autoriteitpersoonsgegevens.nl"));
        assert!(html.contains("class=\"prv-due_soon\""));
        assert!(html.contains(&soon["due_on"].as_str().unwrap().to_string()));
        assert!(html.contains(&soon["legal_limit_on"].as_str().unwrap().to_string()));
        let html = app
            .page(
                &recruiter,
                HOST,
                &format!("/admin/privacy-requests/{soon_id}"),
            )
            .await;
        assert!(html.contains("id=\"prv-update\""));
        assert!(html.contains("Autoriteit Persoonsgegevens"));

        // The console forms do the same: register, refuse special data, update.
        let form = app.page(&recruiter, HOST, "/admin/privacy-requests").await;
        let csrf = csrf_token(&form);
        let fields = |method: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("kind", "rectification".to_string()),
                ("channel", "letter".to_string()),
                ("received_on", today().to_string()),
                ("requester_name", "Per Brief".to_string()),
                ("identity_check", "verified".to_string()),
                ("identity_method", method.to_string()),
            ]
        };
        let url = app.url(HOST, "/admin/privacy-requests");
        let refused = recruiter
            .post(&url)
            .form(&fields("rijbewijs, BSN 111.222.333"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.unwrap().contains("id=\"prv-error\""));
        let made = recruiter
            .post(&url)
            .form(&fields("brief met handtekening vergeleken"))
            .send()
            .await
            .unwrap();
        assert_eq!(made.status(), StatusCode::SEE_OTHER);
        let location = made.headers()["location"].to_str().unwrap().to_string();
        let made_id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let detail = app.page(&recruiter, HOST, &location).await;
        let due = calendar::deadlines(today(), s);
        assert!(detail.contains(&due.due.to_string()), "{detail}");
        assert!(detail.contains(&due.legal_limit.to_string()));
        let updated = recruiter
            .post(app.url(HOST, &location))
            .form(&[
                ("csrf", csrf.as_str()),
                ("status", "refused"),
                ("identity_check", "verified"),
                ("answer", "Geen gegevens gevonden om te corrigeren"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(updated.status(), StatusCode::SEE_OTHER);
        let (_, refused_list) = list(&app, &recruiter, HOST, "?status=refused").await;
        assert_eq!(ids(&refused_list), vec![made_id]);
    }
);

/// A candidate of werkweb behind `account_id`, written directly as the sign-up would.
async fn candidate_for(app: &TestApp, account_id: i64, email: &str) -> i64 {
    let now = etalage_core::time::now();
    let row = candidate::ActiveModel {
        email: Set(email.into()),
        name: Set(Some("Karin".into())),
        availability: Set("available".into()),
        account_id: Set(Some(account_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let werkweb = label::Entity::find()
        .filter(label::Column::Slug.eq("werkweb"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    candidate_label::ActiveModel {
        candidate_id: Set(row.id),
        label_id: Set(werkweb.id),
        source: Set("signup".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    row.id
}

storage_test!(
    prv_1_a_candidate_files_a_request_and_sees_it,
    |app: TestApp| async move {
        let (account_id, me) = app.person(HOST, "kandidaat", "candidate", "werkweb").await;
        let candidate_id = candidate_for(&app, account_id, "kandidaat@werkweb.net").await;
        let mine = app.url(HOST, "/api/v1/me/privacy-requests");

        let r = me
            .post(&mine)
            .json(&json!({ "kind": "access", "description": "Welke gegevens hebben jullie van mij?" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let filed: Value = r.json().await.unwrap();
        let due = calendar::deadlines(today(), HolidaySettings::default());
        assert_eq!(filed["due_on"], due.due.to_string());
        assert_eq!(filed["legal_limit_on"], due.legal_limit.to_string());
        assert_eq!(filed["channel"], "portal");
        let r = me
            .post(&mine)
            .json(&json!({ "kind": "rectification", "description": "Mijn BSN is 111222333" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let listed: Value = me.get(&mine).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], filed["id"]);
        assert_eq!(listed[0]["status"], "received");

        // Staff of the label see it, linked to the candidate.
        let (_, recruiter) = app.person(HOST, "recruiter", "recruiter", "werkweb").await;
        let (_, page) = list(&app, &recruiter, HOST, "").await;
        assert_eq!(page["items"][0]["candidate_id"], candidate_id);

        // The page names the supervisory authority and offers the form.
        let html = app.page(&me, HOST, "/account/privacy-requests").await;
        assert!(html.contains("Autoriteit Persoonsgegevens"), "{html}");
        assert!(html.contains("id=\"prv-file\""));
        assert!(html.contains(&due.due.to_string()));
        // So does the privacy statement, beside the way to file a request.
        let statement = app.page(&app.client(), HOST, "/privacy").await;
        assert!(statement.contains("id=\"authority\""), "{statement}");
        assert!(statement.contains("/account/privacy-requests"));

        // An account without a candidate record has no requests to file or see.
        let (_, nobody) = app
            .person(HOST, "geenkandidaat", "candidate", "werkweb")
            .await;
        assert_eq!(
            nobody.get(&mine).send().await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
        // Staff are not candidates: the candidate API is not theirs.
        assert_eq!(
            recruiter.get(&mine).send().await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
    }
);

storage_test!(
    prv_1_the_daily_reminder_mails_overdue_requests_to_the_labels_handlers,
    |app: TestApp| async move {
        let (_, recruiter) = app.person(HOST, "recruiter", "recruiter", "werkweb").await;
        app.person(HOST, "operator", "label-operator", "werkweb")
            .await;
        app.person(HOST, "coach", "coach", "werkweb").await;
        app.person(HOST, "andere", "recruiter", OTHER).await;
        let old = today() - Duration::days(40);
        let late: Value = register(
            &app,
            &recruiter,
            phone_request("erasure", old, "Geheime Naamdrager"),
        )
        .await
        .json()
        .await
        .unwrap();
        let on_time: Value = register(
            &app,
            &recruiter,
            phone_request("access", today(), "Nog Optijd"),
        )
        .await
        .json()
        .await
        .unwrap();
        let (late_id, on_time_id) = (
            late["id"].as_i64().unwrap(),
            on_time["id"].as_i64().unwrap(),
        );

        // Yesterday's run, as if the servers had been down: it runs at once.
        reminder::schedule(&app.db, today() - Duration::days(1))
            .await
            .unwrap();
        app.wait_for_mail(2).await;
        app.wait_for_jobs_drained().await;
        let mails = app.outbox();
        assert_eq!(
            mails.len(),
            2,
            "the recruiter and the operator of werkweb only"
        );
        let decoded: Vec<String> = mails
            .iter()
            .map(|m| {
                m.replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=")
            })
            .collect();
        for to in ["recruiter@werkweb.net", "operator@werkweb.net"] {
            assert!(
                decoded.iter().any(|m| m.contains(&format!("To: {to}"))),
                "{to}"
            );
        }
        for mail in &decoded {
            assert!(mail.contains(&format!("#{late_id} erasure")), "{mail}");
            assert!(mail.contains(&late["due_on"].as_str().unwrap().to_string()));
            assert!(!mail.contains("Geheime"), "no requester names in mail");
            assert!(
                !mail.contains(&format!("#{on_time_id} ")),
                "only what is urgent"
            );
            let link = link_in_mail(mail, &app.public_url("werkweb", "/admin/privacy-requests"));
            assert!(link.is_some(), "a link on the label's address: {mail}");
        }
        // And the next day's run is on the queue.
        use etalage_core::store::entities::job;
        let waiting = job::Entity::find()
            .filter(job::Column::Kind.eq(reminder::JOB_KIND))
            .filter(job::Column::Status.eq("queued"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(waiting.len(), 1);
        assert!(
            waiting[0]
                .payload
                .as_deref()
                .unwrap()
                .contains(&(today() + Duration::days(1)).to_string())
        );
    }
);
