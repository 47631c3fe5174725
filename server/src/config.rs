//! Typed configuration from environment variables (and an optional `.env` file in development),
//! checked once at start: a bad value stops the server with a message naming the variable.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use domain::auth::{HashLimits, SESSION_TTL};
use domain::db::{Backend, CredentialFiles, PoolSettings};
use url::Url;

use crate::serve::Limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

/// The defaults that differ between the modes, all here (the README's "Development and
/// production" list says the same). Development serves one person, their frontends under
/// development and test suites, which sign up, sign in and write far faster than anyone (the
/// official Hurl suite signs up dozens of users from one address per run, and is run again and
/// again): the per-client and per-user rate limits are off there unless set. Production keeps
/// them. The hashing limits are the same in both: they bound memory, and a client that waits
/// for each answer never queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ModeDefaults {
    log_format: LogFormat,
    /// `CONDUIT_AUTH_RATE_PER_MINUTE`; 0 is off.
    auth_rate_per_minute: u32,
    /// `CONDUIT_WRITE_RATE_PER_MINUTE`; 0 is off.
    write_rate_per_minute: u32,
}

impl Mode {
    fn defaults(self) -> ModeDefaults {
        match self {
            Mode::Development => ModeDefaults {
                log_format: LogFormat::Pretty,
                auth_rate_per_minute: 0,
                write_rate_per_minute: 0,
            },
            Mode::Production => ModeDefaults {
                log_format: LogFormat::Json,
                auth_rate_per_minute: 60,
                write_rate_per_minute: 30,
            },
        }
    }
}

/// Attempts allowed at once before a rate applies, when it is on (in either mode).
const AUTH_RATE_BURST: u32 = 20;
/// The RealWorld browser suite makes its 15 articles for one user at once.
const WRITE_RATE_BURST: u32 = 30;

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
    /// How long readiness reports "shutting down" before the listener closes, so that load
    /// balancers stop sending new requests first.
    pub shutdown_delay: Duration,
    pub body_limit: usize,
    /// New articles and comments per user and minute, and the burst allowed on top; `None` when
    /// `CONDUIT_WRITE_RATE_PER_MINUTE=0` turns the limit off.
    pub write_rate: Option<domain::WriteRate>,
    /// Sign-in and sign-up attempts per client and minute, and the burst allowed on top; `None`
    /// when `CONDUIT_AUTH_RATE_PER_MINUTE=0` turns the limit off.
    pub auth_rate: Option<AuthRate>,
    /// How many reverse proxies in front of the server append to `X-Forwarded-For`: 0 uses the
    /// TCP peer address as the client's, N takes the N-th address from the right of the header.
    pub proxy_hops: usize,
    /// Slow and oversized requests (see `serve.rs`): the time a client has to send a request's
    /// head, and its size limit.
    pub connection_limits: Limits,
    /// Where `/metrics` is served, apart from the application; `None` when
    /// `CONDUIT_METRICS_ADDR=off`.
    pub metrics_addr: Option<SocketAddr>,
    // Sessions and HTTPS (issue 18, items 4 and 8).
    /// Where users reach the site, e.g. `https://conduit.example.com` (an origin: scheme, host
    /// and port only). An `https` URL turns on `Secure` `__Host-` session cookies and HSTS.
    pub public_url: Option<Url>,
    /// A browser session ends after this long without a request (and 30 days after sign-in).
    pub session_idle: Duration,
    /// Password hashes (argon2, 19 MiB each) running at once, and waiting beyond those.
    pub hash_limits: HashLimits,
    /// Whether the server applies pending migrations at start (the default), or leaves them to
    /// `conduit migrate` and only reports them through readiness.
    pub migrate_on_start: bool,
    /// `conduit migrate` only: the least-privilege role the app connects as, created and granted
    /// what the app needs (PostgreSQL).
    pub app_role: Option<AppRole>,
}

/// The app's own database role, as `conduit migrate` sets it up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRole {
    pub name: String,
    /// The password the role gets when `conduit migrate` creates it; afterwards the rotation
    /// owns it.
    pub initial_password_file: Option<PathBuf>,
}

/// The sign-in and sign-up rate limit per client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthRate {
    pub per_minute: u32,
    pub burst: u32,
}

/// A configuration problem, naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn error(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
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
        self.iter()
            .find(|(k, _)| *k == var)
            .map(|(_, v)| v.to_string())
    }
}

fn parse<T: std::str::FromStr>(
    src: &dyn Source,
    var: &'static str,
    default: T,
    what: &str,
) -> Result<T, ConfigError> {
    match src.get(var) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| error(var, format!("{raw:?} is not {what}"))),
    }
}

