pub mod article_previews;
pub mod erased;
pub mod error;
pub mod follow;
pub mod form;
pub mod layout;
pub mod page_meta;
pub mod session;
