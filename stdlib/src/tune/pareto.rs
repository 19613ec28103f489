//! Pareto fronts of multi-objective scores, every objective maximized.
//!
//! Point `a` dominates `b` when `a` is at least as good as `b` in every
//! objective and strictly better in one. Equal points do not dominate each
//! other, so duplicates share a front. A point with a `NaN` objective (a
//! failed trial) is dominated by every point without one and is never on the
//! front. All points must have the same number of objectives.

/// Whether `a` dominates `b` (neither has a `NaN`).
fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
}

fn has_nan(p: &[f64]) -> bool {
    p.iter().any(|x| x.is_nan())
}

/// The indices, ascending, of the non-dominated points among those without
/// a `NaN` (empty when every point has one, or there are none).
pub fn front(points: &[Vec<f64>]) -> Vec<usize> {
    let valid: Vec<usize> = (0..points.len()).filter(|&i| !has_nan(&points[i])).collect();
    valid
        .iter()
        .copied()
        .filter(|&i| !valid.iter().any(|&j| dominates(&points[j], &points[i])))
        .collect()
}

/// The non-dominated sorting rank of each point: 0 for [`front`], 1 for the
/// front of the rest, and so on. Points with a `NaN` share the rank after
/// the last front of the others (0 when every point has a `NaN`, though
/// [`front`] is then empty).
pub fn ranks(points: &[Vec<f64>]) -> Vec<usize> {
    let mut rank = vec![usize::MAX; points.len()];
    let mut left: Vec<usize> = (0..points.len()).filter(|&i| !has_nan(&points[i])).collect();
    let mut r = 0;
    while !left.is_empty() {
        let (now, later): (Vec<usize>, Vec<usize>) = left
            .iter()
            .partition(|&&i| !left.iter().any(|&j| dominates(&points[j], &points[i])));
        for &i in &now {
            rank[i] = r;
        }
        left = later;
        r += 1;
    }
    for x in rank.iter_mut().filter(|x| **x == usize::MAX) {
        *x = r;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_keeps_the_non_dominated() {
        let p = vec![
            vec![1.0, 5.0],
            vec![2.0, 4.0],
            vec![1.5, 3.0], // dominated by [2, 4]
            vec![3.0, 1.0],
            vec![0.5, 0.5], // dominated by all the others
        ];
        assert_eq!(front(&p), vec![0, 1, 3]);
        assert_eq!(ranks(&p), vec![0, 0, 1, 0, 2]);
    }

    #[test]
    fn equal_points_share_the_front() {
        let p = vec![vec![1.0, 1.0], vec![1.0, 1.0], vec![0.0, 1.0]];
        assert_eq!(front(&p), vec![0, 1]);
        assert_eq!(ranks(&p), vec![0, 0, 1]);
    }

    #[test]
    fn nan_points_rank_last() {
        let p = vec![
            vec![f64::NAN, 9.0],
            vec![0.0, 0.0],
            vec![1.0, -1.0],
            vec![-1.0, -1.0],
        ];
        assert_eq!(front(&p), vec![1, 2]);
        assert_eq!(ranks(&p), vec![2, 0, 0, 1]);
        let all_nan = vec![vec![f64::NAN], vec![f64::NAN]];
        assert!(front(&all_nan).is_empty());
        assert_eq!(ranks(&all_nan), vec![0, 0]);
        assert!(front(&[]).is_empty());
    }

    #[test]
    fn one_objective_front_is_the_maxima() {
        let p = vec![vec![2.0], vec![3.0], vec![3.0], vec![1.0]];
        assert_eq!(front(&p), vec![1, 2]);
        assert_eq!(ranks(&p), vec![1, 0, 0, 2]);
    }
}
