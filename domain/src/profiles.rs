//! Profiles as others see them, and following.

use sqlx::FromRow;

use super::db::{write_by, Flag};
use super::{viewer_id, Db, Error, Result, UserId};
use model::Profile;

#[derive(FromRow)]
struct ProfileRow {
    id: i64,
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: Flag,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Profile {
        Profile {
            username: row.username,
            bio: row.bio,
            image: row.image,
            following: row.following.0,
        }
    }
}

/// A profile as a page shows it: the profile, and whether it is the viewer's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileView {
    pub profile: Profile,
    pub own: bool,
}

pub async fn get(db: &Db, viewer: Option<UserId>, username: &str) -> Result<Profile> {
    Ok(view(db, viewer, username).await?.profile)
}

pub async fn view(db: &Db, viewer: Option<UserId>, username: &str) -> Result<ProfileView> {
    let row = sqlx::query_as::<_, ProfileRow>(
        "SELECT u.id, u.username, u.bio, u.image,
           EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $2 AND f.followee_id = u.id)
             AS following
         FROM users u WHERE u.username = $1",
    )
    .bind(username)
    .bind(viewer_id(viewer))
    .fetch_optional(&mut *db.acquire().await?)
    .await?
    .ok_or(Error::NotFound("profile"))?;
    Ok(ProfileView {
        own: viewer.is_some_and(|viewer| viewer.0 == row.id),
        profile: row.into(),
    })
}

/// Follows a user; following twice is the same as once. An unknown username inserts nothing,
/// and reading the profile back answers 404: two statements, as for favorites.
pub async fn follow(db: &Db, follower: UserId, username: &str) -> Result<Profile> {
    let sql = "INSERT INTO follows (follower_id, followee_id)
               SELECT $1, u.id FROM users u WHERE u.username = $2
               ON CONFLICT DO NOTHING";
    write_by(db, sql, follower, username).await?;
    get(db, Some(follower), username).await
}

/// Stops following a user; unfollowing someone not followed is fine.
pub async fn unfollow(db: &Db, follower: UserId, username: &str) -> Result<Profile> {
    let sql = "DELETE FROM follows
               WHERE follower_id = $1
                 AND followee_id = (SELECT u.id FROM users u WHERE u.username = $2)";
    write_by(db, sql, follower, username).await?;
    get(db, Some(follower), username).await
}
