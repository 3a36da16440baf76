//! People as a label's console shows them: who a viewer may see, with which roles, and granting
//! and revoking a role from that console. The page and the API both come here, so the domain a
//! role lands in is derived the same way on both (never taken from the client).
use sea_orm::DatabaseConnection;

use super::{Account, find_by_id, list_page};
use crate::authz::{Authz, PeopleScope, Role, RoleGrant};
use crate::{CoreError, CoreResult};

/// The most people one page of the list holds.
pub const MAX_PER_PAGE: u64 = 100;

/// An account with the roles shown to the viewer as (domain, role).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub account: Account,
    pub roles: Vec<(String, String)>,
}

/// One page of the people list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeoplePage {
    pub people: Vec<Person>,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    pub has_next: bool,
}

/// Page `page` (1-based, `per_page` people each, at most [`MAX_PER_PAGE`]) of the people the
/// reader of `scope` may see: everyone, with every role, for those holding `roles/read`
/// platform-wide; otherwise the accounts holding a role in the scope's label, with only their
/// roles there. Both reads take the label from the scope, never from the caller.
pub async fn visible_people(
    db: &DatabaseConnection,
    authz: &Authz,
    scope: &PeopleScope,
    page: u64,
    per_page: u64,
) -> CoreResult<PeoplePage> {
    let page = crate::domain::page_number(page)?;
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(CoreError::invalid(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    let offset = (page - 1).saturating_mul(per_page);
    // One more than asked tells whether a next page exists.
    let mut accounts = list_page(db, scope, offset, per_page + 1).await?;
    let has_next = accounts.len() as u64 > per_page;
    accounts.truncate(per_page as usize);
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let grants = authz.grants_of(scope, &ids).await?;
    Ok(PeoplePage {
        people: visible(accounts, &grants, scope.label(), scope.everyone()),
        page,
        per_page,
        has_next,
    })
}

/// One person the reader of `scope` may see; anyone else is `NotFound`, whether the account
/// exists or not.
pub async fn visible_person(
    db: &DatabaseConnection,
    authz: &Authz,
    scope: &PeopleScope,
    account_id: i64,
) -> CoreResult<Person> {
    let account = find_by_id(db, account_id)
        .await?
        .ok_or(CoreError::NotFound("person"))?;
    let grants = authz.grants_of(scope, &[account_id]).await?;
    visible(vec![account], &grants, scope.label(), scope.everyone())
        .into_iter()
        .next()
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

/// Grants or revokes a role for `account_id` from the scope's label console, as `actor`. Only a person
/// `actor` already sees from this console can be changed: an account outside the label joins it
/// by invitation, never by id. Unknown and foreign ids fail alike ([`visible_person`]), so the
/// answer does not tell whether an account exists. The domain follows from the role
/// ([`Role::domain_in`]); `Authz::may_assign` bounds what `actor` may do.
pub async fn change_role(
    db: &DatabaseConnection,
    authz: &Authz,
    actor: &Account,
    scope: &PeopleScope,
    account_id: i64,
    change: RoleChange,
    request_id: Option<String>,
) -> CoreResult<()> {
    // The scope is the actor's own: nobody acts through another reader's check.
    if scope.reader() != actor.subject() {
        return Err(CoreError::Forbidden);
    }
    visible_person(db, authz, scope, account_id).await?;
    let label = scope.label();
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
    use crate::authz::subject_of;
    use crate::test_support::{TestDb, account_with};

    /// The people scope of `account_id`, checked for `roles/read` in `label`.
    async fn scope_of(authz: &Authz, account_id: i64, label: &str) -> PeopleScope {
        let checked = authz
            .checked(&subject_of(account_id), label, "roles", "read")
            .await
            .unwrap()
            .expect("the reader holds roles/read there");
        PeopleScope::of(authz, &checked).await.unwrap()
    }

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
        let scope = scope_of(&authz, operator, "werkweb").await;
        let err = visible_person(&t.db, &authz, &scope, foreign)
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::NotFound(_)), "{err:?}");
        assert!(
            visible_person(&t.db, &authz, &scope, operator)
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
        let scope = scope_of(&authz, operator, "werkweb").await;
        change_role(
            &t.db,
            &authz,
            &actor,
            &scope,
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
        let scope = scope_of(&authz, operator, "werkweb").await;
        let attempt = |id| {
            let (db, authz, actor, scope) = (&t.db, &authz, &actor, &scope);
            async move {
                change_role(
                    db,
                    authz,
                    actor,
                    scope,
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
