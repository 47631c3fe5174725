//! The error that server functions return to the UI, and how the UI shows it.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, as pages tell errors apart; each kind stands for one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    SignInRequired,
    Forbidden,
    NotFound,
    Conflict,
    Invalid,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl Problem {
    pub fn status(self) -> u16 {
        match self {
            Problem::SignInRequired => 401,
            Problem::Forbidden => 403,
            Problem::NotFound => 404,
            Problem::Conflict => 409,
            Problem::Invalid => 422,
            Problem::TooManyRequests => 429,
            Problem::Internal => 500,
            Problem::Unavailable => 503,
        }
    }
}

/// Readable messages and the kind of problem they describe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", .messages.join(", "))]
pub struct AppError {
    pub problem: Problem,
    pub messages: Vec<String>,
}

impl AppError {
    pub fn new(problem: Problem, message: impl Into<String>) -> Self {
        AppError {
            problem,
            messages: vec![message.into()],
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        AppError::new(Problem::Internal, message)
    }

    pub fn sign_in_required() -> Self {
        AppError::new(Problem::SignInRequired, "Please sign in first.").with_response_status()
    }

    /// On the server, answers a call from the hydrated app with this error's HTTP status instead
    /// of a blanket 500. A plain form post keeps its redirect (the error travels in the URL).
    pub fn with_response_status(self) -> Self {
        #[cfg(feature = "ssr")]
        if !crate::form_post::is_plain_form_post() {
            if let (Some(response), Ok(status)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                axum::http::StatusCode::from_u16(self.problem.status()),
            ) {
                response.set_status(status);
            }
        }
        self
    }

    pub fn is_not_found(&self) -> bool {
        self.problem == Problem::NotFound
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::new(
                Problem::Unavailable,
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
        let problem = match &err {
            Error::Unauthorized(..) => Problem::SignInRequired,
            Error::Forbidden(_) => Problem::Forbidden,
            Error::NotFound(_) => Problem::NotFound,
            Error::Invalid(_) => Problem::Invalid,
            Error::Conflict(_) => Problem::Conflict,
            Error::TooManyWrites(_) => Problem::TooManyRequests,
            Error::Unavailable => Problem::Unavailable,
            Error::Internal(_) => Problem::Internal,
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
        AppError { problem, messages }.with_response_status()
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
