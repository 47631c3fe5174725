//! Profiles as others see them, and following.

use sqlx::FromRow;

use super::{viewer_id, Db, Error, Result, UserId};
use model::Profile;

/// A profile row: the viewer's `following` comes back as 0 or 1 on both databases.
#[derive(FromRow)]
pub(crate) struct ProfileRow {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: i64,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Profile {
        Profile {
            username: row.username,
            bio: row.bio,
            image: row.image,
            following: row.following != 0,
        }
    }
}

pub async fn get(db: &Db, viewer: Option<UserId>, username: &str) -> Result<Profile> {
    sqlx::query_as::<_, ProfileRow>(
        "SELECT u.username, u.bio, u.image,
           CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $2 AND f.followee_id = u.id)
                THEN 1 ELSE 0 END AS following
         FROM users u WHERE u.username = $1",
    )
    .bind(username)
    .bind(viewer_id(viewer))
    .fetch_optional(&mut *db.acquire().await?)
    .await?
    .map(Profile::from)
    .ok_or(Error::NotFound("profile"))
}

async fn id_of(db: &Db, username: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *db.acquire().await?)
        .await?
        .ok_or(Error::NotFound("profile"))
}

/// Follows a user; following twice is the same as once.
pub async fn follow(db: &Db, follower: UserId, username: &str) -> Result<Profile> {
    let followee = id_of(db, username).await?;
    sqlx::query(
        "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(follower.0)
    .bind(followee)
    .execute(&mut *db.acquire().await?)
    .await?;
    get(db, Some(follower), username).await
}

/// Stops following a user; unfollowing someone not followed is fine.
pub async fn unfollow(db: &Db, follower: UserId, username: &str) -> Result<Profile> {
    let followee = id_of(db, username).await?;
    sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower.0)
        .bind(followee)
        .execute(&mut *db.acquire().await?)
        .await?;
    get(db, Some(follower), username).await
}