/// Bounds on the hashing limits: each running hash is 19 MiB, and waiting requests are
/// connections held open.
const MAX_HASH_CONCURRENCY: usize = 256;
const MAX_HASH_QUEUE: usize = 10_000;

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
            Some(other) => {
                return Err(error(
                    "CONDUIT_ENV",
                    format!("{other:?} is not \"development\" or \"production\""),
                ))
            }
        };
        let production = mode == Mode::Production;
        let defaults = mode.defaults();

        let default_addr = src
            .get("LEPTOS_SITE_ADDR")
            .and_then(|a| a.parse().ok())
            .unwrap_or(([127, 0, 0, 1], 3000).into());
        let listen_addr = parse(
            src,
            "CONDUIT_LISTEN_ADDR",
            default_addr,
            "an address like 127.0.0.1:3000",
        )?;
        let data_dir = PathBuf::from(src.get("CONDUIT_DATA_DIR").unwrap_or_else(|| "data".into()));

        let database_url = match src.get("DATABASE_URL") {
            Some(url) => url,
            None if production => {
                return Err(error(
                    "DATABASE_URL",
                    "is required in production (a postgres:// URL)",
                ))
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("conduit.db").display()
            ),
        };
        match Backend::from_url(&database_url) {
            None => {
                return Err(error(
                    "DATABASE_URL",
                    "must start with sqlite:// or postgres://",
                ))
            }
            Some(Backend::Sqlite) if production => {
                return Err(error(
                    "DATABASE_URL",
                    "must be a postgres:// URL in production",
                ))
            }
            Some(Backend::Postgres) => check_postgres_tls(src, &database_url, production)?,
            _ => {}
        }

        let jwt_secret = match src.get("CONDUIT_JWT_SECRET") {
            Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                return Err(error(
                    "CONDUIT_JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes long"),
                ))
            }
            Some(secret) => secret.into_bytes(),
            None if production => {
                return Err(error("CONDUIT_JWT_SECRET", "is required in production"))
            }
            // Development: a random secret kept in the data directory, so tokens survive restarts.
            None => development_secret(&data_dir).map_err(|e| error("CONDUIT_DATA_DIR", e))?,
        };

        let log_format = match src.get("CONDUIT_LOG_FORMAT").as_deref().map(str::trim) {
            None => defaults.log_format,
            Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(error(
                    "CONDUIT_LOG_FORMAT",
                    format!("{other:?} is not \"pretty\" or \"json\""),
                ))
            }
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
                return Err(error(
                    "CONDUIT_CORS_ORIGINS",
                    format!("{origin:?} is not an origin like https://example.com"),
                ));
            }
        }

        let max_connections: u32 = parse(
            src,
            "CONDUIT_DB_MAX_CONNECTIONS",
            10,
            "a number of connections",
        )?;
        if max_connections == 0 {
            return Err(error("CONDUIT_DB_MAX_CONNECTIONS", "must be at least 1"));
        }
        let acquire_ms: u64 = parse(
            src,
            "CONDUIT_DB_ACQUIRE_TIMEOUT_MS",
            3_000,
            "a number of milliseconds",
        )?;
        let db_access = database_access(src, &database_url)?;
        let ttl_hours: u64 = parse(src, "CONDUIT_TOKEN_TTL_HOURS", 24 * 30, "a number of hours")?;
        let request_secs: u64 = parse(
            src,
            "CONDUIT_REQUEST_TIMEOUT_SECS",
            30,
            "a number of seconds",
        )?;
        let shutdown_secs: u64 = parse(
            src,
            "CONDUIT_SHUTDOWN_TIMEOUT_SECS",
            20,
            "a number of seconds",
        )?;
        let shutdown_delay_secs: u64 =
            parse(src, "CONDUIT_SHUTDOWN_DELAY_SECS", 0, "a number of seconds")?;
        let body_limit: usize = parse(
            src,
            "CONDUIT_BODY_LIMIT_BYTES",
            1024 * 1024,
            "a number of bytes",
        )?;
        if request_secs == 0 {
            return Err(error("CONDUIT_REQUEST_TIMEOUT_SECS", "must be at least 1"));
        }
        if acquire_ms == 0 {
            return Err(error("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "must be at least 1"));
        }
        let write_rate = rate(
            src,
            (
                "CONDUIT_WRITE_RATE_PER_MINUTE",
                defaults.write_rate_per_minute,
            ),
            ("CONDUIT_WRITE_RATE_BURST", WRITE_RATE_BURST),
        )?
        .map(|(per_minute, burst)| domain::WriteRate { per_minute, burst });
        let auth_rate = rate(
            src,
            (
                "CONDUIT_AUTH_RATE_PER_MINUTE",
                defaults.auth_rate_per_minute,
            ),
            ("CONDUIT_AUTH_RATE_BURST", AUTH_RATE_BURST),
        )?
        .map(|(per_minute, burst)| AuthRate {
            per_minute: per_minute.get(),
            burst: burst.get(),
        });
        let proxy_hops: usize = parse(src, "CONDUIT_PROXY_HOPS", 0, "a number of proxies")?;
        let (connection_limits, metrics_addr) = connection_settings(src)?;

        // Sessions and HTTPS.
        let public_url = match src.get("CONDUIT_PUBLIC_URL") {
            Some(raw) => Some(public_url(raw.trim())?),
            None => None,
        };
        if production && public_url.as_ref().is_some_and(|u| u.scheme() != "https") {
            return Err(error(
                "CONDUIT_PUBLIC_URL",
                "must be an https:// URL in production",
            ));
        }
        let session_idle_minutes: u64 = parse(
            src,
            "CONDUIT_SESSION_IDLE_MINUTES",
            7 * 24 * 60,
            "a number of minutes",
        )?;
        let session_ttl_minutes = SESSION_TTL.as_secs() / 60;
        if !(1..=session_ttl_minutes).contains(&session_idle_minutes) {
            return Err(error(
                "CONDUIT_SESSION_IDLE_MINUTES",
                format!("must be from 1 to {session_ttl_minutes} (30 days, the longest a session lasts)"),
            ));
        }

        // Password hashing.
        let hash_defaults = HashLimits::default();
        let hash_limits = HashLimits {
            concurrency: parse(
                src,
                "CONDUIT_HASH_CONCURRENCY",
                hash_defaults.concurrency.min(MAX_HASH_CONCURRENCY),
                "a number of hashes",
            )?,
            queue: parse(
                src,
                "CONDUIT_HASH_QUEUE",
                hash_defaults.queue,
                "a number of requests",
            )?,
        };
        if !(1..=MAX_HASH_CONCURRENCY).contains(&hash_limits.concurrency) {
            return Err(error(
                "CONDUIT_HASH_CONCURRENCY",
                format!("must be from 1 to {MAX_HASH_CONCURRENCY}"),
            ));
        }
        if hash_limits.queue > MAX_HASH_QUEUE {
            return Err(error(
                "CONDUIT_HASH_QUEUE",
                format!("must be at most {MAX_HASH_QUEUE}"),
            ));
        }
        Ok(Config {
            mode,
            listen_addr,
            data_dir,
            database_url,
            jwt_secret,
            token_ttl: Duration::from_secs(ttl_hours * 3600),
            log_format,
            cors_origins,
            pool: PoolSettings {
                max_connections,
                acquire_timeout: Duration::from_millis(acquire_ms),
                max_lifetime: db_access.max_lifetime,
                credentials: db_access.credentials,
            },
            request_timeout: Duration::from_secs(request_secs),
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            shutdown_delay: Duration::from_secs(shutdown_delay_secs),
            body_limit,
            write_rate,
            auth_rate,
            proxy_hops,
            connection_limits,
            metrics_addr,
            public_url,
            session_idle: Duration::from_secs(session_idle_minutes * 60),
            hash_limits,
            migrate_on_start: db_access.migrate_on_start,
            app_role: db_access.app_role,
        })
    }

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }

    /// Whether users reach the site over HTTPS, so cookies may be `Secure` and HSTS is sent: the
    /// public URL's scheme says so; without one, production (always behind TLS) is assumed to.
    pub fn serves_https(&self) -> bool {
        match &self.public_url {
            Some(url) => url.scheme() == "https",
            None => self.is_production(),
        }
    }
}

