//! Building and running the server.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::Request;
use axum::http::StatusCode;
use etalage_core::accounts::reset::ResetRequestHandler;
use etalage_core::accounts::{LoginThrottle, password, purge, setup};
use etalage_core::candidates::login_code::LoginCodeHandler;
use etalage_core::jobs::{Worker, WorkerConfig};
use etalage_core::mail::{MailSender, MailTransport, SmtpSettings};
use etalage_core::privacy::reminder;
use etalage_core::store::{self, Db, versions};
use etalage_migrations::{Migrator, MigratorTrait};
use etalage_tenants::LabelRegistry;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::middleware;
use crate::state::{AppState, Labels};
use crate::templates::Templates;

/// The labels as they are live, for the daily reminder of privacy requests: its mail comes
/// from the label and links to the label's register on its configured address.
struct ReminderLabels(AppState);

impl reminder::LabelDirectory for ReminderLabels {
    fn label(&self, slug: &str) -> Option<reminder::LabelMail> {
        let label = self.0.labels.current().get(slug)?;
        Some(reminder::LabelMail {
            slug: label.slug.clone(),
            name: label.name.clone(),
            reply_to: Some(label.contact_email.clone()),
            register_url: self
                .0
                .links
                .url(&label, "/admin/privacy-requests?due=urgent"),
        })
    }
}

/// Opens the configured database and brings its schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    }
    let db = store::connect(&config.database_url())
        .await
        .context("cannot open the database")?;
    Migrator::up(&db, None).await.context("migrations failed")?;
    Ok(db)
}

/// The key CSRF tokens are signed with, created on first start and shared through the database
/// by every server process.
async fn csrf_key(db: &Db) -> anyhow::Result<Vec<u8>> {
    use etalage_core::store::entities::server_key;
    const NAME: &str = "csrf";
    if let Some(row) = server_key::Entity::find_by_id(NAME.to_string())
        .one(db)
        .await?
    {
        return Ok(row.secret.into_bytes());
    }
    let secret = etalage_core::secrets::new_token();
    let inserted = server_key::ActiveModel {
        name: Set(NAME.to_string()),
        secret: Set(secret.clone()),
        created_at: Set(etalage_core::time::now()),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(secret.into_bytes()),
        // Another process made it first: use theirs.
        Err(_) => server_key::Entity::find_by_id(NAME.to_string())
            .one(db)
            .await?
            .map(|row| row.secret.into_bytes())
            .context("no CSRF key"),
    }
}

pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    setup_token: Option<String>,
    shutdown_tx: watch::Sender<bool>,
    mail: Arc<MailSender>,
}

impl Application {
    /// Prepares everything (data folder, database, labels, mail) and binds the listener; the
    /// port is known before `run_until_stopped` (use port 0 for a free one).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(config.index_dir())
            .with_context(|| format!("cannot create {}", config.index_dir().display()))?;
        let db = open_database(&config).await?;

        let labels_dir = config.labels_dir();
        let from_files: LabelRegistry = etalage_tenants::load_dir(&labels_dir)
            .map_err(|errors| anyhow::anyhow!("label files are invalid:\n{errors}"))?;
        // Read before the labels: a change made meanwhile shows as a newer version, and the
        // first periodic check reloads it.
        let labels_version = versions::current(&db, versions::Topic::Labels).await?;
        let live = etalage_tenants::sync_to_db(&db, &from_files)
            .await
            .context("cannot store the labels")?;

        let transport = match &config.mail.smtp {
            Some(smtp) => MailTransport::smtp(&SmtpSettings {
                host: smtp.host.clone(),
                port: smtp.port,
                tls: smtp.tls,
                username: smtp.username.clone(),
                password: smtp
                    .password
                    .as_ref()
                    .map(|p| p.expose_secret().to_string()),
            })?,
            None => MailTransport::file(config.outbox_dir())?,
        };
        let mail = Arc::new(MailSender::new(transport, config.mail.from.clone()));

