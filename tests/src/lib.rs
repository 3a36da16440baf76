//! The end-to-end harness: the real server on a free port against a fresh database (SQLite
//! always; PostgreSQL when reachable), an HTTP client that reaches every label by its hostname,
//! and a real browser (`browser`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod fixtures;
pub mod postgres;

use std::path::PathBuf;
use std::time::Duration;

use etalage::Application;
use etalage::app::ShutdownHandle;
use etalage::config::Config;
use etalage_core::audit::Actor;
use etalage_core::domain::{Email, Password};
use sea_orm::DatabaseConnection;
use tempfile::TempDir;

pub use postgres::PgDatabase;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body against SQLite and against PostgreSQL, as two tests `<name>::sqlite` and
/// `<name>::postgres`. Name the test after the requirement it proves (`ten_1_…`).
#[macro_export]
macro_rules! storage_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::spawn_app($crate::Backend::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = $crate::try_spawn_app($crate::Backend::Postgres).await else {
                    return;
                };
                ($body)(app).await;
            }
        }
    };
}

/// True under CI (`CI` set to anything but the empty string): then nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Says that half of a test did not run, or fails the test under CI.
///
/// libtest captures `print!`/`eprint!` of passing tests, which would hide the skip; writing to
/// the process's stderr handle directly goes past the capture, so `cargo test` shows the line.
pub fn skip(what: &str, why: &str) {
    if in_ci() {
        panic!("{what} must run in CI, but {why}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {what}: {why}");
}

/// Storage that outlives one server, so a test can stop the server and start it again.
pub struct Storage {
    pub backend: Backend,
    pub data_dir: TempDir,
    pub pg: Option<PgDatabase>,
}

impl Storage {
    pub async fn new(backend: Backend) -> Option<Storage> {
        let data_dir = tempfile::Builder::new()
            .prefix("etalage-test-")
            .tempdir()
            .unwrap();
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDatabase::create().await?),
        };
        Some(Storage {
            backend,
            data_dir,
            pg,
        })
    }

    pub fn config(&self) -> Config {
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: self.data_dir.path().to_path_buf(),
            labels_dir: Some(labels_dir()),
            database_url: self
                .pg
                .as_ref()
                .map(|pg| secrecy::SecretString::from(pg.url.clone())),
            ..Config::default()
        };
        config.jobs.poll_interval_ms = 25;
        config.http.shutdown_grace_secs = 2;
        // Most tests log admins and operators in with a password alone; the two-factor tests
        // turn the platform policy on themselves (`two_factor.rs`).
        config.security.require_two_factor = Vec::new();
        config.documents.extractor = Some(extractor_binary());
        config
    }
}

/// The `etalage` command line the server starts as its document helper (`etalage extract`).
/// In the tests the server runs inside the test binary, whose own executable is not `etalage`;
/// Cargo builds this package's `etalage-under-test` (the same command line) into the target
/// folder, one level above the test binaries in `deps/`.
pub fn extractor_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows where it is");
    let name = format!("etalage-under-test{}", std::env::consts::EXE_SUFFIX);
    let found = exe
        .ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join(&name))
        .find(|candidate| candidate.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "{name} is not built next to {}; run the tests with cargo test -p etalage-tests",
            exe.display()
        )
    })
}

/// The label files of this source tree.
pub fn labels_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tenants/labels")
}

/// A running server. Dropping it stops the server; its storage goes with it (or is handed back
/// by `stop` for a restart).
///
/// It implements `Drop` also so that a test's `async move` block captures the whole value: with
/// only `app.db` used, disjoint capture would otherwise drop the storage (and with it the test
/// database) while the test runs.
pub struct TestApp {
    pub port: u16,
    pub setup_token: Option<String>,
    pub db: DatabaseConnection,
    pub authz: etalage_core::authz::Authz,
    storage: Option<Storage>,
    shutdown: ShutdownHandle,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.stop();
    }
}

