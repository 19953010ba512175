#![no_main]
// A byte stream decoded in chunks must equal the one-shot decode; see codec::fuzzing::stream.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = mqttspec_codec::fuzzing::stream(data) {
        panic!("{e}");
    }
});
