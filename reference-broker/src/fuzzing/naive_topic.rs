//! A deliberately naive topic matcher for the fuzz oracle, written from the text of
//! MQTT 5.0 §4.7 and §4.8.2 (MQTT 3.1.1 §4.7 says the same) and sharing nothing with
//! the broker's [`crate::topic`]: if the broker's matcher has a bug, the oracle does
//! not have the same one. Slow on purpose: names and filters become vectors of
//! levels, and matching recurses over them one level at a time.
//!
//! The rules, as §4.7 states them:
//! - `/` separates levels; adjacent separators make a zero-length level, and a
//!   leading or trailing `/` makes a distinct name (§4.7.1.1, §4.7.3).
//! - `#` matches any number of levels, including the parent level (§4.7.1.2).
//! - `+` matches exactly one level, which may be empty (§4.7.1.3).
//! - Any other level matches character for character, case-sensitively, with no
//!   normalization (§4.7.3, MQTT-4.7.3-4 (5.0)).
//! - A filter starting with a wildcard does not match a name starting with `$`
//!   (MQTT-4.7.2-1 (both)).
//!
//! Inputs are assumed valid (the codec refused the others): wildcards occupy whole
//! levels and `#` is last.

/// The levels of a topic name or filter, in order.
pub fn levels(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for ch in text.chars() {
        if ch == '/' {
            out.push(String::new());
        } else {
            out.last_mut().expect("never empty").push(ch);
        }
    }
    out
}

/// Whether topic filter `filter` matches topic name `name`.
pub fn matches(filter: &str, name: &str) -> bool {
    let filter = levels(filter);
    let name = levels(name);
    let filter_starts_with_wildcard = filter[0] == "#" || filter[0] == "+";
    let name_starts_with_dollar = name[0].starts_with('$');
    if filter_starts_with_wildcard && name_starts_with_dollar {
        return false;
    }
    match_levels(&filter, &name)
}

fn match_levels(filter: &[String], name: &[String]) -> bool {
    if filter.is_empty() {
        return name.is_empty();
    }
    if filter[0] == "#" {
        // The rest of the name, however many levels, the parent level included.
        return true;
    }
    if name.is_empty() {
        return false;
    }
    let level_matches = filter[0] == "+" || filter[0] == name[0];
    level_matches && match_levels(&filter[1..], &name[1..])
}

/// `$share/{ShareName}/{filter}` as (ShareName, filter) (5.0 §4.8.2), or `None` for
/// a filter that is not a shared subscription.
pub fn split_shared(filter: &str) -> Option<(String, String)> {
    let levels = levels(filter);
    if levels.len() < 3 || levels[0] != "$share" {
        return None;
    }
    Some((levels[1].clone(), levels[2..].join("/")))
}

/// The filter a subscription matches topics with: in 5.0 a shared subscription's
/// filter without `$share/{ShareName}/`; otherwise the filter as written.
pub fn match_part(filter: &str, v5: bool) -> String {
    match split_shared(filter) {
        Some((_, inner)) if v5 => inner,
        _ => filter.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_keep_empty_ones() {
        assert_eq!(levels("a//b"), ["a", "", "b"]);
        assert_eq!(levels("/"), ["", ""]);
        assert_eq!(levels("/a/"), ["", "a", ""]);
        assert_eq!(levels("日本/é"), ["日本", "é"]);
    }

    #[test]
    fn shared() {
        assert_eq!(split_shared("$share/g/a/#"), Some(("g".into(), "a/#".into())));
        assert_eq!(split_shared("$share/g"), None);
        assert_eq!(split_shared("a/b"), None);
        assert_eq!(match_part("$share/g/a", true), "a");
        assert_eq!(match_part("$share/g/a", false), "$share/g/a");
    }
}
