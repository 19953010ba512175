//! Every statement ID cited in `reference-broker/src` exists in the catalogue of the
//! version it is cited for, and `reference-broker/STATEMENTS.md` — which behaviour
//! statement is enforced where, and which scenarios check it — is current (rewrite it
//! with `UPDATE_STATEMENTS=1 cargo test -p mqttspec-broker --test citations`).
//!
//! # The citation convention
//!
//! - A statement ID is written out in full, `MQTT-<x>.<y>.<z>-<n>`: no ranges
//!   (`MQTT-3.3.1-9..11`), no shorthand (`-5`, `-6/-7`), no sections (`MQTT-4.8.2`;
//!   write `§4.8.2`).
//! - A version tag `(3.1.1)`, `(5.0)` or `(both)` follows the IDs it applies to: it
//!   tags every ID since the previous tag on the same line. So
//!   `MQTT-3.1.4-2 (3.1.1), MQTT-3.1.4-3 (5.0)` cites one ID of each version, and
//!   `MQTT-3.8.4-1 MQTT-3.8.4-2 (both)` two IDs that each catalogue holds.
//! - An ID and its tag are on the same line; an ID without a tag after it on its line
//!   is an error, and so is an ID its version's catalogue does not hold.
//!
//! Section references (`§4.7`, `5.0 §3.9.3`) are free text and not checked.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
struct Statement {
    id: String,
    layer: String,
    summary: String,
}

/// The versions a tag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    V311,
    V5,
    Both,
}

impl Tag {
    fn versions(self) -> &'static [&'static str] {
        match self {
            Tag::V311 => &["3.1.1"],
            Tag::V5 => &["5.0"],
            Tag::Both => &["3.1.1", "5.0"],
        }
    }
}

/// One statement ID cited on a line, with the versions it is cited for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Citation {
    line: usize,
    id: String,
    tag: Tag,
}

/// The citations of a source text, and the lines that break the convention
/// (1-based line, what is wrong).
fn scan(text: &str) -> (Vec<Citation>, Vec<(usize, String)>) {
    let mut citations = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        let mut untagged: Vec<String> = Vec::new();
        let mut rest = line;
        while let Some(token) = next_token(rest) {
            rest = &rest[token.end..];
            match token.kind {
                Token::Id(id) => {
                    if let Some(shorthand) = shorthand_after(rest) {
                        errors.push((n, format!("{id}{shorthand}: write every ID out in full")));
                    }
                    untagged.push(id);
                }
                Token::Tag(tag) => {
                    citations.extend(untagged.drain(..).map(|id| Citation { line: n, id, tag }));
                }
                Token::Malformed(text) => errors.push((
                    n,
                    format!("{text} is not a statement ID (write MQTT-x.y.z-n, or § for a section)"),
                )),
            }
        }
        for id in untagged {
            errors
                .push((n, format!("{id} has no version tag (3.1.1), (5.0) or (both) after it on its line")));
        }
    }
    (citations, errors)
}

enum Token {
    Id(String),
    Tag(Tag),
    Malformed(String),
}

struct Found {
    end: usize,
    kind: Token,
}

/// The next statement ID or version tag in `s`.
fn next_token(s: &str) -> Option<Found> {
    let id_at = s.find("MQTT-");
    let tags = [("(3.1.1)", Tag::V311), ("(5.0)", Tag::V5), ("(both)", Tag::Both)];
    let tag_at = tags.iter().filter_map(|(t, tag)| s.find(t).map(|i| (i, t.len(), *tag))).min_by_key(|t| t.0);
    match (id_at, tag_at) {
        (Some(i), t) if t.is_none_or(|t| i < t.0) => {
            let body: String =
                s[i + 5..].chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
            // A trailing '.' or '-' ends the sentence, not the ID.
            let body = body.trim_end_matches(['.', '-']);
            let end = i + 5 + body.len();
            let parts: Vec<&str> = body.split('-').collect();
            let well_formed = parts.len() == 2
                && parts[0].split('.').count() == 3
                && parts[0].split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && !parts[1].is_empty()
                && parts[1].bytes().all(|b| b.is_ascii_digit());
            let text = format!("MQTT-{body}");
            Some(Found { end, kind: if well_formed { Token::Id(text) } else { Token::Malformed(text) } })
        }
        (_, Some((i, len, tag))) => Some(Found { end: i + len, kind: Token::Tag(tag) }),
        _ => None,
    }
}

