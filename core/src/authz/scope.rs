//! Where a role or permission reaches, as the console and the API both need to know it: the
//! domain a role granted from a label's console is held in, the roles one may hand out there,
//! the labels one may manage, and each role's policy (platform-wide and as a label narrows it).
//! Both surfaces call these, so a rule cannot drift between the page and the API.
//!
//! It also holds the capabilities a check hands out: [`Checked`] (a permission passed in one
//! domain) and the scopes built from it ([`PeopleScope`]), which the reads of label-owned data
//! take instead of a label name, so no caller can read another label's people by passing a
//! string.
use super::{Authz, PlatformWide, Role, subject_of};
use crate::domain::PLATFORM_DOMAIN;
use crate::{CoreError, CoreResult};

/// Proof that `subject` passed the check of one permission in one domain (a label's slug or
/// `platform`). Only [`Authz::checked`] makes one; it carries what was checked, so whatever
/// acts on it acts on the domain the check passed in and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    subject: String,
    domain: String,
    resource: String,
    action: String,
}

impl Checked {
    pub(super) fn new(subject: &str, domain: &str, resource: &str, action: &str) -> Checked {
        Checked {
            subject: subject.to_string(),
            domain: domain.to_string(),
            resource: resource.to_string(),
            action: action.to_string(),
        }
    }

    /// `account:N` or `anonymous`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The label (or `platform`) the check passed in.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The (resource, action) that was checked.
    pub fn permission(&self) -> (&str, &str) {
        (&self.resource, &self.action)
    }
}

/// Whose people (accounts with roles, and those roles) a reader may see: one label's, or
/// everyone's for those holding `roles/read` platform-wide. Built only from a [`Checked`]
/// `roles` permission, so its label is the one the check passed in.
#[derive(Clone, Debug)]
pub struct PeopleScope {
    reader: String,
    label: String,
    everyone: Option<PlatformWide>,
}

impl PeopleScope {
    /// The scope of a reader who passed `checked` (a `roles` permission in a label).
    pub async fn of(authz: &Authz, checked: &Checked) -> CoreResult<PeopleScope> {
        if checked.resource != "roles" || checked.domain == PLATFORM_DOMAIN {
            return Err(CoreError::Forbidden);
        }
        Ok(PeopleScope {
            reader: checked.subject.clone(),
            label: checked.domain.clone(),
            everyone: authz
                .platform_wide(&checked.subject, "roles", "read")
                .await?,
        })
    }

    /// The label whose console this is; roles granted from it land here.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The subject the check passed for.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Whether the reader sees every account with every role.
    pub fn everyone(&self) -> bool {
        self.everyone.is_some()
    }
}

/// A (resource, action) pair and whether a label leaves it on for a role.
pub type LabelPermission = (String, String, bool);

impl Role {
    /// The domain this role is held in when it is granted or revoked from `label`'s console:
    /// platform-admin is platform-wide; every other role belongs to the label. Neither surface
    /// takes the domain from the client, so a label's console cannot reach another label.
    pub fn domain_in(self, label: &str) -> &str {
        if self == Role::PlatformAdmin {
            PLATFORM_DOMAIN
        } else {
            label
        }
    }
}

impl Authz {
    /// The roles `actor` may grant and revoke from `label`'s console, highest first.
    pub async fn assignable_roles(&self, actor: i64, label: &str) -> CoreResult<Vec<Role>> {
        let mut out = Vec::new();
        for role in Role::ALL {
            if self
                .may_assign(actor, role.domain_in(label), role)
                .await
                .is_ok()
            {
                out.push(role);
            }
        }
        Ok(out)
    }

