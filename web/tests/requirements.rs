//! `docs/requirements.md` cannot drift from the tests: every test whose name starts with a
//! requirement ID (`ten_1_…`) is listed under that ID there, nothing else is, and every ID a test
//! cites is in the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose tests may prove a requirement.
const SCANNED: [&str; 5] = ["core", "tenants", "web", "plugins/host", "tests"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `ten_1_resolves_host` → `TEN-1`; `None` for a name that cites no requirement.
fn cited_id(name: &str) -> Option<String> {
    let mut parts = name.splitn(3, '_');
    let (family, number, rest) = (parts.next()?, parts.next()?, parts.next()?);
    // Every family of the catalogue is three letters (TEN, PLG, …); `a_405_…` cites nothing.
    let cites = family.len() == 3
        && family.chars().all(|c| c.is_ascii_lowercase())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
        && !rest.is_empty();
    cites.then(|| format!("{}-{number}", family.to_ascii_uppercase()))
}

/// The identifier at the start of `text`, after any whitespace.
fn identifier(text: &str) -> &str {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Every test name in the scanned crates that cites a requirement: `fn <id>_…` and
/// `storage_test!(<id>_…` (which becomes a module of two tests), by the ID it cites.
fn tests_in_code() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = vec![];
    for dir in SCANNED {
        rust_files(&workspace().join(dir), &mut files);
    }
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for marker in ["fn ", "storage_test!("] {
            for (at, _) in source.match_indices(marker) {
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let name = identifier(&source[at + marker.len()..]);
                if let Some(id) = cited_id(name) {
                    found.entry(id).or_default().insert(name.to_string());
                }
            }
        }
    }
    found
}

/// The catalogue: each `### <ID> …` heading, with the test names listed as `` - `name` `` below it.
fn catalogue() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(workspace().join("docs/requirements.md")).unwrap();
    let mut listed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            let id = heading.split_whitespace().next().unwrap_or_default();
            assert!(
                listed.insert(id.to_string(), BTreeSet::new()).is_none(),
                "{id} appears twice in docs/requirements.md"
            );
            current = Some(id.to_string());
        } else if line.starts_with("## ") {
            current = None;
        } else if let Some(item) = line.strip_prefix("- `")
            && let Some(id) = &current
        {
            let name = item.split('`').next().unwrap_or_default();
            listed.get_mut(id).unwrap().insert(name.to_string());
        }
    }
    listed
}

#[test]
fn the_requirements_catalogue_lists_exactly_the_tests_that_cite_each_requirement() {
    let code = tests_in_code();
    let listed = catalogue();
    assert!(
        listed.len() >= 30,
        "the catalogue holds every requirement of the spec"
    );
    let mut problems = vec![];
    for (id, names) in &code {
        if !listed.contains_key(id) {
            problems.push(format!(
                "tests cite {id}, which the catalogue lacks: {names:?}"
            ));
        }
    }
    for (id, names) in &listed {
        for name in names {
            if cited_id(name).as_deref() != Some(id.as_str()) {
                problems.push(format!(
                    "`{name}` is listed under {id} but cites another ID"
                ));
            }
        }
        let in_code = code.get(id).cloned().unwrap_or_default();
        for name in in_code.difference(names) {
            problems.push(format!("{id}: add `- `{name}`` to docs/requirements.md"));
        }
        for name in names.difference(&in_code) {
            problems.push(format!(
                "{id}: `{name}` is listed but no test has that name"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/requirements.md has drifted from the tests:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_test_name_cites_a_requirement_only_by_its_leading_id() {
    assert_eq!(cited_id("ten_1_resolves_host").as_deref(), Some("TEN-1"));
    assert_eq!(cited_id("plg_3_a_100_mb").as_deref(), Some("PLG-3"));
    assert_eq!(cited_id("sec_csrf_is_bound"), None);
    assert_eq!(cited_id("ten_1"), None);
    assert_eq!(cited_id("a_405_keeps_its_allow_header"), None);
    assert_eq!(cited_id("serve_answers"), None);
}
