//! Early stopping of unpromising trials: median pruning, as Optuna's
//! `MedianPruner`. A running trial reports an intermediate value (higher is
//! better) after each step; it is stopped when that value falls below the
//! median of what earlier trials reported at the same step.

/// The median pruning rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Median {
    /// Never prune until at least this many earlier trials reported a value
    /// at the step in question.
    pub startup_trials: usize,
    /// Never prune at steps below this one.
    pub warmup_steps: usize,
}

impl Default for Median {
    /// Optuna's defaults: 5 startup trials, no warm-up.
    fn default() -> Median {
        Median {
            startup_trials: 5,
            warmup_steps: 0,
        }
    }
}

impl Median {
    /// Whether to stop a trial whose intermediate value at `step` (0-based)
    /// is `value`. `earlier[t][s]` is earlier trial `t`'s value at step `s`
    /// (a pruned trial has fewer steps; `NaN` entries count as missing).
    /// A `NaN` value is always pruned (a diverged trial cannot recover).
    /// Otherwise prunes when `step >= warmup_steps`, at least
    /// `startup_trials` earlier trials (and at least one) have a value at
    /// `step`, and `value` is strictly below their median (the mean of the
    /// two middle values for an even count).
    pub fn should_prune(&self, earlier: &[Vec<f64>], step: usize, value: f64) -> bool {
        if value.is_nan() {
            return true;
        }
        if step < self.warmup_steps {
            return false;
        }
        let mut at: Vec<f64> = earlier
            .iter()
            .filter_map(|t| t.get(step).copied())
            .filter(|v| !v.is_nan())
            .collect();
        if at.is_empty() || at.len() < self.startup_trials {
            return false;
        }
        at.sort_by(f64::total_cmp);
        let m = at.len() / 2;
        let median = if at.len() % 2 == 1 {
            at[m]
        } else {
            (at[m - 1] + at[m]) / 2.0
        };
        value < median
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curves() -> Vec<Vec<f64>> {
        vec![
            vec![0.1, 0.2, 0.3],
            vec![0.2, 0.4, 0.6],
            vec![0.3, 0.5], // pruned after step 1
            vec![0.4, f64::NAN, 0.9],
            vec![0.5, 0.6, 0.7],
        ]
    }

    #[test]
    fn prunes_below_the_median() {
        let p = Median::default();
        // Step 0: 0.1..0.5, median 0.3.
        assert!(p.should_prune(&curves(), 0, 0.29));
        assert!(!p.should_prune(&curves(), 0, 0.3));
        assert!(!p.should_prune(&curves(), 0, 0.45));
    }

    #[test]
    fn needs_enough_earlier_trials_at_the_step() {
        let p = Median::default();
        // Step 1 has 4 values (one NaN), step 2 has 3: fewer than 5.
        assert!(!p.should_prune(&curves(), 1, -1.0));
        assert!(!p.should_prune(&curves(), 2, -1.0));
        let lax = Median {
            startup_trials: 3,
            warmup_steps: 0,
        };
        // Step 1: 0.2, 0.4, 0.5, 0.6 -> median 0.45.
        assert!(lax.should_prune(&curves(), 1, 0.44));
        assert!(!lax.should_prune(&curves(), 1, 0.46));
        // Step 2 (the pruned trial has none): 0.3, 0.6, 0.7, 0.9 -> median 0.65.
        assert!(lax.should_prune(&curves(), 2, 0.64));
        assert!(!lax.should_prune(&curves(), 2, 0.66));
        assert!(!lax.should_prune(&[], 0, -1.0));
        let none = Median {
            startup_trials: 0,
            warmup_steps: 0,
        };
        assert!(!none.should_prune(&[], 0, -1.0));
    }

    #[test]
    fn warmup_and_nan() {
        let p = Median {
            startup_trials: 1,
            warmup_steps: 1,
        };
        assert!(!p.should_prune(&curves(), 0, -1.0));
        assert!(p.should_prune(&curves(), 1, -1.0));
        assert!(p.should_prune(&curves(), 0, f64::NAN));
        assert!(p.should_prune(&[], 0, f64::NAN));
    }
}
