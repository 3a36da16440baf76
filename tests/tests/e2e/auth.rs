//! Accounts and sessions: login and logout, CSRF, throttling, sessions across restarts,
//! password reset by mail, and the first-admin setup link.
use etalage_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, csrf_token, link_in_mail, storage_test};
use reqwest::StatusCode;

const HOST: &str = "winwinwerkt.localhost";

storage_test!(
    prv_6_login_sets_a_hardened_session_cookie_and_logout_ends_it,
    |app: TestApp| async move {
        app.create_admin().await;
        let client = app.client();
        let response = app.login(&client, HOST, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/admin");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("etalage_session="))
            .expect("a session cookie");
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));

        let admin = client.get(app.url(HOST, "/admin")).send().await.unwrap();
        assert_eq!(admin.status(), StatusCode::OK);
        let html = admin.text().await.unwrap();
        assert!(html.contains("id=\"labels\""));

        let logout = client
            .post(app.url(HOST, "/logout"))
            .form(&[("csrf", csrf_token(&html).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), StatusCode::SEE_OTHER);
        let after = client.get(app.url(HOST, "/admin")).send().await.unwrap();
        assert_eq!(
            after.status(),
            StatusCode::SEE_OTHER,
            "logged out: back to the login form"
        );
        assert!(
            after.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );

        // On a secure host the cookie is marked Secure.
        let secure = app
            .client()
            .get(app.url("winwinwerkt.nl", "/login"))
            .send()
            .await
            .unwrap();
        let csrf_cookie = secure.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    }
);

