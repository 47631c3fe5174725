//! Credentials: argon2id password hashes, signed API tokens (JWT) and opaque browser sessions.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::db::{now_millis, Db};
use super::{Error, Result, UserId, Viewer};

/// How many password hashes may run at once, and how many more may wait for a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashLimits {
    pub concurrency: usize,
    pub queue: usize,
}

impl Default for HashLimits {
    /// One hash per core (argon2 keeps a core busy), and a queue of 32.
    fn default() -> Self {
        HashLimits {
            concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            queue: 32,
        }
    }
}

/// Admission to argon2: each hash holds 19 MiB (`Argon2::default()`'s memory cost) on the blocking
/// pool for tens of milliseconds, so unbounded, parallel sign-ins can take a pod's memory. At most
/// `concurrency` hashes run; `queue` more wait; any beyond that fail at once with
/// `Error::Unavailable` (503) instead of waiting or allocating.
#[derive(Debug)]
struct HashGate {
    limits: HashLimits,
    /// Running or waiting.
    admitted: Arc<Semaphore>,
    running: Arc<Semaphore>,
}

impl HashGate {
    fn new(limits: HashLimits) -> Self {
        let concurrency = limits.concurrency.max(1);
        HashGate {
            limits,
            admitted: Arc::new(Semaphore::new(concurrency.saturating_add(limits.queue))),
            running: Arc::new(Semaphore::new(concurrency)),
        }
    }

    /// Runs `work` on the blocking pool once admitted. The permits move into the blocking task:
    /// a request that is dropped meanwhile (client gone, timeout) cannot free its slot while its
    /// hash still runs.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| {
            tracing::warn!("password hashing queue is full; answering 503");
            Error::Unavailable
        })?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(format!("password hashing gate closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            work()
        })
        .await
        .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
    }
}

/// The process's gate: hashing memory and CPU are the process's, whatever serves the request.
static HASHING: OnceLock<HashGate> = OnceLock::new();

fn hashing() -> &'static HashGate {
    HASHING.get_or_init(|| HashGate::new(HashLimits::default()))
}

/// Sets the process's hashing limits before the first hash. `Err` with the limits in force when
/// they were set before (or a hash already ran with the defaults).
pub fn limit_hashing(limits: HashLimits) -> Result<(), HashLimits> {
    HASHING
        .set(HashGate::new(limits))
        .map_err(|_| hashing().limits)
}

/// Hashes a password with argon2id on the blocking pool (hashing is deliberately slow and must
/// not stall the async workers), within the process's hashing limits.
pub async fn hash_password(password: String) -> Result<String> {
    hashing()
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
        })
        .await
}

/// Checks a password against a stored hash, also on the blocking pool and within the limits.
pub async fn verify_password(password: String, hash: String) -> Result<bool> {
    hashing()
        .run(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| Error::Internal(format!("stored password hash is malformed: {e}")))?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
}

/// A hash of a password nobody has, checked when an email is unknown so that a failed login
/// takes as long whether or not the account exists. A full queue is a 503 here too: a quick
/// 401 for unknown emails only would tell which emails have accounts.
pub(crate) async fn burn_password_check(password: String) -> Result<()> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = match DUMMY.get() {
        Some(hash) => hash.clone(),
        None => {
            let hash = hash_password("not-a-real-password".into()).await?;
            DUMMY.get_or_init(|| hash).clone()
        }
    };
    verify_password(password, hash).await.map(drop)
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    iat: u64,
    /// The user's token generation at issue. A password change moves the user's generation on,
    /// and a token of an earlier one is refused. Tokens from before generations existed carry
    /// none: they count as generation 0, every user's first.
    #[serde(default)]
    gen: i64,
    /// This token's own random id, so that a password change can leave the one token that made
    /// it working (empty in tokens from before ids existed, which it never keeps).
    #[serde(default)]
    jti: String,
}

/// A token whose signature, expiry and generation are good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    pub viewer: Viewer,
    /// The token's id (`jti`); see [`Credential::ApiToken`].
    pub id: String,
}

