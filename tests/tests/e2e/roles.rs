//! TEN-2 and PRV-6: who may do what, in which label. The isolation matrix is generated from the
//! route table; the expected answer comes from the default policy file read here on its own,
//! not from casbin, so the test checks the enforcement rather than repeating it.
use std::collections::HashSet;

use etalage::routes::guard::{Access, Scope};
use etalage_core::authz::Role;
use etalage_core::domain::PLATFORM_DOMAIN;
use etalage_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, csrf_token, storage_test};
use reqwest::{Method, StatusCode};

const HOST: &str = "werkweb.localhost";
const OWN: &str = "werkweb";
const OTHER: &str = "65plus-werkt";
const PASSWORD: &str = etalage_tests::PERSON_PASSWORD;

/// (role, resource, action) from the shipped default policy.
fn policy() -> HashSet<(String, String, String)> {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/src/authz/policy.csv"
    ))
    .unwrap()
    .lines()
    .filter(|l| l.starts_with("p,"))
    .map(|l| {
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        (f[1].to_string(), f[2].to_string(), f[3].to_string())
    })
    .collect()
}

/// The promises of the platform, stated from the requirements rather than read from the
/// policy: employers and visitors never reach candidate data, coaches never change it,
/// candidates reach only their profile, and only platform admins hold platform permissions.
fn promised_never(role: &str, resource: &str, action: &str) -> bool {
    let candidate_data = resource == "candidate"
        || resource.starts_with("candidate.")
        || resource == "application"
        || resource == "consent";
    let platform = matches!((resource, action), ("plugin", "install") | ("jobs", "read"));
    match role {
        "platform-admin" => false,
        "employer" | "anonymous" => candidate_data || platform,
        "coach" => (candidate_data && action != "read") || platform,
        "candidate" => resource != "profile",
        _ => platform,
    }
}

async fn person(app: &TestApp, name: &str, role: Role, domain: &str) -> (i64, reqwest::Client) {
    app.person(HOST, name, role.as_str(), domain).await
}

/// Whether `subject` holds `permission` (`resource/action`) in `label` right now.
async fn may(app: &TestApp, subject: &str, label: &str, permission: &str) -> bool {
    let (resource, action) = permission.split_once('/').unwrap();
    app.authz
        .check(subject, label, resource, action)
        .await
        .unwrap()
}

fn is_denied(status: StatusCode, location: Option<&str>) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status == StatusCode::SEE_OTHER && location.is_some_and(|l| l.contains("/login?next=")))
}

