//! Renders diagnostics with miette: file, line and column, the span underlined,
//! and the help line. Lines too long to draw get a location and an excerpt;
//! repeated diagnostics are shown once and long lists are cut.

use mlg_dsl::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Longest source line drawn with its underline. miette pads to the column,
/// and a padding width over 65,535 panics in `format!`; longer lines get the
/// location and an excerpt around the span instead.
const LONG_LINE: usize = 1_000;
/// Characters of context either side of the span in an excerpt.
const EXCERPT: usize = 40;
/// Most diagnostics rendered; the rest are counted in one closing line.
pub const MAX_RENDERED: usize = 50;
/// Most diagnostics shown with the same code and message (at other spans).
const MAX_ALIKE: usize = 3;

/// A diagnostic bound to its source text, in the shape miette renders.
#[derive(Debug)]
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: miette::NamedSource<String>,
    /// False when a label lies on a line longer than [`LONG_LINE`].
    draw: bool,
    /// Error, or warning.
    severity: miette::Severity,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if self.diagnostic.labels.is_empty() || !self.draw {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if !self.draw {
            return None;
        }
        let len = self.source.inner().len();
        Some(Box::new(self.diagnostic.labels.iter().enumerate().map(
            move |(i, l)| {
                let start = l.span.start.min(len);
                let end = l.span.end.clamp(start, len);
                let span = miette::SourceSpan::new(start.into(), end - start);
                if i == 0 {
                    miette::LabeledSpan::new_primary_with_span(Some(l.message.clone()), span)
                } else {
                    miette::LabeledSpan::new_with_span(Some(l.message.clone()), span)
                }
            },
        )))
    }
}

/// True when every label of `d` lies on a line of at most [`LONG_LINE`] bytes.
fn drawable(d: &Diagnostic, source: &str) -> bool {
    d.labels.iter().all(|l| {
        let at = floor_boundary(source, l.span.start.min(source.len()));
        let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
        end - start <= LONG_LINE
    })
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `  | ...before[span]after...` for a span on a line too long to draw.
fn excerpt(source: &str, start: usize, end: usize) -> String {
    let start = floor_boundary(source, start.min(source.len()));
    let end = floor_boundary(source, end.clamp(start, source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[end..].find('\n').map_or(source.len(), |i| end + i);
    let before: String = source[line_start..start].chars().rev().take(EXCERPT).collect();
    let before: String = before.chars().rev().collect();
    let after: String = source[end..line_end].chars().take(EXCERPT).collect();
    let spanned: String = source[start..end].chars().take(2 * EXCERPT).collect();
    let cut = |b: bool| if b { "…" } else { "" };
    format!(
        "  | {}{before}[{spanned}{}]{after}{}\n",
        cut(start - line_start > before.len()),
        cut(spanned.len() < end - start),
        cut(line_end - end > after.len()),
    )
}

/// Renders `diagnostics` against `source` (named `file` in the output). `color`
/// selects ANSI colours; without it the text is stable for snapshots. A
/// diagnostic equal to an earlier one (code, message and labels) is skipped,
/// one with the same code and message is shown at most [`MAX_ALIKE`] times,
/// and past [`MAX_RENDERED`] the rest are only counted.
pub fn render(diagnostics: &[Diagnostic], file: &str, source: &str, color: bool) -> String {
    render_as(diagnostics, file, source, color, miette::Severity::Error)
}

/// [`render`] for warnings (`Workflow::warnings`): drawn as warnings, the
/// same rules for repeats and long lists.
pub fn render_warnings(warnings: &[Diagnostic], file: &str, source: &str, color: bool) -> String {
    render_as(warnings, file, source, color, miette::Severity::Warning)
}

fn render_as(
    diagnostics: &[Diagnostic],
    file: &str,
    source: &str,
    color: bool,
    severity: miette::Severity,
) -> String {
    let noun = if severity == miette::Severity::Warning {
        "warning(s)"
    } else {
        "error(s)"
    };
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let mut seen = HashSet::new();
    let mut alike: HashMap<(&str, &str), usize> = HashMap::new();
    let (mut shown, mut hidden) = (0, 0);
    for d in diagnostics {
        let spans: Vec<(usize, usize)> = d.labels.iter().map(|l| (l.span.start, l.span.end)).collect();
        if !seen.insert((d.code, d.message.as_str(), spans)) {
            continue;
        }
        let n = alike.entry((d.code, d.message.as_str())).or_default();
        *n += 1;
        if *n > MAX_ALIKE {
            hidden += 1;
            continue;
        }
        if shown == MAX_RENDERED {
            let rest = diagnostics.len() - shown;
            out.push_str(&format!(
                "… and at most {rest} more {noun} not shown; fix these first\n"
            ));
            break;
        }
        shown += 1;
        let draw = drawable(d, source);
        let report = Report {
            diagnostic: d,
            source: miette::NamedSource::new(file, source.to_string()),
            draw,
            severity,
        };
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            text = format!("{}: {}\n", &noun[..noun.len() - 3], d.message);
        }
        if let (Some(span), false) = (d.span(), text.contains(file)) {
            let (line, col) = span.line_col(source);
            text.push_str(&format!("  at {file}:{line}:{col}\n"));
            if !draw {
                text.push_str(&excerpt(source, span.start, span.end));
            }
        }
        out.push_str(&text);
        out.push('\n');
    }
    if hidden > 0 {
        out.push_str(&format!(
            "… and {hidden} more {noun} repeating one above at other places\n"
        ));
    }
    out
}

/// Prints `wf`'s check-time warnings on stderr (rank 0 of a distributed job
/// only; colours on a terminal).
pub fn print_warnings(wf: &mlg::Workflow) {
    use std::io::IsTerminal as _;
    if wf.warnings.is_empty() || mlg_runtime::collective::current().rank() != 0 {
        return;
    }
    let color = std::io::stderr().is_terminal();
    eprint!("{}", render_warnings(&wf.warnings, &wf.file, &wf.source, color));
}