/// The credential a change is made with: a password change ends every other one of the user.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    /// A browser session, by its cookie's token.
    Session(&'a str),
    /// An API token, by its id. The RealWorld reference suite changes a password and then goes
    /// on with the same token, so the token that made the change keeps working.
    ApiToken(&'a str),
}

fn random_hex<const N: usize>() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

    /// A token for `user` at their current token `generation` (see [`Claims::gen`]).
    pub fn issue(&self, user: UserId, generation: i64) -> Result<String> {
        let now = (now_millis() / 1000) as u64;
        let claims = Claims {
            sub: user.0.to_string(),
            iat: now,
            exp: now + self.ttl.as_secs(),
            gen: generation,
            jti: random_hex::<16>(),
        };
        jsonwebtoken::encode(&Header::default(), &claims, &self.keys.0)
            .map_err(|e| Error::Internal(format!("token signing failed: {e}")))
    }

    /// The claims of a token whose signature and expiry are good.
    fn decode(&self, token: &str) -> Result<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.keys.1, &Validation::default())
            .map(|data| data.claims)
            .map_err(|_| invalid_token())
    }

    /// The user a token names, or 401 `token: is invalid` for anything forged, expired, garbled,
    /// naming a deleted user, or issued before the user's last password change (but the token
    /// that made it). The one database read is a primary-key lookup: the API never loaded the
    /// viewer before, so there is no query to fold it into.
    pub async fn verify(&self, db: &Db, token: &str) -> Result<VerifiedToken> {
        let claims = self.decode(token)?;
        let user = UserId(claims.sub.parse().map_err(|_| invalid_token())?);
        let current: Option<(i64, Option<String>, String)> = sqlx::query_as(
            "SELECT token_generation, kept_token_id, username FROM users WHERE id = $1",
        )
        .bind(user.0)
        .fetch_optional(&mut *db.acquire().await?)
        .await?;
        let Some((generation, kept, username)) = current else {
            return Err(invalid_token());
        };
        let kept = !claims.jti.is_empty() && kept.as_deref() == Some(claims.jti.as_str());
        if claims.gen == generation || kept {
            Ok(VerifiedToken {
                viewer: Viewer { id: user, username },
                id: claims.jti,
            })
        } else {
            Err(invalid_token())
        }
    }
}

fn invalid_token() -> Error {
    Error::Unauthorized("token", "is invalid")
}

/// How long a browser session lasts at most, however busy, before signing in again.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// When a browser session ends for want of use: `idle` after its last request (and always
/// [`SESSION_TTL`] after sign-in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl SessionPolicy {
    /// How old a session's `last_seen_at` gets before a request writes it anew: a tenth of the
    /// idle timeout, at most an hour. Reading pages stays reading; a session then ends between
    /// `idle - renew_after` and `idle` after its last request.
    pub fn renew_after(&self) -> Duration {
        (self.idle / 10).min(Duration::from_secs(3600))
    }

    /// Sessions last seen at or before this time have ended.
    pub(crate) fn idle_cutoff(&self, now: i64) -> i64 {
        now - self.idle.as_millis() as i64
    }
}

pub(crate) fn session_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Opens a browser session and returns the secret token for its cookie. Only the token's hash
/// is stored, so a copy of the database cannot be used to sign in.
pub async fn open_session(db: &Db, user: UserId) -> Result<String> {
    let token = random_hex::<32>();
    let now = now_millis();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(session_hash(&token))
    .bind(user.0)
    .bind(now)
    .bind(now + SESSION_TTL.as_millis() as i64)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(token)
}