        let setup_token = setup::issue_token(&db).await?;
        let templates = Templates::load().map_err(anyhow::Error::msg)?;
        let authz = etalage_core::authz::Authz::load(db.clone())
            .await
            .context("cannot load the authorisation policy")?;
        let secrets_key = match &config.secrets_key {
            Some(key) => etalage_core::crypto::SecretsKey::from_base64(key.expose_secret())?,
            None => etalage_core::crypto::SecretsKey::load_or_create(
                &config.data_dir.join("secrets.key"),
            )?,
        };
        // Secrets sealed before they were bound to their (label, plugin) are bound now,
        // before anything opens them.
        etalage_core::plugins::registry::reseal_unbound_secrets(&db, &secrets_key).await?;
        let plugin_engine = etalage_plugin_host::PluginEngine::with_artefact_key(
            config.plugins.limits(),
            secrets_key.derive("plugin artefacts").to_vec(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let plugins = Arc::new(etalage_plugin_host::PluginRuntime::new(plugin_engine));
        plugins
            .reload(&db, &secrets_key)
            .await
            .context("cannot load the enabled plugins")?;
        // Bound before the state is made: links in mail carry the real port on a loopback server.
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        password::set_concurrency(config.login.password_workers);
        purge::ensure_scheduled(&db)
            .await
            .context("cannot schedule the daily purge")?;
        reminder::ensure_scheduled(&db)
            .await
            .context("cannot schedule the daily reminder of privacy requests")?;
        let documents = documents_service(&config, &secrets_key)?;
        let state = AppState {
            documents,
            links: config.label_links(port),
            authz,
            plugins,
            secrets_key,
            csrf_key: Arc::new(csrf_key(&db).await?),
            throttle: LoginThrottle {
                per_account: config.login.max_failures_per_account,
                per_ip: config.login.max_failures_per_ip,
                window: Duration::from_secs(config.login.window_secs),
            },
            db,
            labels: Labels::new(from_files, live, labels_version),
            templates,
            config: Arc::new(config),
        };

        let (shutdown_tx, _) = watch::channel(false);
        Ok(Application {
            listener,
            port,
            state,
            setup_token,
            shutdown_tx,
            mail,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn labels(&self) -> Arc<LabelRegistry> {
        self.state.labels.current()
    }

    /// The one-time first-admin setup token, when there is no platform admin yet.
    pub fn setup_token(&self) -> Option<&str> {
        self.setup_token.as_deref()
    }

    /// A handle that stops the server like SIGTERM does.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown_tx.clone())
    }

    /// Serves until SIGTERM, Ctrl-C or the shutdown handle; then stops taking connections,
    /// lets requests in flight finish (up to the grace period) and stops the job workers.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let mut external = self.shutdown_tx.subscribe();
        let stop = async move {
            tokio::select! {
                _ = termination_signal() => {}
                _ = external.wait_for(|stop| *stop) => {}
            }
        };
        self.run_with_shutdown(stop).await
    }

    async fn run_with_shutdown(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        let (workers_stop_tx, workers_stop_rx) = watch::channel(false);
        let mut workers = Vec::new();
        for _ in 0..state.config.jobs.workers {
            let worker = Worker::new(
                state.db.clone(),
                WorkerConfig {
                    lease: Duration::from_secs(state.config.jobs.lease_secs.max(1)),
                    poll_interval: Duration::from_millis(
                        state.config.jobs.poll_interval_ms.max(10),
                    ),
                },
            )
            .with_handler(self.mail.clone())
            .with_handler(Arc::new(ResetRequestHandler::new(state.db.clone())))
            .with_handler(Arc::new(LoginCodeHandler::new(state.db.clone())))
            .with_handler(Arc::new(purge::PurgeJob {
                db: state.db.clone(),
                throttle: state.throttle.clone(),
            }))
            .with_handler(Arc::new(reminder::ReminderJob {
                db: state.db.clone(),
                authz: state.authz.clone(),
                labels: Arc::new(ReminderLabels(state.clone())),
                settings: state.config.privacy,
            }));
            workers.push(tokio::spawn(worker.run(workers_stop_rx.clone())));
        }

        // Role links and policies written by another process (`etalage admin create`, another
        // server node), and label settings changed on another node, reach this one within the
        // interval; changes made here apply at once. Each is reloaded only when its change
        // version moved.
        let reloader = {
            let interval = Duration::from_secs(state.config.reload_secs.max(1));
            let authz = state.authz.clone();
            let labels = state.labels.clone();
            let plugins = state.plugins.clone();
            let db = state.db.clone();
            let key = state.secrets_key.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(interval);
                tick.tick().await;
                let mut seen = etalage_core::plugins::registry::enabled_fingerprint(&db)
                    .await
                    .ok();
                loop {
                    tick.tick().await;
                    if let Err(err) = authz.reload_if_changed().await {
                        tracing::warn!(error = %err, "could not reload the authorisation policy");
                    }
                    if let Err(err) = labels.reload_if_changed(&db).await {
                        tracing::warn!(error = %err, "could not reload the labels");
                    }
                    // Plugins enabled or reconfigured through another server process.
                    let now = etalage_core::plugins::registry::enabled_fingerprint(&db)
                        .await
                        .ok();
                    if now.is_some() && now != seen {
                        match plugins.reload(&db, &key).await {
                            Ok(()) => seen = now,
                            Err(err) => {
                                tracing::warn!(error = %err, "could not reload the plugins")
                            }
                        }
                    }
                }
            })
        };
        let grace = Duration::from_secs(state.config.http.shutdown_grace_secs);
        let (drain_tx, mut drain_rx) = watch::channel(false);
        let service = router_service(state);
        let server = axum::serve(
            self.listener,
            service.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            stop.await;
            tracing::info!("stopping: finishing requests in flight");
            let _ = drain_tx.send(true);
        });
        let server = tokio::spawn(async move { server.await });
        tokio::pin!(server);

