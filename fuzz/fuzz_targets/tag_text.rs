//! The tag-text parser (what a tag field posts before hydration) and the tag rules after it:
//! never a panic, every tag trimmed, non-empty and free of separators, a refusal only as a
//! `tagList` field error, and normalizing either keeps the tags in order without repeats or
//! refuses them with a field error.
#![no_main]

use domain::{tags, Error};
use libfuzzer_sys::fuzz_target;

fn assert_tag_list_error(err: Error) {
    match err {
        Error::Invalid(fields) => assert!(fields.iter().all(|(field, _)| *field == "tagList")),
        other => panic!("unexpected error {other:?}"),
    }
}

fuzz_target!(|text: &str| {
    let parsed = match tags::parse_text(text) {
        Ok(parsed) => parsed,
        Err(err) => {
            assert_tag_list_error(err);
            return;
        }
    };
    for tag in &parsed {
        assert!(!tag.is_empty() && tag.trim() == tag, "{tag:?}");
        assert!(!tag.contains([',', '\n', '\r']), "{tag:?}");
    }
    match tags::normalize(parsed.clone()) {
        Ok(normalized) => {
            let mut expected: Vec<String> = Vec::new();
            for tag in parsed {
                if !expected.contains(&tag) {
                    expected.push(tag);
                }
            }
            assert_eq!(normalized, expected);
        }
        Err(err) => assert_tag_list_error(err),
    }
});
