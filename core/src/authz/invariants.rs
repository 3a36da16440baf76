//! What the platform promises whatever its policy says. The policy (`policy.csv`, then what
//! platform admins set) decides most of who may do what; these few promises are stated apart
//! from it, so a policy line cannot quietly break them:
//!
//! - employers and anonymous visitors never reach candidate data or documents (`candidate*`,
//!   `application`, `consent`);
//! - coaches never change candidate data (they may read it);
//! - candidates reach only `profile` (their own);
//! - only platform admins hold the platform permissions (`plugin/install`, `jobs/read`).
//!
//! A fifth promise, that no label role reaches another label, is not a property of policy lines
//! (which name no label) but of the model: a role is held in one domain and matched only there
//! (`model.conf`). The tests below check it against the enforcer.
//!
//! [`violations`] is what `Authz::set_role_policy` runs before storing a policy; a label's
//! narrowing can only take permissions away, so it cannot break a promise the policy keeps.
use std::fmt;

/// Resources that are candidate data: a candidate's profile as others see it, their documents,
/// their applications and their consents.
fn is_candidate_data(resource: &str) -> bool {
    resource == "candidate"
        || resource.starts_with("candidate.")
        || resource == "application"
        || resource == "consent"
}

/// Permissions that act on the whole platform rather than on one label.
pub const PLATFORM_PERMISSIONS: [(&str, &str); 2] = [("plugin", "install"), ("jobs", "read")];

/// A promise, by the name a refusal gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invariant {
    NoCandidateDataForEmployersOrVisitors,
    CoachesNeverChangeCandidates,
    CandidatesReachOnlyProfile,
    PlatformPermissionsOnlyForPlatformAdmins,
}

impl Invariant {
    pub fn name(self) -> &'static str {
        match self {
            Invariant::NoCandidateDataForEmployersOrVisitors => {
                "no-candidate-data-for-employers-or-visitors"
            }
            Invariant::CoachesNeverChangeCandidates => "coaches-never-change-candidates",
            Invariant::CandidatesReachOnlyProfile => "candidates-reach-only-profile",
            Invariant::PlatformPermissionsOnlyForPlatformAdmins => {
                "platform-permissions-only-for-platform-admins"
            }
        }
    }
}

/// A policy line that breaks a promise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: Invariant,
    pub role: String,
    pub resource: String,
    pub action: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} may not hold {}/{}: it breaks the invariant {}",
            self.role,
            self.resource,
            self.action,
            self.invariant.name()
        )
    }
}

/// The promise `(role, resource, action)` would break, if any.
pub fn broken_by(role: &str, resource: &str, action: &str) -> Option<Invariant> {
    match role {
        "employer" | super::ANONYMOUS if is_candidate_data(resource) => {
            Some(Invariant::NoCandidateDataForEmployersOrVisitors)
        }
        "coach" if is_candidate_data(resource) && action != "read" => {
            Some(Invariant::CoachesNeverChangeCandidates)
        }
        "candidate" if resource != "profile" => Some(Invariant::CandidatesReachOnlyProfile),
        _ if role != "platform-admin" && PLATFORM_PERMISSIONS.contains(&(resource, action)) => {
            Some(Invariant::PlatformPermissionsOnlyForPlatformAdmins)
        }
        _ => None,
    }
}

