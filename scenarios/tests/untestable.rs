//! `spec/UNTESTABLE.md`: every statement it argues no client can observe is a
//! broker-testable statement of its version that no scenario cites, at most five per
//! version — the file cannot hide a statement the corpus could test, nor grow into a
//! list of excuses.

use mqttspec::report::{parse_untestable, untestable};
use mqttspec::{Catalogue, Version, default_corpus, load_dir};

#[test]
fn untestable_statements_are_testable_uncited_and_few() {
    let catalogue = Catalogue::builtin();
    let corpus = load_dir(&default_corpus(), &catalogue).expect("corpus loads");
    let listed = untestable();
    assert!(!listed.is_empty(), "spec/UNTESTABLE.md lists no statement: its headings changed?");
    for v in Version::ALL {
        let n = listed.iter().filter(|(lv, _)| *lv == v).count();
        assert!(n <= 5, "{n} statements of {v} argued untestable; at most 5");
    }
    for (v, id) in &listed {
        let statement = catalogue.by_version[v].iter().find(|s| &s.id == id);
        assert!(statement.is_some_and(|s| s.broker_testable), "{id} ({v}) is no broker-testable statement");
        let citing: Vec<&str> = corpus
            .iter()
            .filter(|l| l.scenario.versions.contains(v))
            .filter(|l| l.scenario.statements.for_version(*v).contains(id))
            .map(|l| l.scenario.id.as_str())
            .collect();
        assert!(citing.is_empty(), "{id} ({v}) is argued untestable but cited by {citing:?}");
    }
}

#[test]
fn headings_are_read_per_version() {
    let text = "# x\n### MQTT-1-1 (3.1.1, 5.0)\ntext\n### MQTT-2-2 (5.0)\n## not a heading (5.0)\n";
    let got = parse_untestable(text);
    assert_eq!(
        got,
        vec![
            (Version::V311, "MQTT-1-1".to_string()),
            (Version::V5, "MQTT-1-1".to_string()),
            (Version::V5, "MQTT-2-2".to_string())
        ]
    );
}
