//! `docs/language.md` holds the operator reference rendered from the operator
//! definitions (`mlg_stdlib::operators::markdown_reference`) between the
//! `<!-- operators:begin -->` and `<!-- operators:end -->` markers. This test
//! fails when the two differ; run it with `MLG_BLESS=1` to rewrite the text
//! between the markers.

use std::path::PathBuf;

const BEGIN: &str = "<!-- operators:begin -->";
const END: &str = "<!-- operators:end -->";

fn docs_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md")
}

/// `doc` with the text between the markers replaced by `reference` (a blank
/// line after the begin marker and before the end marker); `None` when the
/// markers are missing or out of order.
fn splice(doc: &str, reference: &str) -> Option<String> {
    let start = doc.find(BEGIN)? + BEGIN.len();
    let end = start + doc[start..].find(END)?;
    Some(format!("{}\n\n{reference}\n{}", &doc[..start], &doc[end..]))
}

#[test]
fn language_md_operator_reference_is_current() {
    let path = docs_path();
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let reference = mlg_stdlib::operators::markdown_reference();
    let Some(expected) = splice(&doc, &reference) else {
        panic!("{} lacks the markers {BEGIN} ... {END}", path.display());
    };
    if expected == doc {
        return;
    }
    if std::env::var_os("MLG_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, expected).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    panic!(
        "the operator reference in {} differs from the operator definitions; regenerate it with\n\n    \
         MLG_BLESS=1 cargo test -p mlg-stdlib --test docs_reference\n",
        path.display()
    );
}

#[test]
fn splice_replaces_only_the_text_between_the_markers() {
    let doc = format!("intro\n{BEGIN}\nold\n{END}\noutro\n");
    assert_eq!(
        splice(&doc, "new\n").as_deref(),
        Some(format!("intro\n{BEGIN}\n\nnew\n\n{END}\noutro\n").as_str())
    );
    assert!(splice("no markers", "x").is_none());
}
