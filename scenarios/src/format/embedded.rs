//! The scenario corpus, the target profiles and the list of cited statements no
//! mutant proves, compiled into the binary: a copied, installed or containerised
//! `mqttspec` runs from any folder. `--corpus DIR` and `--profiles DIR` read a
//! checkout instead.

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "corpus/"]
#[include = "*.yaml"]
struct Corpus;

#[derive(RustEmbed)]
#[folder = "profiles/"]
#[include = "*.yaml"]
struct Profiles;

/// `scenarios/mutants/unproven.yaml` as it was when the binary was built.
pub const UNPROVEN: &str = include_str!("../../mutants/unproven.yaml");

/// The folder embedded corpus files are shown under in messages
/// (`corpus/3.1-connect/x.yaml:12`), as in the source tree.
pub const CORPUS_PREFIX: &str = "corpus";

/// The folder embedded profiles are shown under (`profiles/mosquitto.yaml`).
pub const PROFILES_PREFIX: &str = "profiles";

/// One embedded file: its path below its folder, and its text (or why it is not
/// UTF-8).
pub type File = (String, Result<String, String>);

fn files<E: RustEmbed>() -> Vec<File> {
    let mut names: Vec<String> = E::iter().map(|n| n.into_owned()).collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let file = E::get(&name)?;
            let text = String::from_utf8(file.data.into_owned()).map_err(|e| format!("not UTF-8: {e}"));
            Some((name, text))
        })
        .collect()
}

/// The corpus's `*.yaml` files, in path order.
pub fn corpus() -> Vec<File> {
    files::<Corpus>()
}

/// The profiles' `*.yaml` files, in path order.
pub fn profiles() -> Vec<File> {
    files::<Profiles>()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_corpus_is_the_source_tree_s() {
        let on_disk = walkdir::WalkDir::new(super::super::load::default_corpus())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
            .count();
        assert!(on_disk > 100, "{on_disk}");
        assert_eq!(super::corpus().len(), on_disk);
        assert!(super::profiles().iter().any(|(n, _)| n == "mosquitto.yaml"));
    }
}
