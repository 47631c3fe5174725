//! The storage behind the domain: one `sqlx::AnyPool` over SQLite (the embedded default) or
//! PostgreSQL, chosen by the URL scheme alone. Every query in the domain is written once in the
//! SQL both understand (`$1` placeholders, `RETURNING`, `ON CONFLICT`), and timestamps are stored
//! as integer milliseconds since the epoch so they sort, index and compare the same on both.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            _ => None,
        }
    }
}

/// Pool settings; the defaults suit a small instance.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a connection before it gets a 503.
    pub acquire_timeout: Duration,
    /// Connections older than this are closed and replaced, so none outlives a credential
    /// rotation by more than this.
    pub max_lifetime: Duration,
    /// Where the PostgreSQL password (and user) come from, when not from the URL.
    pub credentials: Option<CredentialFiles>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            max_lifetime: Duration::from_secs(30 * 60),
            credentials: None,
        }
    }
}

/// Mounted secret files holding the database password and, optionally, the user name (which
/// alternates between two roles under "alternating users" rotation). They are re-read while the
/// server runs, so a rotated secret reaches new connections without a restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialFiles {
    pub password: PathBuf,
    pub user: Option<PathBuf>,
}

/// How often the credential files are looked at again while connections are being acquired.
const CREDENTIALS_RECHECK: Duration = Duration::from_secs(1);

/// The credentials new connections use, kept in step with their files.
struct Credentials {
    files: CredentialFiles,
    /// `DATABASE_URL`; the user and password from the files go into a copy of it.
    url: url::Url,
    /// The user and password the pool's connect options hold now.
    current: std::sync::Mutex<(String, String)>,
    started: Instant,
    /// Milliseconds after `started` of the last look at the files.
    checked_ms: AtomicU64,
}

/// Names the files only: a `Db` in a log line must not print the password.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The credentials from the files, and connect options with them.
    fn new(
        url: &str,
        files: CredentialFiles,
    ) -> Result<(Credentials, AnyConnectOptions), sqlx::Error> {
        let url = url::Url::parse(url)
            .map_err(|e| sqlx::Error::Configuration(format!("DATABASE_URL: {e}").into()))?;
        let creds = Credentials {
            files,
            url,
            current: Default::default(),
            started: Instant::now(),
            checked_ms: AtomicU64::new(0),
        };
        let read = creds
            .read()
            .map_err(|e| sqlx::Error::Configuration(e.into()))?;
        let options = creds.options(&read)?;
        *creds.current.lock().unwrap_or_else(|e| e.into_inner()) = read;
        Ok((creds, options))
    }

    /// The user (from its file, else the URL's) and the password, without the line ending a
    /// secret file may carry.
    fn read(&self) -> Result<(String, String), String> {
        let read = |path: &PathBuf| -> Result<String, String> {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let value = text.trim_end_matches(['\r', '\n']);
            if value.is_empty() {
                return Err(format!("{} is empty", path.display()));
            }
            Ok(value.to_string())
        };
        let password = read(&self.files.password)?;
        let user = match &self.files.user {
            Some(path) => read(path)?,
            None => self.url.username().to_string(),
        };
        Ok((user, password))
    }

    /// Connect options for DATABASE_URL with these credentials.
    fn options(
        &self,
        (user, password): &(String, String),
    ) -> Result<AnyConnectOptions, sqlx::Error> {
        let mut url = self.url.clone();
        let bad_url = |_| sqlx::Error::Configuration("DATABASE_URL cannot carry a user".into());
        url.set_username(user).map_err(bad_url)?;
        url.set_password(Some(password)).map_err(bad_url)?;
        AnyConnectOptions::from_url(&url)
    }

    /// Re-reads the files when the last look is older than [`CREDENTIALS_RECHECK`] (or `now` is
    /// asked for), and hands changed credentials to the pool for its next connections. The
    /// files are small and on a memory-backed secret volume: a blocking read at most once a
    /// second costs less than handing it to a thread.
    fn refresh(&self, pool: &AnyPool, now: bool) {
        let elapsed = self.started.elapsed().as_millis() as u64;
        let checked = self.checked_ms.load(Ordering::Relaxed);
        if !now && elapsed.saturating_sub(checked) < CREDENTIALS_RECHECK.as_millis() as u64 {
            return;
        }
        self.checked_ms.store(elapsed, Ordering::Relaxed);
        let read = match self.read() {
            Ok(read) => read,
            Err(err) => {
                // Mid-update or removed: keep the credentials that worked so far.
                tracing::warn!(error = %err, "database credentials unreadable; keeping the current ones");
                return;
            }
        };
        // Compared, built and handed over under the lock, so the pool ends with the newest.
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if *current == read {
            return;
        }
        match self.options(&read) {
            Ok(options) => {
                pool.set_connect_options(options);
                *current = read;
                tracing::info!("database credentials changed; new connections use them");
            }
            Err(err) => tracing::warn!(error = %err, "database credentials not applied"),
        }
    }
}

