//! The editor: writing a new article (`/editor`) or changing one of your own (`/editor/:slug`).

use crate::components::page_meta::{PageMeta, SITE_DESCRIPTION};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};
use model::links;

use crate::components::erased::{Erase, SyncHydrated};
use crate::components::error::{AppError, ErrorMessages, Problem};
use crate::components::island::open_after;
use crate::components::layout::SignInRedirect;
use crate::pages::not_found::NotFound;
use model::Article;

/// The article to edit, refused unless the viewer wrote it.
#[server]
pub async fn editable_article(slug: String) -> Result<Article, AppError> {
    use crate::server_ctx::{require_user, services};
    use domain::articles;
    let user = require_user().await?;
    Ok(articles::for_editing(&services()?.db, user, &slug).await?)
}

/// Publishes a new article (empty `slug`) or updates one. Tags come as the list built in the
/// page (`tag_list`, one per line) plus whatever is still typed in the tag field (`tag_input`),
/// which is all there is when the form is posted before the page is interactive.
#[server]
pub async fn publish_article(
    slug: String,
    title: String,
    description: String,
    body: String,
    tag_list: String,
    tag_input: String,
) -> Result<String, AppError> {
    use crate::server_ctx::{redirect_plain_form, require_user, services};
    use domain::articles::{self, Draft, Edit};
    use domain::tags::parse_text;
    let user = require_user().await?;
    let state = services()?;
    let db = &state.db;
    let mut tags = parse_text(&tag_list)?;
    tags.extend(parse_text(&tag_input)?);
    let article = if slug.is_empty() {
        let draft = Draft {
            title: Some(title),
            description: Some(description),
            body: Some(body),
            tag_list: Some(tags),
        };
        articles::create(db, &state.writes, user, draft).await?
    } else {
        let edit = Edit {
            title: Some(title),
            description: Some(description),
            body: Some(body),
            tag_list: Some(Some(tags)),
        };
        articles::update(db, user, &slug, edit).await?
    };
    redirect_plain_form(&links::article(&article.slug));
    Ok(article.slug)
}

/// The body of a draft as its article page will show it, rendered by the same sanitizer. The
/// editor's Preview button calls it once the page is interactive; before that, the button posts
/// the form to [`PREVIEW_PAGE`] instead.
#[server]
pub async fn preview_article(title: String, body: String) -> Result<String, AppError> {
    Ok(domain::articles::preview(&title, &body)?.body_html)
}

/// Where the editor's form is posted for a preview without JavaScript: a page of its own, in a
/// new tab, so the draft stays in the editor.
pub const PREVIEW_PAGE: &str = "/preview";

