//! Kernel functions (libsvm's definitions) and an LRU cache of kernel rows
//! over a set of training rows; when every row fits the cache budget, the
//! cache ends up holding the full Gram matrix.

/// A kernel with its resolved parameters (`gamma` already numeric).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kernel {
    /// `x·z`.
    Linear,
    /// `(gamma x·z + coef0)^degree`.
    Poly {
        /// The dot product's factor.
        gamma: f64,
        /// The power.
        degree: u32,
        /// The constant added before raising to the power.
        coef0: f64,
    },
    /// `exp(-gamma |x - z|²)`.
    Rbf {
        /// The squared distance's factor.
        gamma: f64,
    },
    /// `tanh(gamma x·z + coef0)`.
    Sigmoid {
        /// The dot product's factor.
        gamma: f64,
        /// The constant added inside `tanh`.
        coef0: f64,
    },
}

impl Kernel {
    /// The kernel value from the dot product `x·z` and the squared norms
    /// `|x|²`, `|z|²` (only the RBF kernel reads the norms).
    pub fn from_dot(&self, dot: f64, sq_x: f64, sq_z: f64) -> f64 {
        match *self {
            Kernel::Linear => dot,
            Kernel::Poly { gamma, degree, coef0 } => powu(gamma * dot + coef0, degree),
            Kernel::Rbf { gamma } => (-gamma * (sq_x + sq_z - 2.0 * dot).max(0.0)).exp(),
            Kernel::Sigmoid { gamma, coef0 } => (gamma * dot + coef0).tanh(),
        }
    }

    /// `K(x, z)`.
    pub fn eval(&self, x: &[f64], z: &[f64]) -> f64 {
        match self {
            Kernel::Rbf { gamma } => {
                let sq: f64 = x.iter().zip(z).map(|(a, b)| (a - b) * (a - b)).sum();
                (-gamma * sq).exp()
            }
            _ => self.from_dot(dot(x, z), 0.0, 0.0),
        }
    }
}

/// `base^exp` by repeated squaring (exact for small integer powers, defined
/// for negative bases, unlike `exp(b ln a)`).
pub(crate) fn powu(base: f64, exp: u32) -> f64 {
    let (mut result, mut b, mut e) = (1.0, base, exp);
    while e > 0 {
        if e & 1 == 1 {
            result *= b;
        }
        b *= b;
        e >>= 1;
    }
    result
}

/// `a·b`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Kernel rows `K(x_i, ·)` of `n` training rows, computed on demand and kept
/// in a least-recently-used cache of at most `capacity` rows (at least two,
/// so that the solver's pair of rows is always resident together).
#[derive(Debug)]
pub(crate) struct KernelCache<'a> {
    x: &'a [f64],
    d: usize,
    kernel: Kernel,
    sq: Vec<f64>,
    diag: Vec<f64>,
    rows: Vec<Option<Box<[f64]>>>,
    used: Vec<u64>,
    clock: u64,
    cached: usize,
    capacity: usize,
}

impl<'a> KernelCache<'a> {
    /// A cache over the `x.len() / d` rows of row-major `x`, holding at most
    /// `budget_bytes` of rows (never fewer than two rows).
    pub fn new(x: &'a [f64], d: usize, kernel: Kernel, budget_bytes: usize) -> Self {
        let n = x.len().checked_div(d).unwrap_or(0);
        let row = |i: usize| &x[i * d..(i + 1) * d];
        let sq: Vec<f64> = (0..n).map(|i| dot(row(i), row(i))).collect();
        let diag = (0..n).map(|i| kernel.from_dot(sq[i], sq[i], sq[i])).collect();
        let per_row = (n * std::mem::size_of::<f64>()).max(1);
        KernelCache {
            x,
            d,
            kernel,
            sq,
            diag,
            rows: vec![None; n],
            used: vec![0; n],
            clock: 0,
            cached: 0,
            capacity: (budget_bytes / per_row).clamp(2, n.max(2)),
        }
    }

    /// `K(x_i, x_i)`.
    pub fn diag(&self, i: usize) -> f64 {
        self.diag[i]
    }

    /// Makes row `i` resident and most recently used, evicting the least
    /// recently used row when the cache is full.
    pub fn load(&mut self, i: usize) {
        self.clock += 1;
        self.used[i] = self.clock;
        if self.rows[i].is_some() {
            return;
        }
        if self.cached >= self.capacity {
            let victim = (0..self.rows.len())
                .filter(|&r| self.rows[r].is_some())
                .min_by_key(|&r| self.used[r]);
            if let Some(v) = victim {
                self.rows[v] = None;
                self.cached -= 1;
            }
        }
        let d = self.d;
        let xi = &self.x[i * d..(i + 1) * d];
        let row: Box<[f64]> = (0..self.rows.len())
            .map(|j| {
                let dp = dot(xi, &self.x[j * d..(j + 1) * d]);
                self.kernel.from_dot(dp, self.sq[i], self.sq[j])
            })
            .collect();
        self.rows[i] = Some(row);
        self.cached += 1;
    }

    /// Row `i`, which must have been [`load`](Self::load)ed since the last
    /// eviction could have removed it (the two most recent loads are always
    /// resident).
    pub fn row(&self, i: usize) -> &[f64] {
        self.rows[i].as_deref().expect("kernel row loaded before use")
    }
}