/// SQLSTATE class 28, "invalid authorization specification": a wrong password or user.
pub(crate) fn is_auth_failure(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("28")))
}

/// A handle on the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    credentials: Option<Arc<Credentials>>,
    acquire_timeout: Duration,
    /// SQLite takes one writer at a time, and a writer that finds the database locked sleeps in
    /// SQLite's busy handler (steps of 1, 2, 5 ... up to 100 ms) before it tries again: with 16
    /// clients writing, the write mix's p99 was 114 to 133 ms (BENCHMARKS.md). Writers of this
    /// process queue here instead, first come first served, and find the database free.
    /// PostgreSQL locks rows, not the database: no queue.
    write_turn: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A connection for a write ([`Db::writer`]): on SQLite it holds the process's write turn until
/// dropped, so a transaction keeps it from `BEGIN` to `COMMIT`.
pub struct Writer {
    conn: PoolConnection<Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for Writer {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }
}

impl Db {
    /// Connects and applies the pending migrations of the URL's backend.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Db, sqlx::Error> {
        let db = Db::open(url, settings)?;
        // Fail fast on a wrong URL or credentials, as the first statement would.
        drop(db.acquire().await?);
        db.migrate().await?;
        Ok(db)
    }

    /// A handle that connects on first use and applies no migrations: the server's start when
    /// a separate step (`conduit migrate`) owns the schema. Readiness reports the database.
    pub fn open(url: &str, settings: &PoolSettings) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            sqlx::Error::Configuration(
                format!("unsupported database URL scheme in {:?}", redact(url)).into(),
            )
        })?;
        let (credentials, options) = match settings.credentials.clone() {
            Some(files) => {
                let (credentials, options) = Credentials::new(url, files)?;
                (Some(Arc::new(credentials)), options)
            }
            None => (None, url.parse()?),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .max_lifetime(settings.max_lifetime)
            // No ping before each use: on PostgreSQL it was a round trip per statement (and on
            // SQLite a trip to the connection's worker thread), a fifth of a one-article
            // request's server time. A connection that broke while idle fails its next
            // statement, and the pool then drops it.
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // Concurrent readers with one writer, and durable enough for an app DB.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        Ok(Db {
            pool,
            backend,
            credentials,
            acquire_timeout: settings.acquire_timeout,
            write_turn: (backend == Backend::Sqlite).then(Default::default),
        })
    }

    /// Applies the pending migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut conn = self.acquire().await?;
        migrator
            .run(&mut *conn)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))
    }

    /// A pooled connection, the way every query gets one. With credential files, a refused
    /// login re-reads them and tries again for up to the acquire timeout: the database and the
    /// mounted secret change at slightly different moments during a rotation.
    pub async fn acquire(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        let Some(credentials) = &self.credentials else {
            return self.pool.acquire().await;
        };
        credentials.refresh(&self.pool, false);
        // The first refusal starts the clock: the wait for a free slot before it (bounded by
        // the pool's own timeout) must not eat the time the rotation needs to land.
        let mut deadline = None;
        let mut pause = Duration::from_millis(20);
        loop {
            match self.pool.acquire().await {
                Err(err)
                    if is_auth_failure(&err)
                        && Instant::now() + pause
                            < *deadline
                                .get_or_insert_with(|| Instant::now() + self.acquire_timeout) =>
                {
                    tracing::debug!(error = %err, "database refused the credentials; re-reading them");
                    tokio::time::sleep(pause).await;
                    credentials.refresh(&self.pool, true);
                    pause = (pause * 2).min(Duration::from_millis(320));
                }
                result => return result,
            }
        }
    }

    /// A connection for statements that write, after this process's earlier writers on SQLite
    /// (see `write_turn`). The wait is bounded like a pooled connection's: a 503 when it is out.
    pub async fn writer(&self) -> Result<Writer, sqlx::Error> {
        let turn = match &self.write_turn {
            Some(turn) => Some(
                tokio::time::timeout(self.acquire_timeout, turn.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?,
            ),
            None => None,
        };
        Ok(Writer {
            conn: self.acquire().await?,
            _turn: turn,
        })
    }

    /// True when the database answers and every migration of this build is applied.
    pub async fn is_ready(&self) -> bool {
        let expected = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.iter().count(),
            Backend::Postgres => POSTGRES_MIGRATIONS.iter().count(),
        } as i64;
        let Ok(mut conn) = self.acquire().await else {
            return false;
        };
        let applied: Result<i64, _> =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&mut *conn)
                .await;
        matches!(applied, Ok(n) if n >= expected)
    }

    /// The pool itself, for tests; queries take their connection from [`Db::acquire`], which
    /// keeps rotated credentials working (clippy.toml disallows this method outside tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every pooled connection, waiting for those in use to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Connections open and idle, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }
}

