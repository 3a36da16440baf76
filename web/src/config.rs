//! One typed configuration: built-in defaults, then `etalage.toml` (or `--config FILE`), then
//! `ETALAGE_*` environment variables (`__` for nesting: `ETALAGE_MAIL__SMTP__HOST`), then the
//! command-line flags. Every field and its default is documented in `docs/configuration.md`.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the SQLite database, the search index and the mail outbox.
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset means SQLite at `<data_dir>/etalage.db`.
    pub database_url: Option<SecretString>,
    /// Folder of label files; unset means `tenants/labels` of this source tree.
    pub labels_dir: Option<PathBuf>,
    /// `pretty` or `json`.
    pub log_format: LogFormat,
    /// Take the client address from `X-Forwarded-For` (only behind proxies that append to it).
    pub trust_forwarded_for: bool,
    /// How many proxies of ours stand in front and each append to `X-Forwarded-For`: the client
    /// is the entry this many places from the right. Anything further left was written by the
    /// client and is ignored.
    pub trusted_proxy_hops: usize,
    /// 32 bytes in base64 that seal secrets at rest; unset means a key file
    /// `<data_dir>/secrets.key`, created on first start. Set it when servers share a database.
    pub secrets_key: Option<SecretString>,
    /// How often changes made by other server processes (roles, enabled plugins) are picked up.
    pub reload_secs: u64,
    pub http: HttpConfig,
    pub session: SessionConfig,
    pub login: LoginConfig,
    pub security: SecurityConfig,
    pub mail: MailConfig,
    pub jobs: JobsConfig,
    pub plugins: PluginsConfig,
    /// Which days off count when the deadline of a data-subject request is counted (PRV-1):
    /// `good_friday` (default true) and `liberation_day` (`always`, `lustrum` (default) or
    /// `never`), as the collective agreement has them.
    pub privacy: etalage_core::privacy::calendar::HolidaySettings,
    pub documents: DocumentsConfig,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// A request that takes longer is answered 503.
    pub request_timeout_secs: u64,
    /// Largest request body accepted (413 above it).
    pub body_limit_bytes: usize,
    /// How long a stopping server waits for requests in flight.
    pub shutdown_grace_secs: u64,
    /// Whether `/l/{slug}/…` reaches a label on any host (one local server shows every
    /// label). Unset: on only when `listen` is a loopback address. Off, `/l/…` is a 404.
    pub path_labels: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// A session ends after this many hours without use.
    pub idle_hours: i64,
    /// A session ends this many hours after login, however much it is used.
    pub absolute_hours: i64,
}

impl SessionConfig {
    pub fn lifetime(&self) -> etalage_core::accounts::sessions::Lifetime {
        etalage_core::accounts::sessions::Lifetime {
            idle: chrono::Duration::hours(self.idle_hours),
            absolute: chrono::Duration::hours(self.absolute_hours),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginConfig {
    pub max_failures_per_account: u64,
    pub max_failures_per_ip: u64,
    pub window_secs: u64,
    /// Password hashes or checks (argon2) running at once; 0 means one per CPU core. Further
    /// logins wait for a free slot off the async workers.
    pub password_workers: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Roles whose holders must turn on two-factor login: until they have, a login reaches
    /// only the enrolment pages and API (and logging out). `[]` requires it of nobody.
    pub require_two_factor: Vec<String>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            require_two_factor: vec!["platform-admin".into(), "label-operator".into()],
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The sender address of every mail; the display name is the label's.
    pub from: String,
    /// Unset: mail is written as `.eml` files to `<data_dir>/outbox`.
    pub smtp: Option<SmtpConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default = "default_smtp_tls")]
    pub tls: etalage_core::mail::SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_smtp_tls() -> etalage_core::mail::SmtpTls {
    etalage_core::mail::SmtpTls::Starttls
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Job workers in this process; 0 runs none (another process does the work).
    pub workers: usize,
    pub poll_interval_ms: u64,
    pub lease_secs: u64,
}

/// Candidate documents: where the sealed files are kept, and the limits of the helper process
/// that reads each upload.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    /// `local` (a folder) or `s3` (S3-compatible object storage, see `documents.s3`).
    pub storage: DocumentStorage,
    /// The folder for `local`; unset means `<data_dir>/documents`.
    pub dir: Option<PathBuf>,
    pub s3: Option<S3Config>,
    /// The `etalage` binary run as the helper (`etalage extract`); unset means the server's
    /// own executable.
    pub extractor: Option<PathBuf>,
    /// Wall-clock seconds the helper may take for one file.
    pub extract_timeout_secs: u64,
    /// Address space of the helper (RLIMIT_AS), in MiB.
    pub extract_memory_mib: u64,
    /// CPU seconds of the helper (RLIMIT_CPU).
    pub extract_cpu_secs: u64,
    /// Helpers running at once; further uploads wait.
    pub max_concurrent_extractions: usize,
    /// Testing only: makes the helper misbehave (`memory`, `loop`).
    pub extractor_fault: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DocumentStorage {
    Local,
    S3,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    pub region: Option<String>,
    /// For S3-compatible services other than AWS.
    pub endpoint: Option<String>,
    /// Unset: taken from the usual `AWS_*` environment variables.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
    #[serde(default)]
    pub allow_http: bool,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        let limits = etalage_core::documents::SandboxLimits::default();
        DocumentsConfig {
            storage: DocumentStorage::Local,
            dir: None,
            s3: None,
            extractor: None,
            extract_timeout_secs: limits.timeout.as_secs(),
            extract_memory_mib: limits.memory_bytes / (1024 * 1024),
            extract_cpu_secs: limits.cpu_secs,
            max_concurrent_extractions: limits.concurrent,
            extractor_fault: None,
        }
    }
}

impl DocumentsConfig {
    pub fn limits(&self) -> etalage_core::documents::SandboxLimits {
        etalage_core::documents::SandboxLimits {
            timeout: std::time::Duration::from_secs(self.extract_timeout_secs),
            memory_bytes: self.extract_memory_mib * 1024 * 1024,
            cpu_secs: self.extract_cpu_secs,
            concurrent: self.max_concurrent_extractions,
            ..etalage_core::documents::SandboxLimits::default()
        }
    }

