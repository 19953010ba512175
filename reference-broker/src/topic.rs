//! Topic filter matching (MQTT 5.0 §4.7, §4.8.2; MQTT 3.1.1 §4.7).

use crate::mutants::Behaviour as M;
use std::borrow::Cow;

/// Whether `filter` matches `topic`. Filters and names were validated by the codec.
pub fn matches(filter: &str, topic: &str) -> bool {
    matching(filter, topic, None)
}

/// Whether a behaviour mutant breaks a matching rule of §4.7 (routing then looks at
/// every session, not only those the index of filters proposes).
pub(crate) fn breaks_matching(m: M) -> bool {
    matches!(
        m,
        M::PlusMatchesManyLevels
            | M::PlusSkipsEmptyLevel
            | M::HashExcludesParent
            | M::FilterPrefixMatches
            | M::PlusMatchesDollarTopics
            | M::HashMatchesDollarTopics
            | M::EmptyLevelsCollapsed
            | M::CaseInsensitiveMatching
            | M::TopicsNormalised
    )
}

/// What a normalising matcher makes of a name or filter: U+FEFF dropped, fullwidth
/// forms folded to ASCII (as NFKC would).
fn normalised(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let fold = |c: char| match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0),
        0xFEFF => None,
        _ => Some(c),
    };
    Cow::Owned(s.chars().filter_map(fold).collect())
}

/// [`matches`], or with one rule broken by behaviour mutant `m`.
pub(crate) fn matching(filter: &str, topic: &str, m: Option<M>) -> bool {
    let is = |b| m == Some(b);
    // MQTT-4.7.3-4 (both): no normalisation of names or filters.
    let (filter, topic) = if is(M::TopicsNormalised) {
        (normalised(filter), normalised(topic))
    } else {
        (Cow::Borrowed(filter), Cow::Borrowed(topic))
    };
    // MQTT-4.7.2-1 (both): a filter starting with a wildcard does not match a topic
    // starting with `$`.
    let dollar_rule = |w| if w == '+' { M::PlusMatchesDollarTopics } else { M::HashMatchesDollarTopics };
    let leading = |w| filter.starts_with(w) && !is(dollar_rule(w));
    if topic.starts_with('$') && (leading('+') || leading('#')) {
        return false;
    }
    // MQTT-3.3.2-3 (both): the delivered name matches the filter as §4.7 lays out: levels
    // compared exactly, empty levels included.
    let collapse = is(M::EmptyLevelsCollapsed);
    let mut f = filter.split('/').filter(|l| !(collapse && l.is_empty()));
    let mut t = topic.split('/').filter(|l| !(collapse && l.is_empty()));
    loop {
        match (f.next(), t.next()) {
            // `#` also matches the parent level ("a/#" matches "a").
            (Some("#"), None) if is(M::HashExcludesParent) => return false,
            (Some("#"), _) => return true,
            (Some("+"), Some("")) if is(M::PlusSkipsEmptyLevel) => return false,
            (Some("+"), Some(_)) if is(M::PlusMatchesManyLevels) => {
                // This `+` takes one level or more: the rest of the filter may match
                // any tail of the topic.
                let (rest, tail) = (f.collect::<Vec<_>>().join("/"), t.collect::<Vec<_>>());
                return tail.is_empty() && rest.is_empty()
                    || (0..tail.len()).any(|i| matching(&rest, &tail[i..].join("/"), m))
                    || rest.is_empty();
            }
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) if is(M::CaseInsensitiveMatching) && a.eq_ignore_ascii_case(b) => {}
            (None, Some(_)) if is(M::FilterPrefixMatches) => return true,
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
