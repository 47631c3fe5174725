//! The markdown renderer and sanitizer: whatever an author writes, the HTML has no script-like
//! element, no event handler or style attribute, and no link or image URL outside http(s) and
//! mailto (relative URLs stay relative).
#![no_main]

use domain::markdown::to_safe_html;
use libfuzzer_sys::fuzz_target;

const FORBIDDEN_TAGS: &[&str] = &["script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta", "link"];

/// The attributes of a tag as the sanitizer writes them: `name="value"` pairs (values have
/// their quotes escaped) or bare names.
fn attributes(mut rest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '/']);
        if rest.is_empty() {
            return out;
        }
        let end = rest.find(['=', ' ', '\t', '\n', '/']).unwrap_or(rest.len());
        let name = rest[..end].to_ascii_lowercase();
        rest = &rest[end..];
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix("=\"") {
            let close = after.find('"').expect("attribute values are quoted and closed");
            value = after[..close].to_string();
            rest = &after[close + 1..];
        }
        out.push((name, value));
    }
}

/// A URL scheme: a letter, then letters, digits, '+', '-' or '.'.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fuzz_target!(|markdown: &str| {
    let html = to_safe_html(markdown);
    // Text never carries a raw '<' or '>' (they are escaped), so each '<' opens a tag.
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        if tag.starts_with('/') {
            continue;
        }
        let name_end = tag.find([' ', '\t', '\n', '/']).unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        assert!(!FORBIDDEN_TAGS.contains(&name.as_str()), "{tag:?}");
        for (key, value) in attributes(&tag[name_end..]) {
            assert!(!key.starts_with("on") && key != "style" && key != "srcdoc", "{tag:?}");
            if key == "href" || key == "src" {
                // As a browser reads it (URL standard): leading controls and spaces trimmed, tabs
                // and newlines removed anywhere; only a valid scheme makes a URL absolute.
                let url: String = value
                    .trim_start_matches(|c: char| c <= ' ')
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| is_scheme(s));
                assert!(matches!(scheme, None | Some("http" | "https" | "mailto")), "{tag:?}");
            }
        }
    }
});
