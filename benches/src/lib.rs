//! Workloads and decoder adapters for the codec benchmarks (`benches/codec.rs`): the
//! same bytes for every codec, fed as a broker reads a socket (64 KiB chunks), and a
//! check that each decoder finds the expected packets and fields.

use bytes::{Buf, Bytes, BytesMut};
use mqttspec_codec::{
    Connect, DecodeOptions, Frame, Packet, Properties, Property, Publish, QoS, StreamDecoder, Subscribe,
    Subscription, Version, Will, check_frame,
};

/// Bytes read from the "socket" at a time.
pub const CHUNK: usize = 64 * 1024;

/// One workload: a byte stream, its version, and what decoding it must yield.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Short name (W1 … W4).
    pub name: &'static str,
    /// Protocol version of the stream.
    pub version: Version,
    /// The stream.
    pub bytes: Bytes,
    /// The packets in it, in order.
    pub packets: Vec<Packet>,
}

impl Workload {
    /// Number of packets.
    pub fn count(&self) -> usize {
        self.packets.len()
    }

    /// Total application payload bytes of PUBLISH packets (the field every decoder
    /// must agree on).
    pub fn payload_bytes(&self) -> usize {
        self.packets.iter().map(|p| if let Packet::Publish(p) = p { p.payload.len() } else { 0 }).sum()
    }
}

fn stream(name: &'static str, version: Version, packets: Vec<Packet>) -> Workload {
    let mut buf = BytesMut::new();
    for p in &packets {
        p.encode(version, &mut buf).expect("workload packets encode");
    }
    Workload { name, version, bytes: buf.freeze(), packets }
}

/// W1: 3.1.1 PUBLISH QoS 0, 64-byte payload.
pub fn w1(n: usize) -> Workload {
    let p = Packet::Publish(Publish::new("sensors/temperature/home/kitchen", vec![0x5a; 64]));
    stream("W1", Version::V3_1_1, vec![p; n])
}

/// W2: 3.1.1 PUBLISH QoS 1 with packet identifiers, 1 KiB payload.
pub fn w2(n: usize) -> Workload {
    let packets = (0..n)
        .map(|i| {
            let mut p = Publish::new("sensors/temperature/home/kitchen", vec![0x5a; 1024]);
            p.qos = QoS::AtLeastOnce;
            p.packet_id = Some((i % 65_535 + 1) as u16);
            Packet::Publish(p)
        })
        .collect();
    stream("W2", Version::V3_1_1, packets)
}

/// The properties of W3.
pub fn w3_properties() -> Properties {
    Properties::build([
        Property::MessageExpiryInterval(3600),
        Property::ContentType("application/json".into()),
        Property::UserProperty("site".into(), "kitchen".into()),
        Property::UserProperty("unit".into(), "celsius".into()),
        Property::TopicAlias(7),
    ])
    .expect("valid properties")
}

/// W3: 5.0 PUBLISH QoS 1 with properties, 256-byte payload.
pub fn w3(n: usize) -> Workload {
    let props = w3_properties();
    let packets = (0..n)
        .map(|i| {
            let mut p = Publish::new("sensors/temperature/home/kitchen", vec![0x5a; 256]);
            p.qos = QoS::AtLeastOnce;
            p.packet_id = Some((i % 65_535 + 1) as u16);
            p.properties = props.clone();
            Packet::Publish(p)
        })
        .collect();
    stream("W3", Version::V5, packets)
}

/// W4: 5.0 CONNECT (will, user name, password, properties) and SUBSCRIBE with 10
/// filters, alternating.
pub fn w4(pairs: usize) -> Workload {
    let mut c = Connect::new(Version::V5, "bench-client-0001");
    c.clean_start = false;
    c.keep_alive = 30;
    c.username = Some("user".into());
    c.password = Some(Bytes::from_static(b"secret"));
    c.properties = Properties::build([
        Property::SessionExpiryInterval(3600),
        Property::ReceiveMaximum(32),
        Property::MaximumPacketSize(1 << 20),
    ])
    .expect("valid");
    c.will = Some(Will {
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: Properties::build([Property::WillDelayInterval(5)]).expect("valid"),
        topic: "clients/bench/status".into(),
        payload: Bytes::from_static(b"offline"),
    });
    let s = Subscribe {
        packet_id: 1,
        properties: Properties::new(),
        filters: (0..10)
            .map(|i| Subscription::new(format!("sensors/+/room{i}/#"), QoS::AtLeastOnce))
            .collect(),
    };
    let mut packets = Vec::with_capacity(pairs * 2);
    for _ in 0..pairs {
        packets.push(Packet::Connect(Box::new(c.clone())));
        packets.push(Packet::Subscribe(s.clone()));
    }
    stream("W4", Version::V5, packets)
}

