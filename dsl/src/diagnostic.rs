//! Diagnostics: a message, labelled spans and a help line. Every stage of the
//! compiler reports user mistakes with this type; the CLI renders it.

use crate::span::Span;

/// A span with a short message under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The source text the label points at.
    pub span: Span,
    /// What is wrong there, shown under the span.
    pub message: String,
}

/// One user-facing error about a `.mlg` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable error code, e.g. `mlg::unknown_operator`.
    pub code: &'static str,
    /// One-line summary.
    pub message: String,
    /// The first label is the primary one.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a primary label.
    pub fn new(code: &'static str, message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
            }],
            help: None,
        }
    }

    /// A diagnostic that points at no source text (e.g. an empty file).
    pub fn bare(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// The primary span, if any.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// The candidate to suggest for `name`: mlg's name for a scikit-learn,
/// LightGBM or XGBoost name (or a CamelCase class name) when one of those is
/// a candidate (see [`crate::foreign_names`]), else the closest candidate by
/// edit distance, if close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let snake = crate::foreign_names::snake_case(name);
    let mut known = crate::foreign_names::mlg_names_for(name);
    if snake != name {
        known.insert(0, &snake);
    }
    if let Some(found) = known.iter().find_map(|k| candidates.iter().find(|c| *c == k)) {
        return Some(found);
    }
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let d = edit_distance(name, cand);
        let limit = (name.chars().count().max(cand.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance over characters: insertions, deletions, substitutions and
/// swaps of two adjacent characters each cost 1 (optimal string alignment), so
/// the common typo `modle` is one edit from `model`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Row i holds the distances from a[..i] to every b[..j]; rows i-1 and i-2 are kept.
    let mut prev2: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut d = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("modle", "model"), 1);
        assert_eq!(edit_distance("wiht", "with"), 1);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(did_you_mean("modle", ["data", "model"]), Some("model"));
        assert_eq!(did_you_mean("zzzzz", ["data", "model"]), None);
        // Other tools' names: the first of mlg's names that is a candidate.
        assert_eq!(
            did_you_mean("n_estimators", ["max_depth", "rounds"]),
            Some("rounds")
        );
        assert_eq!(did_you_mean("n_estimators", ["trees", "seed"]), Some("trees"));
        assert_eq!(did_you_mean("random_state", ["trees", "seed"]), Some("seed"));
        assert_eq!(
            did_you_mean("RandomForestClassifier", ["random_forest_classifier", "svm"]),
            Some("random_forest_classifier")
        );
        assert_eq!(did_you_mean("n_estimators", ["max_depth"]), None);
    }
}