    pub fn s3_settings(&self) -> Option<etalage_core::documents::S3Settings> {
        self.s3
            .as_ref()
            .map(|s| etalage_core::documents::S3Settings {
                bucket: s.bucket.clone(),
                region: s.region.clone(),
                endpoint: s.endpoint.clone(),
                access_key_id: s.access_key_id.clone(),
                secret_access_key: s
                    .secret_access_key
                    .as_ref()
                    .map(|k| k.expose_secret().to_string()),
                allow_http: s.allow_http,
            })
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginsConfig {
    /// Linear memory one plugin call may use.
    pub memory_mib: usize,
    /// A matcher call is stopped after this long.
    pub matcher_deadline_ms: u64,
    /// A processor call (which waits on the provider's HTTP API) is stopped after this long.
    pub processor_deadline_ms: u64,
    /// Plugin calls running at once in this process, across labels.
    pub max_concurrent_calls: u32,
    /// Of those, at most this many for one label, so one label's slow calls leave room for
    /// the others.
    pub max_concurrent_calls_per_label: u32,
    /// How long a call waits for a free slot at most; with the deadline it must fit in
    /// `http.request_timeout_secs`.
    pub slot_wait_ms: u64,
    /// Hosts processor endpoints may name over plain http and on loopback or private
    /// addresses — for tests and local development only (e.g. `["127.0.0.1"]`).
    pub test_hosts: Vec<String>,
}

impl PluginsConfig {
    /// The plugin host's limits for these settings.
    pub fn limits(&self) -> etalage_plugin_host::Limits {
        etalage_plugin_host::Limits {
            memory_bytes: self.memory_mib << 20,
            matcher_deadline: std::time::Duration::from_millis(self.matcher_deadline_ms),
            processor_deadline: std::time::Duration::from_millis(self.processor_deadline_ms),
            max_concurrent_instances: self.max_concurrent_calls,
            max_concurrent_per_label: self.max_concurrent_calls_per_label,
            max_slot_wait: std::time::Duration::from_millis(self.slot_wait_ms),
            test_hosts: self.test_hosts.clone(),
            ..etalage_plugin_host::Limits::default()
        }
    }

    /// What platform admins may register as processor endpoints.
    pub fn endpoint_policy(&self) -> etalage_core::processors::EndpointPolicy {
        etalage_core::processors::EndpointPolicy {
            test_hosts: self.test_hosts.clone(),
        }
    }
}

impl Default for PluginsConfig {
    fn default() -> Self {
        let limits = etalage_plugin_host::Limits::default();
        PluginsConfig {
            memory_mib: limits.memory_bytes >> 20,
            matcher_deadline_ms: limits.matcher_deadline.as_millis() as u64,
            processor_deadline_ms: limits.processor_deadline.as_millis() as u64,
            max_concurrent_calls: limits.max_concurrent_instances,
            max_concurrent_calls_per_label: limits.max_concurrent_per_label,
            slot_wait_ms: limits.max_slot_wait.as_millis() as u64,
            test_hosts: limits.test_hosts,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            labels_dir: None,
            log_format: LogFormat::Pretty,
            trust_forwarded_for: false,
            trusted_proxy_hops: 1,
            secrets_key: None,
            reload_secs: 10,
            http: HttpConfig::default(),
            session: SessionConfig::default(),
            login: LoginConfig::default(),
            security: SecurityConfig::default(),
            mail: MailConfig::default(),
            jobs: JobsConfig::default(),
            plugins: PluginsConfig::default(),
            privacy: Default::default(),
            documents: DocumentsConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_timeout_secs: 30,
            body_limit_bytes: 2 * 1024 * 1024,
            shutdown_grace_secs: 20,
            path_labels: None,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_hours: 12,
            absolute_hours: 7 * 24,
        }
    }
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            window_secs: 15 * 60,
            password_workers: 0,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "no-reply@winwinwerkt.nl".into(),
            smtp: None,
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            workers: 1,
            poll_interval_ms: 250,
            lease_secs: 300,
        }
    }
}

/// Top-level keys, for telling apart our variables from a typo.
const KNOWN_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "labels_dir",
    "log_format",
    "trust_forwarded_for",
    "trusted_proxy_hops",
    "secrets_key",
    "reload_secs",
    "http",
    "session",
    "login",
    "security",
    "mail",
    "jobs",
    "plugins",
    "documents",
];

