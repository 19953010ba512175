//! The outgoing QoS 1 and QoS 2 flows of a session as the client sees them (MQTT
//! 3.1.1 §4.3, §4.4; MQTT 5.0 §4.3, §4.4): packet identifiers in flight, DUP only on
//! resends, PUBREL only after PUBREC.

use mqttspec_codec::{Packet, QoS};
use std::collections::HashMap;

/// What the client side knows of one outgoing QoS 1/2 flow of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A PUBLISH of this QoS was sent and not yet acknowledged.
    Published { qos: QoS },
    /// The client sent PUBREC; a PUBREL is owed until PUBCOMP.
    Received,
}

/// The client's view of a session's outgoing flows, by packet identifier. Observable
/// exactly: a session can only end while its client is away, and the next CONNACK
/// says so (Session Present 0).
pub type Flows = HashMap<u16, Flow>;

/// Updates a session's flows for an acknowledgement the client sends.
pub fn client_ack(flows: &mut Flows, packet: &Packet) {
    match packet {
        Packet::PubAck(a) => {
            if matches!(flows.get(&a.packet_id), Some(Flow::Published { qos: QoS::AtLeastOnce, .. })) {
                flows.remove(&a.packet_id);
            }
        }
        Packet::PubRec(a) => {
            let state = flows.get(&a.packet_id).copied();
            let qos2 = matches!(state, Some(Flow::Published { qos: QoS::ExactlyOnce, .. }));
            if a.reason_code.is_error() && (qos2 || state == Some(Flow::Received)) {
                // 5.0 §4.3.3: a PUBREC of 0x80 or more ends the flow.
                flows.remove(&a.packet_id);
            } else if qos2 {
                flows.insert(a.packet_id, Flow::Received);
            }
        }
        Packet::PubComp(a) if flows.get(&a.packet_id) == Some(&Flow::Received) => {
            flows.remove(&a.packet_id);
        }
        _ => {}
    }
}

/// Checks one packet the broker sends on a session against its flows and records it.
/// `resuming`: the packet is part of the answer to a CONNACK with Session Present 1.
pub fn server_flow(flows: &mut Flows, packet: &Packet, resuming: bool) -> Result<(), String> {
    match packet {
        Packet::Publish(p) if p.qos != QoS::AtMostOnce => {
            let pid = p.packet_id.unwrap_or(0);
            let state = flows.get(&pid).copied();
            if p.dup {
                if !resuming {
                    return Err(format!(
                        "MQTT-4.4.0-1 (both): {packet:?} resent with DUP outside a session resumption"
                    ));
                }
                match state {
                    Some(Flow::Published { .. }) => {}
                    Some(Flow::Received) => {
                        return Err(format!(
                            "MQTT-4.3.3-6 (5.0), MQTT-4.3.3-1 (3.1.1): {packet:?} resent after its PUBREC"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "MQTT-4.3.2-2 MQTT-4.3.3-2 (5.0), MQTT-4.3.2-1 MQTT-4.3.3-1 (3.1.1): {packet:?} has DUP set on its first transmission"
                        ));
                    }
                }
            } else if state.is_some() {
                return Err(format!(
                    "MQTT-4.3.2-1 MQTT-4.3.3-1 (both): {packet:?} reuses packet identifier {pid}, still in flight as {state:?}"
                ));
            }
            flows.insert(pid, Flow::Published { qos: p.qos });
        }
        Packet::PubRel(a)
            if !a.reason_code.is_error() && flows.get(&a.packet_id) != Some(&Flow::Received) =>
        {
            return Err(format!(
                "MQTT-4.3.3-4 (5.0) / MQTT-4.3.3-1 (3.1.1): {packet:?} for a packet identifier the client never sent PUBREC for"
            ));
        }
        _ => {}
    }
    Ok(())
}