/// What a decoder saw: packets, and PUBLISH payload bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// Packets decoded.
    pub packets: usize,
    /// PUBLISH payload bytes.
    pub payload: usize,
}

/// Feeds `bytes` in [`CHUNK`]-sized reads into a buffer and lets `drain` decode
/// whatever is complete after each read.
pub fn feed<S>(bytes: &[u8], state: &mut S, mut drain: impl FnMut(&mut BytesMut, &mut S)) {
    let mut buf = BytesMut::with_capacity(2 * CHUNK);
    for chunk in bytes.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        drain(&mut buf, state);
    }
}

/// mqttspec-codec's strict streaming decoder.
pub fn decode_mqttspec(w: &Workload) -> Seen {
    let mut dec = StreamDecoder::with_options(DecodeOptions::new(w.version));
    let mut seen = Seen::default();
    feed(&w.bytes, &mut seen, |buf, seen| {
        while let Ok(Some(p)) = dec.decode(buf) {
            seen.packets += 1;
            if let Packet::Publish(p) = &p {
                seen.payload += p.payload.len();
            }
        }
    });
    seen
}

/// mqttspec-codec's strict streaming decoder, borrowing from the read buffer (no
/// reference counts; the buffer is advanced once per read, past every whole packet).
pub fn decode_mqttspec_borrowed(w: &Workload) -> Seen {
    let mut dec = StreamDecoder::with_options(DecodeOptions::new(w.version));
    let mut seen = Seen::default();
    feed(&w.bytes, &mut seen, |buf, seen| {
        let mut at = 0;
        while let Ok(Some((p, len))) = dec.decode_borrowed(&buf[at..]) {
            seen.packets += 1;
            if let Packet::Publish(p) = &p {
                seen.payload += p.payload.len();
            }
            at += len;
        }
        buf.advance(at);
    });
    seen
}

/// mqttbytes 0.6, v4 or v5 by the workload's version.
pub fn decode_mqttbytes(w: &Workload) -> Seen {
    let mut seen = Seen::default();
    let v5 = w.version == Version::V5;
    feed(&w.bytes, &mut seen, |buf, seen| {
        loop {
            if v5 {
                match mqttbytes::v5::read(buf, 1 << 20) {
                    Ok(p) => {
                        seen.packets += 1;
                        if let mqttbytes::v5::Packet::Publish(p) = p {
                            seen.payload += p.payload.len();
                        }
                    }
                    Err(_) => break,
                }
            } else {
                match mqttbytes::v4::read(buf, 1 << 20) {
                    Ok(p) => {
                        seen.packets += 1;
                        if let mqttbytes::v4::Packet::Publish(p) = p {
                            seen.payload += p.payload.len();
                        }
                    }
                    Err(_) => break,
                }
            }
        }
    });
    seen
}

/// rumqttc 0.25's codec, v4 or v5.
pub fn decode_rumqttc(w: &Workload) -> Seen {
    let mut seen = Seen::default();
    let v5 = w.version == Version::V5;
    feed(&w.bytes, &mut seen, |buf, seen| {
        loop {
            if v5 {
                match rumqttc::v5::mqttbytes::v5::Packet::read(buf, Some(1 << 20)) {
                    Ok(p) => {
                        seen.packets += 1;
                        if let rumqttc::v5::mqttbytes::v5::Packet::Publish(p) = p {
                            seen.payload += p.payload.len();
                        }
                    }
                    Err(_) => break,
                }
            } else {
                match rumqttc::mqttbytes::v4::Packet::read(buf, 1 << 20) {
                    Ok(p) => {
                        seen.packets += 1;
                        if let rumqttc::mqttbytes::v4::Packet::Publish(p) = p {
                            seen.payload += p.payload.len();
                        }
                    }
                    Err(_) => break,
                }
            }
        }
    });
    seen
}

