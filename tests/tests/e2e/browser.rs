//! In a real browser: the first admin sets up their account through the printed link, logs in
//! and sees the label list; an operator invites a recruiter who then sees only their label.
//! Each runs on SQLite and on PostgreSQL, like every other test that stores something.
use etalage_tests::browser::Browser;
use etalage_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, storage_test};

storage_test!(
    bootstrap_admin_logs_in_and_sees_the_label_list,
    |app: TestApp| async move {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let token = app.setup_token.clone().unwrap();
        let host = "winwinwerkt.localhost";

        browser
            .goto(&app.url(host, &format!("/setup/{token}")))
            .await;
        browser
            .fill("input[name=display_name]", "Eerste Beheerder")
            .await;
        browser.fill("input[name=email]", ADMIN_EMAIL).await;
        browser.fill("input[name=password]", ADMIN_PASSWORD).await;
        browser
            .fill("input[name=password_repeat]", ADMIN_PASSWORD)
            .await;
        browser.click("#setup-submit").await;
        browser.wait_for("table#labels").await;

        // Log out and in again with the chosen password.
        browser.click("#logout").await;
        browser.wait_for("#login-submit").await;
        browser.fill("input[name=email]", ADMIN_EMAIL).await;
        browser.fill("input[name=password]", ADMIN_PASSWORD).await;
        browser.click("#login-submit").await;
        let table = browser.wait_for("table#labels").await;
        for name in [
            "WinWinWerkt",
            "Vacature Service MKB",
            "65plus Werkt",
            "WerkWeb",
            "Onbekend Talent",
        ] {
            if !table.contains(name) {
                browser.screenshot("label-list").await;
                panic!("{name} missing from the label list: {table}");
            }
        }
        browser.close().await;
    }
);

storage_test!(
    ten_2_operator_invites_a_recruiter_who_sees_only_their_label,
    |app: TestApp| async move {
        use etalage_core::domain::{Email, Password};
        let Some(browser) = Browser::start().await else {
            return;
        };
        let host = "werkweb.localhost";
        let operator_password = "wachtwoord van de operator";
        let operator = etalage_core::accounts::create(
            &app.db,
            &Email::parse("operator@werkweb.net").unwrap(),
            "Operator WerkWeb",
            Some(&Password::parse(operator_password).unwrap()),
        )
        .await
        .unwrap();
        etalage_core::accounts::grant_role(&app.db, operator.id, "werkweb", "label-operator", None)
            .await
            .unwrap();
        app.authz.reload().await.unwrap();

        // The operator logs in and invites a recruiter.
        browser.goto(&app.url(host, "/login")).await;
        browser
            .fill("input[name=email]", "operator@werkweb.net")
            .await;
        browser
            .fill("input[name=password]", operator_password)
            .await;
        browser.click("#login-submit").await;
        browser.wait_for("#nav-admin").await;
        browser.goto(&app.url(host, "/admin/people")).await;
        browser.wait_for("form#invite").await;
        browser
            .fill("form#invite input[name=display_name]", "Rita Recruiter")
            .await;
        browser
            .fill("form#invite input[name=email]", "rita@werkweb.net")
            .await;
        browser.click("#invite-submit").await;
        // The invitation is mailed; the people list now shows her with her role.
        app.wait_for_mail(1).await;
        browser.goto(&app.url(host, "/admin/people")).await;
        let people = browser.wait_for("table#people").await;
        assert!(
            people.contains("Rita Recruiter") && people.contains("recruiter"),
            "{people}"
        );
        browser.click("#logout").await;
        browser.wait_for("#login-submit").await;

        // The recruiter follows the mailed link, chooses a password and logs in.
        let mails = app.wait_for_mail(1).await;
        let link =
            etalage_tests::link_in_mail(&mails[0], &app.public_url("werkweb", "/password-reset/"))
                .unwrap();
        browser.goto(&link).await;
        browser
            .fill("input[name=password]", "ritas eigen wachtwoord")
            .await;
        browser
            .fill("input[name=password_repeat]", "ritas eigen wachtwoord")
            .await;
        browser.click("button[type=submit]").await;
        browser.wait_for("#login-submit").await;
        browser.fill("input[name=email]", "rita@werkweb.net").await;
        browser
            .fill("input[name=password]", "ritas eigen wachtwoord")
            .await;
        browser.click("#login-submit").await;
        browser.wait_for("#logout").await;

        // She sees her label's site, and no console: not here, not in another label.
        let brand = browser.text("a.brand").await;
        assert_eq!(brand, "WerkWeb");
        assert!(
            browser
                .client
                .find(fantoccini::Locator::Css("#nav-admin"))
                .await
                .is_err()
        );
        // The mailed link took her to the label's public address, where her session now is.
        browser.goto(&app.public_url("werkweb", "/admin")).await;
        let refused = browser.wait_for("main h1").await;
        browser
            .goto(&app.public_url("65plus-werkt", "/admin/people"))
            .await;
        let refused_other = browser.wait_for("main h1").await;
        if !(refused.contains("403") && refused_other.contains("403")) {
            browser.screenshot("recruiter-console").await;
            panic!("the recruiter reached a console: {refused} / {refused_other}");
        }
        browser.close().await;
    }
);

