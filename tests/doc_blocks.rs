//! Every complete `.mlg` program in the README and `docs/` checks: a fenced
//! block (no language or `mlg`) with a `data NAME = reader("...")` line is
//! checked as if it sat in `examples/`, so a documented feature that does not
//! run fails here.

use mlg::Workflow;
use std::path::{Path, PathBuf};

/// The markdown files whose programs must check.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The fenced blocks of `text` that are whole programs, with their first line.
fn programs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) if lang.is_empty() || lang == "mlg" => open = Some((i + 2, String::new())),
            (None, Some(_)) => open = Some((0, String::new())),
            (Some((start, body)), Some(_)) => {
                let is_program = body
                    .lines()
                    .any(|l| l.starts_with("data ") && l.contains("(\"") && l.contains(" = "));
                if *start > 0 && is_program {
                    out.push((*start, std::mem::take(body)));
                }
                open = None;
            }
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

#[test]
fn every_documented_program_checks() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    let mut failures = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (line, program) in programs(&text) {
            checked += 1;
            let name = format!("{}:{line}", doc.file_name().unwrap().to_string_lossy());
            if let Err(e) = Workflow::from_source(&name, &program, &examples) {
                let shown = match &e {
                    mlg::Error::Diagnostics {
                        file,
                        source_text,
                        diagnostics,
                    } => mlg_cli::diagnostics::render(diagnostics, file, source_text, false),
                    other => other.to_string(),
                };
                failures.push(shown);
            }
        }
    }
    assert!(checked >= 3, "found only {checked} documented programs");
    assert!(
        failures.is_empty(),
        "documented programs that do not check:\n{}",
        failures.join("\n")
    );
}
