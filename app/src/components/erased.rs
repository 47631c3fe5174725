//! Type-erased views without a second, asynchronous copy of their hydration code.
//!
//! Leptos 0.8 (tachys 0.2) stores, in every `AnyView`, a pointer to the view's
//! `hydrate_async`, so each `.into_any()` and each route compiles an async twin of the whole
//! view tree below it into the WASM bundle. Conduit never takes that path: each island hydrates
//! synchronously, and only lazy routes and lazy islands (which Conduit has none of) hydrate
//! asynchronously. [`SyncHydrated`] forwards everything to the view it wraps except
//! `hydrate_async`, which it leaves at tachys's default (the synchronous `hydrate`), so the twin
//! is never instantiated. Upstream: leptos-rs/leptos#4852, gated in the leptos 0.9 line.
//!
//! Where views get erased: `.into_any()` (write `.erase()`), routes (`view=page(HomePage)`) and
//! components taking `Children`. Conduit's own components take `TypedChildren` instead;
//! `ActionForm`'s children are wrapped: `<ActionForm action>{SyncHydrated(view! { .. })}`.
//! Measured: 351,805 to 302,698 bytes of brotli-compressed WASM (BENCHMARKS.md, findings 2e).
//!
//! Kept by tools, not by memory: clippy.toml disallows `IntoAny::into_any` (but in
//! [`Erase::erase`]) and the `Children` type, and a test below finds any `ActionForm` whose
//! content is not wrapped. Delete this module and those rules when Conduit moves to a Leptos that
//! gates `hydrate_async` itself (leptos-rs/leptos#4852).

use leptos::prelude::*;
use leptos::tachys::html::attribute::{any_attribute::AnyAttribute, Attribute};
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::{add_attr::AddAnyAttr, Position, PositionState, Render, RenderHtml};

/// A view that hydrates only synchronously; see the module documentation.
pub struct SyncHydrated<V>(pub V);

/// `.erase()` is `.into_any()` without the async hydration twin.
pub trait Erase {
    fn erase(self) -> AnyView;
}

impl<V: RenderHtml + 'static> Erase for V {
    // The one sanctioned `.into_any()`: of the wrapper, whose async twin is the synchronous one.
    #[allow(clippy::disallowed_methods)]
    fn erase(self) -> AnyView {
        SyncHydrated(self).into_any()
    }
}

/// A route's `view`: renders the page component, erased by the router without the async twin.
pub fn page<V: RenderHtml>(component: fn() -> V) -> impl Fn() -> SyncHydrated<V> + Clone {
    move || SyncHydrated(component())
}

impl<V: Render> Render for SyncHydrated<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: AddAnyAttr> AddAnyAttr for SyncHydrated<V> {
    type Output<SomeNewAttr: Attribute> = SyncHydrated<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrated(self.0.add_any_attr(attr))
    }
}

impl<V: RenderHtml> RenderHtml for SyncHydrated<V> {
    type AsyncOutput = SyncHydrated<V::AsyncOutput>;
    type Owned = SyncHydrated<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    async fn resolve(self) -> Self::AsyncOutput {
        SyncHydrated(self.0.resolve().await)
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    // `hydrate_async` keeps the trait's default, which calls `hydrate`: that is the point.

    fn into_owned(self) -> Self::Owned {
        SyncHydrated(self.0.into_owned())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn sample() -> impl IntoView {
        let name = "Conduit";
        view! { <p class="greeting">"Hello, " {name} <b>"!"</b></p> }
    }

    #[test]
    fn renders_exactly_the_html_of_the_view_it_wraps() {
        let plain = sample().to_html();
        assert_eq!(
            plain,
            r#"<p class="greeting">Hello, <!>Conduit<b>!</b></p>"#
        );
        assert_eq!(SyncHydrated(sample()).to_html(), plain);
        #[allow(clippy::disallowed_methods)]
        let erased_by_leptos = sample().into_any().to_html();
        assert_eq!(sample().erase().to_html(), erased_by_leptos);
    }

    /// Every `<ActionForm ...>` of the app's sources opens straight onto `{SyncHydrated(`, the
    /// one erasure clippy cannot see (the form erases its children itself).
    #[test]
    fn every_action_form_wraps_its_content() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut forms = 0;
        let mut dirs = vec![src];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                // This file names the tag in its documentation and in this test.
                if path.ends_with("components/erased.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices("<ActionForm ") {
                    forms += 1;
                    let open = text[at..].find('>').unwrap() + at + 1;
                    assert!(
                        text[open..].trim_start().starts_with("{SyncHydrated("),
                        "{}: an ActionForm's content is not wrapped in SyncHydrated",
                        path.display()
                    );
                }
            }
        }
        assert!(
            forms >= 8,
            "found only {forms} ActionForms: is the search still right?"
        );
    }
}
