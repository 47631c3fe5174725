//! `/api/users`, `/api/users/login` and `/api/user`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Deserializer, Serialize};

use app::domain::users::{self, Account, Changes, Registration};
use app::models::User;
use app::server_ctx::AppState;

use super::{ApiJson, ApiResult, AuthUser};

/// The spec wraps every body in an object named after the resource: `{"user": {...}}`.
#[derive(Deserialize)]
pub struct UserBody<T> {
    pub user: T,
}

#[derive(Serialize)]
pub struct UserResponse {
    pub user: User,
}

#[derive(Deserialize)]
pub struct NewUser {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginUser {
    email: Option<String>,
    password: Option<String>,
}

/// Tells an explicit `null` (`Some(None)`) from a missing field (`None`).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    password: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    image: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    bio: Option<Option<String>>,
}

fn respond(state: &AppState, account: Account) -> ApiResult<Json<UserResponse>> {
    let token = state.tokens.issue(account.user_id())?;
    Ok(Json(UserResponse {
        user: User { email: account.email, token, username: account.username, bio: account.bio, image: account.image },
    }))
}

/// `POST /api/users`: 201 with the new user.
pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UserBody<NewUser>>,
) -> ApiResult<(StatusCode, Json<UserResponse>)> {
    let form = Registration { username: body.user.username, email: body.user.email, password: body.user.password };
    let account = users::register(&state.db, form).await?;
    Ok((StatusCode::CREATED, respond(&state, account)?))
}

/// `POST /api/users/login`.
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UserBody<LoginUser>>,
) -> ApiResult<Json<UserResponse>> {
    let account = users::login(&state.db, body.user.email.as_deref(), body.user.password.as_deref()).await?;
    respond(&state, account)
}

/// `GET /api/user`.
pub async fn current(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<UserResponse>> {
    respond(&state, users::get(&state.db, user).await?)
}

/// `PUT /api/user`: changes only the fields sent.
pub async fn update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<UserBody<UpdateUser>>,
) -> ApiResult<Json<UserResponse>> {
    let u = body.user;
    let mut nulled = Vec::new();
    for (field, value) in [("email", &u.email), ("username", &u.username), ("password", &u.password)] {
        if matches!(value, Some(None)) {
            nulled.push(field);
        }
    }
    let changes = Changes {
        email: u.email.flatten(),
        username: u.username.flatten(),
        password: u.password.flatten(),
        // `null` and `""` both clear a bio or an image.
        bio: u.bio.map(Option::unwrap_or_default),
        image: u.image.map(Option::unwrap_or_default),
        nulled,
    };
    respond(&state, users::update(&state.db, user, changes).await?)
}
