//! The error that server functions return to the UI, and how the UI shows it.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Readable messages and the HTTP status they stand for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", .messages.join(", "))]
pub struct AppError {
    pub status: u16,
    pub messages: Vec<String>,
}

impl AppError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        AppError {
            status,
            messages: vec![message.into()],
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        AppError::new(500, message)
    }

    pub fn sign_in_required() -> Self {
        AppError::new(401, "Please sign in first.").with_response_status()
    }

    /// On the server, answers a call from the hydrated app with this error's HTTP status instead
    /// of a blanket 500. A plain form post keeps its redirect (the error travels in the URL).
    pub fn with_response_status(self) -> Self {
        #[cfg(feature = "ssr")]
        if !crate::server_ctx::is_plain_form_post() {
            if let (Some(response), Ok(status)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                axum::http::StatusCode::from_u16(self.status),
            ) {
                response.set_status(status);
            }
        }
        self
    }

    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::new(
                503,
                "The server could not be reached. Check your connection and try again.",
            ),
            other => AppError::internal(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<domain::Error> for AppError {
    fn from(err: domain::Error) -> Self {
        use domain::Error;
        let status = match &err {
            Error::Unauthorized(..) => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::Invalid(_) => 422,
            Error::Conflict(_) => 409,
            Error::TooManyWrites(_) => 429,
            Error::Unavailable => 503,
            Error::Internal(_) => 500,
        };
        let messages = match &err {
            Error::Unauthorized("credentials", _) => {
                vec!["email or password is invalid".to_string()]
            }
            Error::Unauthorized(..) => vec!["Please sign in first.".to_string()],
            Error::TooManyWrites(_) => vec![format!(
                "You are posting faster than we allow. Please wait {} seconds and try again.",
                err.retry_after_secs().unwrap_or(1)
            )],
            Error::Unavailable => {
                vec!["The service is busy. Please try again in a moment.".to_string()]
            }
            Error::Internal(_) => {
                vec!["Something went wrong on our side. Please try again.".to_string()]
            }
            other => other.messages(),
        };
        AppError { status, messages }.with_response_status()
    }
}

/// The `ul.error-messages` list of a form, showing an action's last error. The list lives in
/// an alert region that is in the page before any error, so screen readers announce the error
/// when it appears.
#[component]
pub fn ErrorMessages<T: Send + Sync + 'static>(
    #[prop(into)] result: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    view! {
        <div role="alert">
            {move || {
                result.with(|result| match result {
                    Some(Err(err)) => Some(view! {
                        <ul class="error-messages">
                            {err.messages.iter().map(|m| view! { <li>{m.clone()}</li> }).collect_view()}
                        </ul>
                    }),
                    _ => None,
                })
            }}
        </div>
    }
}