        // Once stopping, requests in flight get the grace period, then the server is dropped.
        let result = tokio::select! {
            r = &mut server => r.context("server task")?.context("server"),
            _ = async {
                let _ = drain_rx.wait_for(|d| *d).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
                server.abort();
                Ok(())
            }
        };
        reloader.abort();
        let _ = workers_stop_tx.send(true);
        for worker in workers {
            let _ = worker.await;
        }
        tracing::info!("stopped");
        result
    }
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    pub fn stop(&self) {
        // `send_replace` stores the value even if the server has not subscribed yet.
        self.0.send_replace(true);
    }
}

async fn termination_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// The document store and helper the configuration asks for.
fn documents_service(
    config: &Config,
    secrets_key: &etalage_core::crypto::SecretsKey,
) -> anyhow::Result<etalage_core::documents::Documents> {
    use crate::config::DocumentStorage;
    use etalage_core::documents::{DocumentStore, Documents, Extractor};
    let d = &config.documents;
    let store = match (d.storage, d.s3_settings()) {
        (DocumentStorage::S3, Some(s3)) => DocumentStore::s3(&s3)?,
        _ => DocumentStore::local(
            &d.dir
                .clone()
                .unwrap_or_else(|| config.data_dir.join("documents")),
        )?,
    };
    let program = match &d.extractor {
        Some(path) => path.clone(),
        None => std::env::current_exe().context("cannot find the server's own executable")?,
    };
    Ok(Documents {
        store,
        extractor: Extractor::new(program, d.limits(), d.extractor_fault.clone()),
        key: secrets_key.clone(),
    })
}

/// The whole HTTP stack, outside in: request id, tracing, timeout (503), compression, security
/// headers, label resolution, error rendering, CSRF check, body limit, panic catching, the
/// two-factor policy, router.
/// Label resolution wraps the router as a service (not `Router::layer`) because it rewrites
/// `/l/{slug}/…` paths, which must happen before routing.
pub fn router_service(state: AppState) -> axum::Router {
    http_stack(state, crate::routes::router())
}

/// The layers of [`router_service`] around any set of routes.
fn http_stack(state: AppState, routes: axum::Router<AppState>) -> axum::Router {
    let timeout = Duration::from_secs(state.config.http.request_timeout_secs);
    let body_limit = state.config.http.body_limit_bytes;
    let router = routes
        // Platform policy before any route's own check: who must enrol does nothing else.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::two_factor::enforce,
        ))
        // The permission layer of each route reads the state from here (see routes::guard).
        .layer(axum::Extension(state.clone()))
        .layer(CatchPanicLayer::new())
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .with_state(state.clone());
    let inner = ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::label::resolve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::errors::render,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::csrf::verify,
        ))
        // Inside error rendering, so that a 413 is answered in the client's format too.
        // Plugin uploads may be larger than other bodies; each route's own `DefaultBodyLimit`
        // decides, this only caps what any route could ever accept.
        .layer(RequestBodyLimitLayer::new(body_limit.max(
            etalage_plugin_host::Limits::default().max_component_bytes + 64 * 1024,
        )))
        .service(router);
    axum::Router::new().fallback_service(inner).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let request_id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
            }))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
            .layer(CompressionLayer::new())
            .layer(axum::middleware::from_fn(middleware::security_headers::add)),
    )
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn panics() -> &'static str {
        panic!("a bug in a handler")
    }

    /// The real stack around two misbehaving handlers.
    async fn stack_with_bad_routes(timeout_secs: u64) -> (axum::Router, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            labels_dir: Some(etalage_tenants::default_labels_dir()),
            ..Config::default()
        };
        config.http.request_timeout_secs = timeout_secs;
        let app = Application::build(config).await.unwrap();
        let routes = axum::Router::new()
            .route("/panics", get(panics))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "too late"
                }),
            )
            .route("/fine", get(|| async { "fine" }));
        (http_stack(app.state().clone(), routes), dir)
    }

    fn get_req(path: &str) -> Request<Body> {
        Request::get(path)
            .header("host", "werkweb.localhost")
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_for_that_request_only() {
        let (stack, _dir) = stack_with_bad_routes(30).await;
        let panicked = stack.clone().oneshot(get_req("/panics")).await.unwrap();
        assert_eq!(panicked.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(panicked.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(
            body.contains("data-label=\"werkweb\""),
            "the branded error page: {body}"
        );
        assert!(!body.contains("a bug in a handler"), "no internals leak");
        let next = stack.oneshot(get_req("/fine")).await.unwrap();
        assert_eq!(next.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_request_that_takes_too_long_is_a_503() {
        let (stack, _dir) = stack_with_bad_routes(1).await;
        let started = std::time::Instant::now();
        let slow = stack.oneshot(get_req("/slow")).await.unwrap();
        assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