/// A server on SQLite or PostgreSQL; panics if PostgreSQL is asked for and not reachable.
pub async fn spawn_app(backend: Backend) -> TestApp {
    try_spawn_app(backend)
        .await
        .expect("PostgreSQL is not reachable")
}

/// `None` (after [`skip`] said so) when PostgreSQL is not reachable outside CI.
pub async fn try_spawn_app(backend: Backend) -> Option<TestApp> {
    let storage = Storage::new(backend).await?;
    Some(start(storage, |_| {}).await)
}

/// Server logs go to the test's captured output (shown for failing tests); `RUST_LOG` picks.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// Starts a server on `storage`, after `adjust` has changed its config.
pub async fn start(storage: Storage, adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logging();
    let mut config = storage.config();
    adjust(&mut config);
    let app = Application::build(config).await.expect("the server builds");
    let port = app.port();
    let setup_token = app.setup_token().map(str::to_string);
    let db = app.state().db.clone();
    let authz = app.state().authz.clone();
    let shutdown = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        port,
        setup_token,
        db,
        authz,
        storage: Some(storage),
        shutdown,
        server: Some(server),
    }
}

pub const ADMIN_EMAIL: &str = "admin@winwinwerkt.nl";
pub const ADMIN_PASSWORD: &str = "een lang en geheim wachtwoord";
/// The password of the people `TestApp::person` creates.
pub const PERSON_PASSWORD: &str = "een wachtwoord voor de test";

impl TestApp {
    /// `http://{host}:{port}{path}`; `host` is a label hostname such as `werkweb.localhost`.
    pub fn url(&self, host: &str, path: &str) -> String {
        url_on(self.port, host, path)
    }

    /// The address mail links of label `slug` start with on this server: it listens on
    /// loopback, and the test labels set no `public_url`.
    pub fn public_url(&self, slug: &str, path: &str) -> String {
        format!("http://127.0.0.1:{}/l/{slug}{path}", self.port)
    }

    /// A client with its own cookie jar that does not follow redirects and reaches every label
    /// hostname (also the real-looking ones like `werkweb.net`) on this server.
    pub fn client(&self) -> reqwest::Client {
        client_on(self.port)
    }

