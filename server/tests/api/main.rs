//! The API conformance suite: every row of the RealWorld contract, its error cases and the bad
//! input of issue 3, through `server::router(...)` in-process, on SQLite and on PostgreSQL.

// Tests look into the database directly, past the credential handling of `Db::acquire`.
#![allow(clippy::disallowed_methods)]

#[path = "../support/mod.rs"]
mod support;

mod harness;
mod ui;

mod articles;
mod bad_input;
mod bounds;
mod comments;
mod counts;
mod discovery;
mod layers;
mod openapi;
mod preview;
mod profiles;
mod redirects;
mod seed;
mod sessions;
mod tags;
mod users;
mod write_rate;
