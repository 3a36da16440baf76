//! People as a label's console shows them: who a viewer may see, with which roles, and granting
//! and revoking a role from that console. The page and the API both come here, so the domain a
//! role lands in is derived the same way on both (never taken from the client).
use sea_orm::DatabaseConnection;

use super::{Account, list};
use crate::authz::{Authz, Role, RoleGrant};
use crate::domain::PLATFORM_DOMAIN;
use crate::{CoreError, CoreResult};

/// An account with the roles shown to the viewer as (domain, role).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub account: Account,
    pub roles: Vec<(String, String)>,
}

/// The people `viewer` may see from `label`'s console: everyone, with every role, for those
/// holding `roles/read` platform-wide; otherwise the accounts holding a role in `label`, with
/// only their roles there.
pub async fn visible_people(
    db: &DatabaseConnection,
    authz: &Authz,
    viewer: &Account,
    label: &str,
) -> CoreResult<Vec<Person>> {
    let everyone = authz
        .check(&viewer.subject(), PLATFORM_DOMAIN, "roles", "read")
        .await?;
    let grants = authz.grants(None).await?;
    Ok(visible(list(db).await?, &grants, label, everyone))
}

/// One person `viewer` may see from `label`'s console; anyone else is `NotFound`, whether the
/// account exists or not.
pub async fn visible_person(
    db: &DatabaseConnection,
    authz: &Authz,
    viewer: &Account,
    label: &str,
    account_id: i64,
) -> CoreResult<Person> {
    visible_people(db, authz, viewer, label)
        .await?
        .into_iter()
        .find(|p| p.account.id == account_id)
        .ok_or(CoreError::NotFound("person"))
}

/// The rule itself, apart from storage.
fn visible(
    accounts: Vec<Account>,
    grants: &[RoleGrant],
    label: &str,
    everyone: bool,
) -> Vec<Person> {
    accounts
        .into_iter()
        .filter_map(|account| {
            let roles: Vec<(String, String)> = grants
                .iter()
                .filter(|g| g.account_id == account.id)
                .filter(|g| everyone || g.domain == label)
                .map(|g| (g.domain.clone(), g.role.clone()))
                .collect();
            (everyone || !roles.is_empty()).then_some(Person { account, roles })
        })
        .collect()
}

/// A change to someone's roles: the role given or taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleChange {
    Grant(Role),
    Revoke(Role),
}

/// Grants or revokes a role for `account_id` from `label`'s console, as `actor`. Only a person
/// `actor` already sees from this console can be changed: an account outside the label joins it
/// by invitation, never by id. Unknown and foreign ids fail alike ([`visible_person`]), so the
/// answer does not tell whether an account exists. The domain follows from the role
/// ([`Role::domain_in`]); `Authz::may_assign` bounds what `actor` may do.
pub async fn change_role(
    db: &DatabaseConnection,
    authz: &Authz,
    actor: &Account,
    label: &str,
    account_id: i64,
    change: RoleChange,
    request_id: Option<String>,
) -> CoreResult<()> {
    visible_person(db, authz, actor, label, account_id).await?;
    match change {
        RoleChange::Grant(role) => {
            authz
                .grant(
                    actor.id,
                    account_id,
                    role.domain_in(label),
                    role,
                    request_id,
                )
                .await
        }
        RoleChange::Revoke(role) => {
            authz
                .revoke(
                    actor.id,
                    account_id,
                    role.domain_in(label),
                    role,
                    request_id,
                )
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::accounts::find_by_id;
    use crate::test_support::{TestDb, account_with};

    fn account(id: i64) -> Account {
        Account {
            id,
            email: format!("p{id}@example.org"),
            display_name: format!("P{id}"),
            is_platform_admin: false,
        }
    }

    fn grant(account_id: i64, domain: &str, role: &str) -> RoleGrant {
        RoleGrant {
            account_id,
            domain: domain.into(),
            role: role.into(),
        }
    }

    #[test]
    fn an_operator_sees_only_their_labels_people_and_roles() {
        let grants = [
            grant(1, "werkweb", "recruiter"),
            grant(1, "winwinwerkt", "coach"),
            grant(2, "winwinwerkt", "coach"),
        ];
        let seen = visible(
            vec![account(1), account(2), account(3)],
            &grants,
            "werkweb",
            false,
        );
        assert_eq!(
            seen,
            [Person {
                account: account(1),
                roles: vec![("werkweb".into(), "recruiter".into())],
            }]
        );
    }

    #[test]
    fn a_platform_viewer_sees_everyone_with_every_role() {
        let grants = [
            grant(1, "werkweb", "recruiter"),
            grant(1, "winwinwerkt", "coach"),
        ];
        let seen = visible(vec![account(1), account(2)], &grants, "werkweb", true);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].roles.len(), 2);
        assert!(seen[1].roles.is_empty());
    }

    #[tokio::test]
    async fn a_foreign_person_is_not_found_from_an_operators_console() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let foreign = account_with(&t, "x@example.org", &[("winwinwerkt", "coach")]).await;
        let authz = t.authz().await;
        let viewer = find_by_id(&t.db, operator).await.unwrap().unwrap();
        let err = visible_person(&t.db, &authz, &viewer, "werkweb", foreign)
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::NotFound(_)), "{err:?}");
        assert!(
            visible_person(&t.db, &authz, &viewer, "werkweb", operator)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_revoke_from_one_label_never_reaches_another() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let coach = account_with(
            &t,
            "c@example.org",
            &[("werkweb", "coach"), ("winwinwerkt", "coach")],
        )
        .await;
        let authz = t.authz().await;
        let actor = find_by_id(&t.db, operator).await.unwrap().unwrap();
        change_role(
            &t.db,
            &authz,
            &actor,
            "werkweb",
            coach,
            RoleChange::Revoke(Role::Coach),
            None,
        )
        .await
        .unwrap();
        let left: Vec<String> = authz
            .roles_of(coach)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.domain)
            .collect();
        assert_eq!(left, ["winwinwerkt"]);
    }

    #[tokio::test]
    async fn sec_a_foreign_id_and_an_unknown_id_are_refused_alike() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let foreign = account_with(&t, "x@example.org", &[("winwinwerkt", "coach")]).await;
        let authz = t.authz().await;
        let actor = find_by_id(&t.db, operator).await.unwrap().unwrap();
        let attempt = |id| {
            let (db, authz, actor) = (&t.db, &authz, &actor);
            async move {
                change_role(
                    db,
                    authz,
                    actor,
                    "werkweb",
                    id,
                    RoleChange::Grant(Role::Employer),
                    None,
                )
                .await
                .unwrap_err()
                .to_string()
            }
        };
        let foreign_err = attempt(foreign).await;
        assert_eq!(foreign_err, attempt(foreign + 1000).await);
        assert_eq!(foreign_err, CoreError::NotFound("person").to_string());
        let held: Vec<String> = authz
            .roles_of(foreign)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.domain)
            .collect();
        assert_eq!(held, ["winwinwerkt"], "the foreign account did not join");
    }
}
