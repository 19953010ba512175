//! Oracles for the fuzz targets in `fuzz/`, kept in the library so that `cargo test`
//! replays every committed corpus file and regression input through the very code
//! the fuzzers run. Each returns `Err` with a description when an oracle is violated;
//! the targets turn that into a crash, the tests into a failure.

use crate::{DecodeError, DecodeOptions, Packet, Role, StreamDecoder, Version};
use bytes::{Bytes, BytesMut};

/// Strict decoding of one packet never panics; the borrowing decoder gives the same
/// verdict as the sharing one; whatever decodes re-encodes and decodes to the same
/// packet; every rejection cites where the spec requires it.
pub fn decode(data: &[u8], version: Version) -> Result<(), String> {
    let bytes = Bytes::copy_from_slice(data);
    for role in [None, Some(Role::Server), Some(Role::Client)] {
        let opts = DecodeOptions { role, ..DecodeOptions::new(version) };
        let shared = Packet::decode(&bytes, &opts);
        let borrowed = Packet::decode_borrowed(data, &opts).map(|p| p.to_shared());
        if borrowed != shared {
            return Err(format!("borrowed decoding gave {borrowed:?}, shared decoding {shared:?}"));
        }
        match shared {
            Ok(p) => {
                let v = if let Packet::Connect(c) = &p { c.version } else { version };
                let again =
                    p.to_bytes(v).map_err(|e| format!("decoded {p:?} but cannot re-encode it: {e}"))?;
                let back = Packet::decode(&again, &DecodeOptions { version: v, ..opts }).map_err(|e| {
                    format!("re-encoded {p:?} as {again:02X?}, which the decoder refuses: {e}")
                })?;
                if back != p {
                    return Err(format!("round trip changed the packet: {p:?} became {back:?}"));
                }
            }
            Err(DecodeError::Invalid(v)) => {
                if v.offset > data.len() {
                    return Err(format!(
                        "violation offset {} beyond the {} input bytes: {v}",
                        v.offset,
                        data.len()
                    ));
                }
            }
            Err(DecodeError::Incomplete { needed }) => {
                if needed == 0 {
                    return Err("incomplete, but needs 0 more bytes".into());
                }
            }
        }
    }
    Ok(())
}

/// Everything a stream decoder yields from `stream`: packets, then at most one error.
fn drain(decoder: &mut StreamDecoder, buf: &mut BytesMut, out: &mut Vec<Result<Packet, String>>) -> bool {
    // Each successful decode consumes at least two bytes, so this loop is bounded by
    // the buffer length.
    loop {
        match decoder.decode(buf) {
            Ok(Some(p)) => out.push(Ok(p)),
            Ok(None) => return true,
            Err(v) => {
                out.push(Err(format!("{:?}", v.rule)));
                return false;
            }
        }
    }
}

/// A stream cut into chunks (sizes taken from the input) decodes to exactly what a
/// one-shot decode of the whole stream gives, with the sharing and with the borrowing
/// decoder.
pub fn stream(data: &[u8]) -> Result<(), String> {
    let Some((&selector, rest)) = data.split_first() else { return Ok(()) };
    let version = if selector & 1 == 0 { Version::V3_1_1 } else { Version::V5 };
    let chunk = usize::from(selector >> 1).max(1);
    let opts = DecodeOptions::new(version);

    let mut whole = BytesMut::from(rest);
    let mut expected = Vec::new();
    drain(&mut StreamDecoder::with_options(opts), &mut whole, &mut expected);

    let mut dec = StreamDecoder::with_options(opts);
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for piece in rest.chunks(chunk) {
        buf.extend_from_slice(piece);
        if !drain(&mut dec, &mut buf, &mut got) {
            break;
        }
    }
    if got != expected {
        return Err(format!("chunks of {chunk} bytes gave {got:?}, one shot gave {expected:?}"));
    }
    // The borrowing decoder over the same chunks: the same packets and error, and it
    // never claims more bytes than it was given.
    let mut dec = StreamDecoder::with_options(opts);
    let mut buf = BytesMut::new();
    let mut borrowed = Vec::new();
    'read: for piece in rest.chunks(chunk) {
        buf.extend_from_slice(piece);
        let mut at = 0;
        // Each packet uses at least two bytes: bounded by the buffer length.
        loop {
            match dec.decode_borrowed(&buf[at..]) {
                Ok(Some((p, used))) => {
                    if used < 2 || at + used > buf.len() {
                        return Err(format!("borrowed decoding used {used} of {} bytes", buf.len() - at));
                    }
                    borrowed.push(Ok(p.to_shared()));
                    at += used;
                }
                Ok(None) => break,
                Err(v) => {
                    borrowed.push(Err(format!("{:?}", v.rule)));
                    break 'read;
                }
            }
        }
        let _ = buf.split_to(at);
    }
    if borrowed != expected {
        return Err(format!(
            "borrowed chunks of {chunk} bytes gave {borrowed:?}, one shot gave {expected:?}"
        ));
    }
    Ok(())
}

/// A packet model encodes, and when the strict decoder accepts the bytes it returns
/// the same model.
pub fn roundtrip(packet: &Packet, version: Version) -> Result<(), String> {
    let version = if let Packet::Connect(c) = packet { c.version } else { version };
    let Ok(bytes) = packet.to_bytes(version) else { return Ok(()) };
    if let Ok(back) = Packet::decode(&bytes, &DecodeOptions::new(version)) {
        if &back != packet {
            return Err(format!("{packet:?} encoded as {bytes:02X?} decodes as {back:?}"));
        }
    }
    decode(&bytes, version)
}
