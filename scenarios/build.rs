//! The corpus, the profiles and `unproven.yaml` are embedded in the binary (rust-embed).
//! Cargo sees a change to a file already embedded, but not a file added: watching the
//! folders rebuilds the crate when one is.

fn main() {
    for dir in ["corpus", "profiles", "mutants"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
