//! The shape docs/architecture.md describes, held by tests: faces reach the database only
//! through the use cases, and no module of a crate imports a module that imports it back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The http crate (a face) does not depend on persistence: it reaches the database
/// through `parcours-core` only.
#[test]
fn faces_reach_the_database_through_the_use_cases() {
    let manifest = std::fs::read_to_string(crates_dir().join("http/Cargo.toml")).unwrap();
    assert!(manifest.contains("parcours-core"), "http depends on core");
    assert!(
        !manifest.contains("parcours-persistence"),
        "http must not depend on persistence"
    );
    let core = std::fs::read_to_string(crates_dir().join("core/Cargo.toml")).unwrap();
    assert!(
        !core.contains("parcours-http"),
        "core does not know its faces"
    );
    let domain = std::fs::read_to_string(crates_dir().join("domain/Cargo.toml")).unwrap();
    for io in ["sea-orm", "axum", "tokio", "parcours-persistence"] {
        assert!(!domain.contains(io), "the domain has no IO: {io}");
    }
}

/// Module paths of a crate's `src`, with their source (tests left out).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default()
                .to_owned();
            found.insert(parts.join("::"), code);
        }
    }
    found
}

/// Which modules each module refers to (`crate::a::b`, `super::c`), parents excluded
/// from their children's edges (a parent declares its children).
fn graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, code) in modules {
        let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
        let mut targets = BTreeSet::new();
        for (prefix, base) in [("crate::", ""), ("super::", parent)] {
            for (index, _) in code.match_indices(prefix) {
                let rest = &code[index + prefix.len()..];
                let path: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == ':')
                    .collect();
                let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
                while !parts.is_empty() {
                    let candidate = if base.is_empty() {
                        parts.join("::")
                    } else {
                        format!("{base}::{}", parts.join("::"))
                    };
                    if modules.contains_key(&candidate) {
                        targets.insert(candidate);
                        break;
                    }
                    parts.pop();
                }
            }
        }
        targets.remove(name);
        if !name.is_empty() {
            targets.retain(|t| !t.starts_with(&format!("{name}::")));
        }
        edges.insert(name.clone(), targets);
    }
    // The crate root declares everything and is used by everyone: not a cycle.
    edges.remove("");
    for targets in edges.values_mut() {
        targets.remove("");
    }
    edges
}

/// A cycle through `from`, if any.
fn cycle_from(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![(from.to_owned(), vec![from.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in edges.get(&node).into_iter().flatten() {
            if next == from {
                return Some(path.clone());
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for krate in ["domain", "persistence", "core", "http", "mail", "app"] {
        let src = crates_dir().join(krate).join("src");
        let modules = modules(&src);
        assert!(modules.len() > 2, "{krate}: {:?}", modules.keys());
        let edges = graph(&modules);
        for name in edges.keys() {
            if let Some(cycle) = cycle_from(&edges, name) {
                panic!("{krate}: import cycle {}", cycle.join(" → "));
            }
        }
    }
}
