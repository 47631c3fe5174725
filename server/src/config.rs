//! Typed configuration from environment variables (and an optional `.env` file in development),
//! checked once at start: a bad value stops the server with a message naming the variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::domain::db::{Backend, PoolSettings};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub listen_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub jwt_secret: Vec<u8>,
    pub token_ttl: Duration,
    pub log_format: LogFormat,
    /// Origins allowed to call `/api` from a browser; `*` allows any.
    pub cors_origins: Vec<String>,
    pub pool: PoolSettings,
    pub request_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub body_limit: usize,
}

/// A configuration problem, naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn error(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { var, problem: problem.into() }
}

/// Where the values come from: the process environment in production, any map in tests.
pub trait Source {
    fn get(&self, var: &str) -> Option<String>;
}

pub struct Env;

impl Source for Env {
    fn get(&self, var: &str) -> Option<String> {
        std::env::var(var).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, var: &str) -> Option<String> {
        self.iter().find(|(k, _)| *k == var).map(|(_, v)| v.to_string())
    }
}

fn parse<T: std::str::FromStr>(src: &dyn Source, var: &'static str, default: T, what: &str) -> Result<T, ConfigError> {
    match src.get(var) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|_| error(var, format!("{raw:?} is not {what}"))),
    }
}

/// The smallest secret we accept: 256 bits.
const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads the environment, loading `.env` first when present (never in production).
    pub fn from_env() -> Result<Config, ConfigError> {
        if Env.get("CONDUIT_ENV").as_deref() != Some("production") {
            let _ = dotenvy::dotenv();
        }
        Config::from_source(&Env)
    }

    pub fn from_source(src: &dyn Source) -> Result<Config, ConfigError> {
        let mode = match src.get("CONDUIT_ENV").as_deref().map(str::trim) {
            None | Some("development") => Mode::Development,
            Some("production") => Mode::Production,
            Some(other) => return Err(error("CONDUIT_ENV", format!("{other:?} is not \"development\" or \"production\""))),
        };
        let production = mode == Mode::Production;

        let default_addr = src.get("LEPTOS_SITE_ADDR").and_then(|a| a.parse().ok()).unwrap_or(([127, 0, 0, 1], 3000).into());
        let listen_addr = parse(src, "CONDUIT_LISTEN_ADDR", default_addr, "an address like 127.0.0.1:3000")?;
        let data_dir = PathBuf::from(src.get("CONDUIT_DATA_DIR").unwrap_or_else(|| "data".into()));

        let database_url = match src.get("DATABASE_URL") {
            Some(url) => url,
            None if production => return Err(error("DATABASE_URL", "is required in production (a postgres:// URL)")),
            None => format!("sqlite://{}?mode=rwc", data_dir.join("conduit.db").display()),
        };
        match Backend::from_url(&database_url) {
            None => return Err(error("DATABASE_URL", "must start with sqlite:// or postgres://")),
            Some(Backend::Sqlite) if production => {
                return Err(error("DATABASE_URL", "must be a postgres:// URL in production"))
            }
            _ => {}
        }

        let jwt_secret = match src.get("CONDUIT_JWT_SECRET") {
            Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                return Err(error("CONDUIT_JWT_SECRET", format!("must be at least {MIN_SECRET_BYTES} bytes long")))
            }
            Some(secret) => secret.into_bytes(),
            None if production => return Err(error("CONDUIT_JWT_SECRET", "is required in production")),
            // Development: a random secret kept in the data directory, so tokens survive restarts.
            None => development_secret(&data_dir).map_err(|e| error("CONDUIT_DATA_DIR", e))?,
        };

        let log_format = match src.get("CONDUIT_LOG_FORMAT").as_deref().map(str::trim) {
            None if production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(error("CONDUIT_LOG_FORMAT", format!("{other:?} is not \"pretty\" or \"json\""))),
        };

        let cors_origins: Vec<String> = src
            .get("CONDUIT_CORS_ORIGINS")
            .unwrap_or_else(|| "*".into())
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        for origin in &cors_origins {
            if origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(error("CONDUIT_CORS_ORIGINS", format!("{origin:?} is not an origin like https://example.com")));
            }
        }

        let max_connections: u32 = parse(src, "CONDUIT_DB_MAX_CONNECTIONS", 10, "a number of connections")?;
        if max_connections == 0 {
            return Err(error("CONDUIT_DB_MAX_CONNECTIONS", "must be at least 1"));
        }
        let acquire_ms: u64 = parse(src, "CONDUIT_DB_ACQUIRE_TIMEOUT_MS", 3_000, "a number of milliseconds")?;
        let ttl_hours: u64 = parse(src, "CONDUIT_TOKEN_TTL_HOURS", 24 * 30, "a number of hours")?;
        let request_secs: u64 = parse(src, "CONDUIT_REQUEST_TIMEOUT_SECS", 30, "a number of seconds")?;
        let shutdown_secs: u64 = parse(src, "CONDUIT_SHUTDOWN_TIMEOUT_SECS", 20, "a number of seconds")?;
        let body_limit: usize = parse(src, "CONDUIT_BODY_LIMIT_BYTES", 1024 * 1024, "a number of bytes")?;

        Ok(Config {
            mode,
            listen_addr,
            data_dir,
            database_url,
            jwt_secret,
            token_ttl: Duration::from_secs(ttl_hours * 3600),
            log_format,
            cors_origins,
            pool: PoolSettings { max_connections, acquire_timeout: Duration::from_millis(acquire_ms) },
            request_timeout: Duration::from_secs(request_secs),
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            body_limit,
        })
    }

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }
}