    /// Those of `labels` whose settings `account_id` may read: every label for platform
    /// admins, their own for operators.
    pub async fn manageable_labels<'a>(
        &self,
        account_id: i64,
        labels: impl IntoIterator<Item = &'a str>,
    ) -> CoreResult<Vec<&'a str>> {
        let subject = subject_of(account_id);
        let mut out = Vec::new();
        for label in labels {
            if self
                .check(&subject, label, "label.settings", "read")
                .await?
            {
                out.push(label);
            }
        }
        Ok(out)
    }

    /// Every role with what it may do everywhere.
    pub async fn role_policies(&self) -> Vec<(Role, Vec<(String, String)>)> {
        let mut out = Vec::with_capacity(Role::ALL.len());
        for role in Role::ALL {
            out.push((role, self.role_policy(role).await));
        }
        out
    }

    /// Every label role (not platform-admin, which is not held in a label) with what it may do
    /// in `label`.
    pub async fn label_role_policies(
        &self,
        label: &str,
    ) -> CoreResult<Vec<(Role, Vec<LabelPermission>)>> {
        let mut out = Vec::with_capacity(Role::ALL.len());
        for role in Role::ALL.into_iter().filter(|r| *r != Role::PlatformAdmin) {
            out.push((role, self.label_role_policy(label, role).await?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::test_support::{TestDb, account_with};

    #[test]
    fn platform_admin_is_held_platform_wide_and_every_other_role_in_the_label() {
        assert_eq!(Role::PlatformAdmin.domain_in("werkweb"), PLATFORM_DOMAIN);
        for role in Role::ALL.into_iter().filter(|r| *r != Role::PlatformAdmin) {
            assert_eq!(role.domain_in("werkweb"), "werkweb", "{role:?}");
        }
    }

    #[tokio::test]
    async fn sec_an_operator_assigns_what_their_permissions_cover_in_their_own_label_only() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let admin = account_with(
            &t,
            "admin@example.org",
            &[(PLATFORM_DOMAIN, "platform-admin")],
        )
        .await;
        let authz = t.authz().await;

        let own = authz.assignable_roles(operator, "werkweb").await.unwrap();
        assert!(!own.contains(&Role::PlatformAdmin));
        assert!(
            own.contains(&Role::LabelOperator),
            "a peer holds no more than they do"
        );
        assert!(
            own.contains(&Role::Recruiter),
            "the policy gives operators its permissions"
        );
        assert!(own.contains(&Role::Coach));
        assert!(own.contains(&Role::Employer));
        assert!(
            !own.contains(&Role::Candidate),
            "profile/* is the candidate's own; operators do not hold it"
        );
        assert!(
            authz
                .assignable_roles(operator, "winwinwerkt")
                .await
                .unwrap()
                .is_empty(),
            "nothing in another label"
        );
        assert_eq!(
            authz.assignable_roles(admin, "werkweb").await.unwrap(),
            Role::ALL.to_vec()
        );
    }

    #[tokio::test]
    async fn an_operator_manages_their_own_label_and_an_admin_every_label() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let admin = account_with(
            &t,
            "admin@example.org",
            &[(PLATFORM_DOMAIN, "platform-admin")],
        )
        .await;
        let recruiter = account_with(&t, "rec@example.org", &[("werkweb", "recruiter")]).await;
        let authz = t.authz().await;
        let labels = ["werkweb", "winwinwerkt"];

        assert_eq!(
            authz.manageable_labels(operator, labels).await.unwrap(),
            ["werkweb"]
        );
        assert_eq!(
            authz.manageable_labels(admin, labels).await.unwrap(),
            labels
        );
        assert!(
            authz
                .manageable_labels(recruiter, labels)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn label_role_policies_leave_out_platform_admin_and_show_narrowing() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let authz = t.authz().await;
        let before = authz.label_role_policies("werkweb").await.unwrap();
        assert!(before.iter().all(|(r, _)| *r != Role::PlatformAdmin));
        let (_, coach) = before
            .iter()
            .find(|(r, _)| *r == Role::Coach)
            .expect("coach is a label role");
        assert!(coach.iter().all(|(_, _, on)| *on));
        let (res, act, _) = coach.first().expect("coaches may do something").clone();

        let keep: Vec<(String, String)> = coach
            .iter()
            .skip(1)
            .map(|(r, a, _)| (r.clone(), a.clone()))
            .collect();
        authz
            .set_label_role_policy(operator, "werkweb", Role::Coach, &keep, None)
            .await
            .unwrap();
        let after = authz.label_role_policies("werkweb").await.unwrap();
        let (_, coach) = after.iter().find(|(r, _)| *r == Role::Coach).unwrap();
        assert!(coach.contains(&(res.clone(), act.clone(), false)));
        let elsewhere = authz.label_role_policies("winwinwerkt").await.unwrap();
        let (_, coach) = elsewhere.iter().find(|(r, _)| *r == Role::Coach).unwrap();
        assert!(
            coach.contains(&(res, act, true)),
            "other labels are untouched"
        );
    }

    #[tokio::test]
    async fn sec_an_operator_hands_out_and_switches_on_only_what_they_hold() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let admin = account_with(
            &t,
            "admin@example.org",
            &[(PLATFORM_DOMAIN, "platform-admin")],
        )
        .await;
        let target = account_with(&t, "t@example.org", &[("werkweb", "employer")]).await;
        let authz = t.authz().await;
        let mut widened = authz.role_policy(Role::Recruiter).await;
        let plain = widened.clone();
        widened.push(("consent".into(), "write".into()));
        authz
            .set_role_policy(admin, Role::Recruiter, &widened, None)
            .await
            .unwrap();
        let refused = authz
            .grant(operator, target, "werkweb", Role::Recruiter, None)
            .await
            .unwrap_err();
        assert!(
            matches!(refused, crate::CoreError::Forbidden),
            "{refused:?}"
        );

        authz
            .set_label_role_policy(admin, "werkweb", Role::Recruiter, &plain, None)
            .await
            .unwrap();
        let switched_on = authz
            .set_label_role_policy(operator, "werkweb", Role::Recruiter, &widened, None)
            .await
            .unwrap_err();
        assert!(
            matches!(switched_on, crate::CoreError::Forbidden),
            "{switched_on:?}"
        );
        authz
            .grant(operator, target, "werkweb", Role::Recruiter, None)
            .await
            .unwrap();
    }
}
