//! The broker's topic matching ([`mqttspec_broker::topic`]) against the fuzz oracle's
//! naive one ([`mqttspec_broker::fuzzing::naive_topic`]), written apart from it from
//! the MQTT 5.0 §4.7 text: first the rules of §4.7 one by one, each checked against
//! both, then a property test that the two agree on generated names and filters.

use mqttspec_broker::fuzzing::naive_topic;
use mqttspec_broker::topic;
use proptest::prelude::*;

/// (filter, topic name, whether §4.7 says they match, the rule).
const RULES: &[(&str, &str, bool, &str)] = &[
    ("sport/tennis/player1/#", "sport/tennis/player1", true, "# matches the parent level"),
    ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true, "# matches one child level"),
    ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true, "# matches many levels"),
    ("sport/#", "sport", true, "# includes the parent level"),
    ("#", "a/b/c", true, "# alone matches everything"),
    ("#", "/", true, "# alone matches the two empty levels of /"),
    ("sport/tennis/+", "sport/tennis/player1", true, "+ matches one level"),
    ("sport/tennis/+", "sport/tennis/player1/ranking", false, "+ matches only one level"),
    ("sport/+", "sport", false, "+ needs a level to match"),
    ("sport/+", "sport/", true, "+ matches an empty level"),
    ("+/+", "/finance", true, "a leading / makes an empty first level"),
    ("/+", "/finance", true, "a leading / makes an empty first level"),
    ("+", "/finance", false, "/finance has two levels"),
    ("+", "/", false, "/ has two levels"),
    ("/", "/", true, "/ alone is a valid name and filter"),
    ("+/+", "/", true, "/ is two empty levels"),
    ("a//b", "a//b", true, "adjacent separators make an empty level"),
    ("a/+/b", "a//b", true, "+ matches the empty level between separators"),
    ("a/b", "a//b", false, "an empty level is a level"),
    ("/finance", "finance", false, "a leading / makes a distinct name"),
    ("finance/", "finance", false, "a trailing / makes a distinct name"),
    ("ACCOUNTS", "Accounts", false, "matching is case-sensitive"),
    ("Accounts payable", "Accounts payable", true, "spaces are ordinary characters"),
    ("é/日本", "é/日本", true, "multi-byte characters compare as they are"),
    ("e\u{301}", "é", false, "no normalization (MQTT-4.7.3-4)"),
    ("#", "$SYS/x", false, "a leading # does not match a $ topic (MQTT-4.7.2-1)"),
    ("+/monitor/Clients", "$SYS/monitor/Clients", false, "a leading + does not match a $ topic"),
    ("+", "$", false, "$ alone starts with $"),
    ("$SYS/#", "$SYS/x", true, "a $ topic matches a filter naming it"),
    ("$SYS/monitor/+", "$SYS/monitor/Clients", true, "a wildcard after the first level may match"),
    ("+/x", "a$/x", true, "only a leading $ is special"),
];

#[test]
fn both_matchers_follow_the_section_4_7_rules() {
    for (filter, name, expected, rule) in RULES {
        assert_eq!(topic::matches(filter, name), *expected, "broker: {filter:?} vs {name:?}: {rule}");
        assert_eq!(naive_topic::matches(filter, name), *expected, "naive: {filter:?} vs {name:?}: {rule}");
    }
}

/// Level text: empty, case pairs, `$`-leading, multi-byte, a space.
fn level() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "a", "A", "b", "$SYS", "$", "x$", "é", "日本", "a b", "$share"])
        .prop_map(str::to_string)
}

/// A valid topic name: one to four levels (`/` alone and leading, trailing and
/// doubled separators included); the empty string is not a topic name.
fn topic_name() -> impl Strategy<Value = String> {
    prop::collection::vec(level(), 1..5)
        .prop_map(|levels| levels.join("/"))
        .prop_filter("a topic name has at least one character", |n| !n.is_empty())
}

/// A valid topic filter: levels or `+` anywhere, and `#` optionally as the last
/// level; sometimes a shared subscription.
fn topic_filter() -> impl Strategy<Value = String> {
    let part = prop_oneof![3 => level(), 1 => Just("+".to_string())];
    (
        prop::collection::vec(part, 0..5),
        any::<bool>(),
        prop::sample::select(vec!["", "", "$share/g/", "$share/G/"]),
    )
        .prop_map(|(mut levels, hash, prefix)| {
            if hash || levels.is_empty() {
                levels.push("#".into());
            }
            format!("{prefix}{}", levels.join("/"))
        })
        .prop_filter("a topic filter has at least one character", |f| !f.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn the_broker_matches_as_the_naive_matcher(filter in topic_filter(), name in topic_name()) {
        prop_assert_eq!(topic::matches(&filter, &name), naive_topic::matches(&filter, &name));
        let shared = topic::split_shared(&filter).map(|(g, f)| (g.to_string(), f.to_string()));
        prop_assert_eq!(shared, naive_topic::split_shared(&filter));
    }

    #[test]
    fn a_filter_of_the_name_itself_matches(name in topic_name()) {
        prop_assert!(topic::matches(&name, &name));
        prop_assert!(naive_topic::matches(&name, &name));
    }
}
