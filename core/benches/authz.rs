//! Enforcement speed at platform scale: 100 labels, 10,000 users, 6 roles.
//!
//! `cargo bench -p etalage-core --bench authz` prints the table in docs/benchmarks.md. Under
//! `cargo test` (no `--bench` argument) it runs a small instance as a smoke test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use casbin::{CachedApi, CoreApi, MemoryAdapter, MgmtApi};
use etalage_core::authz::{Role, default_rules, enforcer_with};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "| {name:<44} | {:>9.2} | {:>9.2} | {:>8} |",
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.len()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (labels, users) = if full { (100, 10_000) } else { (5, 200) };

    let mut enforcer = enforcer_with(MemoryAdapter::default()).await.unwrap();
    let p: Vec<Vec<String>> = default_rules()
        .into_iter()
        .map(|(r, o, a)| vec![r, o, a])
        .collect();
    let rules = p.len();
    enforcer.add_policies(p).await.unwrap();
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::PlatformAdmin)
        .collect();
    let mut g = Vec::with_capacity(users);
    for user in 0..users {
        let role = roles[user % roles.len()];
        g.push(vec![
            format!("account:{user}"),
            role.as_str().to_string(),
            format!("label-{}", user % labels),
        ]);
    }
    // A handful of platform admins, as in production.
    for admin in 0..5 {
        g.push(vec![
            format!("account:admin{admin}"),
            "platform-admin".into(),
            "platform".into(),
        ]);
    }
    enforcer.add_grouping_policies(g).await.unwrap();

    let request = |user: usize| {
        (
            format!("account:{user}"),
            format!("label-{}", user % labels),
            "candidate".to_string(),
            "read".to_string(),
        )
    };

    // Sanity: the model answers as the policy says.
    let recruiter = (0..users)
        .find(|u| roles[u % roles.len()] == Role::Recruiter)
        .unwrap();
    assert!(enforcer.enforce(request(recruiter)).unwrap());
    let (s, _, o, a) = request(recruiter);
    assert!(
        !enforcer
            .enforce((s, format!("label-{}", (recruiter + 1) % labels), o, a))
            .unwrap()
    );

    println!(
        "{labels} labels, {users} users, {} roles, {rules} p rules, {} g rules",
        Role::ALL.len(),
        users + 5
    );
    println!("| check                                        | median µs |    p99 µs | samples |");
    println!("|----------------------------------------------|-----------|-----------|---------|");

    // First check of each subject: a cache miss, the matcher evaluated over the rules.
    enforcer.get_mut_cache().clear();
    let first: Vec<Duration> = (0..users.min(2_000))
        .map(|u| {
            let r = request(u);
            let t = Instant::now();
            let _ = enforcer.enforce(r).unwrap();
            t.elapsed()
        })
        .collect();
    row("first (uncached) check of a subject", first);

    // The same working set again: answered from the decision cache.
    let rounds = if full { 50 } else { 2 };
    let mut cached = Vec::new();
    for _ in 0..rounds {
        for u in 0..users.min(2_000) {
            let r = request(u);
            let t = Instant::now();
            let _ = enforcer.enforce(r).unwrap();
            cached.push(t.elapsed());
        }
    }
    row("repeated check (decision cache hit)", cached);

    // A platform admin in any label: the platform-domain role path of the matcher.
    enforcer.get_mut_cache().clear();
    let admin: Vec<Duration> = (0..labels.min(100))
        .map(|l| {
            let t = Instant::now();
            let _ = enforcer
                .enforce((
                    "account:admin0",
                    format!("label-{l}").as_str(),
                    "label.settings",
                    "update",
                ))
                .unwrap();
            t.elapsed()
        })
        .collect();
    row("first check of a platform admin per label", admin);
}