/// A range or shorthand right after an ID (`..11`, `/-7`, `, -5`), if any.
fn shorthand_after(rest: &str) -> Option<String> {
    let trimmed = rest.trim_start_matches([',', ' ', '/']);
    let joiner = &rest[..rest.len() - trimmed.len()];
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).collect::<String>();
    if let Some(after) = rest.strip_prefix("..") {
        let after = after.trim_start_matches('-');
        return Some(format!("..{}", digits(after)));
    }
    let after = trimmed.strip_prefix('-')?;
    let d = digits(after);
    (!d.is_empty()).then(|| format!("{joiner}-{d}"))
}

/// The IDs of each version's catalogue, by version name.
struct Catalogues(BTreeMap<&'static str, BTreeMap<String, Statement>>);

impl Catalogues {
    fn load() -> Catalogues {
        let mut all = BTreeMap::new();
        for (version, file) in [("3.1.1", "mqtt-3.1.1-statements.yaml"), ("5.0", "mqtt-5.0-statements.yaml")]
        {
            let path = repo().join("spec").join(file);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let list: Vec<Statement> =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            all.insert(version, list.into_iter().map(|s| (s.id.clone(), s)).collect());
        }
        Catalogues(all)
    }

    fn holds(&self, version: &str, id: &str) -> bool {
        self.0.get(version).is_some_and(|c| c.contains_key(id))
    }
}

/// Every problem with the citations of `text` (the file `name`), as
/// `name:line: what is wrong`.
fn check(name: &str, text: &str, catalogues: &Catalogues) -> Vec<String> {
    let (citations, errors) = scan(text);
    let mut out: Vec<(usize, String)> = errors;
    for c in citations {
        for version in c.tag.versions() {
            if !catalogues.holds(version, &c.id) {
                out.push((
                    c.line,
                    format!("{} ({version}) is not in spec/mqtt-{version}-statements.yaml", c.id),
                ));
            }
        }
    }
    out.sort();
    out.into_iter().map(|(line, what)| format!("{name}:{line}: {what}")).collect()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Files under `dir` ending in `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The broker's sources as (path relative to `src/`, text).
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    files(&src, "rs")
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn every_citation_in_the_broker_is_in_its_catalogue() {
    let catalogues = Catalogues::load();
    let problems: Vec<String> = sources()
        .iter()
        .flat_map(|(name, text)| check(&format!("reference-broker/src/{name}"), text, &catalogues))
        .collect();
    assert!(problems.is_empty(), "{} citation problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_checker_fails_on_unknown_wrong_version_and_untagged_ids() {
    let catalogues = Catalogues::load();
    let fixture = "\
// MQTT-3.3.1-5 (both): fine.
// MQTT-9.9.9-9 (3.1.1): no such statement.
// MQTT-3.2.2-16 (3.1.1): a 5.0 statement cited for 3.1.1.
// MQTT-3.1.2-24: no tag.
// MQTT-3.3.1-9..11 (5.0): a range.
// MQTT-3.10.4-4, -5 (3.1.1): shorthand.
// MQTT-4.8.2 (5.0): a section written as an ID.
// MQTT-3.1.4-2 (3.1.1), MQTT-3.1.4-3 (5.0): fine.
";
    let problems = check("fixture.rs", fixture, &catalogues);
    assert_eq!(
        problems,
        [
            "fixture.rs:2: MQTT-9.9.9-9 (3.1.1) is not in spec/mqtt-3.1.1-statements.yaml",
            "fixture.rs:3: MQTT-3.2.2-16 (3.1.1) is not in spec/mqtt-3.1.1-statements.yaml",
            "fixture.rs:4: MQTT-3.1.2-24 has no version tag (3.1.1), (5.0) or (both) after it on its line",
            "fixture.rs:5: MQTT-3.3.1-9..11 is not a statement ID (write MQTT-x.y.z-n, or § for a section)",
            "fixture.rs:6: MQTT-3.10.4-4, -5: write every ID out in full",
            "fixture.rs:7: MQTT-4.8.2 is not a statement ID (write MQTT-x.y.z-n, or § for a section)",
        ]
    );
    let (citations, _) = scan("// MQTT-3.8.4-1 MQTT-3.8.4-2 (both), MQTT-3.3.1-9 (3.1.1)");
    let tagged: Vec<(&str, Tag)> = citations.iter().map(|c| (c.id.as_str(), c.tag)).collect();
    assert_eq!(
        tagged,
        [("MQTT-3.8.4-1", Tag::Both), ("MQTT-3.8.4-2", Tag::Both), ("MQTT-3.3.1-9", Tag::V311)]
    );
}

/// The item a citation line belongs to: for a `///` line the item documented below
/// it; for code and `//` comments the function around it (`Broker::publish`); for
/// `//!` the module.
fn enclosing(lines: &[&str], at: usize) -> String {
    let here = lines[at].trim_start();
    if here.starts_with("//!") {
        return "module".into();
    }
    if here.starts_with("///") {
        let below = (at + 1..lines.len()).find(|&i| {
            let t = lines[i].trim_start();
            !(t.starts_with("///") || t.starts_with("#[") || t.is_empty())
        });
        if let Some(i) = below {
            if let Some(name) = fn_name(lines[i]) {
                return qualify(lines, i, name);
            }
            if let Some(name) = type_name(lines[i]) {
                return name;
            }
            // A field: the struct or enum around it.
            if let Some(name) = (0..i).rev().find_map(|j| type_name(lines[j])) {
                return name;
            }
        }
        return "module".into();
    }
    let depth = indent(lines[at]);
    (0..at)
        .rev()
        .find_map(|i| {
            fn_name(lines[i]).filter(|_| indent(lines[i]) < depth).map(|name| qualify(lines, i, name))
        })
        .unwrap_or_else(|| "module".into())
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn strip_visibility(line: &str) -> &str {
    let mut t = line.trim_start();
    if let Some(rest) = t.strip_prefix("pub(") {
        t = rest.split_once(") ").map_or(rest, |(_, r)| r);
    }
    for prefix in ["pub ", "async ", "const ", "unsafe "] {
        t = t.strip_prefix(prefix).unwrap_or(t);
    }
    t
}

fn identifier(s: &str) -> Option<String> {
    let name: String = s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

fn fn_name(line: &str) -> Option<String> {
    identifier(strip_visibility(line).strip_prefix("fn ")?)
}

fn type_name(line: &str) -> Option<String> {
    let t = strip_visibility(line);
    ["struct ", "enum ", "type ", "const ", "static ", "trait "]
        .iter()
        .find_map(|k| identifier(t.strip_prefix(k)?))
}

/// `name` as `Type::name` when it is a method.
fn qualify(lines: &[&str], at: usize, name: String) -> String {
    let depth = indent(lines[at]);
    if depth == 0 {
        return name;
    }
    let owner = (0..at).rev().filter(|&i| indent(lines[i]) < depth).find_map(|i| {
        let t = lines[i].trim_start();
        let rest = t.strip_prefix("impl")?;
        let rest = rest.rsplit(" for ").next().unwrap_or(rest);
        let rest = if rest.starts_with('<') { rest.split_once("> ").map_or(rest, |(_, r)| r) } else { rest };
        identifier(rest.trim_start())
    });
    owner.map_or(name.clone(), |o| format!("{o}::{name}"))
}

/// Statement ID -> scenario files (relative to `scenarios/corpus/`) citing it, per
/// version name. A list of statements applies to the file's `versions:`; a map names
/// the version of each list.
fn scenario_citations() -> BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>> {
    use serde_yaml::Value;
    let corpus = repo().join("scenarios/corpus");
    let mut out: BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for path in files(&corpus, "yaml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(doc) = serde_yaml::from_str::<Value>(&text) else { continue };
        let name = path.strip_prefix(&corpus).unwrap().to_string_lossy().replace('\\', "/");
        let ids = |v: &Value| -> Vec<String> {
            v.as_sequence().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
        };
        let versions: Vec<String> = match doc.get("versions") {
            Some(v) => ids(v),
            None => vec!["3.1.1".into(), "5.0".into()],
        };
        let mut add = |version: &str, list: Vec<String>| {
            let version = match version {
                "3.1.1" => "3.1.1",
                "5.0" | "5" => "5.0",
                _ => return,
            };
            for id in list {
                out.entry(version).or_default().entry(id).or_default().insert(name.clone());
            }
        };
        match doc.get("statements") {
            Some(Value::Sequence(_)) => {
                let list = ids(&doc["statements"]);
                for v in &versions {
                    add(v, list.clone());
                }
            }
            Some(Value::Mapping(m)) => {
                for (k, v) in m {
                    if let Some(k) = k.as_str() {
                        add(k, ids(v));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Where one statement is cited: (enforcing items, fuzz oracle items).
type Citers = (BTreeSet<String>, BTreeSet<String>);

#[test]
fn statements_md_is_current() {
    let catalogues = Catalogues::load();
    let scenarios = scenario_citations();
    let mut cited: BTreeMap<&str, BTreeMap<String, Citers>> = BTreeMap::new();
    for (name, text) in sources() {
        // The mutant tables cite what a mutant violates, not what the broker enforces
        // (their IDs are still checked against the catalogues above).
        if name.starts_with("mutants/") {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for c in scan(&text).0 {
            let item = format!("`{name}`: `{}`", enclosing(&lines, c.line - 1));
            for version in c.tag.versions() {
                let entry = cited.entry(version).or_default().entry(c.id.clone()).or_default();
                if name.starts_with("fuzzing/") { &mut entry.1 } else { &mut entry.0 }.insert(item.clone());
            }
        }
    }
    let empty = BTreeMap::new();
    let mut doc = String::from(
        "# Broker coverage of the behaviour statements\n\n\
         Generated by `reference-broker/tests/citations.rs` \
         (`UPDATE_STATEMENTS=1 cargo test -p mqttspec-broker --test citations`) from the \
         statement IDs cited in `reference-broker/src` and the `statements:` of \
         `scenarios/corpus/**/*.yaml`.\n\n\
         *enforced by*: the items whose code or comment cites the statement (`git grep <ID>` \
         lands there); *fuzz oracle*: where the `broker` fuzz target checks it; *scenarios*: \
         the corpus files that check it against a broker. A statement no broker code cites is \
         marked **not cited**: a finding to look into, not a failure.\n",
    );
    for version in ["3.1.1", "5.0"] {
        let statements: Vec<&Statement> = catalogues.0[version]
            .values()
            .filter(|s| s.layer == "behaviour" || s.layer == "transport")
            .collect();
        let mut ordered = statements.clone();
        ordered.sort_by_key(|s| {
            s.id.trim_start_matches("MQTT-")
                .split(['.', '-'])
                .map(|n| n.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        });
        let of = cited.get(version).unwrap_or(&empty);
        let enforced = ordered.iter().filter(|s| of.get(&s.id).is_some_and(|e| !e.0.is_empty())).count();
        doc += &format!(
            "\n## MQTT {version} ({} behaviour and transport statements, {enforced} cited by broker code)\n\n\
             | statement | layer | summary (catalogue) | enforced by | fuzz oracle | scenarios |\n\
             |---|---|---|---|---|---|\n",
            ordered.len()
        );
        for s in ordered {
            let (code, oracle) = of.get(&s.id).cloned().unwrap_or_default();
            let join = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join("<br>");
            let code = if code.is_empty() { "**not cited**".to_string() } else { join(&code) };
            let scen = scenarios
                .get(version)
                .and_then(|m| m.get(&s.id))
                .map(|set| set.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join("<br>"));
            doc += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                s.id,
                s.layer,
                s.summary.replace('|', "\\|"),
                code,
                join(&oracle),
                scen.unwrap_or_default()
            );
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("STATEMENTS.md");
    if std::env::var_os("UPDATE_STATEMENTS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == doc, "reference-broker/STATEMENTS.md is stale: rerun with UPDATE_STATEMENTS=1");
}
