//! The exchange that shows the mutants of Reason Strings and User Properties the client
//! did not allow (MQTT 5.0 §3.1.2.11.4, §3.1.2.11.7): every packet that may carry them
//! once to a client with a small Maximum Packet Size, and once to one that asked for no
//! problem information.

use super::{H, msg, props};
use mqttspec_broker::Config;
use mqttspec_broker::acl::{Access, Rule};
use mqttspec_broker::auth::{Credential, Users};
use mqttspec_codec::*;

/// Whether [`script`] is the exchange for mutant `id`.
pub fn drives(id: &str) -> bool {
    id.ends_with("-reason-string-oversize")
        || id.ends_with("-user-property-oversize")
        || id.starts_with("problem-information-0-")
}

/// A broker with a SCRAM user and publishing and subscribing allowed only under open/#.
pub fn config() -> Config {
    let mut users = Users::default();
    users.insert("alice", Credential::derive("wonderland", b"alice-salt", 64));
    let acl = vec![Rule { user: None, client: None, topic: "open/#".into(), access: Access::Readwrite }];
    Config { users: Some(users), acl, ..Config::default() }
}

/// Each refusal and the SCRAM challenge, to a client allowing them no room, then to one
/// asking for no problem information.
pub fn script(h: &mut H) {
    if !h.v.is_v5() {
        return;
    }
    for (conn, limit) in [(1, Property::MaximumPacketSize(5)), (2, Property::RequestProblemInformation(0))] {
        let id = format!("c{conn}");
        let mut c = h.client(&id);
        c.properties = props([limit.clone()]);
        h.connect_with(conn, c);
        h.publish(conn, msg("closed/1", "m", QoS::AtLeastOnce, 5));
        h.publish(conn, msg("closed/2", "m", QoS::ExactlyOnce, 6));
        h.sub(conn, "closed/#", SubscriptionOptions(1));
        let never =
            Unsubscribe { packet_id: 4, properties: Properties::new(), filters: vec!["never".into()] };
        h.packet(conn, Packet::Unsubscribe(never));
        h.packet(conn, Packet::PubRel(Ack::new(78)));
        h.packet(conn, Packet::PubRec(Ack::new(77)));
        let mut scram = h.client(&format!("s{conn}"));
        scram.properties = props([
            Property::AuthenticationMethod("SCRAM-SHA-256".into()),
            Property::AuthenticationData(bytes::Bytes::from_static(b"n,,n=alice,r=clientnonce")),
            limit.clone(),
        ]);
        h.connect_with(conn + 10, scram);
        let mut refused = h.client(&format!("r{conn}"));
        refused.properties = props([Property::AuthenticationMethod("X-UNKNOWN".into()), limit]);
        h.connect_with(conn + 20, refused);
        // A take-over: the first connection is told with DISCONNECT.
        h.connect(conn + 30, &id);
    }
}
