//! Ties for best: models of an `evaluate` statement, or trials of a search,
//! whose ranking scores are equal, for the text tables and the HTML page.

use mlg::executor::{by_rank, Evaluation, Search};

/// Whether two ranking scores are the same (to 1e-12, relative above 1).
fn same_score(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

/// The indices of `group`'s models tied with its best on the ranking metric,
/// in rank order, the best first; empty when the best is alone.
pub fn tied_for_best(group: &[Evaluation]) -> Vec<usize> {
    let order = by_rank(group);
    let Some(best) = order.first().and_then(|&i| group[i].ranking_score()) else {
        return Vec::new();
    };
    let tied: Vec<usize> = order
        .into_iter()
        .take_while(|&i| group[i].ranking_score().is_some_and(|s| same_score(s, best)))
        .collect();
    if tied.len() > 1 {
        tied
    } else {
        Vec::new()
    }
}

/// The line that names a tie for best, e.g. "tie for best: a and b score
/// 0.9649 accuracy; a ranks first because it comes first in the statement".
pub fn tie_note(group: &[Evaluation], tied: &[usize]) -> Option<String> {
    let (&first, _) = tied.split_first()?;
    let names: Vec<&str> = tied.iter().map(|&i| group[i].model.as_str()).collect();
    let score = group[first].ranking_score()?;
    Some(format!(
        "tie for best: {} score {score:.4} {}; {} ranks first because it comes first in the statement",
        names.join(" and "),
        group[first].ranked_by,
        group[first].model
    ))
}

/// The trials of `s` other than its best that tie with it: complete, on the
/// whole budget, with the same score.
pub fn tied_trials(s: &Search) -> Vec<usize> {
    s.trials
        .iter()
        .filter(|t| {
            t.trial != s.best_trial
                && t.status == "complete"
                && t.budget >= 1.0
                && same_score(t.mean, s.best_score)
        })
        .map(|t| t.trial)
        .collect()
}
