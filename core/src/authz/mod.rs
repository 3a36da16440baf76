//! Authorisation: casbin RBAC with domains (a label's slug, or `platform`), behind a small API.
//!
//! - `check` answers whether a subject may do an action on a resource in a domain, through a
//!   decision cache sized for the traffic and cleared on every policy change, so a revoked role
//!   is denied on the very next request.
//! - `grant` and `revoke` are the only ways to change who holds a role; they refuse escalation
//!   (nobody grants a role above their own, an operator only in their own label, only platform
//!   admins grant platform roles), write the change with its audit entry in one transaction and
//!   reload the policy.
mod adapter;
mod scope;

use std::sync::Arc;

use casbin::{CachedApi, CachedEnforcer, CoreApi, DefaultCache, DefaultModel, MgmtApi};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use tokio::sync::RwLock;

pub use adapter::DbAdapter;
pub use scope::LabelPermission;

use crate::audit::{self, Actor, AuditEntry};
use crate::domain::PLATFORM_DOMAIN;
use crate::store::entities::{account_role, casbin_rule};
use crate::{CoreError, CoreResult, time};

pub const MODEL: &str = include_str!("model.conf");
pub const DEFAULT_POLICY: &str = include_str!("policy.csv");

/// The subject of requests without a session.
pub const ANONYMOUS: &str = "anonymous";

/// How many decisions the cache keeps: the working set of (subject, label, resource, action).
/// casbin's default of 200 would thrash at a few dozen active users.
const DECISION_CACHE_ENTRIES: usize = 200_000;

pub fn subject_of(account_id: i64) -> String {
    format!("account:{account_id}")
}

/// The roles, highest first. A role's rank bounds what its holder may grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    PlatformAdmin,
    LabelOperator,
    Recruiter,
    Coach,
    Employer,
    Candidate,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::PlatformAdmin,
        Role::LabelOperator,
        Role::Recruiter,
        Role::Coach,
        Role::Employer,
        Role::Candidate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform-admin",
            Role::LabelOperator => "label-operator",
            Role::Recruiter => "recruiter",
            Role::Coach => "coach",
            Role::Employer => "employer",
            Role::Candidate => "candidate",
        }
    }

    pub fn parse(raw: &str) -> CoreResult<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| CoreError::invalid("role", format!("{raw:?} is not a role")))
    }

    fn rank(self) -> u8 {
        match self {
            Role::PlatformAdmin => 100,
            Role::LabelOperator => 50,
            Role::Recruiter | Role::Coach => 30,
            Role::Employer | Role::Candidate => 10,
        }
    }
}