/// A rate limit from its two variables: events per minute (`0` turns the limit off) and the burst
/// allowed at once (at least 1).
fn rate(
    src: &dyn Source,
    (per_minute_var, per_minute_default): (&'static str, u32),
    (burst_var, burst_default): (&'static str, u32),
) -> Result<Option<(NonZeroU32, NonZeroU32)>, ConfigError> {
    let per_minute: u32 = parse(
        src,
        per_minute_var,
        per_minute_default,
        "a number per minute",
    )?;
    let burst: u32 = parse(src, burst_var, burst_default, "a number")?;
    let burst = NonZeroU32::new(burst).ok_or_else(|| error(burst_var, "must be at least 1"))?;
    Ok(NonZeroU32::new(per_minute).map(|per_minute| (per_minute, burst)))
}

/// `CONDUIT_PUBLIC_URL`: an absolute http(s) URL naming an origin, nothing more (a path, query,
/// fragment or user name would be silently ignored by whatever compares origins).
fn public_url(raw: &str) -> Result<Url, ConfigError> {
    let bad = |why: &str| {
        error(
            "CONDUIT_PUBLIC_URL",
            format!("{raw:?} {why}; expected an origin like https://conduit.example.com"),
        )
    };
    let url = Url::parse(raw).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a path, query or fragment"));
    }
    Ok(url)
}

/// The header-read timeout and size limit of every connection, and the metrics listener.
fn connection_settings(src: &dyn Source) -> Result<(Limits, Option<SocketAddr>), ConfigError> {
    let header_secs: u64 = parse(
        src,
        "CONDUIT_HEADER_READ_TIMEOUT_SECS",
        10,
        "a number of seconds",
    )?;
    if header_secs == 0 {
        return Err(error(
            "CONDUIT_HEADER_READ_TIMEOUT_SECS",
            "must be at least 1",
        ));
    }
    let max_header_bytes: usize = parse(
        src,
        "CONDUIT_MAX_HEADER_BYTES",
        32 * 1024,
        "a number of bytes",
    )?;
    // hyper's smallest read buffer, which the limit also sizes.
    if max_header_bytes < MIN_HEADER_BYTES {
        return Err(error(
            "CONDUIT_MAX_HEADER_BYTES",
            format!("must be at least {MIN_HEADER_BYTES}"),
        ));
    }
    let metrics_addr = match src.get("CONDUIT_METRICS_ADDR") {
        Some(raw) if raw.trim() == "off" => None,
        Some(raw) => Some(raw.trim().parse().map_err(|_| {
            error(
                "CONDUIT_METRICS_ADDR",
                format!("{raw:?} is not an address like 127.0.0.1:9100, or off"),
            )
        })?),
        None => Some(([127, 0, 0, 1], 9100).into()),
    };
    let limits = Limits {
        header_read_timeout: Duration::from_secs(header_secs),
        max_header_bytes,
    };
    Ok((limits, metrics_addr))
}

const MIN_HEADER_BYTES: usize = 8192;
/// How the server reaches its database and who sets up the schema: credential files, connection
/// lifetime, migrations at start, and the app role for `conduit migrate`.
struct DatabaseAccess {
    credentials: Option<CredentialFiles>,
    max_lifetime: Duration,
    migrate_on_start: bool,
    app_role: Option<AppRole>,
}

fn database_access(src: &dyn Source, database_url: &str) -> Result<DatabaseAccess, ConfigError> {
    let postgres = Backend::from_url(database_url) == Some(Backend::Postgres);
    let file = |var: &'static str| -> Result<Option<PathBuf>, ConfigError> {
        let Some(path) = src.get(var).map(|p| PathBuf::from(p.trim())) else {
            return Ok(None);
        };
        if !postgres {
            return Err(error(var, "applies to a postgres:// DATABASE_URL only"));
        }
        if !path.is_file() {
            return Err(error(
                var,
                format!("{} is not a readable file", path.display()),
            ));
        }
        Ok(Some(path))
    };
    let password = file("CONDUIT_DB_PASSWORD_FILE")?;
    let user = file("CONDUIT_DB_USER_FILE")?;
    let credentials = match (password, user) {
        (Some(password), user) => {
            if url::Url::parse(database_url).is_ok_and(|u| u.password().is_some()) {
                return Err(error(
                    "DATABASE_URL",
                    "carries a password while CONDUIT_DB_PASSWORD_FILE is set; leave it out of the URL",
                ));
            }
            Some(CredentialFiles { password, user })
        }
        (None, Some(_)) => {
            return Err(error(
                "CONDUIT_DB_USER_FILE",
                "needs CONDUIT_DB_PASSWORD_FILE as well",
            ))
        }
        (None, None) => None,
    };
    let lifetime_secs: u64 = parse(
        src,
        "CONDUIT_DB_MAX_LIFETIME_SECS",
        30 * 60,
        "a number of seconds",
    )?;
    if lifetime_secs == 0 {
        return Err(error("CONDUIT_DB_MAX_LIFETIME_SECS", "must be at least 1"));
    }
    let migrate_on_start = flag(src, "CONDUIT_MIGRATE_ON_START", true)?;
    let initial_password_file = file("CONDUIT_DB_APP_PASSWORD_FILE")?;
    let app_role = match src.get("CONDUIT_DB_APP_ROLE").map(|r| r.trim().to_string()) {
        Some(_) if !postgres => {
            return Err(error(
                "CONDUIT_DB_APP_ROLE",
                "applies to a postgres:// DATABASE_URL only",
            ))
        }
        Some(name) if !is_plain_identifier(&name) => {
            return Err(error(
                "CONDUIT_DB_APP_ROLE",
                format!("{name:?} is not a role name of lowercase letters, digits and _"),
            ))
        }
        Some(name) => Some(AppRole {
            name,
            initial_password_file,
        }),
        None if initial_password_file.is_some() => {
            return Err(error(
                "CONDUIT_DB_APP_PASSWORD_FILE",
                "needs CONDUIT_DB_APP_ROLE as well",
            ))
        }
        None => None,
    };
    Ok(DatabaseAccess {
        credentials,
        max_lifetime: Duration::from_secs(lifetime_secs),
        migrate_on_start,
        app_role,
    })
}

