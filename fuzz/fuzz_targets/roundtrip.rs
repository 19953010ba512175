#![no_main]
// Structured packet models: encode, strict decode, compare; see codec::fuzzing::roundtrip.
libfuzzer_sys::fuzz_target!(|input: (mqttspec_codec::Packet, bool)| {
    let version = if input.1 { mqttspec_codec::Version::V5 } else { mqttspec_codec::Version::V3_1_1 };
    if let Err(e) = mqttspec_codec::fuzzing::roundtrip(&input.0, version) {
        panic!("{e}");
    }
});
