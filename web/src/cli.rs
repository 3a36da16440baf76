//! The command line: `serve`, `migrate`, `labels check`, `admin create`.
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use etalage_core::audit::Actor;
use etalage_core::domain::{Email, Password};
use secrecy::SecretString;

use crate::app::Application;
use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "etalage",
    version,
    about = "Etalage: a multi-tenant recruitment platform"
)]
struct Cli {
    /// Configuration file (default: ./etalage.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: migrate, load the labels, answer on every label's host.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(StorageArgs),
    /// Work with label files.
    #[command(subcommand)]
    Labels(LabelsCommand),
    /// Manage accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Try plugins locally, the way the server will run them.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// The document helper: reads one untrusted file on stdin, answers on stdout. The server
    /// starts one per upload under tight limits; it is not for people to run.
    #[command(hide = true)]
    Extract(ExtractArgs),
}

#[derive(Args, Debug)]
struct ExtractArgs {
    /// `cv` or `photo`.
    #[arg(long)]
    kind: String,
    /// Testing only: misbehave (`memory`, `loop`) to show that the limits hold.
    #[arg(long)]
    fault: Option<String>,
}

#[derive(Subcommand, Debug)]
enum PluginsCommand {
    /// Check a .wasm component as an upload would be checked; print its world and digest.
    Check { file: PathBuf },
    /// Rank a batch (JSON: {"vacancy": …, "candidates": […]}, as POST /api/v1/match) with a
    /// matcher component, under the server's limits.
    Rank {
        file: PathBuf,
        batch: PathBuf,
        /// A setting for the plugin, key=value; repeatable.
        #[arg(long = "setting", value_name = "KEY=VALUE")]
        settings: Vec<String>,
    },
}

#[derive(Args, Debug, Default)]
struct StorageArgs {
    /// Data folder (SQLite database, index, outbox). Default ./data
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// postgres://user@host/db to use PostgreSQL instead of SQLite.
    #[arg(
        long,
        value_name = "URL",
        env = "ETALAGE_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on. Default 127.0.0.1:8080
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Folder of label files. Default tenants/labels
    #[arg(long, value_name = "DIR")]
    labels_dir: Option<PathBuf>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Subcommand, Debug)]
enum LabelsCommand {
    /// Validate the label files; print every problem with file and line.
    Check {
        /// Folder of label files. Default tenants/labels
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a platform admin. Prints a generated password unless --password-stdin is given.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Platform admin")]
        name: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

/// Parses the command line. The document helper runs here, before any runtime starts: it is a
/// short-lived, single-threaded process under an address-space limit, and worker threads and
/// their stacks would only eat into that limit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Extract(args) = &cli.command {
        return extract(args);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_cli(cli))
}