/// The page [`PREVIEW_PAGE`] answers with: the draft's title and body laid out as on the article
/// page, or why it cannot be shown.
#[cfg(feature = "ssr")]
pub fn preview_document(
    preview: Result<domain::articles::Preview, AppError>,
    stylesheet: &str,
) -> String {
    let owner = Owner::new();
    owner.with(|| {
        let (title, content) = match preview {
            Ok(preview) => (
                preview.title,
                view! { <div class="article-content" inner_html=preview.body_html></div> }.erase(),
            ),
            Err(err) => (
                String::new(),
                view! {
                    <ul class="error-messages">
                        {err.messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                }
                .erase(),
            ),
        };
        let heading = if title.trim().is_empty() { "Untitled".to_string() } else { title };
        view! {
            <!DOCTYPE html>
            <html lang="en">
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <meta name="robots" content="noindex" />
                    <title>{format!("Preview: {heading} — Conduit")}</title>
                    <link rel="stylesheet" href=stylesheet.to_string() />
                    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                </head>
                <body>
                    <main class="article-page">
                        <div class="banner">
                            <div class="container">
                                <p class="preview-note">"Preview. Close this tab to go back to the editor."</p>
                                <h1>{heading}</h1>
                            </div>
                        </div>
                        <div class="container page">
                            <div class="row">
                                <div class="col-xs-12">{content}</div>
                            </div>
                        </div>
                    </main>
                </body>
            </html>
        }
        .to_html()
    })
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let article = Resource::new(slug, |slug| async move {
        if slug.is_empty() {
            // A new article: only check that someone is signed in.
            match crate::components::session::load_current_user().await {
                Ok(Some(_)) => Ok(None),
                Ok(None) => Err(AppError::sign_in_required()),
                Err(err) => Err(err),
            }
        } else {
            editable_article(slug).await.map(Some)
        }
    });
    view! {
        <PageMeta title="Editor" description=SITE_DESCRIPTION path=use_location().pathname.get_untracked() />
        <div class="editor-page">
            <div class="container page">
                <div class="row">
                    <div class="col-md-10 offset-md-1 col-xs-12">
                        <Suspense fallback=|| view! { <p class="loading">"Loading the editor..."</p> }>
                            {move || Suspend::new(async move {
                                match article.await {
                                    Ok(article) => view! { <EditorForm article /> }.erase(),
                                    Err(err) if err.problem == Problem::SignInRequired => view! { <SignInRedirect /> }.erase(),
                                    Err(err) if err.is_not_found() => view! { <NotFound /> }.erase(),
                                    Err(err) if err.problem == Problem::Forbidden => view! {
                                        <ul class="error-messages"><li>"You can only edit your own articles."</li></ul>
                                    }.erase(),
                                    Err(err) => view! { <ul class="error-messages"><li>{err.to_string()}</li></ul> }.erase(),
                                }
                            })}
                        </Suspense>
                    </div>
                </div>
            </div>
        </div>
    }
}

/// The form: once hydrated, tags are added with Enter and removed one by one, the preview shows
/// under the form, and a published article opens.
#[island]
fn EditorForm(article: Option<Article>) -> impl IntoView {
    let action = ServerAction::<PublishArticle>::new();
    let pending = action.pending();
    let preview = ServerAction::<PreviewArticle>::new();
    let previewing = preview.pending();
    let title_field = NodeRef::<leptos::html::Input>::new();
    let body_field = NodeRef::<leptos::html::Textarea>::new();
    // With JavaScript the preview shows under the form; without, the button's own form action
    // opens the preview page in a new tab.
    let on_preview = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let (Some(title), Some(body)) = (title_field.get(), body_field.get()) else {
            return;
        };
        preview.dispatch(PreviewArticle {
            title: title.value(),
            body: body.value(),
        });
    };
    open_after(action.value(), |slug: &String| links::article(slug));
    // The Conduit design shows no heading here; screen readers still get one.
    let heading = if article.is_some() {
        "Edit article"
    } else {
        "New article"
    };
    let article = article.unwrap_or_else(|| Article {
        slug: String::new(),
        title: String::new(),
        description: String::new(),
        body: Some(String::new()),
        tag_list: Vec::new(),
        created_at: model::Timestamp::from_unix_millis(0),
        updated_at: model::Timestamp::from_unix_millis(0),
        favorited: false,
        favorites_count: 0,
        author: model::Profile {
            username: String::new(),
            bio: None,
            image: None,
            following: false,
        },
    });
    // The spec keeps one label for publishing and for saving changes.
    let button = "Publish Article";
    let tags = RwSignal::new(article.tag_list.clone());
    let tag_text = RwSignal::new(String::new());

    // After hydration, Enter in the tag field adds the tag instead of submitting the form.
    let on_tag_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            let text = tag_text.get_untracked();
            let new_tags: Vec<String> = text
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect();
            tags.update(|list| {
                for tag in new_tags {
                    if !list.contains(&tag) {
                        list.push(tag);
                    }
                }
            });
            tag_text.set(String::new());
        }
    };

    view! {
        <h1 class="visually-hidden">{heading}</h1>
        <ErrorMessages result=action.value() />
        <ActionForm action>{SyncHydrated(view! {
            <input type="hidden" name="slug" value=article.slug.clone() />
            <input type="hidden" name="tag_list" value=move || tags.get().join("\n") />
            <fieldset>
                <fieldset class="form-group">
                    <label class="visually-hidden" for="editor-title">"Article Title"</label>
                    <input id="editor-title" node_ref=title_field type="text" class="form-control form-control-lg" name="title" placeholder="Article Title" value=article.title.clone() />
                </fieldset>
                <fieldset class="form-group">
                    <label class="visually-hidden" for="editor-description">"What's this article about?"</label>
                    <input id="editor-description" type="text" class="form-control" name="description" placeholder="What's this article about?" value=article.description.clone() />
                </fieldset>
                <fieldset class="form-group">
                    <label class="visually-hidden" for="editor-body">"Write your article (in markdown)"</label>
                    <textarea id="editor-body" node_ref=body_field class="form-control" rows="8" name="body" placeholder="Write your article (in markdown)">
                        {article.body.clone().unwrap_or_default()}
                    </textarea>
                </fieldset>
                <fieldset class="form-group">
                    <label class="visually-hidden" for="editor-tags">"Enter tags"</label>
                    <input
                        id="editor-tags"
                        type="text"
                        class="form-control"
                        name="tag_input"
                        placeholder="Enter tags"
                        autocomplete="off"
                        prop:value=move || tag_text.get()
                        on:input=move |ev| tag_text.set(event_target_value(&ev))
                        on:keydown=on_tag_key
                    />
                    <div class="tag-list">
                        <For each=move || tags.get() key=|tag| tag.clone() let:tag>
                            <span class="tag-default tag-pill">
                                <button
                                    type="button"
                                    class="tag-remove"
                                    aria-label=format!("Remove tag {tag}")
                                    on:click={
                                        let tag = tag.clone();
                                        move |_| tags.update(|list| list.retain(|t| t != &tag))
                                    }
                                >
                                    <i class="ion-close-round" aria-hidden="true"></i>
                                </button>
                                {tag.clone()}
                            </span>
                        </For>
                    </div>
                </fieldset>
                <button class="btn btn-lg pull-xs-right btn-primary" type="submit" disabled=pending aria-busy=move || pending.get().to_string()>
                    {button}
                </button>
                <button
                    class="btn btn-lg pull-xs-right btn-outline-secondary preview-button"
                    type="submit"
                    formaction=PREVIEW_PAGE
                    formtarget="_blank"
                    disabled=previewing
                    aria-busy=move || previewing.get().to_string()
                    on:click=on_preview
                >
                    "Preview"
                </button>
            </fieldset>
        })}</ActionForm>
        <ErrorMessages result=preview.value() />
        {move || preview.value().get().and_then(Result::ok).map(|html| view! {
            <section class="editor-preview" aria-labelledby="editor-preview-heading">
                <h2 id="editor-preview-heading">"Preview"</h2>
                <div class="article-content" inner_html=html></div>
            </section>
        })}
    }
}
