//! Starts Conduit: reads the configuration, connects and migrates the database, serves HTTP, and
//! shuts down gracefully on SIGTERM or Ctrl-C (see `server::shutdown`): exit status 0 when every
//! in-flight request finished, 1 when the shutdown deadline cut some off, 2 for a bad configuration.
//! `conduit seed` fills an empty database with benchmark or demo data instead (see `server::seed`),
//! and `conduit migrate` applies the migrations and sets up the app's database role (see
//! `server::migrate`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use domain::db::{redact, Db};
use leptos::config::get_configuration;
use server::config::{Config, LogFormat};
use server::serve;
use server::shutdown::{self, Lifecycle};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: rendering a page allocates and frees thousands of small
/// strings and vectors, and glibc's allocator took over a third of the server's instructions
/// for the SSR home page (callgrind; see bench/findings.md). Built without transparent huge
/// pages (`no_thp`), which made a fresh server 10 MiB larger.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (`mi_option_e` in mimalloc.h; libmimalloc-sys names only some
/// of its options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Freed memory goes back to the OS at once. With mimalloc's default delay, the 19 MiB that
    // each sign-in's password hash (argon2) takes stayed resident: 41 MiB idle instead of 22.
    // SAFETY: mi_option_set is not thread-safe, and this is the only thread yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(run())
}

async fn run() -> ExitCode {
    let started = Instant::now();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("conduit: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);

    let mut leptos_options = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(err) => {
            eprintln!("conduit: leptos configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    leptos_options.site_addr = config.listen_addr;
    if let Err(err) = server::assets::locate(&mut leptos_options) {
        eprintln!("conduit: {err}");
        return ExitCode::from(2);
    }

    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    if !matches!(command, None | Some("seed") | Some("migrate")) {
        eprintln!("conduit: unknown command {:?}; run without arguments to serve, `conduit migrate` to apply the migrations (and set up CONDUIT_DB_APP_ROLE), `conduit seed [--size small|large] [--seed N]` or `conduit seed --demo`", args[0]);
        return ExitCode::from(2);
    }
    // `conduit migrate` always migrates; the server does unless a separate step owns the schema
    // (CONDUIT_MIGRATE_ON_START=0), and then connects on first use: readiness reports the
    // database and the migrations.
    let migrate = command == Some("migrate") || config.migrate_on_start;
    let opened = if migrate {
        Db::connect(&config.database_url, &config.pool).await
    } else {
        Db::open(&config.database_url, &config.pool)
    };
    let db = match opened {
        Ok(db) => db,
        Err(err) => {
            tracing::error!(database = %redact(&config.database_url), error = %err, "cannot open the database");
            return ExitCode::FAILURE;
        }
    };
    if migrate {
        tracing::info!(database = %redact(&config.database_url), "database ready, migrations applied");
    } else {
        tracing::info!(database = %redact(&config.database_url), "database opened; migrations are left to `conduit migrate`");
    }

    match command {
        Some("seed") => {
            return match server::seed::command(&db, &args[1..]).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("conduit seed: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        Some("migrate") => {
            let result = server::migrate::command(&db, config.app_role.as_ref()).await;
            db.close().await;
            return match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("conduit migrate: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }

    let state = server::AppState::new(&config, db.clone(), leptos_options);
    let lifecycle = Lifecycle::default();
    let app = server::router_in_lifecycle(&config, state.clone(), &lifecycle);
    let Some(listener) = bind("CONDUIT_LISTEN_ADDR", config.listen_addr).await else {
        return ExitCode::FAILURE;
    };
    let addr = listener.local_addr().unwrap_or(config.listen_addr);
    if let Some(metrics_addr) = config.metrics_addr {
        let Some(metrics_listener) = bind("CONDUIT_METRICS_ADDR", metrics_addr).await else {
            return ExitCode::FAILURE;
        };
        let metrics_addr = metrics_listener.local_addr().unwrap_or(metrics_addr);
        tracing::info!(addr = %metrics_addr, "metrics listening");
        // Scrapes go on until the process exits.
        tokio::spawn(serve::serve(
            metrics_listener,
            server::metrics_app(&config, state),
            config.connection_limits,
            lifecycle.clone(),
            std::future::pending(),
        ));
    }
    tracing::info!(addr = %addr, startup_ms = started.elapsed().as_millis() as u64, "listening");
    println!("Conduit is running at http://{addr}");

    let server = serve::serve(
        listener,
        app,
        config.connection_limits,
        lifecycle.clone(),
        shutdown::on_signal(lifecycle.clone(), config.shutdown_delay),
    );
    // Once draining starts, in-flight requests get `shutdown_timeout` (after the delay) to finish.
    let deadline = async {
        lifecycle.draining().await;
        tokio::time::sleep(config.shutdown_delay + config.shutdown_timeout).await;
    };
    let code = tokio::select! {
        () = server => {
            tracing::info!("all connections closed");
            ExitCode::SUCCESS
        }
        () = deadline => {
            tracing::warn!(timeout_secs = config.shutdown_timeout.as_secs(), "shutdown deadline passed with requests still in flight; exiting");
            ExitCode::FAILURE
        }
    };
    db.close().await;
    tracing::info!("stopped");
    code
}

/// Listens on `addr`, or logs why not (naming the variable that set it).
async fn bind(var: &str, addr: SocketAddr) -> Option<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => Some(listener),
        Err(err) => {
            tracing::error!(variable = var, addr = %addr, error = %err, "cannot listen");
            None
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        // Colours for a terminal only: a log file or collector would get the escape codes.
        LogFormat::Pretty => builder
            .compact()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
    }
}
