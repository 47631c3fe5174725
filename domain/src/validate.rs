//! Input rules shared by every transport: required fields, lengths and pagination bounds.

use super::{Error, FieldErrors, Result};

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;
pub const MAX_USERNAME: usize = 64;
pub const MAX_EMAIL: usize = 254;
pub const MAX_TITLE: usize = 255;
pub const MAX_DESCRIPTION: usize = 1_000;
pub const MAX_BODY: usize = 100_000;
pub const MAX_BIO: usize = 5_000;
/// Any string is an image as the spec has it (pages show only web URLs: `models::avatar`).
pub const MAX_IMAGE_URL: usize = 2_048;
pub const MAX_TAG: usize = 64;
pub const MAX_TAGS: usize = 20;
/// Entries a tag list may hold as sent, repeats and blanks included: checked before any other
/// work, since the body limit alone lets about 200,000 tags through.
pub const MAX_TAG_ENTRIES: usize = 100;
pub const MAX_COMMENT: usize = 10_000;

/// Collects every problem of a form before failing, so the user sees them all at once.
#[derive(Default)]
pub struct Checks(FieldErrors);

impl Checks {
    /// A required text: present, not blank, and at most `max` characters.
    pub fn required(&mut self, field: &'static str, value: Option<&str>, max: usize) -> &mut Self {
        match value {
            None => self.0.push((field, "can't be blank".into())),
            Some(v) if v.trim().is_empty() => self.0.push((field, "can't be blank".into())),
            Some(v) => self.max_len(field, v, max),
        }
        self
    }

    /// An optional text: when present, at most `max` characters.
    pub fn optional(&mut self, field: &'static str, value: Option<&str>, max: usize) -> &mut Self {
        if let Some(v) = value {
            self.max_len(field, v, max);
        }
        self
    }

    fn max_len(&mut self, field: &'static str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.0
                .push((field, format!("is too long (maximum is {max} characters)")));
        }
    }

    pub fn email(&mut self, value: Option<&str>) -> &mut Self {
        self.required("email", value, MAX_EMAIL);
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            if !looks_like_email(v) {
                self.0.push(("email", "is invalid".into()));
            }
        }
        self
    }

    pub fn password(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) if !v.is_empty() && v.chars().count() < MIN_PASSWORD => self.0.push((
                "password",
                format!("is too short (minimum is {MIN_PASSWORD} characters)"),
            )),
            _ => {
                self.required("password", value, MAX_PASSWORD);
            }
        }
        self
    }

    pub fn push(&mut self, field: &'static str, message: impl Into<String>) -> &mut Self {
        self.0.push((field, message.into()));
        self
    }

    pub fn finish(&mut self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(std::mem::take(&mut self.0)))
        }
    }
}

fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty() && !domain.is_empty() && !value.chars().any(char::is_whitespace)
}

/// An empty or blank optional text is stored as NULL (the spec's `bio: ""` means no bio).
pub fn none_if_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// One page of a list: `limit` rows after skipping `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 20;
    pub const MAX_LIMIT: i64 = 100;
    /// The deepest a page may start: the database walks every skipped row, so an offset of a
    /// billion would make one request read a whole table. Deeper pages are for filters.
    pub const MAX_OFFSET: i64 = 10_000;

    /// Parses `limit` and `offset` query values, refusing anything negative, huge or non-numeric
    /// with a 422 that says which bound was broken.
    pub fn parse(limit: Option<&str>, offset: Option<&str>) -> Result<Page> {
        let mut checks = Checks::default();
        let limit = parse_bounded(
            &mut checks,
            "limit",
            limit,
            Self::DEFAULT_LIMIT,
            Self::MAX_LIMIT,
        );
        let offset = parse_bounded(&mut checks, "offset", offset, 0, Self::MAX_OFFSET);
        checks.finish()?;
        Ok(Page { limit, offset })
    }

    /// Page `n` (1-based) of `per_page` rows, as the UI's `?page=N` asks; a page starting past
    /// [`Page::MAX_OFFSET`] is a 422 that names the last page there is.
    pub fn numbered(n: u32, per_page: i64) -> Result<Page> {
        let last = Self::last_numbered(per_page);
        let n = i64::from(n.max(1));
        if n > last {
            return Err(Error::invalid(
                "page",
                format!("must be between 1 and {last}"),
            ));
        }
        Ok(Page {
            limit: per_page,
            offset: (n - 1) * per_page,
        })
    }

    /// The last page of `per_page` rows that starts within [`Page::MAX_OFFSET`].
    pub fn last_numbered(per_page: i64) -> i64 {
        Self::MAX_OFFSET / per_page + 1
    }
}

