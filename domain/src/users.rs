//! Accounts: registration, sign-in, the current user and their settings.

use sqlx::FromRow;

use super::auth::{
    burn_password_check, end_credentials_for_password_change, hash_password, session_hash,
    verify_password, Credential, SessionPolicy,
};
use super::db::{now_millis, Db};
use super::error::violated_unique;
use super::validate::{none_if_blank, Checks, MAX_BIO, MAX_IMAGE_URL, MAX_PASSWORD, MAX_USERNAME};
use super::{Error, Result, UserId};

/// A user as stored, without the password hash.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    /// Moves on with every password change; API tokens carry it (see `auth::Tokens`).
    pub token_generation: i64,
}

impl Account {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Registration {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

/// The settings a user may change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub bio: Option<String>,
    pub image: Option<String>,
    /// True when the request sent an explicit `null` for username, email or password: the spec
    /// treats that as an empty value (422), not as "unchanged".
    pub nulled: Vec<&'static str>,
    /// The current password, from a transport that asks for it before a password change (the
    /// settings page: a browser left signed in must not let anyone take the account). `None`
    /// skips the check: the API follows the spec, where the token is the proof.
    pub current_password: Option<String>,
}

pub async fn register(db: &Db, form: Registration) -> Result<Account> {
    let username = form.username.as_deref().map(str::trim);
    let email = form.email.as_deref().map(str::trim);
    Checks::default()
        .required("username", username, MAX_USERNAME)
        .email(email)
        .password(form.password.as_deref())
        .finish()?;
    let (username, email) = (username.unwrap_or_default(), email.unwrap_or_default());
    let hash = hash_password(form.password.unwrap_or_default()).await?;

    let now = now_millis();
    let inserted = sqlx::query_as::<_, Account>(
        "INSERT INTO users (username, email, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id, username, email, bio, image, token_generation",
    )
    .bind(username)
    .bind(email)
    .bind(hash)
    .bind(now)
    .fetch_one(&mut *db.writer().await?)
    .await;
    inserted.map_err(taken)
}

/// The field each unique constraint of `users` keeps, by the names the two databases give it
/// (see [`violated_unique`]): PostgreSQL's constraint names, SQLite's column and index names.
const UNIQUE_FIELDS: [(&str, &str); 3] = [
    ("users_username_key", "username"),
    ("users.username", "username"),
    ("users_email_key", "email"),
];

/// The 409 for a write that broke a unique constraint of `users`: the constraint's name says
/// which field is taken, so no second query asks. When both are, the database names the first
/// it checked.
fn taken(err: sqlx::Error) -> Error {
    let field = violated_unique(&err).and_then(|name| {
        UNIQUE_FIELDS
            .iter()
            .find(|(constraint, _)| *constraint == name)
            .map(|(_, field)| *field)
    });
    match field {
        Some(field) => Error::Conflict(vec![(field, "has already been taken".to_string())]),
        None => err.into(),
    }
}

/// Signs in by email and password. Wrong email and wrong password are the same 401, and take
/// the same time, so the answer does not tell which emails have accounts.
pub async fn login(db: &Db, email: Option<&str>, password: Option<&str>) -> Result<Account> {
    let email = email.map(str::trim);
    Checks::default()
        .required("email", email, usize::MAX)
        .required("password", password, usize::MAX)
        .finish()?;
    let password = password.unwrap_or_default().to_string();
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(email) = lower($1)")
            .bind(email.unwrap_or_default())
            .fetch_optional(&mut *db.acquire().await?)
            .await?;
    let invalid = Error::Unauthorized("credentials", "invalid");
    let Some((id, hash)) = row else {
        burn_password_check(password).await?;
        return Err(invalid);
    };
    if !verify_password(password, hash).await? {
        return Err(invalid);
    }
    get(db, UserId(id)).await
}

/// The account behind a verified token or session. A token for a deleted user is a 401.
pub async fn get(db: &Db, user: UserId) -> Result<Account> {
    sqlx::query_as::<_, Account>(
        "SELECT id, username, email, bio, image, token_generation FROM users WHERE id = $1",
    )
    .bind(user.0)
    .fetch_optional(&mut *db.acquire().await?)
    .await?
    .ok_or(Error::Unauthorized("token", "is invalid"))
}

/// The account signed in by a browser session, if `token` names a live one: neither past its
/// absolute end nor idle for `policy.idle`. One statement reads the session and its user, so a
/// page knows who is reading (and what the navbar shows) from this alone. Using a session renews
/// it, with a write at most once per [`SessionPolicy::renew_after`].
pub async fn of_session(db: &Db, token: &str, policy: SessionPolicy) -> Result<Option<Account>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: Account,
        last_seen_at: i64,
    }
    let now = now_millis();
    let hash = session_hash(token);
    let row: Option<Row> = sqlx::query_as(
        "SELECT u.id, u.username, u.email, u.bio, u.image, u.token_generation, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
    )
    .bind(&hash)
    .bind(now)
    .bind(policy.idle_cutoff(now))
    .fetch_optional(&mut *db.acquire().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if now - row.last_seen_at >= policy.renew_after().as_millis() as i64 {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(&hash)
            .bind(now)
            .execute(&mut *db.writer().await?)
            .await?;
    }
    Ok(Some(row.account))
}