fn extract(args: &ExtractArgs) -> ExitCode {
    let kind = match etalage_core::documents::DocumentKind::parse(&args.kind) {
        Ok(kind) => kind,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match etalage_core::documents::sandbox::helper_main(kind, args.fault.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_cli(cli: Cli) -> ExitCode {
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli_config: Option<&PathBuf>, storage: &StorageArgs) -> Result<Config, String> {
    let (mut config, warnings) = Config::load(cli_config.map(|p| p.as_path()))?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(dir) = &storage.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(url) = &storage.database_url {
        config.database_url = Some(SecretString::from(url.clone()));
    }
    config.validate()?;
    Ok(config)
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            let mut config = load_config(cli.config.as_ref(), &args.storage)?;
            if let Some(listen) = args.listen {
                config.listen = listen;
            }
            if let Some(dir) = args.labels_dir {
                config.labels_dir = Some(dir);
            }
            crate::telemetry::init(config.log_format);
            let app = Application::build(config)
                .await
                .map_err(|e| format!("{e:#}"))?;
            print_banner(&app);
            app.run_until_stopped().await.map_err(|e| format!("{e:#}"))
        }
        Command::Migrate(storage) => {
            let config = load_config(cli.config.as_ref(), &storage)?;
            let db = crate::app::open_database(&config)
                .await
                .map_err(|e| format!("{e:#}"))?;
            println!(
                "database is up to date ({})",
                etalage_core::store::backend_name(&db)
            );
            Ok(())
        }
        Command::Labels(LabelsCommand::Check { dir }) => {
            let dir = match dir {
                Some(dir) => dir,
                None => Config::default().labels_dir(),
            };
            let registry = etalage_tenants::load_dir(&dir).map_err(|errors| {
                format!(
                    "{} problem(s) in {}:\n{errors}",
                    errors.0.len(),
                    dir.display()
                )
            })?;
            for label in registry.labels() {
                println!(
                    "ok  {:<22} {:<24} statements {} (current {})",
                    label.slug,
                    label.name,
                    label
                        .statements
                        .iter()
                        .map(|s| s.version.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    label.current_version
                );
            }
            Ok(())
        }
        Command::Plugins(command) => {
            // The same limits as the server that reads this configuration.
            let (config, _) = Config::load(cli.config.as_deref())?;
            plugins_command(command, config.plugins.limits()).await
        }
        Command::Extract(_) => Err("the document helper runs before the runtime starts".into()),
        Command::Admin(AdminCommand::Create {
            email,
            name,
            password_stdin,
            storage,
        }) => {
            let config = load_config(cli.config.as_ref(), &storage)?;
            let email = Email::parse(&email).map_err(|e| e.to_string())?;
            let (password, generated) = if password_stdin {
                let mut raw = String::new();
                std::io::stdin()
                    .read_to_string(&mut raw)
                    .map_err(|e| format!("cannot read the password: {e}"))?;
                let raw = raw.trim_end_matches(['\r', '\n']).to_string();
                (Password::parse(&raw).map_err(|e| e.to_string())?, false)
            } else {
                let raw = etalage_core::secrets::new_token();
                (Password::parse(&raw).map_err(|e| e.to_string())?, true)
            };
            let db = crate::app::open_database(&config)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let account = etalage_core::accounts::create_platform_admin(
                &db,
                &email,
                &name,
                &password,
                Actor::System,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "created platform admin {} (id {})",
                account.email, account.id
            );
            if generated {
                println!("password (shown once): {}", password.expose());
            }
            Ok(())
        }
    }
}

async fn plugins_command(
    command: PluginsCommand,
    limits: etalage_plugin_host::Limits,
) -> Result<(), String> {
    use etalage_plugin_host::{PluginContext, PluginEngine, WasmMatcher};
    let engine = PluginEngine::new(limits).map_err(|e| e.to_string())?;
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    match command {
        PluginsCommand::Check { file } => {
            let artefact = engine.install(&read(&file)?).map_err(|e| e.to_string())?;
            println!(
                "ok  {} is a {} plugin (etalage:plugin@{}), sha256 {}",
                file.display(),
                artefact.kind.as_str(),
                artefact.interface_version,
                artefact.wasm_sha256
            );
            Ok(())
        }
        PluginsCommand::Rank {
            file,
            batch,
            settings,
        } => {
            let artefact = engine.install(&read(&file)?).map_err(|e| e.to_string())?;
            let component = engine
                .load(
                    &artefact.compiled,
                    &artefact.compiled_mac,
                    &artefact.engine_hash,
                )
                .map_err(|e| e.to_string())?;
            let prepared = engine.prepare(&component).map_err(|e| e.to_string())?;
            let mut ctx = PluginContext {
                label: "local".into(),
                plugin: file.display().to_string(),
                version: "local".into(),
                ..Default::default()
            };
            for setting in settings {
                let (k, v) = setting
                    .split_once('=')
                    .ok_or_else(|| format!("--setting {setting:?} is not key=value"))?;
                ctx.settings.insert(k.trim().into(), v.trim().into());
            }
            let matcher =
                WasmMatcher::new(engine.clone(), prepared, ctx).map_err(|e| e.to_string())?;
            let text =
                std::fs::read_to_string(&batch).map_err(|e| format!("{}: {e}", batch.display()))?;
            let batch = crate::routes::parse_rank_batch(&text)?;
            use etalage_core::plugins::Matcher;
            let ranking = matcher.rank(&batch).await.map_err(|e| e.to_string())?;
            for r in ranking.iter() {
                println!(
                    "{:>6.3}  {:<16} {}",
                    r.score,
                    batch.ids()[r.position],
                    r.explanation
                );
            }
            for line in matcher.log() {
                eprintln!("plugin {}: {}", line.level, line.message);
            }
            Ok(())
        }
    }
}

fn print_banner(app: &Application) {
    // The addresses mail links use too (`LabelLinks`), so what is printed is what works.
    let links = &app.state().links;
    println!();
    println!("Etalage is running. Labels:");
    for label in app.labels().labels() {
        println!("  {:<24} {}/", label.name, links.base(label));
    }
    if let Some(token) = app.setup_token() {
        println!();
        println!("No platform admin yet. Create the first one (link valid 24 hours, once):");
        // The setup page is the same on every label's site; the first one's is printed.
        if let Some(label) = app.labels().labels().next() {
            println!("  {}", links.url(label, &format!("/setup/{token}")));
        }
    }
    println!();
}
