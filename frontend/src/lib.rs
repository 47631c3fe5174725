#![recursion_limit = "256"]

//! The browser half of Conduit: hydrates the islands of the server-rendered page (the app's
//! `#[island]` components, which this crate links in).

use app as _;

/// Called by Leptos's island script once the module is loaded; the script then hydrates each
/// island it finds in the page, one microtask after another.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // A task queued now runs after those microtasks, so after every island: the mark tells
    // tests (and curious readers of the DOM) that the page is interactive.
    leptos::prelude::set_timeout(
        || {
            if let Some(root) = leptos::prelude::document().document_element() {
                let _ = root.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