/// Variables with our prefix that are read elsewhere (the test harness), not by the server.
const FOREIGN_KEYS: &[&str] = &["test_postgres_url", "test_keep_data"];

/// `http` for `http__request_timeout_secs` or `http.request_timeout_secs`.
fn top_level_key(key: &str) -> &str {
    key.split("__")
        .next()
        .and_then(|k| k.split('.').next())
        .unwrap_or_default()
}

impl Config {
    /// Defaults ← `file` (or `./etalage.toml` when present) ← `ETALAGE_*` variables.
    /// Returns the config and warnings about variables that were ignored.
    pub fn load(file: Option<&Path>) -> Result<(Config, Vec<String>), String> {
        let mut figment = Figment::new();
        match file {
            Some(path) if !path.exists() => {
                return Err(format!("config file {} does not exist", path.display()));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("etalage.toml")),
        }
        let mut warnings = Vec::new();
        for (key, _) in std::env::vars() {
            if let Some(rest) = key.strip_prefix("ETALAGE_") {
                let top = rest.split("__").next().unwrap_or_default().to_lowercase();
                if !KNOWN_KEYS.contains(&top.as_str()) && !FOREIGN_KEYS.contains(&top.as_str()) {
                    warnings.push(format!("ignoring unknown setting {key}"));
                }
            }
        }
        figment = figment.merge(Env::prefixed("ETALAGE_").split("__").filter(|k| {
            // Keys keep the variable's upper case here; compare without it.
            let top = top_level_key(k.as_str());
            KNOWN_KEYS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(top))
        }));
        let config: Config = figment
            .extract()
            .map_err(|e| format!("configuration: {e}"))?;
        config.validate()?;
        Ok((config, warnings))
    }

    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.database_url {
            let url = url.expose_secret();
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                return Err(
                    "database_url must start with postgres://, postgresql:// or sqlite:".into(),
                );
            }
        }
        if self.http.request_timeout_secs == 0 {
            return Err("http.request_timeout_secs must be at least 1".into());
        }
        let p = &self.plugins;
        if !(1..=4096).contains(&p.memory_mib) {
            return Err("plugins.memory_mib must be between 1 and 4096".into());
        }
        if p.matcher_deadline_ms == 0 || p.processor_deadline_ms == 0 {
            return Err(
                "plugins.matcher_deadline_ms and plugins.processor_deadline_ms must be at least 1"
                    .into(),
            );
        }
        if !(1..=10_000).contains(&p.max_concurrent_calls) {
            return Err("plugins.max_concurrent_calls must be between 1 and 10000".into());
        }
        if !(1..=p.max_concurrent_calls).contains(&p.max_concurrent_calls_per_label) {
            return Err(
                "plugins.max_concurrent_calls_per_label must be between 1 and plugins.max_concurrent_calls"
                    .into(),
            );
        }
        let longest = p.limits().longest_call();
        if longest > std::time::Duration::from_secs(self.http.request_timeout_secs) {
            return Err(format!(
                "a plugin call may take {} ms (plugins.slot_wait_ms + the longer deadline + 1 s), \
                 longer than http.request_timeout_secs; lower them or raise the timeout",
                longest.as_millis()
            ));
        }
        let d = &self.documents;
        if d.extract_timeout_secs == 0 || d.extract_timeout_secs >= self.http.request_timeout_secs {
            return Err(
                "documents.extract_timeout_secs must be at least 1 and below http.request_timeout_secs"
                    .into(),
            );
        }
        if d.extract_memory_mib < 64 || d.extract_cpu_secs == 0 || d.max_concurrent_extractions == 0
        {
            return Err("documents.extract_memory_mib must be at least 64, documents.extract_cpu_secs and documents.max_concurrent_extractions at least 1".into());
        }
        if d.storage == DocumentStorage::S3 && d.s3.is_none() {
            return Err(
                "documents.storage = \"s3\" needs a [documents.s3] section with its bucket".into(),
            );
        }
        if self.session.idle_hours <= 0 {
            return Err("session.idle_hours must be at least 1".into());
        }
        if self.session.absolute_hours < self.session.idle_hours {
            return Err("session.absolute_hours must be at least session.idle_hours".into());
        }
        for role in &self.security.require_two_factor {
            if etalage_core::authz::Role::parse(role).is_err() {
                return Err(format!(
                    "security.require_two_factor names {role:?}, which is not a role"
                ));
            }
        }
        if self.trust_forwarded_for && self.trusted_proxy_hops == 0 {
            return Err("trusted_proxy_hops must be at least 1 with trust_forwarded_for".into());
        }
        if self
            .mail
            .from
            .parse::<etalage_core::mail::Address>()
            .is_err()
        {
            return Err(format!(
                "mail.from {:?} is not an e-mail address",
                self.mail.from
            ));
        }
        Ok(())
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_string(),
            None => etalage_core::store::sqlite_url_for(&self.data_dir.join("etalage.db")),
        }
    }

    pub fn labels_dir(&self) -> PathBuf {
        if let Some(dir) = &self.labels_dir {
            return dir.clone();
        }
        let local = PathBuf::from("tenants/labels");
        if local.is_dir() {
            local
        } else {
            etalage_tenants::default_labels_dir()
        }
    }

    /// Whether `/l/{slug}/` selects a label: as configured, else only on a loopback listener,
    /// where the labels' real hostnames do not reach the server.
    pub fn path_labels(&self) -> bool {
        self.http
            .path_labels
            .unwrap_or_else(|| self.listen.ip().is_loopback())
    }

    /// How links in mail are built for a server bound to `port` (the real one, when `listen`
    /// asked for port 0).
    pub fn label_links(&self, port: u16) -> etalage_tenants::LabelLinks {
        if self.listen.ip().is_loopback() {
            etalage_tenants::LabelLinks::loopback(port, self.path_labels())
        } else {
            etalage_tenants::LabelLinks::public()
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    fn listening_on(addr: &str, path_labels: Option<bool>) -> Config {
        let mut config = Config {
            listen: addr.parse().unwrap(),
            ..Config::default()
        };
        config.http.path_labels = path_labels;
        config
    }

    #[test]
    #[allow(
        clippy::result_large_err,
        reason = "figment's `Jail` fixes the closure's error type"
    )]
    fn sec_two_factor_is_required_of_admins_and_operators_unless_configured_off() {
        let config = Config::default();
        assert_eq!(
            config.security.require_two_factor,
            ["platform-admin", "label-operator"]
        );
        figment::Jail::expect_with(|jail| {
            jail.set_env("ETALAGE_SECURITY__REQUIRE_TWO_FACTOR", "[]");
            let (config, _) = Config::load(None).map_err(|e| e.to_string())?;
            assert!(config.security.require_two_factor.is_empty());
            jail.set_env(
                "ETALAGE_SECURITY__REQUIRE_TWO_FACTOR",
                "[\"platform-admn\"]",
            );
            assert!(Config::load(None).is_err(), "a misspelt role is refused");
            Ok(())
        });
    }

    #[test]
    fn sec_path_labels_default_on_only_for_a_loopback_listener() {
        assert!(listening_on("127.0.0.1:8080", None).path_labels());
        assert!(listening_on("[::1]:8080", None).path_labels());
        assert!(!listening_on("0.0.0.0:8080", None).path_labels());
        assert!(!listening_on("10.0.0.5:8080", None).path_labels());
        assert!(listening_on("0.0.0.0:8080", Some(true)).path_labels());
        assert!(!listening_on("127.0.0.1:8080", Some(false)).path_labels());
        assert_eq!(
            listening_on("0.0.0.0:8080", Some(true)).label_links(8080),
            etalage_tenants::LabelLinks::public(),
            "a public listener links to the labels' public addresses"
        );
        assert_eq!(
            listening_on("127.0.0.1:0", None).label_links(4321),
            etalage_tenants::LabelLinks::loopback(4321, true)
        );
    }
}
