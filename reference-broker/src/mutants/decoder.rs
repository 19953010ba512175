//! Decoder mutants, one per codec [`Rule`] a receiving broker enforces: the broker
//! decodes with that one check skipped and carries on as if the packet were valid.
//!
//! Left out: rules about packets only a server sends (CONNACK, SUBACK, UNSUBACK, a
//! server's DISCONNECT), which the broker never decodes; and rules no decode can skip
//! and carry on from ([`Rule::skippable`]: no packet type, no end to a length, no
//! bytes for a field, no type for a property, and `NotInVersion`, never raised); and
//! *equivalent* mutants ([`equivalent`]): rules whose skipped check the core makes
//! again with the same answer, so that no client can tell the mutant from the broker.

use super::Mutant;
use mqttspec_codec::{Rule, Version};

/// Rules that only concern what a client receives.
fn client_side(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::ConnackFlagsReserved
            | Rule::ConnackSessionPresentOnError
            | Rule::ConnackCode
            | Rule::SubackCode
            | Rule::SubackEmpty
            | Rule::UnsubackCode
            | Rule::UnsubackEmpty
            | Rule::ServerDisconnectSessionExpiry
    )
}

/// Why skipping `rule` changes nothing a client can observe, for the rules where it
/// does not: an equivalent mutant proves nothing about any scenario.
pub fn equivalent(rule: Rule) -> Option<&'static str> {
    match rule {
        // MQTT-3.15.2-1 (5.0): an AUTH whose reason code is not 0x00, 0x18 or 0x19. The
        // decoder refuses it as a Protocol Error; without the check the core receives
        // it and refuses every AUTH code the exchange does not expect as a Protocol
        // Error too (CONNACK or DISCONNECT 0x82, then the close) — the same bytes.
        Rule::AuthCode => Some(
            "the core refuses every AUTH reason code the exchange does not expect with 0x82 and the close, \
             exactly as the decoder does for an undefined one",
        ),
        _ => None,
    }
}

/// The rules that have a decoder mutant.
pub fn rules() -> impl Iterator<Item = Rule> {
    Rule::ALL.iter().copied().filter(|r| r.skippable() && !client_side(*r) && equivalent(*r).is_none())
}

/// Statements a skipped rule breaks besides its own (the codec's [`Rule::statement`]):
/// the server's duty to act on what the rule refuses, where the spec numbers it apart.
fn also(rule: Rule, v: Version) -> &'static [&'static str] {
    match (rule, v) {
        // MQTT-3.1.4-1 (both): a CONNECT that does not match §3.1 closes the connection
        // (3.1.1: without a CONNACK).
        (
            Rule::ConnectReservedFlag
            | Rule::WillQosWithoutWill
            | Rule::WillRetainWithoutWill
            | Rule::WillQos3
            | Rule::WillFieldsMissing
            | Rule::UsernameMissing
            | Rule::PasswordMissing
            | Rule::UnexpectedUsername
            | Rule::UnexpectedPassword,
            _,
        )
        // 5.0 allows a Password without a User Name (§3.1.2.9).
        | (Rule::PasswordWithoutUsername, Version::V3_1_1) => &["MQTT-3.1.4-1"], // (both)
        // MQTT-3.1.3-8 (3.1.1): the empty ClientId with CleanSession 0 is answered with
        // CONNACK 0x02 and the connection closed.
        (Rule::EmptyClientIdWithSession, Version::V3_1_1) => &["MQTT-3.1.3-8"], // (3.1.1)
        // MQTT-4.8.0-1 (3.1.1): bytes after a packet's last field are a protocol
        // violation, and a protocol violation closes the connection.
        (Rule::TrailingBytes, Version::V3_1_1) => &["MQTT-4.8.0-1"], // (3.1.1)
        // MQTT-4.7.1-1 (3.1.1), MQTT-4.7.0-1 (5.0): no wildcard in a Topic Name.
        (Rule::TopicNameWildcard, Version::V3_1_1) => &["MQTT-4.7.1-1"], // (3.1.1)
        (Rule::TopicNameWildcard, _) => &["MQTT-4.7.0-1"], // (5.0)
        _ => &[],
    }
}

/// `PubrelFlags` → `pubrel-flags`, `Utf8Null` → `utf8-null`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn leak<T: ?Sized>(b: Box<T>) -> &'static T {
    Box::leak(b)
}

/// The mutant that skips `rule` (built once per rule: the table is cached).
pub fn mutant(rule: Rule) -> Mutant {
    let id = format!("decoder-skip-{}", kebab(&format!("{rule:?}")));
    let description = format!("the decoder does not check: {}", rule.description());
    let ids = |v| -> &'static [&'static str] {
        leak(rule.statement(v).into_iter().chain(also(rule, v).iter().copied()).collect::<Box<[_]>>())
    };
    Mutant {
        id: leak(id.into_boxed_str()),
        description: leak(description.into_boxed_str()),
        v311: ids(Version::V3_1_1),
        v5: ids(Version::V5),
    }
}
