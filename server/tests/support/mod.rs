//! What every test binary of the server shares: a configuration from a list of variables (no
//! process environment), and the administrative PostgreSQL connection that tests create their
//! databases from.
//!
//! PostgreSQL: `CONDUIT_TEST_POSTGRES_URL` (default [`DEFAULT_POSTGRES_URL`]); when it is not
//! reachable, tests run on SQLite only, unless `CONDUIT_REQUIRE_POSTGRES=1` makes that a failure.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use server::config::{Config, Source};
use sqlx::{AnyConnection, Connection};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The signing secret of every test server.
pub const SECRET: &str = "conduit-test-suites-secret-of-enough-bytes";

/// Configuration variables as a list; a later entry wins over an earlier one.
pub struct Vars(pub Vec<(String, String)>);

impl Source for Vars {
    fn get(&self, var: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == var)
            .map(|(_, v)| v.clone())
    }
}

/// A test configuration with its data (and, unless `extra` names another database, its SQLite
/// database) in `dir`, and `extra` on top.
pub fn config_in(dir: &Path, extra: &[(&str, &str)]) -> Config {
    let mut vars = vec![
        ("CONDUIT_DATA_DIR".to_string(), dir.display().to_string()),
        ("CONDUIT_JWT_SECRET".to_string(), SECRET.to_string()),
        (
            "DATABASE_URL".to_string(),
            format!("sqlite://{}?mode=rwc", dir.join("conduit.db").display()),
        ),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_source(&Vars(vars)).expect("a valid test configuration")
}

pub fn admin_url() -> String {
    std::env::var("CONDUIT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string())
}

pub fn postgres_required() -> bool {
    std::env::var("CONDUIT_REQUIRE_POSTGRES").is_ok_and(|v| v.trim() == "1")
}

/// `url` with its database name replaced by `database`, keeping any query string.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{database}{query}", &base[..host_end])
}

/// The administrative connection, or why there is none.
pub async fn admin_connection() -> Result<AnyConnection, String> {
    sqlx::any::install_default_drivers();
    let url = admin_url();
    match tokio::time::timeout(Duration::from_secs(5), AnyConnection::connect(&url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(format!("{err}")),
        Err(_) => Err("timed out after 5 s".to_string()),
    }
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://u@h:5432/test", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h/test?sslmode=disable", "t2"),
        "postgres://u@h/t2?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "t3"), "postgres://u@h/t3");
}
