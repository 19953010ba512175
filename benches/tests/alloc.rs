//! Decoding allocates nothing per packet beyond the packet value itself: payloads,
//! topics and properties are slices of the input buffer. Counted with dhat's heap
//! statistics around each decode call.

use bytes::BytesMut;
use mqttspec_benches::{CHUNK, w1, w2, w3, w4};
use mqttspec_codec::{DecodeOptions, Packet, StreamDecoder};
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// dhat allows one profiler at a time; the tests of this file take turns.
static PROFILER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

/// The counter counts — one allocation is seen as one — and nothing else allocates
/// meanwhile: the counter is global, and the test harness's own thread allocates as
/// the other test of this file ends. Waits (bounded) until a probe sees exactly one.
fn settle() {
    let mut seen = Vec::new();
    for _ in 0..50 {
        let before = blocks();
        let probe = std::hint::black_box(vec![1u8; 10]);
        let counted = blocks() - before;
        drop(probe);
        if counted == 1 {
            return;
        }
        seen.push(counted);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("one allocation was never counted as one: {seen:?}");
}

#[test]
fn decoding_publishes_allocates_nothing_per_packet() {
    let _turn = PROFILER.lock().unwrap_or_else(|e| e.into_inner());
    let _profiler = dhat::Profiler::builder().testing().build();
    settle();
    for w in [w1(5_000), w2(500), w3(2_000)] {
        let mut dec = StreamDecoder::with_options(DecodeOptions::new(w.version));
        let mut buf = BytesMut::with_capacity(2 * CHUNK);
        let (mut packets, mut allocations) = (0usize, 0usize);
        for chunk in w.bytes.chunks(CHUNK) {
            buf.extend_from_slice(chunk);
            loop {
                let before = blocks();
                let next = dec.decode(&mut buf);
                allocations += (blocks() - before) as usize;
                match next {
                    Ok(Some(Packet::Publish(p))) => {
                        packets += 1;
                        assert!(!p.payload.is_empty());
                    }
                    Ok(Some(other)) => panic!("unexpected {other:?}"),
                    Ok(None) => break,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        assert_eq!(packets, w.count());
        // Splitting the first packet off a buffer makes it shared (one allocation per
        // buffer); nothing is allocated per packet.
        assert!(
            allocations <= w.bytes.len().div_ceil(CHUNK),
            "{}: {allocations} allocations for {packets} packets",
            w.name
        );
    }
}

#[test]
fn borrowed_decoding_allocates_nothing_but_lists_and_connects() {
    let _turn = PROFILER.lock().unwrap_or_else(|e| e.into_inner());
    let _profiler = dhat::Profiler::builder().testing().build();
    settle();
    for w in [w1(5_000), w2(500), w3(2_000), w4(300)] {
        let mut dec = StreamDecoder::with_options(DecodeOptions::new(w.version));
        let mut buf = BytesMut::with_capacity(2 * CHUNK);
        let (mut packets, mut allocations, mut owned_parts) = (0usize, 0u64, 0u64);
        for chunk in w.bytes.chunks(CHUNK) {
            buf.extend_from_slice(chunk);
            let mut at = 0;
            loop {
                let before = blocks();
                let next = dec.decode_borrowed(&buf[at..]);
                allocations += blocks() - before;
                match next {
                    Ok(Some((p, len))) => {
                        packets += 1;
                        at += len;
                        // The packet value's own heap parts: CONNECT is boxed, a
                        // SUBSCRIBE holds its filter list.
                        owned_parts += u64::from(matches!(p, Packet::Connect(_) | Packet::Subscribe(_)));
                    }
                    Ok(None) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            let _ = buf.split_to(at);
        }
        assert_eq!(packets, w.count());
        // Not even the one-per-buffer share that the `Bytes` decoder takes.
        assert_eq!(allocations, owned_parts, "{}: {allocations} allocations for {packets} packets", w.name);
    }
}
