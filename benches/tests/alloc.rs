//! Decoding allocates nothing per packet beyond the packet value itself: payloads,
//! topics and properties are slices of the input buffer. Counted with dhat's heap
//! statistics around each decode call.

use bytes::BytesMut;
use mqttspec_benches::{CHUNK, w1, w2, w3};
use mqttspec_codec::{DecodeOptions, Packet, StreamDecoder};
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

#[test]
fn decoding_publishes_allocates_nothing_per_packet() {
    let _profiler = dhat::Profiler::builder().testing().build();
    // The counter counts: one allocation is seen as one.
    let before = blocks();
    let probe = std::hint::black_box(vec![1u8; 10]);
    assert_eq!(blocks() - before, 1);
    drop(probe);
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