/// Ends a session: its cookie no longer signs anyone in. Sessions that have ended by time go too.
pub async fn close_session(db: &Db, token: &str, policy: SessionPolicy) -> Result<()> {
    let now = now_millis();
    sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2 OR last_seen_at <= $3",
    )
    .bind(session_hash(token))
    .bind(now)
    .bind(policy.idle_cutoff(now))
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// What a password change ends: every browser session and API token of `user` but `kept`, the
/// credential making the change. Earlier tokens end by moving the user's token generation on.
/// Runs inside the transaction that stores the new password hash.
pub(crate) async fn end_credentials_for_password_change(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    kept: Credential<'_>,
) -> Result<()> {
    let (kept_session, kept_token) = match kept {
        // No session hashes to the empty string: none but the kept one stays.
        Credential::Session(token) => (session_hash(token), None),
        Credential::ApiToken(id) => (String::new(), Some(id).filter(|id| !id.is_empty())),
    };
    sqlx::query(
        "UPDATE users SET token_generation = token_generation + 1, kept_token_id = $2 WHERE id = $1",
    )
    .bind(user.0)
    .bind(kept_token)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.0)
        .bind(kept_session)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_forgeries() {
        let tokens = Tokens::new(b"a test secret of enough length!!", Duration::from_secs(60));
        let token = tokens.issue(UserId(42), 3).unwrap();
        let claims = tokens.decode(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.gen), ("42", 3));
        // Every token has an id of its own.
        let again = tokens
            .decode(&tokens.issue(UserId(42), 3).unwrap())
            .unwrap();
        assert_eq!(claims.jti.len(), 32);
        assert_ne!(claims.jti, again.jti);

        let other = Tokens::new(b"another secret, not the same one", Duration::from_secs(60));
        assert!(matches!(
            other.decode(&token),
            Err(Error::Unauthorized("token", _))
        ));
        assert!(matches!(
            tokens.decode("garbage"),
            Err(Error::Unauthorized("token", _))
        ));
        assert!(matches!(
            tokens.decode(""),
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
            gen: 0,
            jti: String::new(),
        };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &tokens.keys.0).unwrap();
        assert!(tokens.decode(&token).is_err());
    }

    #[test]
    fn tokens_from_before_generations_count_as_the_first() {
        #[derive(Serialize)]
        struct OldClaims {
            sub: String,
            exp: u64,
            iat: u64,
        }
        let tokens = Tokens::new(b"a test secret of enough length!!", Duration::from_secs(60));
        let now = (now_millis() / 1000) as u64;
        let old = OldClaims {
            sub: "7".into(),
            iat: now,
            exp: now + 60,
        };
        let token = jsonwebtoken::encode(&Header::default(), &old, &tokens.keys.0).unwrap();
        let claims = tokens.decode(&token).unwrap();
        assert_eq!((claims.gen, claims.jti.as_str()), (0, ""));
    }

    #[test]
    fn sessions_renew_at_most_hourly() {
        let week = SessionPolicy::default();
        assert_eq!(week.renew_after(), Duration::from_secs(3600));
        let short = SessionPolicy {
            idle: Duration::from_secs(600),
        };
        assert_eq!(short.renew_after(), Duration::from_secs(60));
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hash_gate_caps_running_hashes_and_refuses_beyond_its_queue() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let gate = Arc::new(HashGate::new(HashLimits {
            concurrency: 2,
            queue: 1,
        }));
        let (release, released) = std::sync::mpsc::channel::<()>();
        let released = Arc::new(std::sync::Mutex::new(released));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let job = |gate: Arc<HashGate>| {
            let (released, running, peak) = (released.clone(), running.clone(), peak.clone());
            tokio::spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    released.lock().unwrap().recv().unwrap();
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            })
        };
        // Two run, one waits: the fourth finds no room and is refused at once.
        let admitted: Vec<_> = (0..3).map(|_| job(gate.clone())).collect();
        while gate.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            job(gate.clone()).await.unwrap(),
            Err(Error::Unavailable)
        ));
        // Admission is not running: wait until the blocking pool really runs two hashes, or the
        // releases below could let them run one after the other.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while running.load(Ordering::SeqCst) < 2 {
            assert!(std::time::Instant::now() < deadline, "two hashes never ran");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // The third stays queued while two run.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(running.load(Ordering::SeqCst), 2);
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for handle in admitted {
            handle.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        // Room again once they finished.
        assert_eq!(gate.admitted.available_permits(), 3);
    }
}