    /// A page's HTML, fetched with `client` (and its session).
    pub async fn page(&self, client: &reqwest::Client, host: &str, path: &str) -> String {
        client
            .get(self.url(host, path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Creates a platform admin directly (the setup flow has its own test).
    pub async fn create_admin(&self) -> etalage_core::accounts::Account {
        let account = etalage_core::accounts::create_platform_admin(
            &self.db,
            &Email::parse(ADMIN_EMAIL).unwrap(),
            "Beheerder",
            &Password::parse(ADMIN_PASSWORD).unwrap(),
            Actor::System,
        )
        .await
        .unwrap();
        // Written straight to the database, as `etalage admin create` does: make the running
        // server see it now rather than at its next periodic reload.
        self.authz.reload().await.unwrap();
        account
    }

    /// An account `{name}@werkweb.net` holding `role` in `domain` (written straight to the
    /// database, as `etalage admin create` would), logged in through the API on `host`.
    pub async fn person(
        &self,
        host: &str,
        name: &str,
        role: &str,
        domain: &str,
    ) -> (i64, reqwest::Client) {
        let email = format!("{name}@werkweb.net");
        let account = etalage_core::accounts::create(
            &self.db,
            &Email::parse(&email).unwrap(),
            name,
            Some(&Password::parse(PERSON_PASSWORD).unwrap()),
        )
        .await
        .unwrap();
        etalage_core::accounts::grant_role(&self.db, account.id, domain, role, None)
            .await
            .unwrap();
        self.authz.reload().await.unwrap();
        let client = self.client();
        let login = self.api_login(&client, host, &email, PERSON_PASSWORD).await;
        assert_eq!(login.status(), reqwest::StatusCode::OK, "{name} logs in");
        (account.id, client)
    }

    /// Logs `client` in through the JSON API on `host`.
    pub async fn api_login(
        &self,
        client: &reqwest::Client,
        host: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url(host, "/api/v1/session"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Logs `client` in through the login form on `host`.
    pub async fn login(
        &self,
        client: &reqwest::Client,
        host: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let form = self.page(client, host, "/login").await;
        let csrf = csrf_token(&form);
        client
            .post(self.url(host, "/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    pub fn storage(&self) -> &Storage {
        self.storage
            .as_ref()
            .expect("storage is present until stop")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.storage().data_dir.path().join("outbox")
    }

    /// The `.eml` files in the outbox, as text.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.outbox_dir()) else {
            return vec![];
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }

    /// Waits until the outbox holds `count` mails (the job worker sends them), or panics.
    pub async fn wait_for_mail(&self, count: usize) -> Vec<String> {
        let what = format!("{count} mail(s) in {}", self.outbox_dir().display());
        wait_until(&what, || async {
            let mails = self.outbox();
            (mails.len() >= count).then_some(mails)
        })
        .await
    }

    /// Waits until no job that is due is queued any more (every such job is `done` or
    /// `failed`), so that what the workers were going to do has been done; an empty queue
    /// counts as drained. Jobs scheduled for later (the nightly purge) are not waited for.
    pub async fn wait_for_jobs_drained(&self) {
        use etalage_core::store::entities::job;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let now = etalage_core::time::now_ms();
        wait_until("the job queue to drain", || async {
            let queued = job::Entity::find()
                .filter(job::Column::Status.eq("queued"))
                .filter(job::Column::RunAtMs.lte(now))
                .count(&self.db)
                .await
                .unwrap();
            (queued == 0).then_some(())
        })
        .await
    }

    /// Stops the server (as SIGTERM would) and hands back its storage for a restart.
    pub async fn stop(mut self) -> Storage {
        self.shutdown.stop();
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
        self.storage.take().expect("storage is present until stop")
    }
}

/// The longest any test waits for something the server does in the background. It is only an
/// upper bound that turns a hang into a clear failure: tests wait for the event itself.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);

/// Polls `check` until it gives `Some`, and returns that; panics naming `what` after
/// [`WAIT_LIMIT`].
pub async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let poll = async {
        loop {
            if let Some(found) = check().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    match tokio::time::timeout(WAIT_LIMIT, poll).await {
        Ok(found) => found,
        Err(_) => panic!("waited {WAIT_LIMIT:?} for {what}, in vain"),
    }
}

/// `http://{host}:{port}{path}` for a server on `port`.
pub fn url_on(port: u16, host: &str, path: &str) -> String {
    format!("http://{host}:{port}{path}")
}

/// A client for a server on `port`, as [`TestApp::client`].
pub fn client_on(port: u16) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30));
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let registry = etalage_tenants::load_dir(&labels_dir()).unwrap();
    for label in registry.labels() {
        for host in &label.hostnames {
            builder = builder.resolve(host, loopback);
        }
    }
    builder = builder.resolve("unknown.example", loopback);
    builder.build().unwrap()
}

/// The CSRF token in a page's first form.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("the page has a form with a CSRF token");
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// The first link in a mail that starts with `prefix`. Quoted-printable soft breaks are undone.
pub fn link_in_mail(mail: &str, prefix: &str) -> Option<String> {
    let body = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = body.find(prefix)?;
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    Some(link)
}

/// The built example plugins (`*.wasm`); builds the guest workspace the first time.
pub fn plugin_wasm(name: &str) -> Vec<u8> {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let manifest =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../plugins/examples/Cargo.toml");
        let status =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "build",
                    "--release",
                    "--target",
                    "wasm32-wasip2",
                    "--manifest-path",
                ])
                .arg(&manifest)
                .status()
                .expect("cargo runs");
        assert!(
            status.success(),
            "the example plugins build (rustup target add wasm32-wasip2)"
        );
        std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../plugins/examples/target")
            })
            .join("wasm32-wasip2/release")
    });
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