/// A PostgreSQL identifier that needs no quoting: `[a-z_][a-z0-9_]*`, at most 63 bytes.
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A `1`/`0` (or `true`/`false`) switch.
fn flag(src: &dyn Source, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match src.get(var).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1") | Some("true") => Ok(true),
        Some("0") | Some("false") => Ok(false),
        Some(other) => Err(error(var, format!("{other:?} is not 1 or 0"))),
    }
}

/// PostgreSQL over TLS: production refuses a URL that does not verify the server's certificate
/// (`sslmode=verify-full` or `verify-ca`, in the URL or `PGSSLMODE`) unless
/// `CONDUIT_DB_ALLOW_INSECURE=1` says so; a CA bundle named by `sslrootcert` must exist.
fn check_postgres_tls(src: &dyn Source, url: &str, production: bool) -> Result<(), ConfigError> {
    let params: Vec<(&str, &str)> = url
        .split_once('?')
        .map(|(_, query)| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .collect()
        })
        .unwrap_or_default();
    let param = |names: &[&str]| {
        params
            .iter()
            .rev()
            .find(|(k, _)| names.contains(k))
            .map(|(_, v)| v.to_string())
    };
    let sslmode = param(&["sslmode", "ssl-mode"]).or_else(|| src.get("PGSSLMODE"));
    if let Some(mode) = &sslmode {
        if !matches!(
            mode.as_str(),
            "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full"
        ) {
            return Err(error(
                "DATABASE_URL",
                format!("sslmode={mode} is not a PostgreSQL sslmode"),
            ));
        }
    }
    if let Some(path) =
        param(&["sslrootcert", "ssl-root-cert", "ssl-ca"]).or_else(|| src.get("PGSSLROOTCERT"))
    {
        let path = percent_decode(&path);
        if !Path::new(&path).is_file() {
            return Err(error(
                "DATABASE_URL",
                format!("sslrootcert {path:?} is not a readable file"),
            ));
        }
    }
    let verified = matches!(sslmode.as_deref(), Some("verify-full" | "verify-ca"));
    let allow_insecure = flag(src, "CONDUIT_DB_ALLOW_INSECURE", false)?;
    if production && !verified && !allow_insecure {
        return Err(error(
            "DATABASE_URL",
            "must verify the server certificate in production: add sslmode=verify-full (and sslrootcert=<CA bundle>), \
             or set CONDUIT_DB_ALLOW_INSECURE=1 to accept an unverified connection",
        ));
    }
    Ok(())
}

