//! Every table that holds personal data belongs to a declared data group, and every other table
//! says why it holds none. Erasure, export and the forensic erasure test are driven from this
//! list; a test fails when the schema has a table that is in neither (so a new table joins a
//! group in the change that adds it).

/// What erasing a candidate does to a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnErasure {
    /// The candidate's rows are deleted.
    Deleted,
    /// Kept as a record the law asks for, with the person's name, contact and free text cleared
    /// and the link to them cut.
    Scrubbed,
    /// Kept as a record of what happened, holding ids only (no names, addresses or text); the
    /// ids point at nothing once the candidate is gone.
    KeptIdsOnly,
}

#[derive(Clone, Copy, Debug)]
pub struct DataGroup {
    pub name: &'static str,
    pub what: &'static str,
    pub tables: &'static [&'static str],
    pub on_erasure: OnErasure,
    /// Whether the candidate's export carries this group.
    pub exported: bool,
}

pub const GROUPS: &[DataGroup] = &[
    DataGroup {
        name: "candidate-profile",
        what: "the profile, the labels the candidate came through, and each label's notes",
        tables: &["candidates", "candidate_labels", "candidate_notes"],
        on_erasure: OnErasure::Deleted,
        exported: true,
    },
    DataGroup {
        name: "documents",
        what: "CVs and photos: kind, format and size; file names, extracted CV text and the files sealed with the candidate's data key",
        tables: &["documents", "candidate_keys"],
        on_erasure: OnErasure::Deleted,
        exported: true,
    },
    DataGroup {
        name: "consent",
        what: "the consent ledger: statements accepted, purposes given and withdrawn",
        tables: &["consent_events"],
        on_erasure: OnErasure::Deleted,
        exported: true,
    },
    DataGroup {
        name: "account",
        what: "the login: address, name, password hash, roles, sessions (with the browser's user agent), and the hashes of reset, unlock, verification and login-code links, the sealed TOTP secret and hashed recovery codes",
        tables: &[
            "accounts",
            "account_roles",
            "sessions",
            "password_resets",
            "login_unlocks",
            "email_verifications",
            "login_codes",
            "account_totp",
            "recovery_codes",
            "pending_logins",
        ],
        on_erasure: OnErasure::Deleted,
        exported: true,
    },
    DataGroup {
        name: "access-log",
        what: "failed login attempts by address and client, kept 15 minutes for throttling",
        tables: &["login_attempts"],
        on_erasure: OnErasure::Deleted,
        exported: false,
    },
    DataGroup {
        name: "queued-mail",
        what: "job payloads: mails and requests not yet sent (cleared when done)",
        tables: &["jobs"],
        on_erasure: OnErasure::Deleted,
        exported: false,
    },
    DataGroup {
        name: "privacy-requests",
        what: "data-subject requests: kind, dates and status, and the requester's name, contact and free text",
        tables: &["privacy_requests"],
        on_erasure: OnErasure::Scrubbed,
        exported: true,
    },
    DataGroup {
        name: "audit",
        what: "who did what to which record, by id",
        tables: &["audit_events"],
        on_erasure: OnErasure::KeptIdsOnly,
        exported: true,
    },
    DataGroup {
        name: "disclosures",
        what: "every hand-over to a plugin or processor, by id",
        tables: &["disclosures"],
        on_erasure: OnErasure::KeptIdsOnly,
        exported: true,
    },
];

/// Tables without personal data, and why.
pub const WITHOUT_PERSONAL_DATA: &[(&str, &str)] = &[
    ("labels", "label configuration"),
    ("statement_versions", "the labels' privacy statements"),
    ("casbin_rules", "the role policy"),
    ("role_restrictions", "the operators' narrowings of roles"),
    ("plugins", "plugin artefacts"),
    (
        "label_plugins",
        "plugin settings per label (secrets sealed)",
    ),
    ("processors", "the processors register"),
    ("server_keys", "the server's own keys"),
    (
        "setup_tokens",
        "the hash of the first-admin setup link, before any account exists",
    ),
    (
        "erasure_receipts",
        "a random id, a time and group names: proof of an erasure that leads back to nobody",
    ),
    ("seaql_migrations", "the schema version"),
    (
        "change_versions",
        "counters that tell other servers to reload roles and label settings",
    ),
];

/// The group a table belongs to.
pub fn group_of(table: &str) -> Option<&'static DataGroup> {
    GROUPS.iter().find(|g| g.tables.contains(&table))
}

/// The names of the groups an erasure deletes or clears the person from.
pub fn erased_groups() -> Vec<&'static str> {
    GROUPS
        .iter()
        .filter(|g| g.on_erasure != OnErasure::KeptIdsOnly)
        .map(|g| g.name)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::test_support::TestDb;

    #[tokio::test]
    async fn can_3_every_table_is_in_a_data_group_or_says_why_it_holds_no_personal_data() {
        let t = TestDb::new().await;
        let rows =
            t.db.query_all_raw(Statement::from_string(
                t.db.get_database_backend(),
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            ))
            .await
            .unwrap();
        let mut missing = Vec::new();
        for row in rows {
            let table: String = row.try_get("", "name").unwrap();
            let declared = group_of(&table).is_some()
                || WITHOUT_PERSONAL_DATA.iter().any(|(t, _)| *t == table);
            if !declared {
                missing.push(table);
            }
        }
        assert!(
            missing.is_empty(),
            "tables in no data group (add them to core/src/privacy/groups.rs): {missing:?}"
        );
    }

    #[test]
    fn can_3_no_table_is_declared_twice() {
        let mut seen = std::collections::BTreeSet::new();
        for table in GROUPS
            .iter()
            .flat_map(|g| g.tables.iter().copied())
            .chain(WITHOUT_PERSONAL_DATA.iter().map(|(t, _)| *t))
        {
            assert!(seen.insert(table), "{table} is declared twice");
        }
    }
}
