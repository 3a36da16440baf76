//! Sessions, CSRF binding, throttling and account self-service (issue #7, "accounts"): each
//! test proves one defence and fails when it is taken away.
use etalage_core::accounts::{purge, sessions};
use etalage_core::store::entities::{job, login_attempt, password_reset, session};
use etalage_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, PERSON_PASSWORD, TestApp, csrf_token, link_in_mail, storage_test,
};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

const HOST: &str = "winwinwerkt.localhost";

/// The value of cookie `name` set by `response`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
}

/// A client without a cookie jar, so that each request carries exactly the cookies a test
/// writes (as a planted or stolen cookie would).
fn bare_client(app: &TestApp) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(HOST, std::net::SocketAddr::from(([127, 0, 0, 1], app.port)))
        .build()
        .unwrap()
}

/// The status of `GET /api/v1/me` for `client`: 200 while its session lives, 401 after.
async fn me_status(app: &TestApp, client: &reqwest::Client) -> StatusCode {
    client
        .get(app.url(HOST, "/api/v1/me"))
        .send()
        .await
        .unwrap()
        .status()
}

/// The sessions `client`'s account sees in its list.
async fn my_sessions(app: &TestApp, client: &reqwest::Client) -> Vec<serde_json::Value> {
    client
        .get(app.url(HOST, "/api/v1/me/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `POST /api/v1/admin/accounts/{id}/{action}` by `client`.
async fn switch_account(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    action: &str,
) -> StatusCode {
    client
        .post(app.url(HOST, &format!("/api/v1/admin/accounts/{id}/{action}")))
        .send()
        .await
        .unwrap()
        .status()
}

storage_test!(
    sec_a_csrf_token_from_another_session_or_a_planted_cookie_is_refused,
    |app: TestApp| async move {
        app.create_admin().await;
        let http = bare_client(&app);
        // The attacker fetches a form for themselves: a pre-session id and its token.
        let theirs = http.get(app.url(HOST, "/login")).send().await.unwrap();
        let planted = set_cookie(&theirs, "etalage_csrf").expect("a pre-session id");
        let their_token = csrf_token(&theirs.text().await.unwrap());

        // The victim is logged in.
        let login = app
            .api_login(&app.client(), HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let session = set_cookie(&login, "etalage_session").expect("a session");

        let logout = |cookie: String, token: String| {
            http.post(app.url(HOST, "/logout"))
                .header("cookie", cookie)
                .form(&[("csrf", token)])
                .send()
        };
        // The attacker's cookie planted beside the victim's session, with the attacker's token.
        let forged = logout(
            format!("etalage_session={session}; etalage_csrf={planted}"),
            their_token.clone(),
        )
        .await
        .unwrap();
        assert_eq!(
            forged.status(),
            StatusCode::FORBIDDEN,
            "token of another browser"
        );
        // A second session cookie planted beside the victim's (another Domain or Path).
        let own_page = http
            .get(app.url(HOST, "/account"))
            .header("cookie", format!("etalage_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(own_page.status(), StatusCode::OK);
        let own_token = csrf_token(&own_page.text().await.unwrap());
        let doubled = logout(
            format!("etalage_session={session}; etalage_session=planted"),
            own_token.clone(),
        )
        .await
        .unwrap();
        assert_eq!(
            doubled.status(),
            StatusCode::FORBIDDEN,
            "two session cookies"
        );
        // The victim's own token, bound to their session, works: the refusals above were not
        // for some other reason.
        let real = logout(format!("etalage_session={session}"), own_token)
            .await
            .unwrap();
        assert_eq!(real.status(), StatusCode::SEE_OTHER);
    }
);

storage_test!(
    sec_a_form_post_with_a_foreign_origin_or_referer_is_refused,
    |app: TestApp| async move {
        app.create_admin().await;
        let client = app.client();
        let token = csrf_token(&app.page(&client, HOST, "/login").await);
        let post = |header: &'static str, value: String| {
            client
                .post(app.url(HOST, "/login"))
                .header(header, value)
                .form(&[
                    ("csrf", token.as_str()),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                ])
                .send()
        };
        let evil = format!("http://evil.localhost:{}", app.port);
        let foreign = post("origin", evil.clone()).await.unwrap();
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
        let foreign_referer = post("referer", format!("{evil}/page")).await.unwrap();
        assert_eq!(foreign_referer.status(), StatusCode::FORBIDDEN);
        let ours = post("origin", format!("http://{HOST}:{}", app.port))
            .await
            .unwrap();
        assert_eq!(
            ours.status(),
            StatusCode::SEE_OTHER,
            "the same form from our own origin"
        );
    }
);

storage_test!(
    sec_parallel_wrong_guesses_reach_the_password_check_at_most_the_limit,
    |app: TestApp| async move {
        app.create_admin().await;
        let mut guesses = tokio::task::JoinSet::new();
        for i in 0..10 {
            let client = app.client();
            let url = app.url(HOST, "/api/v1/session");
            guesses.spawn(async move {
                client
                    .post(url)
                    .json(&serde_json::json!({
                        "email": ADMIN_EMAIL,
                        "password": format!("wrong guess number {i}"),
                    }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
        }
        let statuses = guesses.join_all().await;
        // 401 means the password was checked; 429 that the throttle stopped it first.
        let checked = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        let throttled = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!(checked + throttled, 10, "{statuses:?}");
        assert!(
            checked <= 5,
            "{checked} guesses were checked at once: {statuses:?}"
        );
        let recorded = login_attempt::Entity::find()
            .filter(login_attempt::Column::Scope.eq("account"))
            .count(&app.db)
            .await
            .unwrap();
        assert!(recorded <= 5, "{recorded} failures recorded");
    }
);

/// A login through the API from `client_ip` as our proxy reports it, after whatever the client
/// wrote into `X-Forwarded-For` itself.
async fn login_from(
    app: &TestApp,
    forged: &str,
    client_ip: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    app.client()
        .post(app.url(HOST, "/api/v1/session"))
        .header("x-forwarded-for", format!("{forged}, {client_ip}"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

storage_test!(
    sec_a_forged_forwarded_for_does_not_change_the_throttled_client,
    |app: TestApp| async move {
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| {
            c.trust_forwarded_for = true;
            c.trusted_proxy_hops = 1;
            c.login.max_failures_per_ip = 3;
        })
        .await;
        app.create_admin().await;
        for i in 0..3 {
            let status = login_from(
                &app,
                &format!("10.0.0.{i}"),
                "203.0.113.7",
                &format!("user{i}@example.nl"),
                "a wrong password",
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        // A new forged address on the left changes nothing: the client stays throttled.
        let spoofed =
            login_from(&app, "10.9.9.9", "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(spoofed, StatusCode::TOO_MANY_REQUESTS);
        // Another real client is not.
        let other = login_from(&app, "10.0.0.1", "203.0.113.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(other, StatusCode::OK);
    }
);

/// The owner's login form post with the admin's right password and the unlock `token`.
async fn unlock_login(
    app: &TestApp,
    client: &reqwest::Client,
    form_html: &str,
    token: &str,
) -> StatusCode {
    // The owner followed the mailed link, so they are on the label's public address.
    client
        .post(app.public_url("winwinwerkt", "/login"))
        .header("x-forwarded-for", OWNER)
        .form(&[
            ("csrf", csrf_token(form_html).as_str()),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
            ("unlock", token),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

const GUESSER: &str = "203.0.113.66";
const OWNER: &str = "198.51.100.1";

storage_test!(
    sec_the_owner_gets_in_by_an_unlock_link_while_the_guesser_stays_throttled,
    |app: TestApp| async move {
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| c.trust_forwarded_for = true).await;
        app.create_admin().await;
        for _ in 0..5 {
            let status = login_from(&app, "", GUESSER, ADMIN_EMAIL, "a wrong password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        // The owner, from elsewhere, is locked out too — and is mailed a way in.
        let owner = app.client();
        let form = app.page(&owner, HOST, "/login").await;
        let locked = owner
            .post(app.url(HOST, "/login"))
            .header("x-forwarded-for", OWNER)
            .form(&[
                ("csrf", csrf_token(&form).as_str()),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        let mails = app.wait_for_mail(1).await;
        let link = link_in_mail(&mails[0], &app.public_url("winwinwerkt", "/login/unlock/"))
            .expect("an unlock link to this label's public address");
        assert!(link.contains("/login/unlock/"), "{link}");
        let token = link.rsplit('/').next().unwrap().to_string();
        let unlock_page = owner.get(&link).send().await.unwrap();
        assert_eq!(unlock_page.status(), StatusCode::OK);
        let unlock_form = unlock_page.text().await.unwrap();
        assert!(unlock_form.contains(&token), "the form carries the token");

        let in_ = unlock_login(&app, &owner, &unlock_form, &token).await;
        assert_eq!(in_, StatusCode::SEE_OTHER, "the owner is in");
        // The guesser, even with the right password now, is still throttled.
        let guesser = login_from(&app, "", GUESSER, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(guesser, StatusCode::TOO_MANY_REQUESTS);
        // The link worked once.
        let again = app.client();
        let form = again
            .get(app.public_url("winwinwerkt", &format!("/login/unlock/{token}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let reused = unlock_login(&app, &again, &form, &token).await;
        assert_eq!(reused, StatusCode::TOO_MANY_REQUESTS);
        // Only the token's hash is stored.
        let stored = etalage_core::store::entities::login_unlock::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        assert!(stored.iter().all(|r| r.token_hash != token));
    }
);

storage_test!(
    sec_a_disabled_accounts_sessions_end_and_it_cannot_log_in,
    |app: TestApp| async move {
        app.create_admin().await;
        let admin = app.client();
        app.api_login(&admin, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let (id, person) = app.person(HOST, "jansen", "coach", "werkweb").await;
        assert_eq!(me_status(&app, &person).await, StatusCode::OK);

        // Nobody but a platform admin may disable.
        assert_eq!(
            switch_account(&app, &person, id, "disable").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            switch_account(&app, &admin, id, "disable").await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            me_status(&app, &person).await,
            StatusCode::UNAUTHORIZED,
            "session ended"
        );
        let email = "jansen@werkweb.net";
        let wrong = app
            .api_login(&app.client(), HOST, email, "not the password")
            .await;
        assert_eq!(
            wrong.status(),
            StatusCode::UNAUTHORIZED,
            "no hint without the password"
        );
        let right = app
            .api_login(&app.client(), HOST, email, PERSON_PASSWORD)
            .await;
        assert_eq!(
            right.status(),
            StatusCode::FORBIDDEN,
            "told only after the password"
        );

        assert_eq!(
            switch_account(&app, &admin, id, "enable").await,
            StatusCode::NO_CONTENT
        );
        let back = app
            .api_login(&app.client(), HOST, email, PERSON_PASSWORD)
            .await;
        assert_eq!(back.status(), StatusCode::OK);
        let audited = etalage_core::store::entities::audit_event::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "account.disable" || e.action == "account.enable")
            .count();
        assert_eq!(audited, 2);
    }
);

storage_test!(
    sec_a_password_change_needs_the_current_one_and_ends_the_other_sessions,
    |app: TestApp| async move {
        let (_, first) = app.person(HOST, "visser", "coach", "werkweb").await;
        let second = app.client();
        let login = app
            .api_login(&second, HOST, "visser@werkweb.net", PERSON_PASSWORD)
            .await;
        assert_eq!(login.status(), StatusCode::OK);

        let listed = my_sessions(&app, &first).await;
        assert_eq!(listed.len(), 2);
        assert_eq!(listed.iter().filter(|s| s["current"] == true).count(), 1);

        let change = |current: &'static str| {
            first
                .put(app.url(HOST, "/api/v1/me/password"))
                .json(&serde_json::json!({
                    "current_password": current,
                    "new_password": "een heel nieuw wachtwoord",
                }))
                .send()
        };
        let wrong = change("not my password").await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(me_status(&app, &second).await, StatusCode::OK);

        let changed = change(PERSON_PASSWORD).await.unwrap();
        assert_eq!(changed.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            me_status(&app, &first).await,
            StatusCode::OK,
            "this session stays"
        );
        assert_eq!(
            me_status(&app, &second).await,
            StatusCode::UNAUTHORIZED,
            "the other ends"
        );
        let new = app
            .api_login(
                &app.client(),
                HOST,
                "visser@werkweb.net",
                "een heel nieuw wachtwoord",
            )
            .await;
        assert_eq!(new.status(), StatusCode::OK);
    }
);

storage_test!(
    sec_one_ends_ones_own_sessions_and_nobody_elses,
    |app: TestApp| async move {
        let (_, mine) = app.person(HOST, "bakker", "coach", "werkweb").await;
        let other_device = app.client();
        app.api_login(&other_device, HOST, "bakker@werkweb.net", PERSON_PASSWORD)
            .await;
        let (_, stranger) = app.person(HOST, "smit", "coach", "werkweb").await;
        let listed = my_sessions(&app, &mine).await;
        let other_id = listed
            .iter()
            .find(|s| s["current"] == false)
            .map(|s| s["id"].as_i64().unwrap())
            .unwrap();
        let by_stranger = stranger
            .delete(app.url(HOST, &format!("/api/v1/me/sessions/{other_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(by_stranger.status(), StatusCode::NOT_FOUND);
        assert_eq!(me_status(&app, &other_device).await, StatusCode::OK);
        let ended = mine
            .delete(app.url(HOST, &format!("/api/v1/me/sessions/{other_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(ended.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            me_status(&app, &other_device).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(me_status(&app, &mine).await, StatusCode::OK);
    }
);

storage_test!(
    sec_a_session_ends_at_its_absolute_lifetime_however_busy,
    |app: TestApp| async move {
        let (id, client) = app.person(HOST, "mulder", "coach", "werkweb").await;
        assert_eq!(me_status(&app, &client).await, StatusCode::OK);
        // Recently used, so the idle expiry is far; but it began longer ago than the lifetime.
        let row = session::Entity::find()
            .filter(session::Column::AccountId.eq(id))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut active: session::ActiveModel = row.into();
        active.created_at = Set(etalage_core::time::now() - chrono::Duration::days(8));
        active.update(&app.db).await.unwrap();
        assert_eq!(me_status(&app, &client).await, StatusCode::UNAUTHORIZED);
    }
);

storage_test!(
    sec_the_daily_purge_removes_expired_sessions_tokens_and_attempts,
    |app: TestApp| async move {
        let admin = app.create_admin().await;
        let now = etalage_core::time::now();
        let lifetime = sessions::Lifetime {
            idle: chrono::Duration::hours(1),
            absolute: chrono::Duration::hours(2),
        };
        let live = sessions::create(&app.db, admin.id, lifetime, None)
            .await
            .unwrap();
        let dead = sessions::create(&app.db, admin.id, lifetime, None)
            .await
            .unwrap();
        session::Entity::update_many()
            .col_expr(
                session::Column::ExpiresAt,
                (now - chrono::Duration::minutes(1)).into(),
            )
            .filter(session::Column::TokenHash.eq(etalage_core::secrets::token_hash(&dead)))
            .exec(&app.db)
            .await
            .unwrap();
        for (hash, used) in [("used", Some(now)), ("unused", None)] {
            password_reset::ActiveModel {
                token_hash: Set(hash.to_string()),
                account_id: Set(admin.id),
                created_at: Set(now),
                expires_at: Set(now + chrono::Duration::hours(1)),
                used_at: Set(used),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        for at_ms in [0, etalage_core::time::now_ms()] {
            login_attempt::ActiveModel {
                scope: Set("ip".into()),
                key: Set("203.0.113.1".into()),
                at_ms: Set(at_ms),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }

        // A purge for a day long past is due at once; the running server's worker takes it.
        purge::schedule(
            &app.db,
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        )
        .await
        .unwrap();
        let done = async {
            // A finished job loses its payload; the purge of this test is the only one done.
            loop {
                let done = job::Entity::find()
                    .filter(job::Column::Kind.eq(purge::JOB_KIND))
                    .filter(job::Column::Status.eq("done"))
                    .count(&app.db)
                    .await
                    .unwrap();
                if done == 1 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(20), done)
            .await
            .expect("the purge job ran");

        let session_hashes: Vec<String> = session::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.token_hash)
            .collect();
        assert!(session_hashes.contains(&etalage_core::secrets::token_hash(&live)));
        assert!(!session_hashes.contains(&etalage_core::secrets::token_hash(&dead)));
        let resets: Vec<String> = password_reset::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.token_hash)
            .collect();
        assert_eq!(resets, vec!["unused".to_string()]);
        let attempts = login_attempt::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert!(attempts[0].at_ms > 0);
        // The purge does not catch up day by day: the next one is on a day still to come.
        let next: Vec<job::Model> = job::Entity::find()
            .filter(job::Column::Kind.eq(purge::JOB_KIND))
            .filter(job::Column::Status.eq("queued"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(next.len(), 1, "exactly one purge waits: {next:?}");
        assert!(next[0].run_at_ms > etalage_core::time::now_ms());
    }
);
