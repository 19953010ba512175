//! Property-based tests: model → bytes → model is the identity, canonical bytes →
//! model → bytes is the identity, and a stream split at every byte boundary decodes
//! to the same packets.

mod common;

use bytes::BytesMut;
use common::*;
use mqttspec_codec::*;
use proptest::collection::vec;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn model_bytes_model((v, p) in versioned_packet()) {
        let bytes = p.to_bytes(v).unwrap();
        let back = Packet::decode(&bytes, &DecodeOptions::new(v));
        prop_assert_eq!(back, Ok(p));
    }

    #[test]
    fn bytes_model_bytes((v, p) in versioned_packet()) {
        let canonical = p.to_bytes(v).unwrap();
        let decoded = Packet::decode(&canonical, &DecodeOptions::new(v)).unwrap();
        prop_assert_eq!(decoded.to_bytes(v).unwrap(), canonical);
    }

    #[test]
    fn v31_connect_round_trips(p in connect(Version::V3_1)) {
        let bytes = p.to_bytes(Version::V3_1).unwrap();
        prop_assert_eq!(Packet::decode(&bytes, &DecodeOptions::new(Version::V3_1_1)), Ok(p));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A stream of packets split at any byte decodes to the same packets as a
    /// one-shot decode, and the decoder never asks for more bytes than the packet has.
    #[test]
    fn stream_split_at_every_boundary(
        (v, runner_packets) in any_version().prop_flat_map(|v| (Just(v), vec(packet(v), 1..4)))
    ) {
        let mut stream = BytesMut::new();
        for p in &runner_packets {
            p.encode(v, &mut stream).unwrap();
        }
        let stream = stream.freeze();
        for cut in 0..=stream.len() {
            let mut dec = StreamDecoder::with_options(DecodeOptions::new(v));
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for chunk in [&stream[..cut], &stream[cut..]] {
                buf.extend_from_slice(chunk);
                while let Some(p) = dec.decode(&mut buf).unwrap() {
                    out.push(p);
                }
            }
            prop_assert!(buf.is_empty());
            prop_assert_eq!(&out, &runner_packets);
            // The borrowing decoder, on the same cut: same packets, every byte used once.
            let mut dec = StreamDecoder::with_options(DecodeOptions::new(v));
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for chunk in [&stream[..cut], &stream[cut..]] {
                buf.extend_from_slice(chunk);
                let mut at = 0;
                while let Some((p, len)) = dec.decode_borrowed(&buf[at..]).unwrap() {
                    out.push(p.to_shared());
                    at += len;
                }
                let _ = buf.split_to(at);
            }
            prop_assert!(buf.is_empty());
            prop_assert_eq!(&out, &runner_packets);
        }
    }

    /// Byte-at-a-time feeding: `needed` is always a true lower bound.
    #[test]
    fn byte_at_a_time((v, p) in versioned_packet()) {
        let bytes = p.to_bytes(v).unwrap();
        let mut dec = StreamDecoder::with_options(DecodeOptions::new(v));
        let mut buf = BytesMut::new();
        for (i, b) in bytes.iter().enumerate() {
            let needed = dec.needed(&buf).unwrap();
            prop_assert!(needed >= 1 && i + needed <= bytes.len(), "needed {} at {} of {}", needed, i, bytes.len());
            prop_assert_eq!(dec.decode(&mut buf).unwrap(), None);
            buf.extend_from_slice(&[*b]);
        }
        prop_assert_eq!(dec.decode(&mut buf).unwrap(), Some(p));
    }
}

/// Decoding arbitrary or corrupted bytes never panics; the borrowing decoder gives the
/// same verdict as the sharing one; whatever decodes re-encodes to bytes that decode to
/// the same packet.
fn decode_is_total(v: Version, bytes: &[u8]) -> Result<(), TestCaseError> {
    for role in [None, Some(Role::Server), Some(Role::Client)] {
        let opts = DecodeOptions { role, ..DecodeOptions::new(v) };
        let shared = Packet::decode(&bytes::Bytes::copy_from_slice(bytes), &opts);
        prop_assert_eq!(&Packet::decode_borrowed(bytes, &opts).map(|p| p.to_shared()), &shared);
        if let Ok(p) = shared {
            let version = if let Packet::Connect(c) = &p { c.version } else { v };
            let again = p.to_bytes(version).unwrap();
            prop_assert_eq!(Packet::decode(&again, &DecodeOptions { version, ..opts }).unwrap(), p);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(v in any_version(), bytes in vec(any::<u8>(), 0..64)) {
        decode_is_total(v, &bytes)?;
    }

    #[test]
    fn corrupted_packets_never_panic((v, p) in versioned_packet(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = p.to_bytes(v).unwrap().to_vec();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        decode_is_total(v, &bytes)?;
    }
}
