//! The register of processors (PRV-2): who processes personal data for us, for what purpose,
//! which data categories, under which agreement. Data leaves the platform only through a
//! processor in this register.
//!
//! The entry also owns where the processor may be reached: its `endpoints`, base URLs a
//! platform admin registers (https only, unless the platform configuration names the host as a
//! test host). A plugin acting for the entry reaches those origins (scheme, host and port) and
//! nothing else; label operators choose an entry, they never type an address.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, AuditEntry};
use crate::store::entities::processor;
use crate::{CoreError, CoreResult, time};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProcessorInput {
    pub name: String,
    pub purpose: String,
    pub data_categories: Vec<String>,
    pub agreement_reference: String,
    /// Base URLs the processor's plugin may call, e.g. `https://api.payroll.example/v1`.
    #[serde(default)]
    pub endpoints: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ProcessorEntry {
    pub id: i64,
    pub name: String,
    pub purpose: String,
    pub data_categories: Vec<String>,
    pub agreement_reference: String,
    pub endpoints: Vec<String>,
}

fn entry(row: processor::Model) -> ProcessorEntry {
    ProcessorEntry {
        id: row.id,
        name: row.name,
        purpose: row.purpose,
        data_categories: row
            .data_categories
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        agreement_reference: row.agreement_reference,
        endpoints: serde_json::from_str(&row.endpoints).unwrap_or_default(),
    }
}

/// Which hosts the platform lets processors reach without https and on non-public addresses:
/// the `plugins.test_hosts` of the platform configuration, for tests and local development.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointPolicy {
    pub test_hosts: Vec<String>,
}

impl EndpointPolicy {
    pub fn is_test_host(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.test_hosts.iter().any(|t| {
            t.trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(host)
        })
    }

    /// A registered endpoint in its normal form (`scheme://host:port/path`, no trailing
    /// slash), or why it is refused: not https, credentials, a query or fragment, or a host
    /// that is not a public name or address — unless it is a test host.
    pub fn endpoint(&self, raw: &str) -> CoreResult<String> {
        let bad = |why: &str| CoreError::invalid("endpoints", format!("{raw:?}: {why}"));
        let url = url::Url::parse(raw.trim()).map_err(|_| bad("is not a URL"))?;
        let host = url.host_str().ok_or_else(|| bad("has no host"))?;
        let test = self.is_test_host(host);
        match url.scheme() {
            "https" => {}
            "http" if test => {}
            _ => return Err(bad("use https")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "credentials belong in the plugin's secrets, not the address",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("give a base address without query or fragment"));
        }
        if !test {
            match url.host() {
                Some(url::Host::Ipv4(ip)) if !is_global(IpAddr::V4(ip)) => {
                    return Err(bad("not a public address"));
                }
                Some(url::Host::Ipv6(ip)) if !is_global(IpAddr::V6(ip)) => {
                    return Err(bad("not a public address"));
                }
                Some(url::Host::Domain(name)) if is_local_name(name) => {
                    return Err(bad("not a public name"));
                }
                _ => {}
            }
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| bad("has no port"))?;
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
            _ => host.to_ascii_lowercase(),
        };
        Ok(format!(
            "{}://{host}:{port}{}",
            url.scheme(),
            url.path().trim_end_matches('/')
        ))
    }
}

/// Names that never lead to a public host.
pub fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || name.ends_with(".internal")
        || !name.contains('.')
}

/// Whether `ip` is a public unicast address: not private, loopback, link-local (the cloud
/// metadata service at 169.254.169.254), shared, multicast, broadcast, unspecified,
/// documentation, benchmarking or reserved — in IPv4 or IPv6, including IPv4 addresses
/// wrapped in IPv6 (mapped, compatible, NAT64, 6to4).
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => is_global_v6(v6),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 0 && c == 2)
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // IPv4 inside IPv6: judged by the IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_global_v4(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        // `::`, `::1` and the deprecated IPv4-compatible form.
        return !ip.is_unspecified() && !ip.is_loopback() && is_global_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        return is_global_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_global_v4(embedded_v4(s[1], s[2]));
    }
    // Global unicast is 2000::/3, minus Teredo (2001::/32), benchmarking (2001:2::/48),
    // ORCHID (2001:10::/28, 2001:20::/28) and documentation (2001:db8::/32, 3fff::/20).
    (s[0] & 0xe000) == 0x2000
        && !(s[0] == 0x2001 && s[1] == 0)
        && !(s[0] == 0x2001 && s[1] == 2 && s[2] == 0)
        && !(s[0] == 0x2001 && (0x10..0x30).contains(&s[1]))
        && !(s[0] == 0x2001 && s[1] == 0xdb8)
        && !(s[0] == 0x3fff && s[1] < 0x1000)
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

