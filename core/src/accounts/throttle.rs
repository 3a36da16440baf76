//! Login throttling per account and per client address, kept in the database so that it holds
//! across restarts and across several server processes.
use std::net::IpAddr;
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::store::entities::login_attempt;
use crate::{CoreError, CoreResult, time};

const SCOPE_ACCOUNT: &str = "account";
const SCOPE_IP: &str = "ip";

/// The address a request came from, as far as the server can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    fn key(&self) -> Option<String> {
        self.0.map(|ip| match ip {
            // An IPv6 client usually controls a whole /64; throttle the prefix, not the address.
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            IpAddr::V4(v4) => v4.to_string(),
        })
    }
}

/// An attempt that passed the throttle; its records stay as failures unless the password was
/// right.
#[derive(Debug)]
#[must_use = "a successful login withdraws its attempt"]
pub struct Admitted {
    ids: Vec<i64>,
}

impl Admitted {
    /// Takes the attempt's records back (refused before checking, or the password was right).
    pub async fn withdraw(self, conn: &impl ConnectionTrait) -> CoreResult<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Id.is_in(self.ids))
            .exec(conn)
            .await?;
        Ok(())
    }
}

/// At most `per_account` failed logins for one address and `per_ip` from one client within
/// `window`; past that, logins are refused until the oldest failure leaves the window.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    pub per_account: u64,
    pub per_ip: u64,
    pub window: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            per_account: 5,
            per_ip: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl LoginThrottle {
    fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// Lets one login attempt through to the password check, or refuses it.
    ///
    /// The attempt is recorded first and counted after: each request sees at least every
    /// attempt recorded before its own, so however many guesses arrive at once, at most the
    /// limit of them get past this point within the window. A refused attempt takes its record
    /// back (it checked no password). With `owner_unlocked` (the owner followed an unlock link
    /// mailed to the address) the per-address limit is skipped; the per-client one never is.
    pub async fn admit(
        &self,
        conn: &impl ConnectionTrait,
        email_key: &str,
        client: &ClientAddr,
        owner_unlocked: bool,
    ) -> CoreResult<Admitted> {
        let mut scopes = Vec::new();
        if !owner_unlocked {
            scopes.push((SCOPE_ACCOUNT, email_key.to_string(), self.per_account));
        }
        if let Some(ip) = client.key() {
            scopes.push((SCOPE_IP, ip, self.per_ip));
        }
        let now = time::now_ms();
        let mut admitted = Admitted { ids: Vec::new() };
        for (scope, key, _) in &scopes {
            let row = login_attempt::ActiveModel {
                scope: Set(scope.to_string()),
                key: Set(key.clone()),
                at_ms: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            admitted.ids.push(row.id);
        }
        for (scope, key, limit) in &scopes {
            if let Err(refused) = self.check_scope(conn, scope, key, *limit).await {
                admitted.withdraw(conn).await?;
                return Err(refused);
            }
        }
        Ok(admitted)
    }

    /// Counts the attempts in the window, the caller's own included.
    async fn check_scope(
        &self,
        conn: &impl ConnectionTrait,
        scope: &str,
        key: &str,
        limit: u64,
    ) -> CoreResult<()> {
        let now = time::now_ms();
        let since = now - self.window_ms();
        let recent = login_attempt::Entity::find()
            .filter(login_attempt::Column::Scope.eq(scope))
            .filter(login_attempt::Column::Key.eq(key))
            .filter(login_attempt::Column::AtMs.gt(since));
        let count = recent.clone().count(conn).await?;
        if count <= limit {
            return Ok(());
        }
        // Free again when enough of the others' attempts have aged out of the window for this
        // one (the newest) to be within the limit: the (count - limit)-th oldest.
        let excess = count - limit - 1;
        let oldest_blocking = recent
            .order_by_asc(login_attempt::Column::AtMs)
            .offset(excess)
            .one(conn)
            .await?
            .map(|a| a.at_ms)
            .unwrap_or(now);
        let retry_ms = (oldest_blocking + self.window_ms() - now).max(1_000);
        Err(CoreError::Throttled {
            retry_after_secs: u64::try_from(retry_ms / 1_000).unwrap_or(1).max(1),
        })
    }

    /// True when the address has used up its attempts in the window.
    pub async fn account_locked(
        &self,
        conn: &impl ConnectionTrait,
        email_key: &str,
    ) -> CoreResult<bool> {
        let since = time::now_ms() - self.window_ms();
        let count = login_attempt::Entity::find()
            .filter(login_attempt::Column::Scope.eq(SCOPE_ACCOUNT))
            .filter(login_attempt::Column::Key.eq(email_key))
            .filter(login_attempt::Column::AtMs.gt(since))
            .count(conn)
            .await?;
        Ok(count >= self.per_account)
    }

    /// Attempts older than the window say nothing any more (the daily purge).
    pub async fn purge_expired(&self, conn: &impl ConnectionTrait) -> CoreResult<u64> {
        let result = login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::AtMs.lt(time::now_ms() - self.window_ms()))
            .exec(conn)
            .await?;
        Ok(result.rows_affected)
    }

    /// A successful login forgives the account's failures (not the client's).
    pub async fn clear_account(
        &self,
        conn: &impl ConnectionTrait,
        email_key: &str,
    ) -> CoreResult<()> {
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Scope.eq(SCOPE_ACCOUNT))
            .filter(login_attempt::Column::Key.eq(email_key))
            .exec(conn)
            .await?;
        Ok(())
    }
}
