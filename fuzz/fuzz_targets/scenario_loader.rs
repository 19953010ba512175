#![no_main]
// Arbitrary text into the YAML scenario loader: an error, never a panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mqttspec::format::load::fuzz(data);
});