impl ProcessorInput {
    fn validate(mut self, policy: &EndpointPolicy) -> CoreResult<Self> {
        self.endpoints = self
            .endpoints
            .iter()
            .filter(|e| !e.trim().is_empty())
            .map(|e| policy.endpoint(e))
            .collect::<CoreResult<_>>()?;
        if self.endpoints.len() > 10 {
            return Err(CoreError::invalid(
                "endpoints",
                "register at most 10 endpoints",
            ));
        }
        self.name = self.name.trim().to_string();
        self.purpose = self.purpose.trim().to_string();
        self.agreement_reference = self.agreement_reference.trim().to_string();
        self.data_categories = self
            .data_categories
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        for (field, value, max) in [
            ("name", &self.name, 120),
            ("purpose", &self.purpose, 2_000),
            ("agreement_reference", &self.agreement_reference, 200),
        ] {
            if value.is_empty() {
                return Err(CoreError::invalid(field, "is required"));
            }
            if value.chars().count() > max {
                return Err(CoreError::invalid(
                    field,
                    format!("must be at most {max} characters"),
                ));
            }
        }
        if self.data_categories.is_empty() {
            return Err(CoreError::invalid(
                "data_categories",
                "name at least one data category",
            ));
        }
        if self.data_categories.iter().any(|c| c.contains(',')) {
            return Err(CoreError::invalid(
                "data_categories",
                "a category cannot contain a comma",
            ));
        }
        Ok(self)
    }
}

pub async fn list(db: &DatabaseConnection) -> CoreResult<Vec<ProcessorEntry>> {
    Ok(processor::Entity::find()
        .order_by_asc(processor::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(entry)
        .collect())
}

pub async fn get(db: &DatabaseConnection, id: i64) -> CoreResult<ProcessorEntry> {
    processor::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(entry)
        .ok_or(CoreError::NotFound("processor"))
}

/// Adds (`id: None`) or changes a register entry, audited.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i64>,
    input: ProcessorInput,
    policy: &EndpointPolicy,
    actor: Actor,
) -> CoreResult<ProcessorEntry> {
    let input = input.validate(policy)?;
    let endpoints =
        serde_json::to_string(&input.endpoints).map_err(|e| CoreError::Internal(e.to_string()))?;
    let txn = crate::store::begin_write(db).await?;
    let now = time::now();
    let categories = input.data_categories.join(", ");
    let row = match id {
        None => {
            processor::ActiveModel {
                name: Set(input.name.clone()),
                purpose: Set(input.purpose.clone()),
                data_categories: Set(categories),
                agreement_reference: Set(input.agreement_reference.clone()),
                endpoints: Set(endpoints),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
        }
        Some(id) => {
            let existing = processor::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(CoreError::NotFound("processor"))?;
            let mut active: processor::ActiveModel = existing.into();
            active.name = Set(input.name.clone());
            active.purpose = Set(input.purpose.clone());
            active.data_categories = Set(categories);
            active.agreement_reference = Set(input.agreement_reference.clone());
            active.endpoints = Set(endpoints);
            active.updated_at = Set(now);
            active.update(&txn).await
        }
    }
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            CoreError::Conflict(format!(
                "a processor named {} is registered already",
                input.name
            ))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        AuditEntry::new(
            actor,
            if id.is_some() {
                "processor.update"
            } else {
                "processor.register"
            },
            format!("processor:{}", row.id),
        )
        .details(serde_json::to_value(&input).unwrap_or_default()),
    )
    .await?;
    txn.commit().await?;
    Ok(entry(row))
}

/// Looks a processor up by name (for seeding the demo register).
pub async fn find_by_name(
    db: &DatabaseConnection,
    name: &str,
) -> CoreResult<Option<ProcessorEntry>> {
    Ok(processor::Entity::find()
        .filter(processor::Column::Name.eq(name))
        .one(db)
        .await?
        .map(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_non_public_addresses_are_recognised_in_v4_and_v6() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
            "2001::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_global(ip), "{ip} is not public");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_global(ip), "{ip} is public");
        }
    }

    #[test]
    fn sec_register_endpoints_are_https_public_origins_unless_a_named_test_host() {
        let policy = EndpointPolicy::default();
        assert_eq!(
            policy.endpoint("https://API.payroll.example/v1/").unwrap(),
            "https://api.payroll.example:443/v1"
        );
        assert_eq!(
            policy.endpoint("https://api.payroll.example:8443").unwrap(),
            "https://api.payroll.example:8443"
        );
        for bad in [
            "http://api.payroll.example/v1",
            "https://127.0.0.1/",
            "https://169.254.169.254/latest",
            "https://[::1]:8443/",
            "https://10.0.0.7/",
            "https://localhost/",
            "https://payroll.localhost/",
            "https://intranet/",
            "https://user:pw@api.payroll.example/",
            "https://api.payroll.example/?key=1",
            "ftp://api.payroll.example/",
            "api.payroll.example",
        ] {
            assert!(policy.endpoint(bad).is_err(), "{bad}");
        }
        let tests = EndpointPolicy {
            test_hosts: vec!["127.0.0.1".into()],
        };
        assert_eq!(
            tests.endpoint("http://127.0.0.1:4000/v1").unwrap(),
            "http://127.0.0.1:4000/v1"
        );
        assert!(tests.endpoint("http://10.0.0.7/").is_err());
    }
}
