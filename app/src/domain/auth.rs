//! Credentials: argon2id password hashes, signed API tokens (JWT) and opaque browser sessions.

use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::db::{now_millis, Db};
use super::{Error, Result, UserId};

/// Hashes a password with argon2id on the blocking pool: hashing is deliberately slow and must
/// not stall the async workers.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
}

/// Checks a password against a stored hash, also on the blocking pool.
pub async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| Error::Internal(format!("stored password hash is malformed: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task failed: {e}")))?
}

/// A hash of a password nobody has, checked when an email is unknown so that a failed login
/// takes as long whether or not the account exists.
pub(crate) async fn burn_password_check(password: String) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match DUMMY.get() {
        Some(hash) => hash.clone(),
        None => match hash_password("not-a-real-password".into()).await {
            Ok(hash) => DUMMY.get_or_init(|| hash).clone(),
            Err(_) => return,
        },
    };
    let _ = verify_password(password, hash).await;
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    iat: u64,
}

/// Signs and checks the API's bearer tokens (`Authorization: Token <jwt>`).
///
/// Cheap to clone: the app state that holds it is cloned for every request, and the keys are
/// shared rather than copied (and zeroized) each time.
#[derive(Clone)]
pub struct Tokens {
    keys: std::sync::Arc<(EncodingKey, DecodingKey)>,
    ttl: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Tokens {
        Tokens {
            keys: std::sync::Arc::new((
                EncodingKey::from_secret(secret),
                DecodingKey::from_secret(secret),
            )),
            ttl,
        }
    }

    pub fn issue(&self, user: UserId) -> Result<String> {
        let now = (now_millis() / 1000) as u64;
        let claims = Claims {
            sub: user.0.to_string(),
            iat: now,
            exp: now + self.ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::default(), &claims, &self.keys.0)
            .map_err(|e| Error::Internal(format!("token signing failed: {e}")))
    }

    /// The user a token names, or 401 `token: is invalid` for anything forged, expired or garbled.
    pub fn verify(&self, token: &str) -> Result<UserId> {
        let invalid = || Error::Unauthorized("token", "is invalid");
        let data = jsonwebtoken::decode::<Claims>(token, &self.keys.1, &Validation::default())
            .map_err(|_| invalid())?;
        data.claims.sub.parse().map(UserId).map_err(|_| invalid())
    }
}

/// How long a browser session lasts without signing in again.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

fn session_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Opens a browser session and returns the secret token for its cookie. Only the token's hash
/// is stored, so a copy of the database cannot be used to sign in.
pub async fn open_session(db: &Db, user: UserId) -> Result<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = now_millis();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(session_hash(&token))
        .bind(user.0)
        .bind(now)
        .bind(now + SESSION_TTL.as_millis() as i64)
        .execute(&mut *db.acquire().await?)
        .await?;
    Ok(token)
}

/// The user of a live session, if the token names one.
pub async fn session_user(db: &Db, token: &str) -> Result<Option<UserId>> {
    let user: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(session_hash(token))
    .bind(now_millis())
    .fetch_optional(&mut *db.acquire().await?)
    .await?;
    Ok(user.map(UserId))
}

/// Ends a session: its cookie no longer signs anyone in.
pub async fn close_session(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
        .bind(session_hash(token))
        .bind(now_millis())
        .execute(&mut *db.acquire().await?)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_forgeries() {
        let tokens = Tokens::new(b"a test secret of enough length!!", Duration::from_secs(60));
        let token = tokens.issue(UserId(42)).unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), UserId(42));

        let other = Tokens::new(b"another secret, not the same one", Duration::from_secs(60));
        assert!(matches!(
            other.verify(&token),
            Err(Error::Unauthorized("token", _))
        ));
        assert!(matches!(
            tokens.verify("garbage"),
            Err(Error::Unauthorized("token", _))
        ));
        assert!(matches!(
            tokens.verify(""),
            Err(Error::Unauthorized("token", _))
        ));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let tokens = Tokens::new(b"a test secret of enough length!!", Duration::from_secs(0));
        let claims = Claims {
            sub: "1".into(),
            iat: 1,
            exp: 2,
        };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &tokens.keys.0).unwrap();
        assert!(tokens.verify(&token).is_err());
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone())
            .await
            .unwrap());
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
    }
}