/// A `p` rule of the default policy.
pub fn default_rules() -> Vec<(String, String, String)> {
    DEFAULT_POLICY
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("p,"))
        .filter_map(|l| {
            let parts: Vec<&str> = l.split(',').map(str::trim).collect();
            match parts.as_slice() {
                ["p", role, resource, action] => {
                    Some((role.to_string(), resource.to_string(), action.to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

fn casbin_err(e: casbin::Error) -> CoreError {
    CoreError::Internal(format!("authorisation: {e}"))
}

/// A role someone holds somewhere.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RoleGrant {
    pub account_id: i64,
    pub domain: String,
    pub role: String,
}

/// Proof that a subject holds a permission platform-wide. Only [`Authz::platform_wide`] makes
/// one; repository functions that read across labels take it, so a query over every label
/// cannot be reached without the check (defence in depth behind the route guard).
#[derive(Clone, Copy, Debug)]
pub struct PlatformWide(());

/// What per-label restrictions need beside casbin, reloaded with the policy.
#[derive(Default)]
struct Narrowing {
    /// (label, role, resource, action) switched off in that label.
    restricted: std::collections::HashSet<(String, String, String, String)>,
    /// Labels with any restriction: only their checks take the slower path.
    labels: std::collections::HashSet<String>,
    /// subject → (domain, role)
    roles: std::collections::HashMap<String, Vec<(String, String)>>,
    /// (role, resource, action) of the policy.
    rules: std::collections::HashSet<(String, String, String)>,
}

#[derive(Clone)]
pub struct Authz {
    db: DatabaseConnection,
    enforcer: Arc<RwLock<CachedEnforcer>>,
    narrowing: Arc<std::sync::RwLock<Narrowing>>,
}

/// Builds an enforcer from any adapter (the database in the server, memory in benchmarks).
pub async fn enforcer_with<A: casbin::Adapter + 'static>(adapter: A) -> CoreResult<CachedEnforcer> {
    let model = DefaultModel::from_str(MODEL).await.map_err(casbin_err)?;
    let mut enforcer = CachedEnforcer::new(model, adapter)
        .await
        .map_err(casbin_err)?;
    enforcer.set_cache(Box::new(DefaultCache::new(DECISION_CACHE_ENTRIES)));
    Ok(enforcer)
}

impl Authz {
    /// Loads the live policy, writing the default policy first if the database has none.
    pub async fn load(db: DatabaseConnection) -> CoreResult<Self> {
        if casbin_rule::Entity::find().count(&db).await? == 0 {
            let rows = default_rules().into_iter().map(|(role, resource, action)| {
                casbin_rule::ActiveModel {
                    ptype: Set("p".into()),
                    v0: Set(role),
                    v1: Set(resource),
                    v2: Set(action),
                    ..Default::default()
                }
            });
            // Another process may seed at the same moment; the unique index keeps one copy.
            if let Err(err) = casbin_rule::Entity::insert_many(rows).exec(&db).await
                && !crate::error::is_unique_violation(&err)
            {
                return Err(err.into());
            }
        }
        let enforcer = enforcer_with(DbAdapter::new(db.clone())).await?;
        let authz = Authz {
            db,
            enforcer: Arc::new(RwLock::new(enforcer)),
            narrowing: Arc::default(),
        };
        authz.load_narrowing().await?;
        Ok(authz)
    }

    async fn load_narrowing(&self) -> CoreResult<()> {
        use crate::store::entities::role_restriction;
        let mut next = Narrowing::default();
        for r in role_restriction::Entity::find().all(&self.db).await? {
            next.labels.insert(r.label.clone());
            next.restricted
                .insert((r.label, r.role, r.resource, r.action));
        }
        if !next.labels.is_empty() {
            for g in self.grants(None).await? {
                next.roles
                    .entry(subject_of(g.account_id))
                    .or_default()
                    .push((g.domain, g.role));
            }
            for rule in self.rules().await {
                if let [role, resource, action] = rule.as_slice() {
                    next.rules
                        .insert((role.clone(), resource.clone(), action.clone()));
                }
            }
        }
        match self.narrowing.write() {
            Ok(mut n) => *n = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(())
    }

    /// With restrictions in `domain`, a permission counts only through a role that has it and
    /// is not restricted there (platform roles are never narrowed).
    fn passes_narrowing(&self, subject: &str, domain: &str, resource: &str, action: &str) -> bool {
        let Ok(n) = self.narrowing.read() else {
            return false;
        };
        if !n.labels.contains(domain) {
            return true;
        }
        let has = |role: &str| {
            n.rules
                .contains(&(role.to_string(), resource.to_string(), action.to_string()))
        };
        let restricted = |role: &str| {
            n.restricted.contains(&(
                domain.to_string(),
                role.to_string(),
                resource.to_string(),
                action.to_string(),
            ))
        };
        if subject == ANONYMOUS {
            return has(ANONYMOUS) && !restricted(ANONYMOUS);
        }
        n.roles.get(subject).into_iter().flatten().any(|(d, role)| {
            (d == PLATFORM_DOMAIN && has(role)) || (d == domain && has(role) && !restricted(role))
        })
    }

    /// May `subject` (`account:N` or `anonymous`) do `action` on `resource` in `domain`?
    pub async fn check(
        &self,
        subject: &str,
        domain: &str,
        resource: &str,
        action: &str,
    ) -> CoreResult<bool> {
        let allowed = {
            let enforcer = self.enforcer.read().await;
            enforcer
                .enforce((subject, domain, resource, action))
                .map_err(casbin_err)?
        };
        Ok(allowed && self.passes_narrowing(subject, domain, resource, action))
    }

    /// A [`PlatformWide`] proof when `subject` may do `action` on `resource` in every label.
    pub async fn platform_wide(
        &self,
        subject: &str,
        resource: &str,
        action: &str,
    ) -> CoreResult<Option<PlatformWide>> {
        Ok(self
            .check(subject, PLATFORM_DOMAIN, resource, action)
            .await?
            .then_some(PlatformWide(())))
    }

    /// Re-reads the policy and forgets every cached decision.
    pub async fn reload(&self) -> CoreResult<()> {
        {
            let mut enforcer = self.enforcer.write().await;
            enforcer.load_policy().await.map_err(casbin_err)?;
            enforcer.get_mut_cache().clear();
        }
        self.load_narrowing().await
    }

    /// The (resource, action) pairs `account_id` holds in `domain`, through its roles there
    /// and its platform-wide roles.
    pub async fn effective_permissions(
        &self,
        account_id: i64,
        domain: &str,
    ) -> CoreResult<Vec<(String, String)>> {
        let roles: Vec<String> = self
            .roles_of(account_id)
            .await?
            .into_iter()
            .filter(|g| g.domain == domain || g.domain == PLATFORM_DOMAIN)
            .map(|g| g.role)
            .collect();
        let mut out: Vec<(String, String)> = self
            .rules()
            .await
            .into_iter()
            .filter_map(|rule| match rule.as_slice() {
                [role, resource, action] if roles.contains(role) => {
                    Some((resource.clone(), action.clone()))
                }
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The `p` rules in force.
    pub async fn rules(&self) -> Vec<Vec<String>> {
        self.enforcer.read().await.get_policy()
    }

    /// Every role link, optionally only in one domain.
    pub async fn grants(&self, domain: Option<&str>) -> CoreResult<Vec<RoleGrant>> {
        let mut query = account_role::Entity::find().order_by_asc(account_role::Column::AccountId);
        if let Some(domain) = domain {
            query = query.filter(account_role::Column::Domain.eq(domain));
        }
        Ok(query
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| RoleGrant {
                account_id: r.account_id,
                domain: r.domain,
                role: r.role,
            })
            .collect())
    }

    pub async fn roles_of(&self, account_id: i64) -> CoreResult<Vec<RoleGrant>> {
        Ok(self
            .grants(None)
            .await?
            .into_iter()
            .filter(|g| g.account_id == account_id)
            .collect())
    }

    /// The highest rank `actor` holds in `domain` (platform roles count everywhere).
    async fn rank_in(&self, actor: i64, domain: &str) -> CoreResult<u8> {
        Ok(self
            .roles_of(actor)
            .await?
            .iter()
            .filter(|g| g.domain == domain || g.domain == PLATFORM_DOMAIN)
            .filter_map(|g| Role::parse(&g.role).ok())
            .map(Role::rank)
            .max()
            .unwrap_or(0))
    }

    /// Refuses what `actor` may not grant or revoke: a platform role without being platform
    /// admin, anything outside a label where they hold `roles/grant`, or a role not below
    /// their own.
    pub async fn may_assign(&self, actor: i64, domain: &str, role: Role) -> CoreResult<()> {
        let actor_subject = subject_of(actor);
        if domain == PLATFORM_DOMAIN || role == Role::PlatformAdmin {
            let admin = self
                .check(&actor_subject, PLATFORM_DOMAIN, "roles", "grant")
                .await?
                && self.rank_in(actor, PLATFORM_DOMAIN).await? >= Role::PlatformAdmin.rank();
            if !admin || domain != PLATFORM_DOMAIN || role != Role::PlatformAdmin {
                return Err(if admin {
                    CoreError::invalid("role", "platform-admin is held in the platform domain only")
                } else {
                    CoreError::Forbidden
                });
            }
            return Ok(());
        }
        if !self.check(&actor_subject, domain, "roles", "grant").await? {
            return Err(CoreError::Forbidden);
        }
        let own = self.rank_in(actor, domain).await?;
        if own < Role::PlatformAdmin.rank() && role.rank() >= own {
            return Err(CoreError::Forbidden);
        }
        Ok(())
    }

    /// Gives `account_id` the `role` in `domain`, as `actor`.
    pub async fn grant(
        &self,
        actor: i64,
        account_id: i64,
        domain: &str,
        role: Role,
        request_id: Option<String>,
    ) -> CoreResult<()> {
        self.may_assign(actor, domain, role).await?;
        // Nobody widens their own rights: an operator granting themselves `recruiter` would
        // gain candidate documents their own role does not hold.
        if actor == account_id {
            return Err(CoreError::Forbidden);
        }
        let txn = self.db.begin().await?;
        grant_in(&txn, actor, account_id, domain, role, request_id).await?;
        txn.commit().await?;
        self.reload().await
    }

    /// Takes `role` in `domain` away from `account_id`, as `actor`.
    pub async fn revoke(
        &self,
        actor: i64,
        account_id: i64,
        domain: &str,
        role: Role,
        request_id: Option<String>,
    ) -> CoreResult<()> {
        self.may_assign(actor, domain, role).await?;
        if actor == account_id && role == Role::PlatformAdmin {
            return Err(CoreError::Conflict(
                "a platform admin cannot revoke their own platform-admin role".into(),
            ));
        }
        // Nor does anyone change their own roles the other way: one's roles are changed by
        // someone else, so that every change has a second person behind it in the audit log.
        if actor == account_id {
            return Err(CoreError::Forbidden);
        }
        let txn = self.db.begin().await?;
        let removed = account_role::Entity::delete_many()
            .filter(account_role::Column::AccountId.eq(account_id))
            .filter(account_role::Column::Domain.eq(domain))
            .filter(account_role::Column::Role.eq(role.as_str()))
            .exec(&txn)
            .await?;
        if removed.rows_affected == 0 {
            return Err(CoreError::NotFound("role grant"));
        }
        let mut entry = AuditEntry::new(
            Actor::Account(actor),
            "role.revoke",
            format!("account:{account_id}"),
        )
        .details(serde_json::json!({ "role": role.as_str(), "domain": domain }))
        .request_id(request_id);
        if domain != PLATFORM_DOMAIN {
            entry = entry.label(domain.to_string());
        }
        audit::record(&txn, entry).await?;
        txn.commit().await?;
        self.reload().await
    }
}

/// Writes a role link and its audit entry on the caller's transaction, without any check: the
/// caller has run [`Authz::may_assign`] and reloads the policy after committing.
pub async fn grant_in(
    conn: &impl sea_orm::ConnectionTrait,
    actor: i64,
    account_id: i64,
    domain: &str,
    role: Role,
    request_id: Option<String>,
) -> CoreResult<()> {
    let exists = account_role::Entity::find()
        .filter(account_role::Column::AccountId.eq(account_id))
        .filter(account_role::Column::Domain.eq(domain))
        .filter(account_role::Column::Role.eq(role.as_str()))
        .count(conn)
        .await?
        > 0;
    if exists {
        return Ok(());
    }
    account_role::ActiveModel {
        account_id: Set(account_id),
        domain: Set(domain.to_string()),
        role: Set(role.as_str().to_string()),
        granted_by: Set(Some(actor)),
        granted_at: Set(time::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut entry = AuditEntry::new(
        Actor::Account(actor),
        "role.grant",
        format!("account:{account_id}"),
    )
    .details(serde_json::json!({ "role": role.as_str(), "domain": domain }))
    .request_id(request_id);
    if domain != PLATFORM_DOMAIN {
        entry = entry.label(domain.to_string());
    }
    audit::record(conn, entry).await
}

/// The (resource, action) pairs the platform knows: those of the default policy. A role's policy
/// can only be made of these, so a typo cannot create a permission nothing checks.
pub fn catalogue() -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = default_rules()
        .into_iter()
        .map(|(_, r, a)| (r, a))
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

impl Authz {
    /// Replaces what `role` may do everywhere, as `actor` (a platform admin). Bounded: only
    /// pairs from the catalogue, and the platform-admin role is not editable, so the platform
    /// cannot lock itself out. Every added and removed permission is audited.
    pub async fn set_role_policy(
        &self,
        actor: i64,
        role: Role,
        permissions: &[(String, String)],
        request_id: Option<String>,
    ) -> CoreResult<()> {
        let actor_subject = subject_of(actor);
        let is_admin = self
            .check(&actor_subject, PLATFORM_DOMAIN, "roles", "grant")
            .await?
            && self.rank_in(actor, PLATFORM_DOMAIN).await? >= Role::PlatformAdmin.rank();
        if !is_admin {
            return Err(CoreError::Forbidden);
        }
        if role == Role::PlatformAdmin {
            return Err(CoreError::invalid(
                "role",
                "the platform-admin role always holds every permission",
            ));
        }
        let known = catalogue();
        if let Some((r, a)) = permissions.iter().find(|p| !known.contains(p)) {
            return Err(CoreError::invalid(
                "permissions",
                format!("{r}/{a} is not a known permission"),
            ));
        }
        let txn = self.db.begin().await?;
        let current: Vec<(String, String)> = casbin_rule::Entity::find()
            .filter(casbin_rule::Column::Ptype.eq("p"))
            .filter(casbin_rule::Column::V0.eq(role.as_str()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| (r.v1, r.v2))
            .collect();
        let added: Vec<&(String, String)> = permissions
            .iter()
            .filter(|p| !current.contains(p))
            .collect();
        let removed: Vec<&(String, String)> = current
            .iter()
            .filter(|p| !permissions.contains(p))
            .collect();
        for (resource, action) in &added {
            casbin_rule::ActiveModel {
                ptype: Set("p".into()),
                v0: Set(role.as_str().into()),
                v1: Set(resource.clone()),
                v2: Set(action.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        for (resource, action) in &removed {
            casbin_rule::Entity::delete_many()
                .filter(casbin_rule::Column::Ptype.eq("p"))
                .filter(casbin_rule::Column::V0.eq(role.as_str()))
                .filter(casbin_rule::Column::V1.eq(resource.as_str()))
                .filter(casbin_rule::Column::V2.eq(action.as_str()))
                .exec(&txn)
                .await?;
        }
        if !added.is_empty() || !removed.is_empty() {
            let fmt = |v: &[&(String, String)]| {
                v.iter()
                    .map(|(r, a)| format!("{r}/{a}"))
                    .collect::<Vec<_>>()
            };
            audit::record(
                &txn,
                AuditEntry::new(
                    Actor::Account(actor),
                    "role.policy.update",
                    format!("role:{}", role.as_str()),
                )
                .details(serde_json::json!({ "added": fmt(&added), "removed": fmt(&removed) }))
                .request_id(request_id),
            )
            .await?;
        }
        txn.commit().await?;
        self.reload().await
    }

    /// What each role may do now, as (resource, action) pairs.
    pub async fn role_policy(&self, role: Role) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .rules()
            .await
            .into_iter()
            .filter(|r| r.first().map(String::as_str) == Some(role.as_str()))
            .filter_map(|r| match r.as_slice() {
                [_, resource, action] => Some((resource.clone(), action.clone())),
                _ => None,
            })
            .collect();
        out.sort();
        out
    }
}

impl Authz {
    /// What `role` may do in `label`: its platform policy less what the label switched off.
    pub async fn label_role_policy(
        &self,
        label: &str,
        role: Role,
    ) -> CoreResult<Vec<(String, String, bool)>> {
        use crate::store::entities::role_restriction;
        let off: std::collections::HashSet<(String, String)> = role_restriction::Entity::find()
            .filter(role_restriction::Column::Label.eq(label))
            .filter(role_restriction::Column::Role.eq(role.as_str()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.resource, r.action))
            .collect();
        Ok(self
            .role_policy(role)
            .await
            .into_iter()
            .map(|(res, act)| {
                let on = !off.contains(&(res.clone(), act.clone()));
                (res, act, on)
            })
            .collect())
    }

    /// Sets which of its platform permissions `role` keeps in `label`, as `actor`. Bounded by
    /// the platform policy (a label can only narrow, never widen) and by rank (only roles below
    /// the actor's own in that label). Audited.
    pub async fn set_label_role_policy(
        &self,
        actor: i64,
        label: &str,
        role: Role,
        keep: &[(String, String)],
        request_id: Option<String>,
    ) -> CoreResult<()> {
        use crate::store::entities::role_restriction;
        if label == PLATFORM_DOMAIN || role == Role::PlatformAdmin {
            return Err(CoreError::Forbidden);
        }
        if !self
            .check(&subject_of(actor), label, "roles", "grant")
            .await?
        {
            return Err(CoreError::Forbidden);
        }
        let own = self.rank_in(actor, label).await?;
        if own < Role::PlatformAdmin.rank() && role.rank() >= own {
            return Err(CoreError::Forbidden);
        }
        let policy = self.role_policy(role).await;
        if let Some((r, a)) = keep.iter().find(|p| !policy.contains(p)) {
            return Err(CoreError::invalid(
                "permissions",
                format!(
                    "{r}/{a} is not in the platform policy of {}; a label can only narrow it",
                    role.as_str()
                ),
            ));
        }
        let off: Vec<&(String, String)> = policy.iter().filter(|p| !keep.contains(p)).collect();
        let txn = self.db.begin().await?;
        role_restriction::Entity::delete_many()
            .filter(role_restriction::Column::Label.eq(label))
            .filter(role_restriction::Column::Role.eq(role.as_str()))
            .exec(&txn)
            .await?;
        for (resource, action) in &off {
            role_restriction::ActiveModel {
                label: Set(label.to_string()),
                role: Set(role.as_str().to_string()),
                resource: Set(resource.clone()),
                action: Set(action.clone()),
                set_by: Set(Some(actor)),
                set_at: Set(time::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        audit::record(
            &txn,
            AuditEntry::new(
                Actor::Account(actor),
                "role.label_policy.update",
                format!("role:{}", role.as_str()),
            )
            .label(label.to_string())
            .details(serde_json::json!({
                "switched_off": off.iter().map(|(r, a)| format!("{r}/{a}")).collect::<Vec<_>>(),
            }))
            .request_id(request_id),
        )
        .await?;
        txn.commit().await?;
        self.reload().await
    }
}