storage_test!(
    ten_2_isolation_matrix_over_every_guarded_route,
    |app: TestApp| async move {
        let policy = policy();
        let mut people: Vec<(String, Option<reqwest::Client>)> = Vec::new();
        let mut target_id = 0;
        for role in Role::ALL {
            let domain = if role == Role::PlatformAdmin {
                PLATFORM_DOMAIN
            } else {
                OWN
            };
            let (id, client) = person(&app, role.as_str(), role, domain).await;
            if role == Role::Recruiter {
                target_id = id;
            }
            people.push((role.as_str().to_string(), Some(client)));
        }
        people.push(("anonymous".to_string(), None));
        let anonymous = app.client();

        let mut checked = 0;
        // Some routes change who may do what: `{role}` routes rewrite that role's policy (the
        // `candidate` role, below) and `accounts/{id}` routes disable the recruiter. They go
        // last, so that every other route is judged with the people and policy as set up.
        let mut specs = etalage::routes::specs();
        specs.sort_by_key(|s| s.path.contains("{role}") || s.path.contains("accounts/{id}"));
        for spec in specs {
            let Access::Requires(permission) = spec.access else {
                continue;
            };
            for label in [OWN, OTHER] {
                // The other label is reached through its path prefix on our own host: the forged
                // "path says B, host says A" case must resolve to B and be judged as B.
                let (prefix, slug) = match permission.scope {
                    Scope::RequestLabel if label == OTHER => (format!("/l/{OTHER}"), OWN),
                    Scope::PathLabel => (String::new(), label),
                    _ => (String::new(), OWN),
                };
                // A role every operator may hand out, for the people routes; for the policy
                // routes one whose policy no route here depends on.
                let role_in_path = if spec.path.contains("/people/") {
                    "employer"
                } else {
                    "candidate"
                };
                let path = spec
                    .path
                    .replace("{slug}", slug)
                    .replace("{id}", &target_id.to_string())
                    .replace("{role}", role_in_path);
                let url = app.url(HOST, &format!("{prefix}{path}"));
                for (role, client) in &people {
                    let in_scope = role == "platform-admin"
                        || (permission.scope != Scope::Platform && label == OWN);
                    let expected = in_scope
                        && policy.contains(&(
                            role.clone(),
                            permission.resource.into(),
                            permission.action.into(),
                        ));
                    // The promises hold whatever policy.csv says (stated apart from it).
                    if promised_never(role, permission.resource, permission.action) {
                        assert!(
                            !expected,
                            "policy.csv breaks a promise: {role} {permission:?}"
                        );
                    }
                    let client = client.as_ref().unwrap_or(&anonymous);
                    let method = Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
                    let request = if spec.path.starts_with("/api/") {
                        let r = client.request(method.clone(), &url);
                        if method == Method::GET {
                            r
                        } else {
                            r.json(&serde_json::json!({}))
                        }
                    } else if method == Method::POST {
                        let form = app.page(client, HOST, "/login").await;
                        client.post(&url).form(&[("csrf", csrf_token(&form))])
                    } else {
                        client.request(method.clone(), &url)
                    };
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let location = response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let denied = is_denied(status, location.as_deref());
                    assert!(
                        !status.is_server_error(),
                        "{role} {} {prefix}{path}: {status}",
                        spec.method
                    );
                    assert_eq!(
                        !denied,
                        expected,
                        "{role} {} {prefix}{path} (label {label}): got {status}, expected {}",
                        spec.method,
                        if expected { "allowed" } else { "denied" }
                    );
                    if denied && status == StatusCode::FORBIDDEN {
                        let body = response.text().await.unwrap();
                        if spec.path.starts_with("/api/") {
                            assert!(body.contains("\"status\":403"), "problem+json: {body}");
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 200, "checked {checked} combinations");
    }
);

storage_test!(prv_6_operators_cannot_escalate, |app: TestApp| async move {
    let (operator_id, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
    let (target, _) = person(&app, "target", Role::Employer, OWN).await;
    let grant = |client: reqwest::Client, url: String, role: &'static str| async move {
        client
            .post(url)
            .json(&serde_json::json!({ "role": role }))
            .send()
            .await
            .unwrap()
            .status()
    };
    let own = app.url(HOST, &format!("/api/v1/admin/people/{target}/roles"));
    // Not platform admin, not a role carrying a permission they lack (candidate: profile/*),
    // not another label.
    assert_eq!(
        grant(operator.clone(), own.clone(), "platform-admin").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        grant(operator.clone(), own.clone(), "candidate").await,
        StatusCode::FORBIDDEN
    );
    let other = app.url(
        HOST,
        &format!("/l/{OTHER}/api/v1/admin/people/{target}/roles"),
    );
    assert_eq!(
        grant(operator.clone(), other, "recruiter").await,
        StatusCode::FORBIDDEN
    );
    // A role whose permissions they hold, in their own label: allowed.
    assert_eq!(
        grant(operator.clone(), own.clone(), "recruiter").await,
        StatusCode::NO_CONTENT
    );
    // But never to themselves, nor taking away their own role.
    let themselves = app.url(HOST, &format!("/api/v1/admin/people/{operator_id}/roles"));
    assert_eq!(
        grant(operator.clone(), themselves, "recruiter").await,
        StatusCode::FORBIDDEN
    );
    let own_revoke = operator
        .delete(app.url(
            HOST,
            &format!("/api/v1/admin/people/{operator_id}/roles/label-operator"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(own_revoke.status(), StatusCode::FORBIDDEN);

    // Another label's settings, by path or by prefix, are out of reach.
    let patch = operator
        .patch(app.url(HOST, &format!("/api/v1/admin/labels/{OTHER}")))
        .json(&serde_json::json!({ "name": "Overgenomen" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::FORBIDDEN);
    let forged = operator
        .patch(app.url(HOST, &format!("/l/{OTHER}/api/v1/admin/labels/{OTHER}")))
        .json(&serde_json::json!({ "name": "Overgenomen" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unknown = operator
        .get(app.url(HOST, "/api/v1/admin/labels/no-such-label"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // The operator's label list holds their own label only; the audit log only their label.
    let labels: serde_json::Value = operator
        .get(app.url(HOST, "/api/v1/admin/labels"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = labels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec![OWN]);
    let audit: serde_json::Value = operator
        .get(app.url(HOST, &format!("/api/v1/admin/audit?label={OTHER}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit.as_array().unwrap().iter().all(|e| e["label"] == OWN),
        "{audit}"
    );
});

storage_test!(
    prv_6_a_revoked_role_is_denied_on_the_next_request,
    |app: TestApp| async move {
        let admin = app.create_admin().await;
        let admin_client = app.client();
        app.api_login(&admin_client, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let (operator_id, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let people = app.url(HOST, "/api/v1/admin/people");
        assert_eq!(
            operator.get(&people).send().await.unwrap().status(),
            StatusCode::OK
        );

        let revoke = admin_client
            .delete(app.url(
                HOST,
                &format!("/api/v1/admin/people/{operator_id}/roles/label-operator"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            operator.get(&people).send().await.unwrap().status(),
            StatusCode::FORBIDDEN
        );

        // Audited, with who did it.
        let audit: serde_json::Value = admin_client
            .get(app.url(HOST, "/api/v1/admin/audit"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let entry = audit
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "role.revoke")
            .expect("audited");
        assert_eq!(entry["actor_account_id"], admin.id);
        assert_eq!(entry["details"]["role"], "label-operator");

        // A platform admin cannot lock themselves out.
        let own = admin_client
            .delete(app.url(
                HOST,
                &format!("/api/v1/admin/people/{}/roles/platform-admin", admin.id),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::CONFLICT);
    }
);

storage_test!(
    prv_6_a_disabled_account_loses_its_session,
    |app: TestApp| async move {
        let (id, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let people = app.url(HOST, "/api/v1/admin/people");
        assert_eq!(
            operator.get(&people).send().await.unwrap().status(),
            StatusCode::OK
        );
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let row = etalage_core::store::entities::account::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut row: etalage_core::store::entities::account::ActiveModel = row.into();
        row.disabled_at = Set(Some(etalage_core::time::now()));
        row.update(&app.db).await.unwrap();
        assert_eq!(
            operator.get(&people).send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
);

storage_test!(
    ten_2_operator_invites_a_recruiter_who_sees_only_their_label,
    |app: TestApp| async move {
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let form = operator
            .get(app.url(HOST, "/admin/people"))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        let html = form.text().await.unwrap();
        assert!(
            !html.contains("value=\"platform-admin\""),
            "an operator is not offered platform-admin"
        );
        assert!(
            !html.contains("value=\"candidate\""),
            "nor a role carrying permissions they lack (profile/*)"
        );
        let invited = operator
            .post(app.url(HOST, "/admin/people"))
            .form(&[
                ("csrf", csrf_token(&html).as_str()),
                ("email", "nieuw@werkweb.net"),
                ("display_name", "Nieuwe Recruiter"),
                ("role", "recruiter"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(invited.status(), StatusCode::SEE_OTHER);

        let mails = app.wait_for_mail(1).await;
        let link = etalage_tests::link_in_mail(&mails[0], &app.public_url(OWN, "/password-reset/"))
            .expect("an invitation link");
        let recruiter = app.client();
        let page = recruiter
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let chosen = recruiter
            .post(&link)
            .form(&[
                ("csrf", csrf_token(&page).as_str()),
                ("password", PASSWORD),
                ("password_repeat", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
        let login = app
            .api_login(&recruiter, HOST, "nieuw@werkweb.net", PASSWORD)
            .await;
        assert_eq!(login.status(), StatusCode::OK);
        // A recruiter manages nothing: no console, in their label or another.
        assert_eq!(
            recruiter
                .get(app.url(HOST, "/admin"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            recruiter
                .get(app.url(HOST, &format!("/l/{OTHER}/admin")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        let people: serde_json::Value = operator
            .get(app.url(HOST, "/api/v1/admin/people"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let invitee = people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["email"] == "nieuw@werkweb.net")
            .unwrap();
        assert_eq!(invitee["roles"][0]["role"], "recruiter");
        assert_eq!(invitee["roles"][0]["domain"], OWN);
    }
);

storage_test!(
    prv_6_platform_admin_changes_what_a_role_may_do,
    |app: TestApp| async move {
        app.create_admin().await;
        let admin = app.client();
        app.api_login(&admin, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let (recruiter_id, _) = person(&app, "recruiter", Role::Recruiter, OWN).await;
        let subject = etalage_core::authz::subject_of(recruiter_id);
        assert!(may(&app, &subject, OWN, "vacancy/write").await);

        // The recruiter role loses vacancy/write everywhere, at once.
        let policy: serde_json::Value = admin
            .get(app.url(HOST, "/api/v1/admin/roles"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let current = policy
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["role"] == "recruiter")
            .unwrap()["permissions"]
            .clone();
        let reduced: Vec<&serde_json::Value> = current
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !(p["resource"] == "vacancy" && p["action"] == "write"))
            .collect();
        let put = admin
            .put(app.url(HOST, "/api/v1/admin/roles/recruiter"))
            .json(&reduced)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), StatusCode::NO_CONTENT);
        assert!(!may(&app, &subject, OWN, "vacancy/write").await);
        assert!(may(&app, &subject, OWN, "vacancy/read").await);

        // Bounds: no unknown permissions, no editing of platform-admin, no operators.
        let unknown = admin
            .put(app.url(HOST, "/api/v1/admin/roles/recruiter"))
            .json(&serde_json::json!([{ "resource": "everything", "action": "all" }]))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let own_role = admin
            .put(app.url(HOST, "/api/v1/admin/roles/platform-admin"))
            .json(&serde_json::json!([]))
            .send()
            .await
            .unwrap();
        assert_eq!(own_role.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let by_operator = operator
            .put(app.url(HOST, "/api/v1/admin/roles/recruiter"))
            .json(&serde_json::json!([]))
            .send()
            .await
            .unwrap();
        assert_eq!(by_operator.status(), StatusCode::FORBIDDEN);

        // The change is in the database: a restarted server keeps it.
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |_| {}).await;
        assert!(!may(&app, &subject, OWN, "vacancy/write").await);
    }
);

storage_test!(
    prv_6_the_console_shows_what_a_person_may_do_here,
    |app: TestApp| async move {
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let (recruiter_id, _) = person(&app, "recruiter", Role::Recruiter, OWN).await;
        let page = app
            .page(&operator, HOST, &format!("/admin/people/{recruiter_id}"))
            .await;
        assert!(page.contains("<code>vacancy: write</code>"), "{page}");
        assert!(!page.contains("<code>roles: grant</code>"));
        // The same person seen from another label holds nothing there.
        let admin = app.create_admin().await;
        let _ = admin;
        let client = app.client();
        app.api_login(&client, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let elsewhere = app
            .page(
                &client,
                HOST,
                &format!("/l/{OTHER}/admin/people/{recruiter_id}"),
            )
            .await;
        assert!(
            !elsewhere.contains("<code>vacancy: write</code>"),
            "{elsewhere}"
        );
    }
);

storage_test!(
    prv_6_an_operator_narrows_a_role_in_their_label_only,
    |app: TestApp| async move {
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let (recruiter_id, _) = person(&app, "recruiter", Role::Recruiter, OWN).await;
        etalage_core::accounts::grant_role(&app.db, recruiter_id, OTHER, "recruiter", None)
            .await
            .unwrap();
        app.authz.reload().await.unwrap();
        let subject = etalage_core::authz::subject_of(recruiter_id);
        let url = app.url(HOST, "/api/v1/admin/labels/werkweb/roles/recruiter");
        let policy: serde_json::Value = operator
            .get(app.url(HOST, "/api/v1/admin/labels/werkweb/roles"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let recruiter = policy
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["role"] == "recruiter")
            .unwrap();
        let keep: Vec<serde_json::Value> = recruiter["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !(p["resource"] == "vacancy" && p["action"] == "write"))
            .map(|p| serde_json::json!({ "resource": p["resource"], "action": p["action"] }))
            .collect();
        assert_eq!(
            operator
                .put(&url)
                .json(&keep)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NO_CONTENT
        );
        // Off in werkweb, still on in the other label where the same person is a recruiter too.
        assert!(!may(&app, &subject, OWN, "vacancy/write").await);
        assert!(may(&app, &subject, OWN, "vacancy/read").await);
        assert!(may(&app, &subject, OTHER, "vacancy/write").await);

        // Bounds: only narrowing, only roles below one's own, only in one's own label.
        let widen = operator
            .put(&url)
            .json(&serde_json::json!([{ "resource": "roles", "action": "grant" }]))
            .send()
            .await
            .unwrap();
        assert_eq!(widen.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let own_rank = operator
            .put(app.url(HOST, "/api/v1/admin/labels/werkweb/roles/label-operator"))
            .json(&serde_json::json!([]))
            .send()
            .await
            .unwrap();
        assert_eq!(own_rank.status(), StatusCode::FORBIDDEN);
        let other_label = operator
            .put(app.url(HOST, "/api/v1/admin/labels/65plus-werkt/roles/recruiter"))
            .json(&serde_json::json!([]))
            .send()
            .await
            .unwrap();
        assert_eq!(other_label.status(), StatusCode::FORBIDDEN);
        // The console page shows it.
        let page = operator
            .get(app.url(HOST, "/admin/labels/werkweb/roles"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
    }
);

storage_test!(
    sec_the_console_revokes_in_the_checked_label_whatever_the_form_names,
    |app: TestApp| async move {
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let (coach_id, _) = person(&app, "coach", Role::Coach, OWN).await;
        etalage_core::accounts::grant_role(&app.db, coach_id, OTHER, "coach", None)
            .await
            .unwrap();
        app.authz.reload().await.unwrap();

        let page = app
            .page(&operator, HOST, &format!("/admin/people/{coach_id}"))
            .await;
        let revoked = operator
            .post(app.url(HOST, &format!("/admin/people/{coach_id}/revoke")))
            .form(&[
                ("csrf", csrf_token(&page).as_str()),
                ("role", "coach"),
                ("domain", OTHER),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
        let left: Vec<String> = app
            .authz
            .roles_of(coach_id)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.domain)
            .collect();
        assert_eq!(
            left,
            [OTHER],
            "the operator's own label lost the role, the other kept it"
        );
    }
);

storage_test!(
    sec_an_operator_cannot_attach_or_see_another_labels_account,
    |app: TestApp| async move {
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let (foreign, _) = person(&app, "buitenstaander", Role::Coach, OTHER).await;
        let invite = |email: &'static str| {
            let (app, operator) = (&app, &operator);
            async move {
                let form = app.page(operator, HOST, "/admin/people").await;
                operator
                    .post(app.url(HOST, "/admin/people"))
                    .form(&[
                        ("csrf", csrf_token(&form).as_str()),
                        ("email", email),
                        ("display_name", "Iemand"),
                        ("role", "employer"),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        // Typing another label's address answers as a new address does, and attaches nothing.
        let existing = invite("buitenstaander@werkweb.net").await;
        let fresh = invite("nieuw-adres@werkweb.net").await;
        assert_eq!(existing.status(), StatusCode::SEE_OTHER);
        assert_eq!(existing.status(), fresh.status());
        assert_eq!(
            existing.headers().get("location"),
            fresh.headers().get("location")
        );
        let held: Vec<String> = app
            .authz
            .roles_of(foreign)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.domain)
            .collect();
        assert_eq!(held, [OTHER], "the invitation attached nothing");
        let people = operator
            .get(app.url(HOST, "/api/v1/admin/people"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!people.contains("buitenstaander"), "{people}");
        assert!(people.contains("nieuw-adres@werkweb.net"), "{people}");

        // Granting by id: a foreign id and an id nobody has answer alike, and change nothing.
        let grant = |id: i64| {
            let (app, operator) = (&app, &operator);
            async move {
                let response = operator
                    .post(app.url(HOST, &format!("/api/v1/admin/people/{id}/roles")))
                    .json(&serde_json::json!({ "role": "employer" }))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body: serde_json::Value = response.json().await.unwrap();
                (status, body["title"].clone(), body["detail"].clone())
            }
        };
        let foreign_answer = grant(foreign).await;
        assert_eq!(foreign_answer.0, StatusCode::NOT_FOUND);
        assert_eq!(foreign_answer, grant(foreign + 100_000).await);
        let page = operator
            .get(app.url(HOST, &format!("/admin/people/{foreign}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.authz.roles_of(foreign).await.unwrap().len(), 1);
    }
);

storage_test!(
    sec_a_role_is_granted_only_by_someone_holding_its_permissions_in_that_label,
    |app: TestApp| async move {
        app.create_admin().await;
        let admin = app.client();
        app.api_login(&admin, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let (target, _) = person(&app, "target", Role::Employer, OWN).await;
        let grant = || {
            operator
                .post(app.url(HOST, &format!("/api/v1/admin/people/{target}/roles")))
                .json(&serde_json::json!({ "role": "recruiter" }))
                .send()
        };
        // The platform gives recruiters consent/write, which operators do not hold.
        let mut recruiter: Vec<serde_json::Value> = app
            .authz
            .role_policy(Role::Recruiter)
            .await
            .into_iter()
            .map(|(resource, action)| serde_json::json!({ "resource": resource, "action": action }))
            .collect();
        recruiter.push(serde_json::json!({ "resource": "consent", "action": "write" }));
        let set = admin
            .put(app.url(HOST, "/api/v1/admin/roles/recruiter"))
            .json(&recruiter)
            .send()
            .await
            .unwrap();
        assert_eq!(set.status(), StatusCode::NO_CONTENT);
        let refused = grant().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        assert!(app.authz.roles_of(target).await.unwrap().len() == 1);

        // Switched off for recruiters in this label, the role carries nothing the operator
        // lacks here: now they may hand it out.
        recruiter.pop();
        let narrowed = admin
            .put(app.url(HOST, &format!("/api/v1/admin/labels/{OWN}/roles/recruiter")))
            .json(&recruiter)
            .send()
            .await
            .unwrap();
        assert_eq!(narrowed.status(), StatusCode::NO_CONTENT);
        assert_eq!(grant().await.unwrap().status(), StatusCode::NO_CONTENT);
    }
);

storage_test!(
    sec_a_role_policy_breaking_a_promise_is_refused_naming_it,
    |app: TestApp| async move {
        app.create_admin().await;
        let admin = app.client();
        app.api_login(&admin, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let mut employer: Vec<serde_json::Value> = app
            .authz
            .role_policy(Role::Employer)
            .await
            .into_iter()
            .map(|(resource, action)| serde_json::json!({ "resource": resource, "action": action }))
            .collect();
        employer.push(serde_json::json!({ "resource": "candidate", "action": "read" }));
        let refused = admin
            .put(app.url(HOST, "/api/v1/admin/roles/employer"))
            .json(&employer)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        let body = refused.text().await.unwrap();
        assert!(
            body.contains("no-candidate-data-for-employers-or-visitors"),
            "{body}"
        );
        assert!(
            !app.authz
                .role_policy(Role::Employer)
                .await
                .contains(&("candidate".into(), "read".into())),
            "nothing was stored"
        );
    }
);

storage_test!(
    prv_6_a_role_revoked_on_one_server_is_denied_on_the_other,
    |app: TestApp| async move {
        app.create_admin().await;
        let admin = app.client();
        app.api_login(&admin, HOST, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        let (operator_id, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        let mut config = app.storage().config();
        config.reload_secs = 1;
        let second = etalage::Application::build(config).await.unwrap();
        let second_port = second.port();
        let stop = second.shutdown_handle();
        let server = tokio::spawn(second.run_until_stopped());
        let people = etalage_tests::url_on(second_port, HOST, "/api/v1/admin/people");
        assert_eq!(
            operator.get(&people).send().await.unwrap().status(),
            StatusCode::OK
        );
        let revoke = admin
            .delete(app.url(
                HOST,
                &format!("/api/v1/admin/people/{operator_id}/roles/label-operator"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
        etalage_tests::wait_until("the second server to deny the revoked role", || {
            let (operator, people) = (operator.clone(), people.clone());
            async move {
                (operator.get(&people).send().await.unwrap().status() == StatusCode::FORBIDDEN)
                    .then_some(())
            }
        })
        .await;
        stop.stop();
        let _ = server.await;
    }
);

storage_test!(
    ten_2_the_people_list_pages_and_holds_only_the_labels_people,
    |app: TestApp| async move {
        let (_, operator) = person(&app, "operator", Role::LabelOperator, OWN).await;
        for n in 0..4 {
            person(&app, &format!("staff{n}"), Role::Employer, OWN).await;
        }
        person(&app, "elsewhere", Role::Employer, OTHER).await;
        let page = |n: u32| {
            operator
                .get(app.url(HOST, &format!("/api/v1/admin/people?page={n}&per_page=2")))
                .send()
        };
        let mut seen = Vec::new();
        for n in 1..=3 {
            let response = page(n).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let link = response
                .headers()
                .get("link")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            assert_eq!(link.contains("rel=\"prev\""), n > 1, "page {n}: {link}");
            assert_eq!(link.contains("rel=\"next\""), n < 3, "page {n}: {link}");
            let people: serde_json::Value = response.json().await.unwrap();
            for p in people.as_array().unwrap() {
                seen.push(p["email"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(
            seen.len(),
            5,
            "operator and four staff, each once: {seen:?}"
        );
        assert!(!seen.iter().any(|e| e.starts_with("elsewhere")));
        let bad = operator
            .get(app.url(HOST, "/api/v1/admin/people?per_page=1000"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let console = app
            .page(&operator, HOST, "/admin/people?page=2&per_page=2")
            .await;
        assert!(console.contains("id=\"people-previous\""), "{console}");
        assert!(console.contains("id=\"people-next\""), "{console}");
    }
);
