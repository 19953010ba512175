#![no_main]
// Raw bytes into the strict 5.0 decoder; see codec::fuzzing::decode.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = mqttspec_codec::fuzzing::decode(data, mqttspec_codec::Version::V5) {
        panic!("{e}");
    }
});
