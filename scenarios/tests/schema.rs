//! `scenarios/schema.json` is the JSON Schema of scenario files, generated from the
//! Rust types; editors use it to validate and complete scenarios. This test keeps the
//! committed file current (`UPDATE_SCHEMA=1` rewrites it) and checks that the schema
//! describes the corpus.

use std::path::Path;

#[test]
fn committed_schema_is_current() {
    let schema = schemars::schema_for!(mqttspec::format::model::Scenario);
    let text = serde_json::to_string_pretty(&schema).expect("schema serialises") + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == text, "scenarios/schema.json is stale: rerun with UPDATE_SCHEMA=1");
    for step in
        ["connect", "send", "send-raw", "expect", "expect-closed", "expect-nothing", "expect-unordered"]
    {
        assert!(text.contains(&format!("\"{step}\"")), "schema lacks step {step}");
    }
}
