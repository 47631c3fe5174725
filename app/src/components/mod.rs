pub mod article_list;
pub mod error;
pub mod layout;
pub mod session;
