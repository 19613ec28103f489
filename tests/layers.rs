//! The executor's layers import only the layers before them: `session`,
//! then `plan`, `compile`, `fit`, `eval`, `search`, `run` (see
//! `ARCHITECTURE.md`). This test reads the `mlg` crate's sources and fails
//! naming the file and the import that points at a later layer, so an
//! import cycle between layers cannot come back.

use std::path::{Path, PathBuf};

/// The layers in order; each may import itself and those before it.
const LAYERS: [&str; 7] = ["session", "plan", "compile", "fit", "eval", "search", "run"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The identifier starting `text`.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The layers `text` (one file, in layer `own` at executor depth `depth`)
/// refers to, with the line of each reference. `depth` is 0 for
/// `executor/LAYER.rs` and `executor/LAYER/mod.rs`, 1 for a file inside a
/// layer's folder.
fn references(text: &str, depth: usize) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let first = ident(rest);
            if first == "executor" {
                let layer = ident(rest.get("executor::".len()..).unwrap_or(""));
                if !layer.is_empty() {
                    found.push((layer.to_string(), n + 1));
                }
            } else if first == "session" {
                found.push(("session".to_string(), n + 1));
            }
        }
        // `super::X` from a layer's root names layer X; from deeper it stays
        // inside the layer (or, for `super::super::X`, names layer X).
        for (i, _) in code.match_indices("super::") {
            if i >= 7 && code[..i].ends_with("super::") {
                continue;
            }
            let mut rest = &code[i + "super::".len()..];
            let mut up = 1;
            while let Some(r) = rest.strip_prefix("super::") {
                rest = r;
                up += 1;
            }
            if up > depth {
                let layer = ident(rest);
                if rank(layer).is_some() {
                    found.push((layer.to_string(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn executor_layers_import_only_earlier_layers() {
    let root = Path::new("mlg/src/executor");
    let mut files = Vec::new();
    sources(root, &mut files);
    assert!(files.len() > 20, "the executor's sources were not found");
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root).unwrap();
        let parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let own = parts[0].clone();
        if own == "mod" {
            continue; // executor/mod.rs only declares the layers and re-exports.
        }
        let own_rank = rank(&own).unwrap_or_else(|| panic!("{}: not in a layer", file.display()));
        let depth = usize::from(parts.len() > 1 && parts.last().is_some_and(|p| p != "mod"));
        let text = std::fs::read_to_string(file).unwrap();
        for (layer, line) in references(&text, depth) {
            if rank(&layer).is_some_and(|r| r > own_rank) {
                wrong.push(format!(
                    "{}:{line}: layer `{own}` imports later layer `{layer}`",
                    file.display()
                ));
            }
        }
    }
    for before in [
        "mlg/src/session.rs",
        "mlg/src/observer.rs",
        "mlg/src/profile/mod.rs",
    ] {
        let text = std::fs::read_to_string(before).unwrap();
        let uses = |l: &str| {
            l.split("//")
                .next()
                .is_some_and(|code| code.contains("crate::executor"))
        };
        if let Some(n) = text.lines().position(uses) {
            wrong.push(format!("{before}:{}: imports the executor", n + 1));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_finds_a_later_layer() {
    let text = "use crate::executor::run::Resolver;\nuse super::search::Search;\n";
    let refs = references(text, 0);
    assert_eq!(refs, [("run".to_string(), 1), ("search".to_string(), 2)]);
    // Inside a layer's folder, `super::` is the layer itself.
    assert!(references("use super::fold::X;", 1).is_empty());
}
