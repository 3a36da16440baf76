//! Authorisation: casbin RBAC with domains (a label's slug, or `platform`), behind a small API.
//!
//! - `check` answers whether a subject may do an action on a resource in a domain, through a
//!   decision cache sized for the traffic and cleared on every policy change, so a revoked role
//!   is denied on the very next request.
//! - `grant` and `revoke` are the only ways to change who holds a role; they refuse escalation
//!   (a role is handed out only by someone who holds every permission it carries in that label,
//!   an operator only in their own label, only platform admins grant platform roles), write the
//!   change with its audit entry in one transaction and reload the policy.
//! - Every change to roles, policies or narrowings bumps the `authz` change version in its
//!   transaction; a server reloads (elsewhere than where the change was made) only when the
//!   version moved, and builds the new enforcer before taking the lock to swap it in.
mod adapter;
pub mod invariants;
mod scope;

use std::sync::Arc;

use std::collections::{BTreeSet, HashMap, HashSet};

use casbin::{CachedApi, CachedEnforcer, CoreApi, DefaultCache, DefaultModel, MgmtApi};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

pub use adapter::DbAdapter;
pub use scope::{Checked, LabelPermission, PeopleScope};

use crate::audit::{self, Actor, AuditEntry};
use crate::domain::PLATFORM_DOMAIN;
use crate::store::entities::{account_role, casbin_rule, role_restriction};
use crate::store::versions::{self, Topic};
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

/// The roles. What a holder may hand out follows from permissions, not from this order.
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

