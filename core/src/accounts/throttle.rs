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

    pub async fn check(
        &self,
        conn: &impl ConnectionTrait,
        email_key: &str,
        client: &ClientAddr,
    ) -> CoreResult<()> {
        self.check_scope(conn, SCOPE_ACCOUNT, email_key, self.per_account)
            .await?;
        if let Some(ip) = client.key() {
            self.check_scope(conn, SCOPE_IP, &ip, self.per_ip).await?;
        }
        Ok(())
    }

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
        if count < limit {
            return Ok(());
        }
        // Free again when enough of the failures have aged out of the window.
        let excess = count - limit;
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

    pub async fn record_failure(
        &self,
        conn: &impl ConnectionTrait,
        email_key: &str,
        client: &ClientAddr,
    ) -> CoreResult<()> {
        let now = time::now_ms();
        let mut keys = vec![(SCOPE_ACCOUNT, email_key.to_string())];
        if let Some(ip) = client.key() {
            keys.push((SCOPE_IP, ip));
        }
        for (scope, key) in keys {
            login_attempt::ActiveModel {
                scope: Set(scope.to_string()),
                key: Set(key),
                at_ms: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
        // Old attempts say nothing any more; dropping them keeps the table small.
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::AtMs.lt(now - self.window_ms()))
            .exec(conn)
            .await?;
        Ok(())
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
