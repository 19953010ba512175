#![no_main]
// Raw bytes into the strict 3.1.1 decoder (and 3.1 CONNECT); see codec::fuzzing::decode.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = mqttspec_codec::fuzzing::decode(data, mqttspec_codec::Version::V3_1_1) {
        panic!("{e}");
    }
});