/// Every line of `rules` (role, resource, action) that breaks a promise.
pub fn violations(rules: &[(String, String, String)]) -> Vec<Violation> {
    rules
        .iter()
        .filter_map(|(role, resource, action)| {
            broken_by(role, resource, action).map(|invariant| Violation {
                invariant,
                role: role.clone(),
                resource: resource.clone(),
                action: action.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! These tests state the promises again in their own words (`promised_never`) and check
    //! the enforcer against them, so neither `policy.csv` nor [`broken_by`] is its own oracle.
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::CoreError;
    use crate::authz::{ANONYMOUS, Authz, Role, catalogue, default_rules, subject_of};
    use crate::domain::PLATFORM_DOMAIN;
    use crate::test_support::{TestDb, account_with};

    const LABEL: &str = "werkweb";
    const OTHER: &str = "winwinwerkt";

    /// The promises, restated: may a holder of `role` in a label never do `action` on
    /// `resource` there?
    fn promised_never(role: &str, resource: &str, action: &str) -> bool {
        let candidate_data =
            ["candidate", "candidate.documents", "application", "consent"].contains(&resource);
        let platform =
            (resource, action) == ("plugin", "install") || (resource, action) == ("jobs", "read");
        match role {
            "platform-admin" => false,
            "employer" | "anonymous" => candidate_data || platform,
            "coach" => (candidate_data && action != "read") || platform,
            "candidate" => resource != "profile",
            _ => platform,
        }
    }

    fn label_roles() -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| *r != Role::PlatformAdmin)
            .collect()
    }

    /// One account per label role, holding it in [`LABEL`]; and a platform admin.
    async fn people(t: &TestDb) -> (i64, Vec<(Role, i64)>) {
        let admin = account_with(
            t,
            "admin@example.org",
            &[(PLATFORM_DOMAIN, "platform-admin")],
        )
        .await;
        let mut holders = Vec::new();
        for role in label_roles() {
            let email = format!("{}@example.org", role.as_str());
            holders.push((
                role,
                account_with(t, &email, &[(LABEL, role.as_str())]).await,
            ));
        }
        (admin, holders)
    }

    /// Checks every promise against the live enforcer, for every catalogue permission.
    async fn assert_promises_hold(authz: &Authz, holders: &[(Role, i64)], context: &str) {
        for (resource, action) in catalogue() {
            for (role, id) in holders {
                let subject = subject_of(*id);
                if promised_never(role.as_str(), &resource, &action) {
                    assert!(
                        !authz
                            .check(&subject, LABEL, &resource, &action)
                            .await
                            .unwrap(),
                        "{context}: {} reaches {resource}/{action}",
                        role.as_str()
                    );
                }
                // No label role reaches another label or the platform, whatever the policy.
                for elsewhere in [OTHER, PLATFORM_DOMAIN] {
                    assert!(
                        !authz
                            .check(&subject, elsewhere, &resource, &action)
                            .await
                            .unwrap(),
                        "{context}: {} in {LABEL} reaches {resource}/{action} in {elsewhere}",
                        role.as_str()
                    );
                }
            }
            if promised_never(ANONYMOUS, &resource, &action) {
                for domain in [LABEL, OTHER, PLATFORM_DOMAIN] {
                    assert!(
                        !authz
                            .check(ANONYMOUS, domain, &resource, &action)
                            .await
                            .unwrap(),
                        "{context}: anonymous reaches {resource}/{action} in {domain}"
                    );
                }
            }
        }
    }

    #[test]
    fn sec_the_default_policy_keeps_every_promise() {
        let rules: Vec<(String, String, String)> = default_rules();
        assert_eq!(violations(&rules), []);
        for (role, resource, action) in &rules {
            assert!(
                !promised_never(role, resource, action),
                "{role} {resource}/{action}"
            );
        }
    }

    #[test]
    fn sec_a_policy_line_giving_employers_candidate_data_is_reported() {
        let mut rules = default_rules();
        rules.push(("employer".into(), "candidate".into(), "read".into()));
        let found = violations(&rules);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].invariant,
            Invariant::NoCandidateDataForEmployersOrVisitors
        );
        assert!(
            found[0]
                .to_string()
                .contains("no-candidate-data-for-employers-or-visitors")
        );
        for (role, resource, action, invariant) in [
            (
                "anonymous",
                "candidate.documents",
                "read",
                Invariant::NoCandidateDataForEmployersOrVisitors,
            ),
            (
                "coach",
                "candidate",
                "update",
                Invariant::CoachesNeverChangeCandidates,
            ),
            (
                "candidate",
                "vacancy",
                "read",
                Invariant::CandidatesReachOnlyProfile,
            ),
            (
                "label-operator",
                "plugin",
                "install",
                Invariant::PlatformPermissionsOnlyForPlatformAdmins,
            ),
        ] {
            assert_eq!(
                broken_by(role, resource, action),
                Some(invariant),
                "{role} {resource}/{action}"
            );
        }
    }

    #[tokio::test]
    async fn sec_the_enforcer_keeps_every_promise_under_the_default_policy() {
        let t = TestDb::new().await;
        let (_, holders) = people(&t).await;
        let authz = t.authz().await;
        assert_promises_hold(&authz, &holders, "default policy").await;
    }

    /// Every policy a platform admin can set: each permission of the catalogue added to each
    /// role is accepted exactly when no promise forbids it; then the largest policy accepted
    /// for every role at once (every policy an admin can set is a part of it, and a promise
    /// only forbids) still keeps every promise in the enforcer.
    #[tokio::test]
    async fn sec_no_policy_a_platform_admin_can_set_breaks_a_promise() {
        let t = TestDb::new().await;
        let (admin, holders) = people(&t).await;
        let authz = t.authz().await;
        for role in label_roles() {
            let base = authz.role_policy(role).await;
            for pair in catalogue() {
                let mut proposed = base.clone();
                if !proposed.contains(&pair) {
                    proposed.push(pair.clone());
                }
                let result = authz.set_role_policy(admin, role, &proposed, None).await;
                if promised_never(role.as_str(), &pair.0, &pair.1) {
                    let err = result.expect_err("a policy breaking a promise is refused");
                    assert!(
                        matches!(&err, CoreError::Invalid { field: "permissions", message } if message.contains("invariant")),
                        "{}: {err:?}",
                        role.as_str()
                    );
                } else {
                    result.unwrap();
                }
                authz
                    .set_role_policy(admin, role, &base, None)
                    .await
                    .unwrap();
            }
        }
        for role in label_roles() {
            let largest: Vec<(String, String)> = catalogue()
                .into_iter()
                .filter(|(r, a)| !promised_never(role.as_str(), r, a))
                .collect();
            authz
                .set_role_policy(admin, role, &largest, None)
                .await
                .unwrap();
        }
        assert_promises_hold(&authz, &holders, "largest policy").await;
    }

    /// Every narrowing an operator can make only takes permissions away, in their label only;
    /// under the largest policy, switching off each permission of each role keeps the promises,
    /// and nothing can be switched on beyond the policy.
    #[tokio::test]
    async fn sec_no_narrowing_an_operator_can_make_breaks_a_promise() {
        let t = TestDb::new().await;
        let (admin, holders) = people(&t).await;
        let authz = t.authz().await;
        for role in label_roles() {
            let largest: Vec<(String, String)> = catalogue()
                .into_iter()
                .filter(|(r, a)| !promised_never(role.as_str(), r, a))
                .collect();
            authz
                .set_role_policy(admin, role, &largest, None)
                .await
                .unwrap();
        }
        let operator = account_with(&t, "op2@example.org", &[(LABEL, "label-operator")]).await;
        authz.reload().await.unwrap();
        for role in label_roles() {
            let policy = authz.role_policy(role).await;
            // Widening is refused.
            for pair in catalogue().into_iter().filter(|p| !policy.contains(p)) {
                let mut widened = policy.clone();
                widened.push(pair);
                assert!(
                    authz
                        .set_label_role_policy(admin, LABEL, role, &widened, None)
                        .await
                        .is_err()
                );
            }
            for (i, _) in policy.iter().enumerate() {
                let mut keep = policy.clone();
                keep.remove(i);
                for actor in [admin, operator] {
                    // The operator may narrow what they may hand out and do not hold; the rest
                    // is refused, which keeps the promises as well.
                    let _ = authz
                        .set_label_role_policy(actor, LABEL, role, &keep, None)
                        .await;
                    assert_promises_hold(&authz, &holders, "narrowed").await;
                }
            }
            authz
                .set_label_role_policy(admin, LABEL, role, &[], None)
                .await
                .unwrap();
            assert_promises_hold(&authz, &holders, "all switched off").await;
        }
    }
}