storage_test!(
    plg_1_admin_uploads_a_matcher_an_operator_enables_it_and_the_api_ranks,
    |app: TestApp| async move {
        use etalage_core::domain::{Email, Password};
        let Some(browser) = Browser::start().await else {
            return;
        };
        app.create_admin().await;
        let host = "werkweb.localhost";
        let wasm_path = browser.dir.path().join("skills-matcher.wasm");
        std::fs::write(&wasm_path, etalage_tests::plugin_wasm("skills_matcher")).unwrap();

        // The platform admin installs the plugin through the upload form.
        browser.goto(&app.url(host, "/login")).await;
        browser.fill("input[name=email]", ADMIN_EMAIL).await;
        browser.fill("input[name=password]", ADMIN_PASSWORD).await;
        browser.click("#login-submit").await;
        browser.wait_for("table#labels").await;
        browser.goto(&app.url(host, "/admin/plugins")).await;
        browser
            .fill("form#upload input[name=name]", "skills-matcher")
            .await;
        browser
            .fill("form#upload input[name=version]", "1.0.0")
            .await;
        browser
            .client
            .find(fantoccini::Locator::Css("form#upload input[name=file]"))
            .await
            .unwrap()
            .send_keys(&wasm_path.display().to_string())
            .await
            .unwrap();
        browser.click("#upload-submit").await;
        let installed = browser.wait_for("table#plugins").await;
        if !installed.contains("skills-matcher") || !installed.contains("matcher") {
            browser.screenshot("upload").await;
            panic!("not installed: {installed}");
        }
        browser.click("#logout").await;
        browser.wait_for("#login-submit").await;

        // The label operator enables it for their label with a setting.
        let operator = etalage_core::accounts::create(
            &app.db,
            &Email::parse("operator@werkweb.net").unwrap(),
            "Operator",
            Some(&Password::parse("wachtwoord van de operator").unwrap()),
        )
        .await
        .unwrap();
        etalage_core::accounts::grant_role(&app.db, operator.id, "werkweb", "label-operator", None)
            .await
            .unwrap();
        app.authz.reload().await.unwrap();
        browser
            .fill("input[name=email]", "operator@werkweb.net")
            .await;
        browser
            .fill("input[name=password]", "wachtwoord van de operator")
            .await;
        browser.click("#login-submit").await;
        browser.wait_for("#nav-admin").await;
        browser
            .goto(&app.url(host, "/admin/labels/werkweb/plugins"))
            .await;
        browser
            .fill(
                "form#configure textarea[name=settings]",
                "weight_skills = 0.9",
            )
            .await;
        browser.click("#configure-submit").await;
        let enabled = browser.wait_for("table#enabled").await;
        assert!(enabled.contains("skills-matcher@1.0.0"), "{enabled}");

        // An API call ranks a batch through it.
        let client = app.client();
        app.api_login(
            &client,
            host,
            "operator@werkweb.net",
            "wachtwoord van de operator",
        )
        .await;
        let ranked: serde_json::Value = client
            .post(app.url(host, "/api/v1/match"))
            .json(&serde_json::json!({
                "vacancy": { "id": "v", "skills": [{ "skill": 7, "weight": 1.0 }] },
                "candidates": [{ "id": "a", "skills": [] }, { "id": "b", "skills": [7] }]
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ranked["scores"][0]["candidate"], "b", "{ranked}");
        browser.close().await;
    }
);

/// The verification link of the newest mail to `email`, once it has arrived.
async fn verification_link(app: &TestApp, email: &str) -> String {
    etalage_tests::wait_until("the verification mail", || async {
        app.outbox()
            .iter()
            .filter(|m| m.contains(&format!("To: {email}")))
            .find_map(|m| etalage_tests::link_in_mail(m, "http://127.0.0.1"))
            .filter(|l| l.contains("/verify-email/"))
    })
    .await
}

storage_test!(
    can_1_a_job_seeker_signs_up_verifies_keeps_a_profile_exports_and_erases_it,
    |app: TestApp| async move {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let host = "werkweb.localhost";
        let email = "browser@example.nl";
        browser.goto(&app.url(host, "/signup")).await;
        browser.fill("input[name=name]", "Bram Browser").await;
        browser.fill("input[name=email]", email).await;
        browser
            .fill("input[name=password]", "een wachtwoord in de browser")
            .await;
        browser.fill("input[name=desired_work]", "Tester").await;
        browser.click("#accept-statement").await;
        browser.click("#signup-submit").await;
        browser.wait_for("#signup-sent").await;

        // The mailed link (on the label's public address) opens a page with one button.
        let link = verification_link(&app, email).await;
        browser.goto(&link).await;
        browser.click("#verify-submit").await;
        let notice = browser.wait_for("#portal-notice").await;
        assert!(!notice.is_empty());
        assert_eq!(browser.text("#portal-email").await, email);

        browser.fill("input[name=place]", "Utrecht").await;
        browser.click("#profile-submit").await;
        browser.wait_for("#portal-notice").await;
        let (_, me) = {
            let c = app.client();
            app.api_login(&c, host, email, "een wachtwoord in de browser")
                .await;
            let r = c
                .get(app.url(host, "/api/v1/me/profile"))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<serde_json::Value>().await.unwrap())
        };
        assert_eq!(me["place"], "Utrecht");
        assert_eq!(me["desired_work"], "Tester");

        // Upload a CV and see it listed in the portal's documents.
        let cv_file = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
        std::fs::write(
            cv_file.path(),
            "Curriculum vitae van Bram\nTester sinds 2015\n",
        )
        .unwrap();
        browser.click("#portal-documents").await;
        browser.wait_for("#upload-document").await;
        browser
            .attach("#upload-document input[type=file]", cv_file.path())
            .await;
        browser.click("#upload-document button[type=submit]").await;
        let listed = browser.wait_for("table#documents").await;
        let file_name = cv_file
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(listed.contains(&file_name), "{listed}");
        // The mailed link was on the label's public address, where the session cookie lives.
        let base = link.split("/verify-email/").next().unwrap().to_string();
        browser.goto(&format!("{base}/portal")).await;

        // The export link answers with the zip.
        let (status, kind) = browser.fetch("/l/werkweb/portal/export").await;
        assert_eq!((status, kind.as_str()), (200, "application/zip"));

        browser.click("#erase-confirm").await;
        browser.click("#erase-submit").await;
        let receipt = browser.wait_for("#receipt-id").await;
        assert_eq!(receipt.len(), 36, "{receipt}");
        use sea_orm::{EntityTrait, PaginatorTrait};
        let left = etalage_core::store::entities::candidate::Entity::find()
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(left, 0);
        browser.close().await;
    }
);

storage_test!(
    can_2_in_the_browser_one_profile_is_linked_through_a_second_label,
    |app: TestApp| async move {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let email = "twee.labels@example.nl";
        let password = "een wachtwoord voor twee labels";
        browser.goto(&app.url("werkweb.localhost", "/signup")).await;
        browser.fill("input[name=name]", "Tessa Twee").await;
        browser.fill("input[name=email]", email).await;
        browser.fill("input[name=password]", password).await;
        browser.click("#accept-statement").await;
        browser.click("#signup-submit").await;
        browser.wait_for("#signup-sent").await;
        let link = verification_link(&app, email).await;
        browser.goto(&link).await;
        browser.click("#verify-submit").await;
        browser.wait_for("#portal-email").await;

        // On the second label's own site: log in, accept its statement, and the one profile
        // is linked to both labels.
        let mkb = "vacature-service-mkb.localhost";
        browser.goto(&app.url(mkb, "/login")).await;
        browser.fill("input[name=email]", email).await;
        browser.fill("input[name=password]", password).await;
        browser.click("#login-submit").await;
        browser.wait_for("#join").await;
        browser.click("#accept-statement").await;
        browser.click("#join-submit").await;
        assert_eq!(browser.wait_for("#portal-email").await, email);
        use sea_orm::{EntityTrait, PaginatorTrait};
        let candidates = etalage_core::store::entities::candidate::Entity::find()
            .count(&app.db)
            .await
            .unwrap();
        let links = etalage_core::store::entities::candidate_label::Entity::find()
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!((candidates, links), (1, 2));
        browser.close().await;
    }
);