/// Changes the settings sent. A new password ends every browser session and API token of the
/// user but `by`, the credential making the change (an API caller gets a fresh token from the
/// returned account too).
pub async fn update(
    db: &Db,
    user: UserId,
    changes: Changes,
    by: Credential<'_>,
) -> Result<Account> {
    let current = get(db, user).await?;
    let mut checks = Checks::default();
    for field in &changes.nulled {
        checks.push(field, "can't be blank");
    }
    let username = changes.username.as_deref().map(str::trim);
    let email = changes.email.as_deref().map(str::trim);
    if username.is_some() {
        checks.required("username", username, MAX_USERNAME);
    }
    if email.is_some() {
        checks.email(email);
    }
    if changes.password.is_some() {
        checks.password(changes.password.as_deref());
        if let Some(proof) = &changes.current_password {
            checks.required(CURRENT_PASSWORD, Some(proof), MAX_PASSWORD);
        }
    }
    checks
        .optional("bio", changes.bio.as_deref(), MAX_BIO)
        .optional("image", changes.image.as_deref(), MAX_IMAGE_URL)
        .finish()?;

    let username = username.unwrap_or(&current.username).to_string();
    let email = email.unwrap_or(&current.email).to_string();
    // `bio: ""` and `image: ""` clear the field; leaving it out keeps it.
    let bio = match changes.bio {
        Some(bio) => none_if_blank(Some(bio)),
        None => current.bio.clone(),
    };
    let image = match changes.image {
        Some(image) => none_if_blank(Some(image.trim().to_string())),
        None => current.image.clone(),
    };
    let hash = match changes.password {
        Some(password) => {
            if let Some(proof) = changes.current_password {
                check_current_password(db, user, proof).await?;
            }
            Some(hash_password(password).await?)
        }
        None => None,
    };

    let password_changed = hash.is_some();
    let query = sqlx::query_as::<_, Account>(
        "UPDATE users SET username = $1, email = $2, bio = $3, image = $4,
           password_hash = COALESCE($5, password_hash), updated_at = $6
         WHERE id = $7 RETURNING id, username, email, bio, image, token_generation",
    )
    .bind(&username)
    .bind(&email)
    .bind(bio)
    .bind(image)
    .bind(hash)
    .bind(now_millis())
    .bind(user.0);
    let updated = if password_changed {
        // The new password and the end of the other credentials commit together.
        let mut conn = db.writer().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        end_credentials_for_password_change(&mut tx, user, by).await?;
        let updated = query.fetch_one(&mut *tx).await;
        if updated.is_ok() {
            tx.commit().await?;
        }
        updated
    } else {
        query.fetch_one(&mut *db.writer().await?).await
    };
    updated.map_err(taken)
}

/// The field that names the current password in errors: "current password is incorrect".
const CURRENT_PASSWORD: &str = "current password";

/// 422 `current password: is incorrect` unless `proof` is the user's password.
async fn check_current_password(db: &Db, user: UserId, proof: String) -> Result<()> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut *db.acquire().await?)
        .await?
        .ok_or(Error::Unauthorized("token", "is invalid"))?;
    if verify_password(proof, hash).await? {
        Ok(())
    } else {
        Err(Error::invalid(CURRENT_PASSWORD, "is incorrect"))
    }
}