fn parse_bounded(
    checks: &mut Checks,
    field: &'static str,
    raw: Option<&str>,
    default: i64,
    max: i64,
) -> i64 {
    let Some(raw) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return default;
    };
    match raw.parse::<i64>() {
        Ok(value) if (0..=max).contains(&value) => value,
        Ok(_) => {
            checks.push(field, format!("must be between 0 and {max}"));
            default
        }
        Err(_) => {
            checks.push(field, "must be a whole number");
            default
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<()>) -> Vec<(&'static str, String)> {
        match result {
            Err(Error::Invalid(fields)) => fields,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn required_fields_must_not_be_blank() {
        let errors = fields(
            Checks::default()
                .required("title", None, 10)
                .required("body", Some("   "), 10)
                .required("description", Some("ok"), 10)
                .finish(),
        );
        assert_eq!(
            errors,
            vec![
                ("title", "can't be blank".into()),
                ("body", "can't be blank".into())
            ]
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(Checks::default()
            .required("title", Some("🎉🎉🎉"), 3)
            .finish()
            .is_ok());
        assert!(Checks::default()
            .required("title", Some("🎉🎉🎉🎉"), 3)
            .finish()
            .is_err());
    }

    #[test]
    fn passwords_need_eight_characters() {
        let errors = fields(Checks::default().password(Some("1234567")).finish());
        assert_eq!(errors[0].0, "password");
        assert!(errors[0].1.contains("too short"));
        assert!(Checks::default()
            .password(Some("12345678"))
            .finish()
            .is_ok());
        assert!(Checks::default()
            .password(Some(&"x".repeat(64)))
            .finish()
            .is_ok());
        assert_eq!(
            fields(Checks::default().password(Some("")).finish())[0].1,
            "can't be blank"
        );
        assert_eq!(
            fields(Checks::default().password(None).finish())[0].1,
            "can't be blank"
        );
    }

    #[test]
    fn emails_need_an_at_sign() {
        assert!(Checks::default().email(Some("a@b.c")).finish().is_ok());
        assert!(Checks::default().email(Some("nope")).finish().is_err());
        assert_eq!(
            fields(Checks::default().email(Some("")).finish())[0].1,
            "can't be blank"
        );
    }

    #[test]
    fn pagination_bounds() {
        assert_eq!(
            Page::parse(None, None).unwrap(),
            Page {
                limit: 20,
                offset: 0
            }
        );
        assert_eq!(
            Page::parse(Some("5"), Some("10")).unwrap(),
            Page {
                limit: 5,
                offset: 10
            }
        );
        assert_eq!(Page::parse(Some("0"), None).unwrap().limit, 0);
        assert_eq!(Page::parse(Some("100"), None).unwrap().limit, 100);
        for (limit, offset) in [
            ("-1", "0"),
            ("101", "0"),
            ("abc", "0"),
            ("1", "-5"),
            ("1", "99999999999999999999"),
            ("1.5", "0"),
        ] {
            assert!(
                Page::parse(Some(limit), Some(offset)).is_err(),
                "{limit}/{offset} accepted"
            );
        }
        assert_eq!(
            Page::numbered(1, 10).unwrap(),
            Page {
                limit: 10,
                offset: 0
            }
        );
        assert_eq!(
            Page::numbered(3, 10).unwrap(),
            Page {
                limit: 10,
                offset: 20
            }
        );
        assert_eq!(
            Page::numbered(0, 10).unwrap(),
            Page {
                limit: 10,
                offset: 0
            }
        );
    }

    #[test]
    fn offsets_stop_at_the_documented_maximum() {
        let at_max = Page::MAX_OFFSET.to_string();
        let beyond = (Page::MAX_OFFSET + 1).to_string();
        assert_eq!(Page::parse(None, Some(&at_max)).unwrap().offset, 10_000);
        assert_eq!(
            fields(Page::parse(None, Some(&beyond)).map(|_| ())),
            vec![("offset", "must be between 0 and 10000".to_string())]
        );
        // The UI's last page of 10 starts exactly at the maximum; the next one is refused.
        assert_eq!(Page::last_numbered(10), 1_001);
        assert_eq!(Page::numbered(1_001, 10).unwrap().offset, Page::MAX_OFFSET);
        assert_eq!(
            fields(Page::numbered(1_002, 10).map(|_| ())),
            vec![("page", "must be between 1 and 1001".to_string())]
        );
        assert!(Page::numbered(u32::MAX, 10).is_err());
    }
}