/// Decodes `%XX` escapes of a URL query value (paths with spaces or `&`).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, secret.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
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
    fn write_rate_has_defaults_can_be_off_and_names_bad_values() {
        use domain::WriteRate;
        use std::num::NonZeroU32;
        let base = [
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
        ];
        let rate = |per_minute, burst| {
            Some(WriteRate {
                per_minute: NonZeroU32::new(per_minute).unwrap(),
                burst: NonZeroU32::new(burst).unwrap(),
            })
        };
        assert_eq!(Config::from_source(&base).unwrap().write_rate, None);
        let with = |per_minute: &str, burst: &str| {
            Config::from_source(&[
                base[0],
                base[1],
                ("CONDUIT_WRITE_RATE_PER_MINUTE", per_minute),
                ("CONDUIT_WRITE_RATE_BURST", burst),
            ])
        };
        assert_eq!(with("6", "2").unwrap().write_rate, rate(6, 2));
        assert_eq!(with("0", "2").unwrap().write_rate, None);
        assert_eq!(var_of(with("lots", "2")), "CONDUIT_WRITE_RATE_PER_MINUTE");
        assert_eq!(var_of(with("6", "0")), "CONDUIT_WRITE_RATE_BURST");
    }

    #[test]
    fn rate_limits_are_off_in_development_and_on_in_production_by_default() {
        use domain::WriteRate;
        use std::num::NonZeroU32;
        let production_rates = (
            Some(AuthRate {
                per_minute: 60,
                burst: 20,
            }),
            Some(WriteRate {
                per_minute: NonZeroU32::new(30).unwrap(),
                burst: NonZeroU32::new(30).unwrap(),
            }),
        );
        let in_mode = |mode: &'static str, extra: (&'static str, &'static str)| {
            Config::from_source(&[
                ("CONDUIT_ENV", mode),
                ("DATABASE_URL", "postgres://u@h/db?sslmode=verify-full"),
                ("CONDUIT_JWT_SECRET", SECRET),
                extra,
            ])
            .unwrap()
        };
        let none = ("UNUSED", "");

        let development = in_mode("development", none);
        assert_eq!(
            (development.auth_rate, development.write_rate),
            (None, None)
        );
        assert_eq!(development.log_format, LogFormat::Pretty);
        let production = in_mode("production", none);
        assert_eq!(
            (production.auth_rate, production.write_rate),
            production_rates
        );
        assert_eq!(production.log_format, LogFormat::Json);
        // The hashing limits bound memory: the same in both modes.
        assert_eq!(development.hash_limits, production.hash_limits);

        // Either mode takes an explicit setting; a rate turned on in development gets the burst
        // production has.
        let dev_limited = Config::from_source(&[
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
            ("CONDUIT_AUTH_RATE_PER_MINUTE", "60"),
            ("CONDUIT_WRITE_RATE_PER_MINUTE", "30"),
        ])
        .unwrap();
        assert_eq!(
            (dev_limited.auth_rate, dev_limited.write_rate),
            production_rates
        );
        let prod_open = in_mode("production", ("CONDUIT_AUTH_RATE_PER_MINUTE", "0"));
        assert_eq!(prod_open.auth_rate, None);
        assert_eq!(prod_open.write_rate, production_rates.1);
    }

    #[test]
    fn production_requires_postgres_and_a_secret() {
        assert_eq!(
            var_of(Config::from_source(&[
                ("CONDUIT_ENV", "production"),
                ("CONDUIT_JWT_SECRET", SECRET)
            ])),
            "DATABASE_URL"
        );
        assert_eq!(
            var_of(Config::from_source(&[
                ("CONDUIT_ENV", "production"),
                ("DATABASE_URL", "postgres://u@h/db?sslmode=verify-full")
            ])),
            "CONDUIT_JWT_SECRET"
        );
        assert_eq!(
            var_of(Config::from_source(&[
                ("CONDUIT_ENV", "production"),
                ("DATABASE_URL", "sqlite://x.db"),
                ("CONDUIT_JWT_SECRET", SECRET)
            ])),
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
    fn production_requires_a_verified_postgres_connection() {
        let prod = |url: &'static str, extra: (&'static str, &'static str)| {
            Config::from_source(&[
                ("CONDUIT_ENV", "production"),
                ("DATABASE_URL", url),
                ("CONDUIT_JWT_SECRET", SECRET),
                extra,
            ])
        };
        let none = ("UNUSED", "");
        for url in [
            "postgres://u@h/db",
            "postgres://u@h/db?sslmode=require",
            "postgres://u@h/db?sslmode=prefer&application_name=x",
        ] {
            let err = prod(url, none).expect_err(url);
            assert_eq!(err.var, "DATABASE_URL");
            assert!(
                err.to_string().contains("CONDUIT_DB_ALLOW_INSECURE"),
                "{err}"
            );
            assert!(err.to_string().contains("verify-full"), "{err}");
            prod(url, ("CONDUIT_DB_ALLOW_INSECURE", "1")).expect(url);
        }
        prod("postgres://u@h/db?sslmode=verify-ca", none).unwrap();
        prod("postgres://u@h/db", ("PGSSLMODE", "verify-full")).unwrap();
        assert_eq!(
            var_of(prod("postgres://u@h/db?sslmode=verify-fully", none)),
            "DATABASE_URL"
        );
        assert_eq!(
            var_of(prod(
                "postgres://u@h/db?sslmode=require",
                ("CONDUIT_DB_ALLOW_INSECURE", "yes")
            )),
            "CONDUIT_DB_ALLOW_INSECURE"
        );

        // The CA bundle must exist: a typo is a start-up error, not a failed handshake later.
        let missing = prod(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/rds-ca.pem",
            none,
        )
        .expect_err("missing CA");
        assert!(
            missing.to_string().contains("/nonexistent/rds-ca.pem"),
            "{missing}"
        );
        let ca = std::env::temp_dir().join(format!("conduit ca {}.pem", std::process::id()));
        std::fs::write(&ca, "not checked here").unwrap();
        let url = format!(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert={}",
            ca.display().to_string().replace(' ', "%20")
        );
        let config = Config::from_source(&[
            ("CONDUIT_ENV", "production"),
            ("DATABASE_URL", url.as_str()),
            ("CONDUIT_JWT_SECRET", SECRET),
        ])
        .unwrap();
        assert_eq!(config.database_url, url);
        std::fs::remove_file(ca).unwrap();

        // Development takes any sslmode.
        Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db?sslmode=disable"),
            ("CONDUIT_JWT_SECRET", SECRET),
        ])
        .unwrap();
    }

    #[test]
    fn runtime_settings_have_defaults_and_overrides() {
        let config = Config::from_source(&[
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
        ])
        .unwrap();
        assert_eq!(config.auth_rate, None);
        assert_eq!(config.proxy_hops, 0);
        assert_eq!(config.shutdown_delay, Duration::ZERO);
        assert_eq!(config.shutdown_timeout, Duration::from_secs(20));
        let config = Config::from_source(&[
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
            ("CONDUIT_AUTH_RATE_PER_MINUTE", "0"),
            ("CONDUIT_PROXY_HOPS", "2"),
            ("CONDUIT_SHUTDOWN_DELAY_SECS", "5"),
            ("CONDUIT_SHUTDOWN_TIMEOUT_SECS", "9"),
        ])
        .unwrap();
        assert_eq!(config.auth_rate, None);
        assert_eq!(config.proxy_hops, 2);
        assert_eq!(config.shutdown_delay, Duration::from_secs(5));
        assert_eq!(config.shutdown_timeout, Duration::from_secs(9));
        assert_eq!(config.hash_limits, HashLimits::default());
        assert!(config.public_url.is_none());
        let config = Config::from_source(&[
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
            ("CONDUIT_HASH_CONCURRENCY", "3"),
            ("CONDUIT_HASH_QUEUE", "0"),
            ("CONDUIT_PUBLIC_URL", "https://conduit.example.com"),
        ])
        .unwrap();
        assert_eq!(
            config.hash_limits,
            HashLimits {
                concurrency: 3,
                queue: 0
            }
        );
        assert_eq!(
            config.public_url.unwrap().origin().ascii_serialization(),
            "https://conduit.example.com"
        );
    }

    #[test]
    fn connection_limits_and_the_metrics_address() {
        let base = [
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
        ];
        let config = Config::from_source(&base).unwrap();
        assert_eq!(
            config.connection_limits,
            Limits {
                header_read_timeout: Duration::from_secs(10),
                max_header_bytes: 32 * 1024
            }
        );
        assert_eq!(config.metrics_addr, Some(([127, 0, 0, 1], 9100).into()));
        let config = Config::from_source(&[
            base[0],
            base[1],
            ("CONDUIT_HEADER_READ_TIMEOUT_SECS", "3"),
            ("CONDUIT_MAX_HEADER_BYTES", "8192"),
            ("CONDUIT_METRICS_ADDR", "0.0.0.0:9464"),
        ])
        .unwrap();
        assert_eq!(
            config.connection_limits,
            Limits {
                header_read_timeout: Duration::from_secs(3),
                max_header_bytes: 8192
            }
        );
        assert_eq!(config.metrics_addr, Some(([0, 0, 0, 0], 9464).into()));
        let off = Config::from_source(&[base[0], base[1], ("CONDUIT_METRICS_ADDR", "off")]);
        assert_eq!(off.unwrap().metrics_addr, None);
        for (var, value) in [
            ("CONDUIT_HEADER_READ_TIMEOUT_SECS", "0"),
            ("CONDUIT_HEADER_READ_TIMEOUT_SECS", "soon"),
            ("CONDUIT_MAX_HEADER_BYTES", "8191"),
            ("CONDUIT_MAX_HEADER_BYTES", "32k"),
            ("CONDUIT_METRICS_ADDR", "localhost"),
        ] {
            let config = Config::from_source(&[base[0], base[1], (var, value)]);
            assert_eq!(var_of(config), var, "{var}={value}");
        }
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
            ("CONDUIT_REQUEST_TIMEOUT_SECS", "0"),
            ("CONDUIT_DB_ACQUIRE_TIMEOUT_MS", "0"),
            ("CONDUIT_SHUTDOWN_TIMEOUT_SECS", "soon"),
            ("CONDUIT_SHUTDOWN_DELAY_SECS", "x"),
            ("CONDUIT_AUTH_RATE_PER_MINUTE", "lots"),
            ("CONDUIT_AUTH_RATE_BURST", "0"),
            ("CONDUIT_PROXY_HOPS", "-1"),
            ("CONDUIT_BODY_LIMIT_BYTES", "1MB"),
            ("CONDUIT_HASH_CONCURRENCY", "0"),
            ("CONDUIT_HASH_CONCURRENCY", "257"),
            ("CONDUIT_HASH_QUEUE", "-1"),
            ("CONDUIT_HASH_QUEUE", "10001"),
            ("CONDUIT_PUBLIC_URL", "conduit.example.com"),
            ("CONDUIT_PUBLIC_URL", "ftp://conduit.example.com"),
            ("CONDUIT_PUBLIC_URL", "https://conduit.example.com/app"),
            ("CONDUIT_DB_MAX_LIFETIME_SECS", "0"),
            ("CONDUIT_MIGRATE_ON_START", "maybe"),
        ] {
            let config = Config::from_source(&[
                (var, value),
                (
                    "CONDUIT_JWT_SECRET",
                    if var == "CONDUIT_JWT_SECRET" {
                        value
                    } else {
                        SECRET
                    },
                ),
            ]);
            assert_eq!(var_of(config), var, "{var}={value}");
        }
    }

    #[test]
    fn public_url_and_session_idle_are_checked() {
        let with = |var: &'static str, value: &'static str| {
            Config::from_source(&[(var, value), ("CONDUIT_JWT_SECRET", SECRET)])
        };
        for bad in [
            "conduit.example.com",
            "ftp://conduit.example.com",
            "https://",
            "https://user:pw@conduit.example.com",
            "https://conduit.example.com/app",
            "https://conduit.example.com/?x=1",
            "https://conduit.example.com/#top",
        ] {
            let err = with("CONDUIT_PUBLIC_URL", bad).expect_err(bad);
            assert_eq!(err.var, "CONDUIT_PUBLIC_URL", "{bad}");
            assert!(
                err.to_string().contains("https://conduit.example.com"),
                "{err}"
            );
        }
        for bad in ["0", "43201", "a week", "-5"] {
            assert_eq!(
                var_of(with("CONDUIT_SESSION_IDLE_MINUTES", bad)),
                "CONDUIT_SESSION_IDLE_MINUTES",
                "{bad}"
            );
        }

        let https = with("CONDUIT_PUBLIC_URL", "https://conduit.example.com/").unwrap();
        assert!(https.serves_https());
        assert_eq!(
            https.public_url.unwrap().origin().ascii_serialization(),
            "https://conduit.example.com"
        );
        assert!(!with("CONDUIT_PUBLIC_URL", "http://127.0.0.1:3000")
            .unwrap()
            .serves_https());
        let defaults = with("UNUSED", "").unwrap();
        assert!(defaults.public_url.is_none() && !defaults.serves_https());
        assert_eq!(defaults.session_idle, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(
            with("CONDUIT_SESSION_IDLE_MINUTES", "30")
                .unwrap()
                .session_idle,
            Duration::from_secs(1800)
        );

        // Production is served over HTTPS: assumed without a public URL, required with one.
        let production = |extra: (&'static str, &'static str)| {
            Config::from_source(&[
                ("CONDUIT_ENV", "production"),
                ("DATABASE_URL", "postgres://u@h/db?sslmode=verify-full"),
                ("CONDUIT_JWT_SECRET", SECRET),
                extra,
            ])
        };
        assert!(production(("UNUSED", "")).unwrap().serves_https());
        assert_eq!(
            var_of(production((
                "CONDUIT_PUBLIC_URL",
                "http://conduit.example.com"
            ))),
            "CONDUIT_PUBLIC_URL"
        );
    }

    #[test]
    fn database_access_defaults_keep_todays_behaviour() {
        let config = Config::from_source(&[
            ("DATABASE_URL", "sqlite::memory:"),
            ("CONDUIT_JWT_SECRET", SECRET),
        ])
        .unwrap();
        assert_eq!(config.pool.max_lifetime, Duration::from_secs(30 * 60));
        assert_eq!(config.pool.credentials, None);
        assert!(config.migrate_on_start);
        assert_eq!(config.app_role, None);
    }

    #[test]
    fn database_credentials_come_from_files() {
        let dir = std::env::temp_dir().join(format!("conduit-db-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("password");
        std::fs::write(&file, "secret\n").unwrap();
        let file = file.display().to_string();
        let config = Config::from_source(&[
            ("DATABASE_URL", "postgres://h/db"),
            ("CONDUIT_JWT_SECRET", SECRET),
            ("CONDUIT_DB_PASSWORD_FILE", &file),
            ("CONDUIT_DB_USER_FILE", &file),
            ("CONDUIT_DB_MAX_LIFETIME_SECS", "60"),
            ("CONDUIT_MIGRATE_ON_START", "0"),
            ("CONDUIT_DB_APP_ROLE", "conduit_app"),
            ("CONDUIT_DB_APP_PASSWORD_FILE", &file),
        ])
        .unwrap();
        assert_eq!(
            config.pool.credentials,
            Some(CredentialFiles {
                password: file.clone().into(),
                user: Some(file.clone().into()),
            })
        );
        assert_eq!(config.pool.max_lifetime, Duration::from_secs(60));
        assert!(!config.migrate_on_start);
        assert_eq!(
            config.app_role,
            Some(AppRole {
                name: "conduit_app".into(),
                initial_password_file: Some(file.clone().into()),
            })
        );

        let missing = dir.join("missing").display().to_string();
        for (vars, named) in [
            (
                vec![
                    ("DATABASE_URL", "sqlite::memory:"),
                    ("CONDUIT_DB_PASSWORD_FILE", file.as_str()),
                ],
                "CONDUIT_DB_PASSWORD_FILE",
            ),
            (
                vec![
                    ("DATABASE_URL", "postgres://h/db"),
                    ("CONDUIT_DB_PASSWORD_FILE", missing.as_str()),
                ],
                "CONDUIT_DB_PASSWORD_FILE",
            ),
            (
                vec![
                    ("DATABASE_URL", "postgres://u:pw@h/db"),
                    ("CONDUIT_DB_PASSWORD_FILE", file.as_str()),
                ],
                "DATABASE_URL",
            ),
            (
                vec![
                    ("DATABASE_URL", "postgres://h/db"),
                    ("CONDUIT_DB_USER_FILE", file.as_str()),
                ],
                "CONDUIT_DB_USER_FILE",
            ),
            (
                vec![
                    ("DATABASE_URL", "postgres://h/db"),
                    ("CONDUIT_DB_APP_ROLE", "Robert'); DROP"),
                ],
                "CONDUIT_DB_APP_ROLE",
            ),
            (
                vec![
                    ("DATABASE_URL", "sqlite::memory:"),
                    ("CONDUIT_DB_APP_ROLE", "conduit_app"),
                ],
                "CONDUIT_DB_APP_ROLE",
            ),
            (
                vec![
                    ("DATABASE_URL", "postgres://h/db"),
                    ("CONDUIT_DB_APP_PASSWORD_FILE", file.as_str()),
                ],
                "CONDUIT_DB_APP_PASSWORD_FILE",
            ),
        ] {
            let mut vars = vars;
            vars.push(("CONDUIT_JWT_SECRET", SECRET));
            let source: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(
                var_of(Config::from_source(&Pairs(source))),
                named,
                "{vars:?}"
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    struct Pairs(Vec<(String, String)>);

    impl Source for Pairs {
        fn get(&self, var: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| k == var)
                .map(|(_, v)| v.clone())
        }
    }
}