storage_test!(
    prv_6_wrong_password_and_unknown_address_look_the_same,
    |app: TestApp| async move {
        app.create_admin().await;
        let wrong = app
            .login(&app.client(), HOST, ADMIN_EMAIL, "not the password at all")
            .await;
        let unknown = app
            .login(
                &app.client(),
                HOST,
                "nobody@example.nl",
                "not the password at all",
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
        assert!(a.contains("id=\"login-error\"") && b.contains("id=\"login-error\""));
    }
);

storage_test!(
    csrf_forms_without_a_valid_token_are_refused,
    |app: TestApp| async move {
        app.create_admin().await;
        let client = app.client();
        let form = app.page(&client, HOST, "/login").await;
        let token = csrf_token(&form);

        let missing = client
            .post(app.url(HOST, "/login"))
            .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::FORBIDDEN);

        // A token from another browser (another cookie) is worthless here.
        let other = app.client();
        let other_form = app.page(&other, HOST, "/login").await;
        let foreign = client
            .post(app.url(HOST, "/login"))
            .form(&[
                ("csrf", csrf_token(&other_form).as_str()),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN);

        // A cross-site request is refused even with the right token.
        let cross_site = client
            .post(app.url(HOST, "/login"))
            .header("sec-fetch-site", "cross-site")
            .form(&[
                ("csrf", token.as_str()),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);

        // JSON from a foreign origin is refused; same origin passes.
        let foreign_json = client
            .post(app.url(HOST, "/api/v1/session"))
            .header("origin", "http://evil.example")
            .json(&serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(foreign_json.status(), StatusCode::FORBIDDEN);

        let ok = client
            .post(app.url(HOST, "/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    }
);

storage_test!(
    prv_6_login_is_throttled_per_account,
    |app: TestApp| async move {
        app.create_admin().await;
        for attempt in 1..=5 {
            let r = app
                .login(&app.client(), HOST, ADMIN_EMAIL, "a wrong password guess")
                .await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
        // Now even the right password is refused, from any client, with a time to wait.
        let blocked = app
            .client()
            .post(app.url(HOST, "/api/v1/session"))
            .json(&serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = blocked.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait > 0 && wait <= 15 * 60);
        let page = app
            .login(&app.client(), HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    }
);

storage_test!(
    prv_6_login_is_throttled_per_client_address,
    |app: TestApp| async move {
        // Spraying many accounts from one address is stopped by the per-address limit.
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| c.login.max_failures_per_ip = 3).await;
        app.create_admin().await;
        for i in 0..3 {
            let r = app
                .login(
                    &app.client(),
                    HOST,
                    &format!("user{i}@example.nl"),
                    "wrong password guess",
                )
                .await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let blocked = app
            .login(&app.client(), HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    }
);

storage_test!(sessions_survive_a_restart, |app: TestApp| async move {
    app.create_admin().await;
    let client = app.client();
    let r = app.login(&client, HOST, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let storage = app.stop().await;
    let app = etalage_tests::start(storage, |_| {}).await;
    // Same cookie jar, new server process on a new port: the cookie is per host, not port.
    let me = client
        .get(app.url(HOST, "/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
});

storage_test!(
    password_reset_mail_link_sets_a_new_password_once,
    |app: TestApp| async move {
        app.create_admin().await;
        let logged_in = app.client();
        app.login(&logged_in, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;

        let client = app.client();
        let form = app.page(&client, HOST, "/password-reset").await;
        let sent = client
            .post(app.url(HOST, "/password-reset"))
            .form(&[("csrf", csrf_token(&form).as_str()), ("email", ADMIN_EMAIL)])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::OK);
        // An unknown address gets the same answer and no mail.
        let unknown = client
            .post(app.url(HOST, "/password-reset"))
            .form(&[
                ("csrf", csrf_token(&form).as_str()),
                ("email", "nobody@example.nl"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::OK);

        let mails = app.wait_for_mail(1).await;
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert!(mail.contains(ADMIN_EMAIL));
        assert!(mail.contains("WinWinWerkt"), "sent in the label's name");
        let link = link_in_mail(mail, &app.public_url("winwinwerkt", "/password-reset/"))
            .expect("a reset link");

        let page = client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let new_password = "mijn nieuwe wachtwoordzin";
        let mismatch = client
            .post(&link)
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("password", new_password),
                ("password_repeat", "iets anders dan dat"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let done = client
            .post(&link)
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("password", new_password),
                ("password_repeat", new_password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);

        // Used once: the link is dead now; the old session ended; the new password works.
        let again = client.get(&link).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::GONE);
        let me = logged_in
            .get(app.url(HOST, "/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        let old = app
            .login(&app.client(), HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
        let new = app
            .login(&app.client(), HOST, ADMIN_EMAIL, new_password)
            .await;
        assert_eq!(new.status(), StatusCode::SEE_OTHER);
    }
);

storage_test!(
    setup_link_creates_the_first_admin_once,
    |app: TestApp| async move {
        let token = app
            .setup_token
            .clone()
            .expect("a fresh platform prints a setup link");
        let client = app.client();
        let url = app.url(HOST, &format!("/setup/{token}"));
        let html = client.get(&url).send().await.unwrap().text().await.unwrap();
        let weak = client
            .post(&url)
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("display_name", "Eerste"),
                ("email", ADMIN_EMAIL),
                ("password", "kort"),
                ("password_repeat", "kort"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let created = client
            .post(&url)
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("display_name", "Eerste"),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("password_repeat", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let admin = client.get(app.url(HOST, "/admin")).send().await.unwrap();
        assert_eq!(admin.status(), StatusCode::OK);
        // Spent: nobody can use it again, and a restart prints no new one.
        assert_eq!(
            app.client().get(&url).send().await.unwrap().status(),
            StatusCode::GONE
        );
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |_| {}).await;
        assert!(app.setup_token.is_none());
    }
);

storage_test!(
    non_admins_cannot_reach_the_console,
    |app: TestApp| async move {
        use etalage_core::domain::{Email, Password};
        etalage_core::accounts::create(
            &app.db,
            &Email::parse("recruiter@werkweb.net").unwrap(),
            "Recruiter",
            Some(&Password::parse("recruiter wachtwoord lang").unwrap()),
        )
        .await
        .unwrap();
        let client = app.client();
        app.login(
            &client,
            HOST,
            "recruiter@werkweb.net",
            "recruiter wachtwoord lang",
        )
        .await;
        assert_eq!(
            client
                .get(app.url(HOST, "/admin"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        let api = client
            .get(app.url(HOST, "/api/v1/admin/labels"))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::FORBIDDEN);
        assert_eq!(api.headers()["content-type"], "application/problem+json");
        let anonymous = app
            .client()
            .get(app.url(HOST, "/api/v1/admin/labels"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
);
