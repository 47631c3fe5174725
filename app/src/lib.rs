#![recursion_limit = "256"]

//! The Conduit UI: routes, pages and components, each page beside its server functions. With
//! the `ssr` feature the server functions call the domain layer (the `domain` crate), which the
//! REST API in `server` calls too.

pub mod components;
#[cfg(feature = "ssr")]
mod form_post;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server_ctx;

mod app;
pub use app::{shell, App};

/// Where server functions are served: a prefix of their own, so they can never collide with the
/// RealWorld REST API under `/api`. Set once, in `.cargo/config.toml`, where `#[server]` reads it.
pub const SERVER_FN_PREFIX: &str = env!("SERVER_FN_PREFIX");

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// No two files of this crate import each other, directly or around a loop: a loop makes
    /// one change recompile, and one reader follow, both. Edges are the `crate::...` paths each
    /// file names, to the deepest module file they reach; the crate root only declares modules.
    #[test]
    fn no_import_cycle_between_the_crates_files() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = BTreeMap::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path != src.join("lib.rs") {
                    let module = path.strip_prefix(&src).unwrap().with_extension("");
                    let module = module.to_string_lossy().replace('/', "::");
                    let module = module.trim_end_matches("::mod").to_string();
                    files.insert(module, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (module, text) in &files {
            for (at, _) in text.match_indices("crate::") {
                let path: String = text[at + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let target = files
                    .keys()
                    .filter(|m| path == **m || path.starts_with(&format!("{m}::")))
                    .max_by_key(|m| m.len());
                if let Some(target) = target.filter(|t| *t != module) {
                    edges.entry(module).or_default().insert(target);
                }
            }
        }
        // Depth-first search; a module met again while still on the path closes a loop.
        fn visit<'a>(
            module: &'a str,
            edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
            path: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
        ) {
            if let Some(start) = path.iter().position(|m| *m == module) {
                panic!("import cycle: {} -> {module}", path[start..].join(" -> "));
            }
            if !done.insert(module) {
                return;
            }
            path.push(module);
            for next in edges.get(module).into_iter().flatten() {
                visit(next, edges, path, done);
            }
            path.pop();
        }
        assert!(edges.len() > 10, "{edges:?}");
        let mut done = BTreeSet::new();
        for module in files.keys() {
            visit(module, &edges, &mut Vec::new(), &mut done);
        }
    }
    #[test]
    fn every_server_function_is_served_under_the_prefix() {
        let paths: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
        assert!(paths.len() >= 16, "{paths:?}");
        for (path, _) in paths {
            assert!(path.starts_with(super::SERVER_FN_PREFIX), "{path}");
        }
    }
}
