//! `conduit migrate`: the privileged step that owns the schema. Run with the database owner's
//! credentials (in production a Kubernetes Job with the RDS master secret), it applies the
//! pending migrations and, given `CONDUIT_DB_APP_ROLE`, sets up the least-privilege role the
//! server connects as: it may log in, use the schema and read and write rows, and nothing else:
//! no DDL, no ownership, not the migration history. Every step is idempotent.

use domain::db::{Backend, Db};
use sqlx::AssertSqlSafe;

use crate::config::AppRole;

/// What `conduit migrate` did to the app role.
#[derive(Debug, PartialEq, Eq)]
pub enum RoleOutcome {
    Created,
    Granted,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Database(#[from] sqlx::Error),
    #[error("CONDUIT_DB_APP_ROLE applies to PostgreSQL only")]
    NotPostgres,
    #[error("CONDUIT_DB_APP_ROLE {0:?} is the user running the migrations; the app needs a role of its own")]
    SameRole(String),
    #[error("CONDUIT_DB_APP_ROLE {0:?} exists with superuser, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS; it must be a plain role")]
    Privileged(String),
    #[error("CONDUIT_DB_APP_PASSWORD_FILE: {0}")]
    PasswordFile(String),
}

/// Runs `conduit migrate` (the migrations were applied when `db` was connected).
pub async fn command(db: &Db, role: Option<&AppRole>) -> Result<(), MigrateError> {
    println!("migrations applied");
    if let Some(role) = role {
        let outcome = ensure_app_role(db, role).await?;
        println!(
            "app role {}: {}",
            role.name,
            match outcome {
                RoleOutcome::Created => "created and granted",
                RoleOutcome::Granted => "granted (password left to the rotation)",
            }
        );
    }
    Ok(())
}

/// Creates `role` when missing (with its initial password), then grants it exactly what the
/// app needs on the current database and schema, now and for tables later migrations create.
pub async fn ensure_app_role(db: &Db, role: &AppRole) -> Result<RoleOutcome, MigrateError> {
    if db.backend() != Backend::Postgres {
        return Err(MigrateError::NotPostgres);
    }
    let mut conn = db.acquire().await?;
    let (me, exists, privileged): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, \
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1), \
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1 AND (rolsuper OR rolcreatedb \
                        OR rolcreaterole OR rolreplication OR rolbypassrls))",
    )
    .bind(&role.name)
    .fetch_one(&mut *conn)
    .await?;
    if me == role.name {
        return Err(MigrateError::SameRole(me));
    }
    if privileged {
        return Err(MigrateError::Privileged(role.name.clone()));
    }
    let outcome = if exists {
        RoleOutcome::Granted
    } else {
        let password = match &role.initial_password_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map(|p| p.trim_end_matches(['\r', '\n']).to_string())
                    .map_err(|e| MigrateError::PasswordFile(format!("{}: {e}", path.display())))?,
            ),
            None => None,
        };
        // CREATE ROLE takes no bind parameters: PostgreSQL's own format() quotes the name and
        // the password (NULL: no password, for IAM authentication).
        let create: String = sqlx::query_scalar(
            "SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE \
             NOREPLICATION NOBYPASSRLS PASSWORD %L', $1::text, $2::text)",
        )
        .bind(&role.name)
        .bind(password)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::raw_sql(AssertSqlSafe(create))
            .execute(&mut *conn)
            .await?;
        RoleOutcome::Created
    };
    let (database, schema): (String, String) =
        sqlx::query_as("SELECT quote_ident(current_database()), quote_ident(current_schema())")
            .fetch_one(&mut *conn)
            .await?;
    // The role name is a plain identifier (checked with the configuration): no quoting needed.
    let name = &role.name;
    let grants = format!(
        "REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;
         GRANT CONNECT ON DATABASE {database} TO {name};
         GRANT USAGE ON SCHEMA {schema} TO {name};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name};
         GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {name};
         ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}
             GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name};
         ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE ON SEQUENCES TO {name};
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {schema}._sqlx_migrations FROM {name};"
    );
    sqlx::raw_sql(AssertSqlSafe(grants))
        .execute(&mut *conn)
        .await?;
    Ok(outcome)
}