/// Reads the development secret from `data_dir/jwt-secret`, creating it on first start.
fn development_secret(data_dir: &Path) -> Result<Vec<u8>, String> {
    use rand::RngCore;
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read(&path) {
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(existing);
        }
    }
    std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, secret.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn var_of(result: Result<Config, ConfigError>) -> &'static str {
        result.expect_err("expected a configuration error").var
    }

    #[test]
    fn development_defaults_need_nothing() {
        let dir = std::env::temp_dir().join(format!("conduit-config-{}", std::process::id()));
        let dir_text = dir.display().to_string();
        let config = Config::from_source(&[("CONDUIT_DATA_DIR", dir_text.as_str())]).unwrap();
        assert_eq!(config.mode, Mode::Development);
        assert!(config.database_url.starts_with("sqlite://"));
        assert_eq!(config.listen_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.log_format, LogFormat::Pretty);
        // The generated secret is kept: a restart reads the same one.
        let again = Config::from_source(&[("CONDUIT_DATA_DIR", dir_text.as_str())]).unwrap();
        assert_eq!(config.jwt_secret, again.jwt_secret);
        assert!(config.jwt_secret.len() >= MIN_SECRET_BYTES);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn production_requires_postgres_and_a_secret() {
        assert_eq!(var_of(Config::from_source(&[("CONDUIT_ENV", "production"), ("CONDUIT_JWT_SECRET", SECRET)])), "DATABASE_URL");
        assert_eq!(
            var_of(Config::from_source(&[("CONDUIT_ENV", "production"), ("DATABASE_URL", "postgres://u@h/db")])),
            "CONDUIT_JWT_SECRET"
        );
        assert_eq!(
            var_of(Config::from_source(&[("CONDUIT_ENV", "production"), ("DATABASE_URL", "sqlite://x.db"), ("CONDUIT_JWT_SECRET", SECRET)])),
            "DATABASE_URL"
        );
        let config = Config::from_source(&[
            ("CONDUIT_ENV", "production"),
            ("DATABASE_URL", "postgres://u@h/db?sslmode=verify-full"),
            ("CONDUIT_JWT_SECRET", SECRET),
        ])
        .unwrap();
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(config.is_production());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("CONDUIT_ENV", "staging"),
            ("CONDUIT_LISTEN_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("CONDUIT_JWT_SECRET", "short"),
            ("CONDUIT_LOG_FORMAT", "xml"),
            ("CONDUIT_CORS_ORIGINS", "example.com"),
            ("CONDUIT_DB_MAX_CONNECTIONS", "0"),
            ("CONDUIT_DB_MAX_CONNECTIONS", "many"),
            ("CONDUIT_REQUEST_TIMEOUT_SECS", "-1"),
        ] {
            let config = Config::from_source(&[(var, value), ("CONDUIT_JWT_SECRET", if var == "CONDUIT_JWT_SECRET" { value } else { SECRET })]);
            assert_eq!(var_of(config), var, "{var}={value}");
        }
    }
}
