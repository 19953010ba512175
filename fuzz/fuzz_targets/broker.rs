#![no_main]
// Multi-client action sequences into the broker core; see broker::fuzzing::broker.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = mqttspec_broker::fuzzing::broker(data) {
        panic!("{e}");
    }
});