/// A URL fit for logs: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A yes-or-no column such as `EXISTS (...) AS favorited`: PostgreSQL answers with a boolean,
/// SQLite with 0 or 1, and the `Any` driver's `bool` takes only the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <bool as sqlx::Type<sqlx::Any>>::compatible(ty)
            || <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Flag, sqlx::error::BoxDynError> {
        // By the value's type, not by trying: a failed decode builds an error message.
        use sqlx::ValueRef;
        if <bool as sqlx::Type<sqlx::Any>>::compatible(&value.type_info()) {
            Ok(Flag(<bool as sqlx::Decode<sqlx::Any>>::decode(value)?))
        } else {
            Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
        }
    }
}

/// Runs a write of `user` ($1) about the row that `name` ($2) names, a slug or a username: the
/// favorites and follows, each one statement whose answer is then read back.
pub(crate) async fn write_by(
    db: &Db,
    sql: &'static str,
    user: super::UserId,
    name: &str,
) -> super::Result<()> {
    sqlx::query(sql)
        .bind(user.0)
        .bind(name)
        .execute(&mut *db.writer().await?)
        .await?;
    Ok(())
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn credentials_come_from_their_files_and_stay_out_of_debug_output() {
        let dir = std::env::temp_dir().join(format!("conduit-credentials-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (password, user) = (dir.join("password"), dir.join("username"));
        std::fs::write(&password, "s3cret-value\r\n").unwrap();
        std::fs::write(&user, "conduit_app_clone\n").unwrap();
        let files = CredentialFiles {
            password: password.clone(),
            user: Some(user),
        };
        let (credentials, options) =
            Credentials::new("postgres://conduit_app@db:5432/conduit", files).unwrap();
        assert_eq!(options.database_url.username(), "conduit_app_clone");
        assert_eq!(options.database_url.password(), Some("s3cret-value"));
        assert!(!format!("{credentials:?}").contains("s3cret"));
        std::fs::write(&password, "\n").unwrap();
        assert!(
            credentials.read().is_err(),
            "an empty password file is refused"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// SQLite's writers take turns in the process instead of meeting a locked database; the
    /// wait for a turn ends like the wait for a connection does.
    #[tokio::test]
    async fn sqlite_writers_take_turns_and_wait_no_longer_than_for_a_connection() {
        let settings = PoolSettings {
            acquire_timeout: Duration::from_millis(200),
            ..PoolSettings::default()
        };
        let db = Db::connect("sqlite::memory:", &settings).await.unwrap();
        let first = db.writer().await.unwrap();
        let second = tokio::spawn({
            let db = db.clone();
            async move { db.writer().await.map(drop) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "the second writer waits its turn");
        drop(first);
        second.await.unwrap().unwrap();

        let held = db.writer().await.unwrap();
        let late = db.writer().await;
        assert!(
            matches!(late, Err(sqlx::Error::PoolTimedOut)),
            "{:?}",
            late.err()
        );
        // Readers never wait for the turn.
        drop(db.acquire().await.unwrap());
        drop(held);
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/c"),
            "postgres://app:***@db:5432/c"
        );
        assert_eq!(redact("sqlite://data/c.db"), "sqlite://data/c.db");
    }
}
