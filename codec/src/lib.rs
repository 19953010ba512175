//! # mqttspec-codec
//!
//! The reference codec of mqttspec: every control packet of MQTT 3.1.1 and MQTT 5.0
//! (and the CONNECT of MQTT 3.1), strict by default.
//!
//! * **Strict decoding.** Every check the bytes of one packet allow is made, and a
//!   rejection is a [`Violation`]: the [`Rule`] that failed, the normative statement it
//!   enforces in that version (e.g. `MQTT-3.1.2-3`, or the section where the
//!   specification gives the requirement without an ID), the byte offset, whether the
//!   packet is malformed or a protocol error, and the reason code a 5.0 server answers
//!   with. "Need more bytes" is [`DecodeError::Incomplete`], never a violation.
//! * **Zero-copy, shared or borrowed.** Every packet type is generic over its
//!   [`Buffer`]: by default strings, binary data, property blocks and payloads share
//!   the input [`bytes::Bytes`], so a packet outlives the read buffer;
//!   [`Packet::decode_borrowed`] and [`StreamDecoder::decode_borrowed`] run the same
//!   strict decoder over `&[u8]` and take no reference counts at all. The only
//!   allocations are a boxed CONNECT and the filter / code lists of SUBSCRIBE, SUBACK,
//!   UNSUBSCRIBE and UNSUBACK.
//! * **Streaming.** [`StreamDecoder`] frames first (cheap, allocation-free, refuses
//!   oversized packets before buffering them) and parses second.
//! * **Out-of-spec on purpose.** Wire enums keep unknown values ([`ReasonCode`],
//!   [`PropertyId`]), strings may hold any bytes ([`MqttString::from_raw`]), property
//!   blocks may be raw ([`Properties::from_raw`]), and [`Tamper`] alters flags,
//!   remaining length, CONNECT header fields, or truncates.
//!
//! ```
//! use bytes::Bytes;
//! use mqttspec_codec::{DecodeOptions, Packet, Publish, QoS, Rule, Tamper, Version};
//!
//! let mut publish = Publish::new("sensors/kitchen", "21.5");
//! publish.qos = QoS::AtLeastOnce;
//! publish.packet_id = Some(7);
//! let packet = Packet::Publish(publish);
//! let bytes = packet.to_bytes(Version::V3_1_1)?;
//! let opts = DecodeOptions::new(Version::V3_1_1);
//! assert_eq!(Packet::decode(&bytes, &opts)?, packet);
//!
//! // The same packet with both QoS bits set, as a fuzzing client would send it.
//! let bad = Tamper { flags: Some(0b0110), ..Tamper::default() }.encode(&packet, Version::V3_1_1)?;
//! let err = Packet::decode(&bad, &opts).unwrap_err();
//! let violation = err.violation().unwrap();
//! assert_eq!(violation.rule, Rule::PublishQos3);
//! assert_eq!(violation.statement(), Some("MQTT-3.3.1-4"));
//!
//! // The same strict decoder, borrowing from a read buffer (no reference counts).
//! let mut decoder = mqttspec_codec::StreamDecoder::client(Version::V3_1_1, 1 << 20);
//! let Some((borrowed, used)) = decoder.decode_borrowed(&bytes)? else { panic!("whole packet") };
//! assert_eq!(used, bytes.len());
//! assert_eq!(borrowed.to_shared(), packet);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "arbitrary")]
mod arb;
mod buffer;
pub mod error;
pub mod fixed_header;
pub mod fuzzing;
pub mod packet;
pub mod property;
mod reader;
pub mod reason_code;
pub mod stream;
mod string;
pub mod tamper;
pub mod topic;
pub mod varint;
mod version;

pub use buffer::Buffer;
pub use error::{Citation, DecodeError, EncodeError, Kind, Rule, Violation};
pub use fixed_header::{Frame, PacketType, check_frame};
pub use packet::{
    Ack, Auth, ConnAck, Connect, DecodeOptions, Disconnect, Packet, Publish, QoS, RetainHandling, Role,
    SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
pub use property::{Properties, Property, PropertyContext, PropertyId};
pub use reason_code::ReasonCode;
pub use stream::{Borrowed, StreamDecoder};
pub use string::MqttString;
pub use tamper::Tamper;
pub use version::Version;
