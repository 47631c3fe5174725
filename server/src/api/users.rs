//! `/api/users`, `/api/users/login` and `/api/user`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{Services, Viewer};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use domain::auth::Credential;
use domain::users::{self, Account, Changes, Registration};
use model::User;

use super::{ApiJson, ApiResult, AuthToken, AuthUser, ErrorBody};

// The spec wraps every body in an object named after the resource: `{"user": {...}}`.

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    user: NewUser,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    user: LoginUser,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUserBody {
    user: UpdateUser,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub user: User,
}

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    #[schema(value_type = String, required = true)]
    username: Option<String>,
    #[schema(value_type = String, format = Email, required = true)]
    email: Option<String>,
    /// At least 8 characters.
    #[schema(value_type = String, format = Password, min_length = 8, required = true)]
    password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginUser {
    #[schema(value_type = String, format = Email, required = true)]
    email: Option<String>,
    #[schema(value_type = String, format = Password, required = true)]
    password: Option<String>,
}

/// Tells an explicit `null` (`Some(None)`) from a missing field (`None`).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Only the fields sent change. `null` or `""` for email, username or password is a 422;
/// for bio or image it clears the field.
#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, format = Email)]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    username: Option<Option<String>>,
    /// At least 8 characters.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, format = Password, min_length = 8)]
    password: Option<Option<String>>,
    /// Any string of at most 2,048 characters, stored as sent (422 beyond); pages show it only
    /// when it is an http(s) URL or a path on this site, else the default avatar. `null` or `""`
    /// removes the image.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    image: Option<Option<String>>,
    /// Any text of at most 5,000 characters (422 beyond); `null` or `""` removes the bio.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    bio: Option<Option<String>>,
}

fn respond(state: &Services, account: Account) -> ApiResult<Json<UserResponse>> {
    let token = state
        .tokens
        .issue(account.user_id(), account.token_generation)?;
    Ok(Json(UserResponse {
        user: User {
            email: account.email,
            token,
            username: account.username,
            bio: account.bio,
            image: account.image,
        },
    }))
}

/// `POST /api/users`: 201 with the new user.
#[utoipa::path(post, path = "/users", tag = "users", operation_id = "createUser",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "The new user, with a token", body = UserResponse),
        (status = 409, description = "Username or email already taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "A field is blank or invalid", body = ErrorBody),
        (status = 429, description = "Too many sign-in or sign-up attempts from this client; retry after `retry-after` seconds", body = ErrorBody),
        (status = 503, description = "Too many password hashes at once: the queue is full; retry after `retry-after` seconds", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<Services>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserResponse>)> {
    let form = Registration {
        username: body.user.username,
        email: body.user.email,
        password: body.user.password,
    };
    let account = users::register(&state.db, form).await?;
    Ok((StatusCode::CREATED, respond(&state, account)?))
}

/// `POST /api/users/login`.
#[utoipa::path(post, path = "/users/login", tag = "users", operation_id = "login",
    request_body = LoginBody,
    responses(
        (status = 200, description = "The user, with a fresh token", body = UserResponse),
        (status = 401, description = "Wrong email or password (`credentials: invalid`)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "Email or password blank", body = ErrorBody),
        (status = 429, description = "Too many sign-in or sign-up attempts from this client; retry after `retry-after` seconds", body = ErrorBody),
        (status = 503, description = "Too many password hashes at once: the queue is full; retry after `retry-after` seconds", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<Services>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<UserResponse>> {
    let account = users::login(
        &state.db,
        body.user.email.as_deref(),
        body.user.password.as_deref(),
    )
    .await?;
    respond(&state, account)
}

/// `GET /api/user`.
#[utoipa::path(get, path = "/user", tag = "users", operation_id = "getCurrentUser",
    security(("Token" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = UserResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
    ))]
pub async fn current(
    State(state): State<Services>,
    AuthUser(Viewer { id: user, .. }): AuthUser,
) -> ApiResult<Json<UserResponse>> {
    respond(&state, users::get(&state.db, user).await?)
}

/// `PUT /api/user`: changes only the fields sent. A new password ends the user's browser
/// sessions and every earlier token but the one sent; the response carries a fresh token.
#[utoipa::path(put, path = "/user", tag = "users", operation_id = "updateCurrentUser",
    security(("Token" = [])),
    request_body = UpdateUserBody,
    responses(
        (status = 200, description = "The updated user, with a fresh token. After a password change every earlier token but the one sent gets 401, and the user's browser sessions end", body = UserResponse),
        (status = 401, description = "No token or a bad one", body = ErrorBody),
        (status = 409, description = "Username or email already taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "A field is blank or invalid", body = ErrorBody),
        (status = 429, description = "Too many sign-in attempts or profile changes (which may set a password) from this client; retry after `retry-after` seconds", body = ErrorBody),
        (status = 503, description = "Too many password hashes at once: the queue is full; retry after `retry-after` seconds", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<Services>,
    AuthToken(token): AuthToken,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> ApiResult<Json<UserResponse>> {
    let u = body.user;
    let mut nulled = Vec::new();
    for (field, value) in [
        ("email", &u.email),
        ("username", &u.username),
        ("password", &u.password),
    ] {
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
        // The spec's PUT /user has no current-password field: the token is the proof here.
        current_password: None,
    };
    // A new password ends the user's browser sessions and other tokens, not this one.
    let by = Credential::ApiToken(&token.id);
    respond(
        &state,
        users::update(&state.db, token.viewer.id, changes, by).await?,
    )
}
