//! What the islands need that a hydrated app gets from its router and its root: leaving the
//! page, and one state for one fact shown in two places.
//!
//! Conduit renders every page on the server and hydrates only its interactive pieces
//! (`#[island]` components), so the WASM bundle carries those pieces and none of the pages or
//! the router. Links and finished actions load the next page from the server.

use leptos::prelude::*;

use crate::components::error::{AppError, Problem};

/// Loads `path` as a new page: islands have no router to navigate with.
pub fn go_to(path: &str) {
    if let Err(err) = window().location().assign(path) {
        leptos::logging::error!("could not open {path}: {err:?}");
    }
}

/// Once the action whose answers `value` holds succeeds, loads the page `to` names for its
/// answer: islands that publish, save, sign in or out, or delete, leave the page they are on.
pub fn open_after<T: Clone + Send + Sync + 'static>(
    value: impl Into<Signal<Option<Result<T, AppError>>>>,
    to: fn(&T) -> String,
) {
    let value = value.into();
    Effect::new(move |_| {
        if let Some(Ok(answer)) = value.get() {
            go_to(&to(&answer));
        }
    });
}

/// The state of `kind` for `name` (an article's favorites, an author's followers), shared by
/// every island of this page that shows it (an article's heart button in its banner and under
/// its body): a click in one updates both. The first island to ask gives the value; every
/// island renders the same fact from the same row.
#[cfg(not(feature = "ssr"))]
pub fn shared<T: Clone + Send + Sync + 'static>(
    kind: &'static str,
    name: &str,
    initial: T,
) -> RwSignal<T> {
    use std::any::Any;
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static SHARED: RefCell<HashMap<String, Box<dyn Any>>> = RefCell::default();
    }
    SHARED.with_borrow_mut(|states| {
        let state = states
            .entry(format!("{kind}:{name}"))
            .or_insert_with(|| Box::new(ArcRwSignal::new(initial)));
        match state.downcast_ref::<ArcRwSignal<T>>() {
            Some(state) => state.clone().into(),
            None => panic!("a shared state's key names two types"),
        }
    })
}

/// On the server, each island renders its own props: a request shares nothing with another,
/// and no key is built.
#[cfg(feature = "ssr")]
pub fn shared<T: Clone + Send + Sync + 'static>(
    _kind: &'static str,
    _name: &str,
    initial: T,
) -> RwSignal<T> {
    RwSignal::new(initial)
}

/// The submit handler of a small island form that posts by itself: the page stays, `pending`
/// holds from the click to the answer (a second click meanwhile sends nothing), `done` takes
/// the answer, and a visitor who must sign in is sent to. Without JavaScript the form posts
/// as it is. Lighter on the server than an `ActionForm` and its action, which every heart
/// button of a page would otherwise build while rendering.
pub fn post_in_place<T: 'static, Request>(
    pending: RwSignal<bool>,
    request: impl Fn() -> Request + 'static,
    done: impl Fn(T) + Copy + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static
where
    Request: std::future::Future<Output = Result<T, AppError>> + 'static,
{
    move |ev| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let answer = request();
        leptos::task::spawn_local(async move {
            match answer.await {
                Ok(value) => done(value),
                Err(err) if err.problem == Problem::SignInRequired => go_to("/login"),
                // Nothing changed: the button still shows what is true.
                Err(_) => {}
            }
            pending.set(false);
        });
    }
}
