//! Topic filter matching (MQTT 5.0 §4.7, §4.8.2; MQTT 3.1.1 §4.7).

/// Whether `filter` matches `topic`. Filters and names were validated by the codec.
///
/// MQTT-4.7.2-1 (both): a filter starting with a wildcard does not match a topic starting
/// with `$`.
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            // `#` also matches the parent level ("a/#" matches "a").
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Splits `$share/{name}/{filter}` into (name, filter).
pub fn split_shared(filter: &str) -> Option<(&str, &str)> {
    let rest = filter.strip_prefix("$share/")?;
    rest.split_once('/')
}

/// Whether some topic matches both filters.
pub fn overlaps(a: &str, b: &str) -> bool {
    let dollar = |f: &str| f.starts_with('$');
    let wild = |f: &str| f.starts_with(['+', '#']);
    // MQTT-4.7.2-1 (both): a leading wildcard never reaches `$` topics.
    if (dollar(a) && wild(b)) || (dollar(b) && wild(a)) {
        return false;
    }
    let mut x = a.split('/');
    let mut y = b.split('/');
    loop {
        match (x.next(), y.next()) {
            (Some("#"), _) | (_, Some("#")) => return true,
            (None, None) => return true,
            (Some("+"), Some(_)) | (Some(_), Some("+")) => {}
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("a/+/c", "a/b/c"));
        assert!(matches("a/#", "a"));
        assert!(matches("a/#", "a/b/c"));
        assert!(matches("#", "a/b"));
        assert!(matches("+/+", "/x"));
        assert!(!matches("a/+", "a/b/c"));
        assert!(!matches("a/b", "a/b/c"));
        assert!(!matches("+", "a/b"));
        assert!(matches("+", ""));
    }

    #[test]
    fn dollar_topics_are_not_matched_by_leading_wildcards() {
        assert!(!matches("#", "$SYS/x"));
        assert!(!matches("+/x", "$SYS/x"));
        assert!(matches("$SYS/#", "$SYS/x"));
    }

    #[test]
    fn shared() {
        assert_eq!(split_shared("$share/g/a/#"), Some(("g", "a/#")));
        assert_eq!(split_shared("a/b"), None);
    }

    #[test]
    fn overlap() {
        assert!(overlaps("a/+", "a/b"));
        assert!(overlaps("a/#", "+/b/c"));
        assert!(overlaps("a/b", "a/b"));
        assert!(!overlaps("a/b", "a/c"));
        assert!(!overlaps("a/+", "a/b/c"));
        assert!(!overlaps("#", "$SYS/x"));
        assert!(overlaps("$SYS/#", "$SYS/+"));
    }
}
