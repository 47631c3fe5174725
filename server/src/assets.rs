//! The bundle's file names. cargo-leptos (`hash-files` in Cargo.toml) puts a hash of each file's
//! content in the names of the JS, WASM and CSS files under `/pkg`, and writes the hashes to a
//! file beside the server binary (`target/release/hash.txt`, `target/debug/hash.txt`, and
//! `/app/hash.txt` in the image). A name that changes with the content can be cached for good
//! (`layers.rs`), so a returning visitor downloads none of the bundle again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leptos::config::LeptosOptions;

#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error(
        "LEPTOS_HASH_FILES is true but there is no hash file at {0} (build the site with `cargo leptos build`, which writes it)"
    )]
    Missing(PathBuf),
    #[error("cannot read the hash file {0}: {1}")]
    Unreadable(PathBuf, std::io::Error),
    #[error("the hash file {0} names no {1} file")]
    Incomplete(PathBuf, &'static str),
}

/// Where Leptos looks for the hash file: `LEPTOS_HASH_FILE_NAME` (default `hash.txt`) relative
/// to the running binary's folder.
fn hash_file_of(options: &LeptosOptions) -> PathBuf {
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    beside_binary.join(options.hash_file.as_ref())
}

/// Settles, once at start, whether the site's names are hashed: when the build left a hash file
/// beside the binary, they are, even if nothing set `LEPTOS_HASH_FILES` (a binary started by
/// hand after `cargo leptos build` links the names its build gave, not ones that 404). The
/// options then carry the file's absolute path, which Leptos's hydration scripts read as is.
pub fn locate(options: &mut LeptosOptions) -> Result<(), AssetsError> {
    let path = hash_file_of(options);
    if !path.is_file() {
        return match options.hash_files {
            true => Err(AssetsError::Missing(path)),
            false => Ok(()),
        };
    }
    options.hash_files = true;
    options.hash_file = path.to_string_lossy().into();
    SiteAssets::of(options).map(|_| ())
}

/// The names pages link to that Leptos does not write itself: the stylesheet's.
#[derive(Clone, Debug)]
pub struct SiteAssets {
    pub stylesheet: Arc<str>,
}

impl SiteAssets {
    pub fn of(options: &LeptosOptions) -> Result<SiteAssets, AssetsError> {
        if !options.hash_files {
            return Ok(SiteAssets::unhashed(options));
        }
        let path = hash_file_of(options);
        let hashes = std::fs::read_to_string(&path)
            .map_err(|err| AssetsError::Unreadable(path.clone(), err))?;
        let hash_of = |kind: &'static str| {
            hashes
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(file, _)| file.trim() == kind)
                .map(|(_, hash)| hash.trim().to_string())
                .ok_or_else(|| AssetsError::Incomplete(path.clone(), kind))
        };
        // Leptos's hydration scripts fall back to unhashed names without these: refuse instead.
        hash_of("js")?;
        hash_of("wasm")?;
        let css = hash_of("css")?;
        let (pkg, name) = (&options.site_pkg_dir, &options.output_name);
        Ok(SiteAssets {
            stylesheet: format!("/{pkg}/{name}.{css}.css").into(),
        })
    }

    pub fn unhashed(options: &LeptosOptions) -> SiteAssets {
        let (pkg, name) = (&options.site_pkg_dir, &options.output_name);
        SiteAssets {
            stylesheet: format!("/{pkg}/{name}.css").into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options_with(hash_file: Option<&str>) -> (tempfile::TempDir, LeptosOptions) {
        let dir = tempfile::tempdir().unwrap();
        let mut options = LeptosOptions::builder().output_name("conduit").build();
        if let Some(contents) = hash_file {
            let path = dir.path().join("hash.txt");
            std::fs::write(&path, contents).unwrap();
            options.hash_file = path.to_string_lossy().into();
            options.hash_files = true;
        }
        (dir, options)
    }

    #[test]
    fn the_stylesheet_name_carries_the_hash_the_build_wrote() {
        let (_dir, options) = options_with(Some("js: AAA\nwasm: BBB\ncss: CcC-_9\n"));
        assert_eq!(
            &*SiteAssets::of(&options).unwrap().stylesheet,
            "/pkg/conduit.CcC-_9.css"
        );
        let (_dir, options) = options_with(None);
        assert_eq!(
            &*SiteAssets::of(&options).unwrap().stylesheet,
            "/pkg/conduit.css"
        );
    }

    #[test]
    fn a_hash_file_without_every_name_is_refused() {
        let (_dir, options) = options_with(Some("js: AAA\ncss: CCC\n"));
        let err = SiteAssets::of(&options).unwrap_err();
        assert!(matches!(err, AssetsError::Incomplete(_, "wasm")), "{err}");
    }

    #[test]
    fn hashing_asked_for_without_a_hash_file_stops_the_start() {
        let (dir, mut options) = options_with(None);
        options.hash_files = true;
        options.hash_file = dir.path().join("absent.txt").to_string_lossy().into();
        assert!(matches!(locate(&mut options), Err(AssetsError::Missing(_))));
        let (dir, mut options) = options_with(None);
        options.hash_file = dir.path().join("absent.txt").to_string_lossy().into();
        locate(&mut options).unwrap();
        assert!(!options.hash_files);
    }

    #[test]
    fn a_hash_file_found_turns_hashing_on() {
        let (_dir, mut options) = options_with(Some("js: A\nwasm: B\ncss: C\n"));
        options.hash_files = false;
        locate(&mut options).unwrap();
        assert!(options.hash_files);
    }
}
