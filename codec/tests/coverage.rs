//! How the codec covers every `layer: codec` statement of both catalogues.
//!
//! The table below is the single source of `codec/STATEMENTS.md`; this test checks it
//! against `spec/*.yaml` (nothing missing, nothing invented), checks that each
//! statement enforced by a [`Rule`] is the one that rule cites, that each has its test
//! in its module of `tests/statements.rs` (`tests/statements/<module>.rs`), and that the
//! committed Markdown is current. Run with `UPDATE_STATEMENTS=1` to rewrite the Markdown.

use mqttspec_codec::{Rule, Version};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Statement {
    id: String,
    section: String,
    party: String,
    layer: String,
    broker_testable: bool,
    summary: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
}

fn catalogue(file: &str) -> Vec<Statement> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How one statement is covered.
enum How {
    /// A decoder rule cites exactly this statement.
    Rule(&'static [Rule]),
    /// A more general rule catches it; says which and where.
    Via(&'static str),
    /// The encoder and the model make the violation impossible to produce by accident.
    Encoder(&'static str),
    /// The statement asks the receiver to accept something; the test shows it does.
    Accepts(&'static str),
}

use How::*;
use Rule as R;

const V311: &[(&str, How)] = &[
    ("MQTT-1.5.3-1", Rule(&[R::Utf8Invalid])),
    ("MQTT-1.5.3-2", Rule(&[R::Utf8Null])),
    ("MQTT-1.5.3-3", Accepts("decoded strings keep a leading BOM byte for byte")),
    ("MQTT-2.2.2-1", Via("FixedHeaderFlags on receipt; the encoder always writes the Table 2.2 flags")),
    ("MQTT-2.2.2-2", Rule(&[R::FixedHeaderFlags])),
    ("MQTT-2.3.1-1", Rule(&[R::PacketIdZero])),
    ("MQTT-2.3.1-5", Encoder("a QoS 0 PUBLISH with an identifier is an EncodeError; decoding reads none")),
    ("MQTT-3.1.2-1", Rule(&[R::ProtocolName])),
    ("MQTT-3.1.2-2", Rule(&[R::ProtocolLevel])),
    ("MQTT-3.1.2-3", Rule(&[R::ConnectReservedFlag])),
    ("MQTT-3.1.2-9", Rule(&[R::WillFieldsMissing])),
    (
        "MQTT-3.1.2-11",
        Via(
            "WillQosWithoutWill, WillRetainWithoutWill, and UnexpectedUsername for will fields without the flag",
        ),
    ),
    ("MQTT-3.1.2-13", Rule(&[R::WillQosWithoutWill])),
    ("MQTT-3.1.2-14", Rule(&[R::WillQos3])),
    ("MQTT-3.1.2-15", Rule(&[R::WillRetainWithoutWill])),
    ("MQTT-3.1.2-18", Rule(&[R::UnexpectedUsername])),
    ("MQTT-3.1.2-19", Rule(&[R::UsernameMissing])),
    ("MQTT-3.1.2-20", Rule(&[R::UnexpectedPassword])),
    ("MQTT-3.1.2-21", Rule(&[R::PasswordMissing])),
    ("MQTT-3.1.2-22", Rule(&[R::PasswordWithoutUsername])),
    ("MQTT-3.1.3-1", Encoder("the model has no field order to get wrong; the decoder reads the fixed order")),
    ("MQTT-3.1.3-3", Via("Truncated when the payload ends before the Client Identifier")),
    ("MQTT-3.1.3-4", Via("Utf8Invalid / Utf8Null on the Client Identifier")),
    ("MQTT-3.1.3-5", Accepts("1-23 character alphanumeric identifiers decode")),
    ("MQTT-3.1.3-7", Rule(&[R::EmptyClientIdWithSession])),
    ("MQTT-3.1.3-10", Via("Utf8Invalid / Utf8Null on the Will Topic")),
    ("MQTT-3.1.3-11", Via("Utf8Invalid / Utf8Null on the User Name")),
    ("MQTT-3.1.4-1", Via("every CONNECT rule; Rule::v311_connack_code says no CONNACK precedes the close")),
    ("MQTT-3.2.2-4", Rule(&[R::ConnackSessionPresentOnError])),
    ("MQTT-3.3.1-2", Rule(&[R::PublishDupQos0])),
    ("MQTT-3.3.1-4", Rule(&[R::PublishQos3])),
    ("MQTT-3.3.2-1", Via("Utf8Invalid / Truncated on the Topic Name that opens the variable header")),
    ("MQTT-3.3.2-2", Rule(&[R::TopicNameWildcard])),
    ("MQTT-3.6.1-1", Rule(&[R::PubrelFlags])),
    ("MQTT-3.8.1-1", Rule(&[R::SubscribeFlags])),
    ("MQTT-3.8.3-1", Via("Utf8Invalid / Utf8Null on each Topic Filter")),
    ("MQTT-3.8.3-3", Rule(&[R::SubscribeEmpty])),
    ("MQTT-3.8.3-4", Rule(&[R::SubscriptionOptionsReserved, R::SubscriptionQos3])),
    ("MQTT-3.9.3-2", Rule(&[R::SubackCode])),
    ("MQTT-3.10.1-1", Rule(&[R::UnsubscribeFlags])),
    ("MQTT-3.10.3-1", Via("Utf8Invalid / Utf8Null on each Topic Filter")),
    ("MQTT-3.10.3-2", Rule(&[R::UnsubscribeEmpty])),
    ("MQTT-3.14.1-1", Rule(&[R::DisconnectFlags])),
    ("MQTT-4.7.1-1", Via("TopicNameWildcard on PUBLISH topics and Will Topics")),
    ("MQTT-4.7.1-2", Rule(&[R::TopicFilterHash])),
    ("MQTT-4.7.1-3", Rule(&[R::TopicFilterPlus])),
    ("MQTT-4.7.3-1", Rule(&[R::TopicNameEmpty, R::TopicFilterEmpty])),
    ("MQTT-4.7.3-2", Rule(&[R::TopicNull])),
    ("MQTT-4.7.3-3", Encoder("a two-byte length cannot say more; longer topics are an EncodeError")),
];

const V5: &[(&str, How)] = &[
    ("MQTT-1.5.4-1", Rule(&[R::Utf8Invalid])),
    ("MQTT-1.5.4-2", Rule(&[R::Utf8Null])),
    ("MQTT-1.5.4-3", Accepts("decoded strings keep a leading BOM byte for byte")),
    ("MQTT-1.5.5-1", Rule(&[R::VarIntNotMinimal])),
    ("MQTT-1.5.7-1", Via("Utf8Invalid / Utf8Null on both strings of a User Property")),
    ("MQTT-2.1.3-1", Rule(&[R::FixedHeaderFlags])),
    ("MQTT-2.2.1-2", Encoder("a QoS 0 PUBLISH with an identifier is an EncodeError; decoding reads none")),
    ("MQTT-2.2.2-1", Via("Truncated when the Property Length is missing; the encoder always writes it")),
    ("MQTT-3.1.2-1", Rule(&[R::ProtocolName])),
    ("MQTT-3.1.2-2", Rule(&[R::ProtocolLevel])),
    ("MQTT-3.1.2-3", Rule(&[R::ConnectReservedFlag])),
    ("MQTT-3.1.2-9", Rule(&[R::WillFieldsMissing])),
    ("MQTT-3.1.2-11", Rule(&[R::WillQosWithoutWill])),
    ("MQTT-3.1.2-12", Rule(&[R::WillQos3])),
    ("MQTT-3.1.2-13", Rule(&[R::WillRetainWithoutWill])),
    ("MQTT-3.1.2-16", Rule(&[R::UnexpectedUsername])),
    ("MQTT-3.1.2-17", Rule(&[R::UsernameMissing])),
    ("MQTT-3.1.2-18", Rule(&[R::UnexpectedPassword])),
    ("MQTT-3.1.2-19", Rule(&[R::PasswordMissing])),
    ("MQTT-3.1.3-1", Encoder("the model has no field order to get wrong; the decoder reads the fixed order")),
    ("MQTT-3.1.3-3", Via("Truncated when the payload ends before the Client Identifier")),
    ("MQTT-3.1.3-4", Via("Utf8Invalid / Utf8Null on the Client Identifier")),
    ("MQTT-3.1.3-5", Accepts("1-23 character alphanumeric identifiers decode")),
    ("MQTT-3.1.3-11", Via("Utf8Invalid / Utf8Null on the Will Topic")),
    ("MQTT-3.1.3-12", Via("Utf8Invalid / Utf8Null on the User Name")),
    ("MQTT-3.1.4-1", Via("every CONNECT rule")),
    ("MQTT-3.2.2-1", Rule(&[R::ConnackFlagsReserved])),
    ("MQTT-3.2.2-6", Rule(&[R::ConnackSessionPresentOnError])),
    ("MQTT-3.2.2-8", Rule(&[R::ConnackCode])),
    ("MQTT-3.3.1-2", Rule(&[R::PublishDupQos0])),
    ("MQTT-3.3.1-4", Rule(&[R::PublishQos3])),
    ("MQTT-3.3.2-1", Via("Utf8Invalid / Truncated on the Topic Name that opens the variable header")),
    ("MQTT-3.3.2-2", Rule(&[R::TopicNameWildcard])),
    ("MQTT-3.3.2-8", Rule(&[R::TopicAliasZero])),
    ("MQTT-3.3.2-13", Via("Utf8Invalid / Utf8Null on the Response Topic")),
    ("MQTT-3.3.2-14", Rule(&[R::ResponseTopicInvalid])),
    ("MQTT-3.3.2-19", Via("Utf8Invalid / Utf8Null on the Content Type")),
    ("MQTT-3.3.4-6", Rule(&[R::ClientPublishSubscriptionId])),
    ("MQTT-3.4.2-1", Rule(&[R::PubackCode])),
    ("MQTT-3.5.2-1", Rule(&[R::PubrecCode])),
    ("MQTT-3.6.1-1", Rule(&[R::PubrelFlags])),
    ("MQTT-3.6.2-1", Rule(&[R::PubrelCode])),
    ("MQTT-3.7.2-1", Rule(&[R::PubcompCode])),
    ("MQTT-3.8.1-1", Rule(&[R::SubscribeFlags])),
    ("MQTT-3.8.3-1", Via("Utf8Invalid / Utf8Null on each Topic Filter")),
    ("MQTT-3.8.3-2", Rule(&[R::SubscribeEmpty])),
    ("MQTT-3.8.3-4", Rule(&[R::SharedNoLocal])),
    ("MQTT-3.8.3-5", Rule(&[R::SubscriptionOptionsReserved])),
    ("MQTT-3.9.3-2", Rule(&[R::SubackCode])),
    ("MQTT-3.10.1-1", Rule(&[R::UnsubscribeFlags])),
    ("MQTT-3.10.3-1", Via("Utf8Invalid / Utf8Null on each Topic Filter")),
    ("MQTT-3.10.3-2", Rule(&[R::UnsubscribeEmpty])),
    ("MQTT-3.11.3-2", Rule(&[R::UnsubackCode])),
    ("MQTT-3.14.1-1", Rule(&[R::DisconnectFlags])),
    ("MQTT-3.14.2-1", Rule(&[R::DisconnectCode])),
    ("MQTT-3.14.2-2", Rule(&[R::ServerDisconnectSessionExpiry])),
    ("MQTT-3.15.1-1", Rule(&[R::AuthFlags])),
    ("MQTT-3.15.2-1", Rule(&[R::AuthCode])),
    ("MQTT-4.7.0-1", Via("TopicNameWildcard on PUBLISH topics and Will Topics")),
    ("MQTT-4.7.1-1", Rule(&[R::TopicFilterHash])),
    ("MQTT-4.7.1-2", Rule(&[R::TopicFilterPlus])),
    ("MQTT-4.7.3-1", Rule(&[R::TopicNameEmpty, R::TopicFilterEmpty])),
    ("MQTT-4.7.3-2", Rule(&[R::TopicNull])),
    ("MQTT-4.7.3-3", Encoder("a two-byte length cannot say more; longer topics are an EncodeError")),
    ("MQTT-4.8.2-1", Rule(&[R::SharedNameEmpty])),
    ("MQTT-4.8.2-2", Rule(&[R::SharedNameInvalid])),
    (
        "MQTT-4.12.0-2",
        Via(
            "AuthCode limits AUTH to 0x00/0x18/0x19; that the server wants more data is exchange state, checked by the broker scenarios",
        ),
    ),
    (
        "MQTT-4.12.0-3",
        Via(
            "AuthCode and AuthMethodMissing; that the client is replying is exchange state, checked by the broker scenarios",
        ),
    ),
];

fn test_name(id: &str) -> String {
    format!("fn {}()", id.to_lowercase().replace(['-', '.'], "_"))
}

fn check_version(file: &str, table: &[(&str, How)], version: Version, module: &str) -> Vec<String> {
    let cat = catalogue(file);
    let wanted: BTreeSet<&str> = cat.iter().filter(|s| s.layer == "codec").map(|s| s.id.as_str()).collect();
    let listed: Vec<&str> = table.iter().map(|(id, _)| *id).collect();
    let listed_set: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(listed.len(), listed_set.len(), "{file}: a statement is listed twice");
    let missing: Vec<_> = wanted.difference(&listed_set).collect();
    let extra: Vec<_> = listed_set.difference(&wanted).collect();
    assert!(missing.is_empty(), "{file}: codec statements without coverage: {missing:?}");
    assert!(extra.is_empty(), "{file}: listed but not codec statements: {extra:?}");

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/statements/{module}.rs"));
    let module_src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

    let mut rows = Vec::new();
    for (id, how) in table {
        assert!(module_src.contains(&test_name(id)), "no test `{}` in mod {module}", test_name(id));
        let summary = &cat.iter().find(|s| s.id == *id).unwrap().summary;
        let (kind, text) = match how {
            Rule(rules) => {
                for r in *rules {
                    assert_eq!(r.statement(version), Some(*id), "{r:?} should cite {id} in {version}");
                }
                let names: Vec<String> = rules.iter().map(|r| format!("`{r:?}`")).collect();
                ("rule", names.join(", "))
            }
            Via(t) => ("via", t.to_string()),
            Encoder(t) => ("encoder", t.to_string()),
            Accepts(t) => ("accepts", t.to_string()),
        };
        rows.push(format!(
            "| {id} | {summary} | {kind} | {text} | `{module}::{}` |",
            &test_name(id)[3..test_name(id).len() - 2]
        ));
    }
    rows
}

#[test]
fn every_codec_statement_is_covered_and_the_table_is_current() {
    let v311 = check_version("mqtt-3.1.1-statements.yaml", V311, Version::V3_1_1, "v311");
    let v5 = check_version("mqtt-5.0-statements.yaml", V5, Version::V5, "v5");
    let header = "| statement | summary (catalogue) | how | enforced by | test |\n|---|---|---|---|---|\n";
    let doc = format!(
        "# Codec coverage of the `layer: codec` statements\n\n\
         Generated by `codec/tests/coverage.rs` (`UPDATE_STATEMENTS=1 cargo test -p mqttspec-codec --test coverage`).\n\n\
         *how*: **rule** — a decoder rule cites the statement; **via** — a more general rule catches the violation; \
         **encoder** — the model and encoder cannot produce the violation by accident (out-of-spec bytes need `Tamper`); \
         **accepts** — the statement asks the receiver to accept something, and the test shows it does.\n\n\
         ## MQTT 3.1.1 ({} statements)\n\n{header}{}\n\n## MQTT 5.0 ({} statements)\n\n{header}{}\n",
        v311.len(),
        v311.join("\n"),
        v5.len(),
        v5.join("\n"),
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("STATEMENTS.md");
    if std::env::var_os("UPDATE_STATEMENTS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == doc, "codec/STATEMENTS.md is stale: rerun with UPDATE_STATEMENTS=1");
}

#[test]
fn every_cited_statement_exists_in_its_catalogue() {
    for (file, version) in
        [("mqtt-3.1.1-statements.yaml", Version::V3_1_1), ("mqtt-5.0-statements.yaml", Version::V5)]
    {
        let ids: BTreeSet<String> = catalogue(file).into_iter().map(|s| s.id).collect();
        for rule in Rule::ALL {
            if let Some(id) = rule.statement(version) {
                assert!(ids.contains(id), "{rule:?} cites {id}, which {file} does not hold");
            }
        }
    }
}

#[test]
fn catalogues_have_the_documented_sizes() {
    assert_eq!(catalogue("mqtt-3.1.1-statements.yaml").len(), 141);
    assert_eq!(catalogue("mqtt-5.0-statements.yaml").len(), 251);
}
