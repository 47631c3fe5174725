//! The slug maker: any title gives a non-empty, URL-safe slug of at most 80 characters, with no
//! leading, trailing or doubled dashes, that is its own slug.
#![no_main]

use domain::articles::slugify;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|title: &str| {
    let slug = slugify(title);
    assert!(!slug.is_empty());
    assert!(slug.chars().count() <= 80, "{slug:?}");
    assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"), "{slug:?}");
    assert!(slug.chars().all(|c| c == '-' || c.is_alphanumeric()), "{slug:?}");
    assert_eq!(slugify(&slug), slug, "a slug is stable under slugify");
});