fn to_grant(r: account_role::Model) -> RoleGrant {
    RoleGrant {
        account_id: r.account_id,
        domain: r.domain,
        role: r.role,
    }
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

/// The policy as one server holds it: the enforcer and what per-label narrowing needs beside
/// it, loaded together from one version of the database and swapped in as a whole.
struct Loaded {
    enforcer: CachedEnforcer,
    /// The `authz` change version read before loading: the data is at least this new.
    version: i64,
    /// (role, resource, action) of the policy.
    rules: HashSet<(String, String, String)>,
    /// (label, role, resource, action) switched off in that label.
    restricted: HashSet<(String, String, String, String)>,
    /// Labels with any restriction: only their checks take the slower path.
    restricted_labels: HashSet<String>,
    /// subject → (domain, role), kept only while some label narrows a role.
    roles: HashMap<String, Vec<(String, String)>>,
}

impl Loaded {
    /// With restrictions in `domain`, a permission counts only through a role that has it and
    /// is not restricted there (platform roles are never narrowed).
    fn passes_narrowing(&self, subject: &str, domain: &str, resource: &str, action: &str) -> bool {
        if !self.restricted_labels.contains(domain) {
            return true;
        }
        let has = |role: &str| {
            self.rules
                .contains(&(role.to_string(), resource.to_string(), action.to_string()))
        };
        let restricted = |role: &str| {
            self.restricted.contains(&(
                domain.to_string(),
                role.to_string(),
                resource.to_string(),
                action.to_string(),
            ))
        };
        if subject == ANONYMOUS {
            return has(ANONYMOUS) && !restricted(ANONYMOUS);
        }
        self.roles
            .get(subject)
            .into_iter()
            .flatten()
            .any(|(d, role)| {
                (d == PLATFORM_DOMAIN && has(role))
                    || (d == domain && has(role) && !restricted(role))
            })
    }

    /// What `role` may do in `domain`: its policy less what that label switched off for it.
    fn role_permissions(&self, domain: &str, role: &str) -> BTreeSet<(String, String)> {
        self.rules
            .iter()
            .filter(|(r, _, _)| r == role)
            .filter(|(_, res, act)| {
                !self.restricted.contains(&(
                    domain.to_string(),
                    role.to_string(),
                    res.clone(),
                    act.clone(),
                ))
            })
            .map(|(_, res, act)| (res.clone(), act.clone()))
            .collect()
    }
}

#[derive(Clone)]
pub struct Authz {
    db: DatabaseConnection,
    /// Held only to clone or swap the `Arc`, never across an await or a database round trip.
    loaded: Arc<std::sync::RwLock<Arc<Loaded>>>,
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
        let loaded = Self::read(&db).await?;
        Ok(Authz {
            db,
            loaded: Arc::new(std::sync::RwLock::new(Arc::new(loaded))),
        })
    }

    /// Reads the whole policy from the database, without touching what is in force.
    async fn read(db: &DatabaseConnection) -> CoreResult<Loaded> {
        // Read first: whatever is loaded after it is at least this new.
        let version = versions::current(db, Topic::Authz).await?;
        let enforcer = enforcer_with(DbAdapter::new(db.clone())).await?;
        let rules: HashSet<(String, String, String)> = enforcer
            .get_policy()
            .into_iter()
            .filter_map(|rule| match rule.as_slice() {
                [role, resource, action] => Some((role.clone(), resource.clone(), action.clone())),
                _ => None,
            })
            .collect();
        let mut restricted = HashSet::new();
        let mut restricted_labels = HashSet::new();
        for r in role_restriction::Entity::find().all(db).await? {
            restricted_labels.insert(r.label.clone());
            restricted.insert((r.label, r.role, r.resource, r.action));
        }
        let mut roles: HashMap<String, Vec<(String, String)>> = HashMap::new();
        if !restricted_labels.is_empty() {
            for link in account_role::Entity::find().all(db).await? {
                roles
                    .entry(subject_of(link.account_id))
                    .or_default()
                    .push((link.domain, link.role));
            }
        }
        Ok(Loaded {
            enforcer,
            version,
            rules,
            restricted,
            restricted_labels,
            roles,
        })
    }

    /// The policy in force now; cheap, and holds no lock once it returns.
    fn current(&self) -> Arc<Loaded> {
        match self.loaded.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Swaps in `next` unless what is in force was read from a newer version (two reloads
    /// racing must not put the older one back).
    fn swap(&self, next: Loaded) {
        let mut guard = match self.loaded.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if next.version >= guard.version {
            *guard = Arc::new(next);
        }
    }

    /// May `subject` (`account:N` or `anonymous`) do `action` on `resource` in `domain`?
    pub async fn check(
        &self,
        subject: &str,
        domain: &str,
        resource: &str,
        action: &str,
    ) -> CoreResult<bool> {
        let loaded = self.current();
        let allowed = loaded
            .enforcer
            .enforce((subject, domain, resource, action))
            .map_err(casbin_err)?;
        Ok(allowed && loaded.passes_narrowing(subject, domain, resource, action))
    }

    /// A [`Checked`] capability when `subject` may do `action` on `resource` in `domain`: the
    /// only way to make one, so whatever takes it was reached through this check.
    pub async fn checked(
        &self,
        subject: &str,
        domain: &str,
        resource: &str,
        action: &str,
    ) -> CoreResult<Option<Checked>> {
        Ok(self
            .check(subject, domain, resource, action)
            .await?
            .then(|| Checked::new(subject, domain, resource, action)))
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

    /// Re-reads the policy and swaps it in (with an empty decision cache). The database is read
    /// before the lock is taken, so checks keep running on the old policy meanwhile.
    pub async fn reload(&self) -> CoreResult<()> {
        let next = Self::read(&self.db).await?;
        self.swap(next);
        Ok(())
    }

    /// Reloads only if a role, policy or narrowing changed since the policy in force was read
    /// (one small query otherwise). Returns whether it reloaded.
    pub async fn reload_if_changed(&self) -> CoreResult<bool> {
        let version = versions::current(&self.db, Topic::Authz).await?;
        if version == self.current().version {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    /// The (resource, action) pairs `account_id` holds in `domain`, through its roles there
    /// (less what the label switched off) and its platform-wide roles.
    pub async fn effective_permissions(
        &self,
        account_id: i64,
        domain: &str,
    ) -> CoreResult<Vec<(String, String)>> {
        let roles = self.roles_of(account_id).await?;
        let loaded = self.current();
        let mut out: BTreeSet<(String, String)> = BTreeSet::new();
        for g in roles {
            if g.domain == PLATFORM_DOMAIN {
                out.extend(loaded.role_permissions(PLATFORM_DOMAIN, &g.role));
            } else if g.domain == domain {
                out.extend(loaded.role_permissions(domain, &g.role));
            }
        }
        Ok(out.into_iter().collect())
    }

    /// What `role` may do in `domain`: the platform policy less that label's narrowing.
    pub async fn role_permissions_in(&self, domain: &str, role: Role) -> Vec<(String, String)> {
        self.current()
            .role_permissions(domain, role.as_str())
            .into_iter()
            .collect()
    }

    /// The `p` rules in force.
    pub async fn rules(&self) -> Vec<Vec<String>> {
        self.current().enforcer.get_policy()
    }

    /// Every role link in the scope's label (every link, for a platform-wide viewer).
    pub async fn grants_in(&self, scope: &PeopleScope) -> CoreResult<Vec<RoleGrant>> {
        let mut query = account_role::Entity::find().order_by_asc(account_role::Column::AccountId);
        if !scope.everyone() {
            query = query.filter(account_role::Column::Domain.eq(scope.label()));
        }
        Ok(query
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_grant)
            .collect())
    }

    /// The role links of the accounts in `account_ids`, within the scope's label (all of
    /// their links, for a platform-wide viewer).
    pub async fn grants_of(
        &self,
        scope: &PeopleScope,
        account_ids: &[i64],
    ) -> CoreResult<Vec<RoleGrant>> {
        let mut query = account_role::Entity::find()
            .filter(account_role::Column::AccountId.is_in(account_ids.iter().copied()))
            .order_by_asc(account_role::Column::AccountId);
        if !scope.everyone() {
            query = query.filter(account_role::Column::Domain.eq(scope.label()));
        }
        Ok(query
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_grant)
            .collect())
    }

    /// One account's role links, everywhere.
    pub async fn roles_of(&self, account_id: i64) -> CoreResult<Vec<RoleGrant>> {
        Ok(account_role::Entity::find()
            .filter(account_role::Column::AccountId.eq(account_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_grant)
            .collect())
    }

    /// Whether `account_id` holds platform-admin (which holds every permission everywhere).
    async fn is_platform_admin(&self, account_id: i64) -> CoreResult<bool> {
        Ok(self
            .roles_of(account_id)
            .await?
            .iter()
            .any(|g| g.domain == PLATFORM_DOMAIN && g.role == Role::PlatformAdmin.as_str())
            && self
                .check(&subject_of(account_id), PLATFORM_DOMAIN, "roles", "grant")
                .await?)
    }

    /// Refuses what `actor` may not grant or revoke. Platform roles: platform admins only.
    /// In a label: `actor` needs `roles/grant` there, and every permission `role` carries in
    /// that label (its policy less the label's narrowing) must be one `actor` holds there
    /// too, so nobody hands out more than they have. Platform admins hold everything.
    pub async fn may_assign(&self, actor: i64, domain: &str, role: Role) -> CoreResult<()> {
        let admin = self.is_platform_admin(actor).await?;
        if domain == PLATFORM_DOMAIN || role == Role::PlatformAdmin {
            if !admin || domain != PLATFORM_DOMAIN || role != Role::PlatformAdmin {
                return Err(if admin {
                    CoreError::invalid("role", "platform-admin is held in the platform domain only")
                } else {
                    CoreError::Forbidden
                });
            }
            return Ok(());
        }
        if !self
            .check(&subject_of(actor), domain, "roles", "grant")
            .await?
        {
            return Err(CoreError::Forbidden);
        }
        if admin {
            return Ok(());
        }
        let own: BTreeSet<(String, String)> = self
            .effective_permissions(actor, domain)
            .await?
            .into_iter()
            .collect();
        let carried = self.current().role_permissions(domain, role.as_str());
        if carried.is_subset(&own) {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
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
        let txn = crate::store::begin_write(&self.db).await?;
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
        let txn = crate::store::begin_write(&self.db).await?;
        versions::bump(&txn, Topic::Authz).await?;
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
    versions::bump(conn, Topic::Authz).await?;
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
        if !self.is_platform_admin(actor).await? {
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
        // The promises hold whatever the policy says: a policy that would break one is refused.
        let mut proposed: Vec<(String, String, String)> = self
            .rules()
            .await
            .into_iter()
            .filter_map(|rule| match rule.as_slice() {
                [r, res, act] if r != role.as_str() => Some((r.clone(), res.clone(), act.clone())),
                _ => None,
            })
            .collect();
        proposed.extend(
            permissions
                .iter()
                .map(|(res, act)| (role.as_str().to_string(), res.clone(), act.clone())),
        );
        if let Some(broken) = invariants::violations(&proposed).into_iter().next() {
            return Err(CoreError::invalid("permissions", broken.to_string()));
        }
        let txn = crate::store::begin_write(&self.db).await?;
        versions::bump(&txn, Topic::Authz).await?;
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
    /// the platform policy (a label can only narrow, never widen), by what `actor` may hand out
    /// ([`Authz::may_assign`]: the role as it stands there) and by what they hold: the role
    /// keeps nothing they do not hold there, and nobody narrows a role they hold there, as
    /// nobody changes their own roles. Audited.
    pub async fn set_label_role_policy(
        &self,
        actor: i64,
        label: &str,
        role: Role,
        keep: &[(String, String)],
        request_id: Option<String>,
    ) -> CoreResult<()> {
        if label == PLATFORM_DOMAIN || role == Role::PlatformAdmin {
            return Err(CoreError::Forbidden);
        }
        self.may_assign(actor, label, role).await?;
        if self
            .roles_of(actor)
            .await?
            .iter()
            .any(|g| g.domain == label && g.role == role.as_str())
        {
            return Err(CoreError::Forbidden);
        }
        // Nor does anyone switch on, for others, a permission they do not hold themselves
        // (one a platform admin switched off in this label, say).
        if !self.is_platform_admin(actor).await? {
            let own = self.effective_permissions(actor, label).await?;
            if keep.iter().any(|p| !own.contains(p)) {
                return Err(CoreError::Forbidden);
            }
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
        let txn = crate::store::begin_write(&self.db).await?;
        versions::bump(&txn, Topic::Authz).await?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::test_support::{TestDb, account_with};

    #[tokio::test]
    async fn a_server_reloads_only_when_another_changed_something() {
        let t = TestDb::new().await;
        let admin = account_with(&t, "a@example.org", &[(PLATFORM_DOMAIN, "platform-admin")]).await;
        let coach = account_with(&t, "c@example.org", &[]).await;
        // Two servers on one database.
        let here = t.authz().await;
        let there = t.authz().await;
        assert!(!there.reload_if_changed().await.unwrap(), "nothing changed");

        here.grant(admin, coach, "werkweb", Role::Coach, None)
            .await
            .unwrap();
        assert!(
            here.check(&subject_of(coach), "werkweb", "showcase", "write")
                .await
                .unwrap(),
            "the server that made the change applies it at once"
        );
        assert!(
            !there
                .check(&subject_of(coach), "werkweb", "showcase", "write")
                .await
                .unwrap()
        );
        assert!(
            there.reload_if_changed().await.unwrap(),
            "the version moved"
        );
        assert!(
            there
                .check(&subject_of(coach), "werkweb", "showcase", "write")
                .await
                .unwrap()
        );
        assert!(!there.reload_if_changed().await.unwrap(), "and only once");
    }

    #[tokio::test]
    async fn roles_of_reads_one_accounts_links() {
        let t = TestDb::new().await;
        let one = account_with(&t, "one@example.org", &[("werkweb", "coach")]).await;
        account_with(&t, "two@example.org", &[("werkweb", "recruiter")]).await;
        let authz = t.authz().await;
        assert_eq!(
            authz.roles_of(one).await.unwrap(),
            [RoleGrant {
                account_id: one,
                domain: "werkweb".into(),
                role: "coach".into(),
            }]
        );
    }
}
