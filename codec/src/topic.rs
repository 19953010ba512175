//! Topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7 and §4.8.2).
//!
//! These checks run on strings that already passed the UTF-8 rules (which refuse
//! U+0000, reported for topics as MQTT-4.7.3-2); they return the failed rule and the
//! byte offset inside the topic.

use crate::Version;
use crate::error::Rule;

/// Checks a topic name (the topic of a PUBLISH, or a Will Topic).
///
/// `alias_present`: in 5.0 an empty name is allowed when a Topic Alias stands for it.
/// `skip`: the one rule a lenient decode does not check.
pub(crate) fn check_name(topic: &[u8], alias_present: bool, skip: Option<Rule>) -> Result<(), (Rule, usize)> {
    let checks = |rule| skip != Some(rule);
    // MQTT-4.7.3-1: at least one character (5.0 §3.3.2.1: unless a Topic Alias is used).
    if topic.is_empty() && !alias_present && checks(Rule::TopicNameEmpty) {
        return Err((Rule::TopicNameEmpty, 0));
    }
    // MQTT-3.3.2-2 / MQTT-4.7.1-1 (3.1.1) / MQTT-4.7.0-1 (5.0): no wildcards in names.
    if let Some(at) = topic.iter().position(|&b| b == b'+' || b == b'#') {
        if checks(Rule::TopicNameWildcard) {
            return Err((Rule::TopicNameWildcard, at));
        }
    }
    // MQTT-4.7.3-2 (no U+0000) is enforced by the string check that runs first.
    Ok(())
}

/// Checks a topic filter of SUBSCRIBE or UNSUBSCRIBE.
///
/// `skip`: the one rule a lenient decode does not check.
pub(crate) fn check_filter(filter: &[u8], version: Version, skip: Option<Rule>) -> Result<(), (Rule, usize)> {
    let checks = |rule| skip != Some(rule);
    // MQTT-4.7.3-1: at least one character.
    if filter.is_empty() && checks(Rule::TopicFilterEmpty) {
        return Err((Rule::TopicFilterEmpty, 0));
    }
    let mut body = filter;
    let mut base = 0;
    if version.is_v5() {
        if let Some(rest) = filter.strip_prefix(b"$share/") {
            base = 7;
            // MQTT-4.8.2-1: a non-empty ShareName follows `$share/`.
            let name_len = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            if name_len == 0 && checks(Rule::SharedNameEmpty) {
                return Err((Rule::SharedNameEmpty, base));
            }
            // MQTT-4.8.2-2: the ShareName holds no `+` or `#` and is followed by `/`
            // and a non-empty filter.
            if let Some(at) = rest[..name_len].iter().position(|&b| b == b'+' || b == b'#') {
                if checks(Rule::SharedNameInvalid) {
                    return Err((Rule::SharedNameInvalid, base + at));
                }
            }
            if name_len + 1 >= rest.len() {
                if checks(Rule::SharedNameInvalid) {
                    return Err((Rule::SharedNameInvalid, base + name_len));
                }
                // Skipped: no filter follows the name; what there is is the filter.
                return Ok(());
            }
            base += name_len + 1;
            body = &rest[name_len + 1..];
        }
    }
    // Only the wildcards need looking at: each must fill its level (`+`), or be the
    // whole last level (`#`).
    crate::string::for_each_wildcard(body, |i| {
        let starts_level = i == 0 || body[i - 1] == b'/';
        let next = body.get(i + 1).copied();
        if body[i] == b'#' {
            // MQTT-4.7.1-2 (3.1.1) / MQTT-4.7.1-1 (5.0): `#` alone in the last level.
            if (!starts_level || next.is_some()) && checks(Rule::TopicFilterHash) {
                return Err((Rule::TopicFilterHash, base + i));
            }
        } else if (!starts_level || next.is_some_and(|n| n != b'/')) && checks(Rule::TopicFilterPlus) {
            // MQTT-4.7.1-3 (3.1.1) / MQTT-4.7.1-2 (5.0): `+` fills its whole level.
            return Err((Rule::TopicFilterPlus, base + i));
        }
        Ok(())
    })
}

/// Whether `filter` is a 5.0 shared subscription (`$share/...`).
pub fn is_shared(filter: &[u8]) -> bool {
    filter.starts_with(b"$share/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_filters() {
        for f in ["a", "a/b", "#", "+", "+/+", "a/#", "/", "//", "+/#", "a/+/c", "$SYS/#"] {
            assert_eq!(check_filter(f.as_bytes(), Version::V3_1_1, None), Ok(()), "{f}");
        }
        assert_eq!(check_filter(b"$share/g/a/#", Version::V5, None), Ok(()));
    }

    #[test]
    fn invalid_filters() {
        let cases: &[(&str, Rule)] = &[
            ("a#", Rule::TopicFilterHash),
            ("#/a", Rule::TopicFilterHash),
            ("a/#/b", Rule::TopicFilterHash),
            ("a+", Rule::TopicFilterPlus),
            ("+a", Rule::TopicFilterPlus),
            ("a/b+/c", Rule::TopicFilterPlus),
        ];
        for (f, rule) in cases {
            assert_eq!(check_filter(f.as_bytes(), Version::V5, None).map_err(|e| e.0), Err(*rule), "{f}");
        }
        assert_eq!(
            check_filter(b"$share//a", Version::V5, None).map_err(|e| e.0),
            Err(Rule::SharedNameEmpty)
        );
        assert_eq!(
            check_filter(b"$share/g+/a", Version::V5, None).map_err(|e| e.0),
            Err(Rule::SharedNameInvalid)
        );
        assert_eq!(
            check_filter(b"$share/g", Version::V5, None).map_err(|e| e.0),
            Err(Rule::SharedNameInvalid)
        );
        assert_eq!(
            check_filter(b"$share/g/", Version::V5, None).map_err(|e| e.0),
            Err(Rule::SharedNameInvalid)
        );
        // In 3.1.1 `$share` is an ordinary topic level.
        assert_eq!(check_filter(b"$share//a", Version::V3_1_1, None), Ok(()));
    }
}