/// ntex-mqtt 8's codec (v3 or v5), fed the same 64 KiB reads through an ntex buffer.
/// With no minimum chunk size it hands out a PUBLISH as soon as its header is in, and
/// the rest of the payload as chunks; both count towards the payload bytes.
pub fn decode_ntex(w: &Workload) -> Seen {
    // (packets, payload bytes) of one decoded item; the two versions' items have the
    // same shape but are different types.
    macro_rules! count {
        ($decoded:path) => {{
            use $decoded as Decoded;
            |item: Decoded| match item {
                Decoded::Packet(..) => (1, 0),
                Decoded::Publish(_, payload, _) => (1, payload.len()),
                Decoded::PayloadChunk(payload, _) => (0, payload.len()),
            }
        }};
    }
    if w.version == Version::V5 {
        let codec = ntex_mqtt::v5::codec::Codec::new();
        codec.set_max_inbound_size(1 << 20);
        drain_ntex(w, &codec, count!(ntex_mqtt::v5::codec::Decoded))
    } else {
        let codec = ntex_mqtt::v3::codec::Codec::new();
        codec.set_max_size(1 << 20);
        drain_ntex(w, &codec, count!(ntex_mqtt::v3::codec::Decoded))
    }
}

fn drain_ntex<D: ntex_codec::Decoder>(
    w: &Workload,
    codec: &D,
    count: impl Fn(D::Item) -> (usize, usize),
) -> Seen {
    let mut seen = Seen::default();
    let mut buf = ntex_bytes::BytesMut::with_capacity(2 * CHUNK);
    for chunk in w.bytes.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            let (packets, payload) = count(item);
            seen.packets += packets;
            seen.payload += payload;
        }
    }
    seen
}

/// Length of the whole frame at the front of `buf`, for decoders that do not report
/// how much they consumed (mqttrs, mqtt-protocol).
fn frame_len(buf: &[u8]) -> Option<usize> {
    match check_frame(buf, u32::MAX, Version::V3_1_1) {
        Ok(Frame::Complete { len, .. }) => Some(len),
        _ => None,
    }
}

/// mqttrs 0.4 (3.1.1 only; borrows from the input).
pub fn decode_mqttrs(w: &Workload) -> Option<Seen> {
    if w.version != Version::V3_1_1 {
        return None;
    }
    let mut seen = Seen::default();
    feed(&w.bytes, &mut seen, |buf, seen| {
        let mut at = 0;
        while let Some(len) = frame_len(&buf[at..]) {
            match mqttrs::decode_slice(&buf[at..at + len]) {
                Ok(Some(p)) => {
                    seen.packets += 1;
                    if let mqttrs::Packet::Publish(p) = p {
                        seen.payload += p.payload.len();
                    }
                }
                _ => break,
            }
            at += len;
        }
        let _ = buf.split_to(at);
    });
    Some(seen)
}

/// mqtt-protocol 0.12 (3.1.1 only; reads from `std::io::Read`).
pub fn decode_mqtt_protocol(w: &Workload) -> Option<Seen> {
    use mqtt::Decodable;
    if w.version != Version::V3_1_1 {
        return None;
    }
    let mut seen = Seen::default();
    feed(&w.bytes, &mut seen, |buf, seen| {
        let mut at = 0;
        while let Some(len) = frame_len(&buf[at..]) {
            let mut cursor = std::io::Cursor::new(&buf[at..at + len]);
            match mqtt::packet::VariablePacket::decode(&mut cursor) {
                Ok(p) => {
                    seen.packets += 1;
                    if let mqtt::packet::VariablePacket::PublishPacket(p) = p {
                        seen.payload += p.payload().len();
                    }
                }
                Err(_) => break,
            }
            at += len;
        }
        let _ = buf.split_to(at);
    });
    Some(seen)
}

/// The floor: copying the same bytes through the same buffer.
pub fn memcpy(w: &Workload) -> usize {
    let mut total = 0;
    feed(&w.bytes, &mut total, |buf, total| {
        *total += buf.len();
        buf.clear();
    });
    total
}
