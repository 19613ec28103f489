//! Synthetic classification data shaped like scikit-learn's
//! `make_classification`, for benchmarks and heavy tests that must not depend
//! on files outside the repository.

use crate::eval::rng::SplitMix64;
use crate::op::Matrix;

/// The shape of a generated problem (scikit-learn's parameter names).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Classification {
    /// Rows generated.
    pub rows: usize,
    /// Features that carry the class signal.
    pub informative: usize,
    /// Random linear combinations of the informative features.
    pub redundant: usize,
    /// Pure-noise features after the informative and redundant ones.
    pub noise: usize,
    /// Number of classes.
    pub classes: usize,
    /// Gaussian clusters making up each class.
    pub clusters_per_class: usize,
    /// Share of labels replaced by a random class.
    pub flip_y: f64,
    /// Half the side of the hypercube whose vertices hold the cluster centres.
    pub class_sep: f64,
    /// The generator's seed; equal shapes give equal data.
    pub seed: u64,
}

impl Classification {
    /// The figures behind `benches/reference/sklearn_speed.json`: 20 features
    /// (10 informative, 5 redundant, 5 noise), 2 classes of 2 clusters each,
    /// 1 % flipped labels, `class_sep` 1.
    pub fn benchmark(rows: usize, seed: u64) -> Self {
        Classification {
            rows,
            informative: 10,
            redundant: 5,
            noise: 5,
            classes: 2,
            clusters_per_class: 2,
            flip_y: 0.01,
            class_sep: 1.0,
            seed,
        }
    }

    /// Generates the rows (row-major, `informative + redundant + noise`
    /// columns) and their class codes. Like scikit-learn: each cluster is a
    /// standard normal cloud in the informative subspace, mixed by a random
    /// `[-1, 1]` matrix and moved to a distinct hypercube vertex scaled by
    /// `class_sep`; redundant features are random `[-1, 1]` combinations of
    /// the informative ones; rows are dealt to clusters evenly and shuffled.
    /// The random streams differ from NumPy's, so values match in
    /// distribution only.
    pub fn generate(&self) -> (Matrix, Vec<u32>) {
        let mut rng = SplitMix64::new(self.seed);
        let inf = self.informative.max(1);
        let cols = inf + self.redundant + self.noise;
        let n_clusters = (self.classes * self.clusters_per_class).max(1);
        let uniform = |rng: &mut SplitMix64| 2.0 * rng.next_f64() - 1.0;
        // Distinct vertices of the hypercube {-1, 1}^inf, taken in a random order.
        let mut vertices: Vec<u64> = (0..n_clusters as u64).collect();
        if inf < 64 {
            let span = 1u64 << inf;
            let mut seen = std::collections::HashSet::new();
            vertices.clear();
            while vertices.len() < n_clusters.min(span as usize) {
                let v = rng.below(span);
                if seen.insert(v) {
                    vertices.push(v);
                }
            }
            while vertices.len() < n_clusters {
                vertices.push(vertices[vertices.len() % span as usize]);
            }
        }
        let centres: Vec<Vec<f64>> = vertices
            .iter()
            .map(|&v| {
                (0..inf)
                    .map(|j| {
                        if (v >> (j % 64)) & 1 == 1 {
                            self.class_sep
                        } else {
                            -self.class_sep
                        }
                    })
                    .collect()
            })
            .collect();
        let mixes: Vec<Vec<f64>> = (0..n_clusters)
            .map(|_| (0..inf * inf).map(|_| uniform(&mut rng)).collect())
            .collect();
        let redundant_mix: Vec<f64> = (0..inf * self.redundant).map(|_| uniform(&mut rng)).collect();
        let mut data = vec![0.0; self.rows * cols];
        let mut labels = vec![0u32; self.rows];
        let mut z = vec![0.0; inf];
        for i in 0..self.rows {
            let cluster = i % n_clusters;
            labels[i] = (cluster % self.classes.max(1)) as u32;
            z.iter_mut().for_each(|v| *v = gaussian(&mut rng));
            let row = &mut data[i * cols..(i + 1) * cols];
            for j in 0..inf {
                let mix = &mixes[cluster];
                row[j] = centres[cluster][j] + (0..inf).map(|a| z[a] * mix[a * inf + j]).sum::<f64>();
            }
            for r in 0..self.redundant {
                row[inf + r] = (0..inf)
                    .map(|a| row[a] * redundant_mix[a * self.redundant + r])
                    .sum();
            }
            for v in &mut row[inf + self.redundant..cols] {
                *v = gaussian(&mut rng);
            }
            if rng.next_f64() < self.flip_y {
                labels[i] = rng.below(self.classes.max(1) as u64) as u32;
            }
        }
        let mut order: Vec<usize> = (0..self.rows).collect();
        rng.shuffle(&mut order);
        let shuffled = order
            .iter()
            .flat_map(|&i| data[i * cols..(i + 1) * cols].to_vec())
            .collect();
        let labels = order.iter().map(|&i| labels[i]).collect();
        (
            Matrix {
                rows: self.rows,
                cols,
                data: shuffled,
            },
            labels,
        )
    }
}

/// A standard normal draw (Box-Muller).
pub fn gaussian(rng: &mut SplitMix64) -> f64 {
    let (u, v) = (rng.next_f64().max(1e-300), rng.next_f64());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_balance_and_determinism() {
        let spec = Classification::benchmark(2_000, 3);
        let (x, y) = spec.generate();
        assert_eq!((x.rows, x.cols, y.len()), (2_000, 20, 2_000));
        let ones = y.iter().filter(|&&c| c == 1).count();
        assert!((900..1_100).contains(&ones), "classes roughly balanced: {ones}");
        assert_eq!(spec.generate(), (x, y));
        assert_ne!(
            Classification::benchmark(2_000, 4).generate().1,
            spec.generate().1
        );
    }

    #[test]
    fn class_means_differ_on_informative_features_only() {
        let (x, y) = Classification::benchmark(20_000, 1).generate();
        let mut sums = [vec![0.0; x.cols], vec![0.0; x.cols]];
        let mut counts = [0.0; 2];
        for (i, &label) in y.iter().enumerate().take(x.rows) {
            let c = label as usize;
            counts[c] += 1.0;
            sums[c].iter_mut().zip(x.row(i)).for_each(|(s, v)| *s += v);
        }
        let gap = |cols: std::ops::Range<usize>| -> f64 {
            cols.map(|j| (sums[0][j] / counts[0] - sums[1][j] / counts[1]).abs())
                .sum()
        };
        assert!(
            gap(0..10) > 1.0,
            "informative block separates the classes: {}",
            gap(0..10)
        );
        assert!(gap(15..20) < 0.2, "noise block does not: {}", gap(15..20));
    }
}
