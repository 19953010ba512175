//! Authorization: which client may publish to and receive from which topics (MQTT
//! 3.1.1 §5.4.2, MQTT 5.0 §5.4.2).
//!
//! No rules means everything is allowed. With rules, everything not allowed by one is
//! denied. A rule names the user and/or client it is for (neither: everybody), a topic
//! filter — where `%u` stands for the user name and `%c` for the client identifier —
//! and whether it allows reading, writing or both. Writing is checked on each PUBLISH
//! and on the Will at CONNECT; reading on each SUBSCRIBE (the filter must overlap a
//! readable one) and again on each message delivered, so `#` subscriptions see only
//! what the user may read.

use crate::topic;
use serde::{Deserialize, Serialize};

/// What a rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Receive messages (SUBSCRIBE and delivery).
    Read,
    /// Publish messages (PUBLISH and Will).
    Write,
    /// Both.
    Readwrite,
}

impl Access {
    fn allows(self, wanted: Access) -> bool {
        self == Access::Readwrite || self == wanted
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rule {
    /// Only for this user name.
    #[serde(default)]
    pub user: Option<String>,
    /// Only for this client identifier.
    #[serde(default)]
    pub client: Option<String>,
    /// Topic filter; `%u` and `%c` are replaced by the user name and client identifier.
    pub topic: String,
    /// What the rule allows.
    pub access: Access,
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// Authenticated (or claimed, without a password file) user name.
    pub user: Option<&'a str>,
    /// Client identifier.
    pub client: &'a str,
}

/// A rule's filter for `who`, or `None` if the rule is not for them. A substituted
/// name holding a wildcard or separator does not apply: it would widen the rule.
fn filter_for(rule: &Rule, who: Principal<'_>) -> Option<String> {
    if rule.user.as_deref().is_some_and(|u| Some(u) != who.user) {
        return None;
    }
    if rule.client.as_deref().is_some_and(|c| c != who.client) {
        return None;
    }
    let safe = |s: &str| !s.contains(['+', '#', '/']);
    let mut filter = rule.topic.clone();
    if filter.contains("%u") {
        let user = who.user.filter(|u| safe(u))?;
        filter = filter.replace("%u", user);
    }
    if filter.contains("%c") {
        if !safe(who.client) {
            return None;
        }
        filter = filter.replace("%c", who.client);
    }
    Some(filter)
}

/// The rules of a broker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl<'a> {
    rules: &'a [Rule],
}

impl<'a> Acl<'a> {
    /// A view of `rules` (empty: everything allowed).
    pub fn new(rules: &'a [Rule]) -> Acl<'a> {
        Acl { rules }
    }

    fn filters<'b>(&'b self, who: Principal<'b>, access: Access) -> impl Iterator<Item = String> + 'b {
        self.rules.iter().filter(move |r| r.access.allows(access)).filter_map(move |r| filter_for(r, who))
    }

    /// May `who` publish to `topic`?
    pub fn may_publish(&self, who: Principal<'_>, topic: &str) -> bool {
        self.rules.is_empty() || self.filters(who, Access::Write).any(|f| topic::matches(&f, topic))
    }

    /// May `who` receive a message published to `topic`?
    pub fn may_receive(&self, who: Principal<'_>, topic: &str) -> bool {
        self.rules.is_empty() || self.filters(who, Access::Read).any(|f| topic::matches(&f, topic))
    }

    /// May `who` subscribe to `filter` (the filter proper, without `$share/{g}/`)?
    pub fn may_subscribe(&self, who: Principal<'_>, filter: &str) -> bool {
        self.rules.is_empty() || self.filters(who, Access::Read).any(|f| topic::overlaps(&f, filter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(user: Option<&str>, topic: &str, access: Access) -> Rule {
        Rule { user: user.map(str::to_string), client: None, topic: topic.to_string(), access }
    }

    const ALICE: Principal<'static> = Principal { user: Some("alice"), client: "a1" };
    const BOB: Principal<'static> = Principal { user: Some("bob"), client: "b1" };

    #[test]
    fn no_rules_allow_everything() {
        let acl = Acl::new(&[]);
        assert!(acl.may_publish(ALICE, "x") && acl.may_subscribe(ALICE, "#") && acl.may_receive(BOB, "y"));
    }

    #[test]
    fn rules_allow_only_what_they_name() {
        let rules = [
            rule(Some("alice"), "sensors/#", Access::Readwrite),
            rule(None, "public/+", Access::Read),
            rule(None, "users/%u/#", Access::Readwrite),
            Rule { client: Some("b1".into()), ..rule(None, "dev/%c", Access::Write) },
        ];
        let acl = Acl::new(&rules);
        assert!(acl.may_publish(ALICE, "sensors/t"));
        assert!(!acl.may_publish(BOB, "sensors/t"));
        assert!(!acl.may_publish(ALICE, "public/x"));
        assert!(acl.may_receive(BOB, "public/x"));
        assert!(acl.may_publish(BOB, "users/bob/inbox"));
        assert!(!acl.may_publish(BOB, "users/alice/inbox"));
        assert!(acl.may_publish(BOB, "dev/b1"));
        assert!(!acl.may_publish(ALICE, "dev/a1"));
        // `#` overlaps what alice may read; delivery is then filtered per topic.
        assert!(acl.may_subscribe(ALICE, "#"));
        assert!(!acl.may_subscribe(BOB, "sensors/#"));
        assert!(!acl.may_receive(ALICE, "private/x"));
    }

    #[test]
    fn substitution_cannot_widen_a_rule() {
        let rules = [rule(None, "users/%u/#", Access::Readwrite)];
        let acl = Acl::new(&rules);
        let sneaky = Principal { user: Some("+"), client: "c" };
        assert!(!acl.may_publish(sneaky, "users/alice/x"));
        let anonymous = Principal { user: None, client: "c" };
        assert!(!acl.may_publish(anonymous, "users//x"));
    }
}
