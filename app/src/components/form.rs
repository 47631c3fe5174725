//! Form building blocks shared by the sign-in, sign-up and settings pages.

use leptos::prelude::*;

/// A labelled text input in a `fieldset.form-group`. The label is for screen readers (the
/// Conduit look shows placeholders only); `name` is what the server function receives.
#[component]
pub fn TextField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    /// Defaults to the label.
    #[prop(optional)]
    placeholder: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    /// The large input of the auth and settings pages.
    #[prop(default = true)]
    large: bool,
) -> impl IntoView {
    let class = if large {
        "form-control form-control-lg"
    } else {
        "form-control"
    };
    view! {
        <fieldset class="form-group">
            <label class="visually-hidden" for=id>{label}</label>
            <input
                id=id
                class=class
                type=kind
                inputmode=inputmode
                name=name
                placeholder=placeholder.unwrap_or(label)
                autocomplete=autocomplete
                value=value
            />
        </fieldset>
    }
}
