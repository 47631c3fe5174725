//! Starts Conduit: reads the configuration, connects and migrates the database, serves HTTP, and
//! shuts down gracefully on SIGTERM or Ctrl-C.

use std::process::ExitCode;

use app::domain::db::{redact, Db};
use leptos::config::get_configuration;
use server::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
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

    let db = match Db::connect(&config.database_url, &config.pool).await {
        Ok(db) => db,
        Err(err) => {
            tracing::error!(database = %redact(&config.database_url), error = %err, "cannot open the database");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(database = %redact(&config.database_url), "database ready, migrations applied");

    let state = server::state(&config, db, leptos_options);
    let app = server::router(&config, state);
    let listener = match tokio::net::TcpListener::bind(config.listen_addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(addr = %config.listen_addr, error = %err, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    println!("Conduit is running at http://{}", config.listen_addr);
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        tracing::error!(error = %err, "server error");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.compact().init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
