//! Collective communication between the processes of one job: the only door
//! through which training code talks to other ranks. Algorithms call
//! [`current`] and never MPI directly; a single process gets [`Single`], where
//! every operation is the identity, and the `mlg` binary built with the `mpi`
//! feature installs its MPI implementation with [`install`] before any work.
//!
//! Determinism: [`Collective::all_reduce_f64`] sums the ranks' vectors in rank
//! order on every rank (it gathers them first), so every rank gets the same
//! bits and the result does not depend on MPI's reduction algorithm.
//!
//! Invariant: collective calls are made by the thread that runs the job's
//! stages (never from inside a rayon task), in the same order on every rank.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};

/// The operations training needs from a group of processes (ranks `0..size`).
/// Every rank must make the same calls in the same order; a call blocks until
/// every rank has made it. Failures of the transport abort the job (MPI's
/// default error handler), so the operations do not return errors.
pub trait Collective: Send + Sync {
    /// This process's rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `mine`, in rank order (lengths may differ).
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>>;
    /// Blocks until every rank has called it.
    fn barrier(&self);
    /// Ends every process of the job with exit status `code` (after this
    /// rank printed why): the way out when one rank fails where the others
    /// wait in a collective.
    fn abort(&self, code: i32) -> !;

    /// `root`'s `bytes` on every rank (`bytes` is ignored on the others).
    fn broadcast(&self, root: usize, bytes: &[u8]) -> Vec<u8> {
        let mine = if self.rank() == root { bytes } else { &[] };
        self.all_gather(mine).swap_remove(root)
    }

    /// Every rank's `mine` on rank `root`, in rank order; `None` on the others.
    fn gather(&self, root: usize, mine: &[u8]) -> Option<Vec<Vec<u8>>> {
        let all = self.all_gather(mine);
        (self.rank() == root).then_some(all)
    }

    /// Replaces `values` by the element-wise sum over ranks, added in rank
    /// order (the same bits on every rank). Every rank passes the same length.
    fn all_reduce_f64(&self, values: &mut [f64]) {
        fold_ranks(
            self,
            values,
            (f64::to_bits, f64::from_bits),
            |_| 0.0,
            |a, b| a + b,
        );
    }

    /// This rank's block of the element-wise sums over ranks (wrapping) of
    /// `values`, whose consecutive blocks of `counts[r]` elements belong to
    /// rank `r` (`counts` sums to `values.len()`; both the same length on
    /// every rank): a reduce-scatter. An implementation sends each rank only
    /// its block.
    fn reduce_scatter_u64(&self, values: &[u64], counts: &[usize]) -> Vec<u64> {
        let at: usize = counts[..self.rank()].iter().sum();
        let mut all = values.to_vec();
        self.all_reduce_u64(&mut all);
        all[at..at + counts[self.rank()]].to_vec()
    }

    /// Replaces `values` by the element-wise sum over ranks (wrapping).
    fn all_reduce_u64(&self, values: &mut [u64]) {
        fold_ranks(self, values, (|v| v, |v| v), |_| 0, u64::wrapping_add);
    }

    /// Replaces `values` by the element-wise minimum (`max = false`) or
    /// maximum over ranks; NaN loses to any number.
    fn all_reduce_extreme(&self, values: &mut [f64], max: bool) {
        let pick = |a: f64, b: f64| if max { a.max(b) } else { a.min(b) };
        fold_ranks(self, values, (f64::to_bits, f64::from_bits), |v| v, pick);
    }

    /// The messages of the ranks whose `outcome` is an error, as `(rank,
    /// message)` in rank order, on every rank: how ranks agree that a step
    /// failed somewhere before any of them goes on to the next collective.
    fn failures(&self, outcome: Result<(), String>) -> Vec<(usize, String)> {
        let mine = match &outcome {
            Ok(()) => Vec::new(),
            Err(message) => {
                let mut bytes = vec![1];
                bytes.extend_from_slice(message.as_bytes());
                bytes
            }
        };
        self.all_gather(&mine)
            .into_iter()
            .enumerate()
            .filter(|(_, b)| b.first() == Some(&1))
            .map(|(rank, b)| (rank, String::from_utf8_lossy(&b[1..]).into_owned()))
            .collect()
    }
}

/// How a value travels: to a 64-bit word and back.
type Words<T> = (fn(T) -> u64, fn(u64) -> T);

/// The reductions' common part: gathers every rank's `values` (as 64-bit
/// words through `bits`) and replaces each by `fold` over the ranks'
/// values in rank order, starting from `start(own value)`.
fn fold_ranks<C: Collective + ?Sized, T: Copy>(
    comm: &C,
    values: &mut [T],
    bits: Words<T>,
    start: impl Fn(T) -> T,
    fold: impl Fn(T, T) -> T,
) {
    if comm.size() == 1 {
        return;
    }
    let (to, from) = bits;
    let bytes: Vec<u8> = values.iter().flat_map(|v| to(*v).to_le_bytes()).collect();
    let all = comm.all_gather(&bytes);
    values.iter_mut().for_each(|v| *v = start(*v));
    for part in &all {
        for (v, b) in values.iter_mut().zip(part.chunks_exact(8)) {
            *v = fold(*v, from(u64::from_le_bytes(b.try_into().unwrap_or_default())));
        }
    }
}

/// One process alone: rank 0 of 1, every operation the identity.
#[derive(Clone, Copy, Debug, Default)]
pub struct Single;

impl Collective for Single {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        vec![mine.to_vec()]
    }
    fn barrier(&self) {}
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

/// Ranks as threads of one process, for tests of the distributed algorithms
/// without MPI: [`Local::group`] makes `size` handles, one per thread.
pub struct Local {
    rank: usize,
    shared: Arc<LocalShared>,
}

struct LocalShared {
    slots: Mutex<Vec<Vec<u8>>>,
    barrier: Barrier,
}

impl Local {
    /// One handle per rank of a new group of `size` ranks (`size >= 1`).
    pub fn group(size: usize) -> Vec<Local> {
        let shared = Arc::new(LocalShared {
            slots: Mutex::new(vec![Vec::new(); size]),
            barrier: Barrier::new(size),
        });
        (0..size)
            .map(|rank| Local {
                rank,
                shared: shared.clone(),
            })
            .collect()
    }
}

impl Local {
    /// Runs `f(rank)` on `size` new threads, one per rank of a new group,
    /// each with its rank's handle as its [`current`] group; the results in
    /// rank order. A rank that panics panics here (after the others end, so
    /// a rank left waiting in a collective would hang: tests only).
    pub fn run<T: Send + 'static>(size: usize, f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
        let f = Arc::new(f);
        let handles: Vec<_> = Local::group(size)
            .into_iter()
            .enumerate()
            .map(|(rank, c)| {
                let f = f.clone();
                std::thread::spawn(move || scoped(Arc::new(c), || f(rank)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    }
}

impl Collective for Local {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.shared.slots.lock().map_or(1, |s| s.len())
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        if let Ok(mut slots) = self.shared.slots.lock() {
            slots[self.rank] = mine.to_vec();
        }
        self.shared.barrier.wait();
        let all = self.shared.slots.lock().map(|s| s.clone()).unwrap_or_default();
        // Nobody writes the next round's slot before every rank has read this one.
        self.shared.barrier.wait();
        all
    }
    fn barrier(&self) {
        self.shared.barrier.wait();
    }
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

static INSTALLED: OnceLock<Arc<dyn Collective>> = OnceLock::new();

/// How many [`alone`] calls are running: while any is, a thread without a
/// [`scoped`] group works alone.
static ALONE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SCOPED: RefCell<Option<Arc<dyn Collective>>> = const { RefCell::new(None) };
}

/// Makes `collective` the process's group for the rest of its life; false
/// (and nothing changes) when one was installed already.
pub fn install(collective: Arc<dyn Collective>) -> bool {
    INSTALLED.set(collective).is_ok()
}

/// The group the calling thread works in: the one [`scoped`] set on this
/// thread, else [`Single`] while [`alone`] runs, else the installed one,
/// else [`Single`].
pub fn current() -> Arc<dyn Collective> {
    if let Some(c) = SCOPED.with(|s| s.borrow().clone()) {
        return c;
    }
    if ALONE.load(Ordering::SeqCst) > 0 {
        return Arc::new(Single);
    }
    INSTALLED.get().cloned().unwrap_or_else(|| Arc::new(Single))
}

/// Runs `f` with this process working alone: [`current`] is [`Single`] on
/// this thread and on every thread without a [`scoped`] group (the rayon
/// workers that `f` hands work to), until `f` returns. A task-parallel job
/// runs each fit on one rank this way, talking to the other ranks only
/// through a handle taken before.
pub fn alone<T>(f: impl FnOnce() -> T) -> T {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            ALONE.fetch_sub(1, Ordering::SeqCst);
        }
    }
    ALONE.fetch_add(1, Ordering::SeqCst);
    let _leave = Leave;
    scoped(Arc::new(Single), f)
}

/// Runs `f` with `collective` as this thread's group (for tests and for a
/// service that runs several groups); the previous one is restored after.
pub fn scoped<T>(collective: Arc<dyn Collective>, f: impl FnOnce() -> T) -> T {
    let before = SCOPED.with(|s| s.borrow_mut().replace(collective));
    struct Restore(Option<Arc<dyn Collective>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            SCOPED.with(|s| *s.borrow_mut() = before);
        }
    }
    let _restore = Restore(before);
    f()
}

/// Every rank's `values`, concatenated in rank order (every rank must
/// call it; one process gets its own).
pub fn concat_u32(comm: &dyn Collective, values: &[u32]) -> Vec<u32> {
    if comm.size() == 1 {
        return values.to_vec();
    }
    let mine: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    comm.all_gather(&mine)
        .iter()
        .flat_map(|part| {
            part.chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every rank's count `n` (its rows, say), in rank order; every rank must
/// call it. One process gets `[n]`.
pub fn counts(comm: &dyn Collective, n: usize) -> Vec<usize> {
    comm.all_gather(&(n as u64).to_le_bytes())
        .iter()
        .map(|b| {
            let word = b.get(..8).and_then(|w| w.try_into().ok()).unwrap_or_default();
            usize::try_from(u64::from_le_bytes(word)).unwrap_or(usize::MAX)
        })
        .collect()
}

/// Splits `0..n` into `size` contiguous ranges, the first `n % size` one
/// longer: the rows (or files, or row groups) of rank `rank`.
pub fn share(n: usize, size: usize, rank: usize) -> std::ops::Range<usize> {
    let (base, extra) = (n / size.max(1), n % size.max(1));
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reduce_scatter_gives_each_rank_its_block_of_the_sums() {
        let out = Local::run(3, |rank| {
            let values: Vec<u64> = (0..6).map(|i| (i * 10 + rank) as u64 + u64::MAX / 2).collect();
            current().reduce_scatter_u64(&values, &[1, 3, 2])
        });
        let sum = |i: usize| (0..3).fold(0u64, |s, r| s.wrapping_add((i * 10 + r) as u64 + u64::MAX / 2));
        assert_eq!(
            out,
            [vec![sum(0)], vec![sum(1), sum(2), sum(3)], vec![sum(4), sum(5)]]
        );
    }

    #[test]
    fn all_reduce_sums_in_rank_order_and_every_rank_gets_the_same_bits() {
        let out = Local::run(3, |rank| {
            let c = current();
            let mut v = vec![0.1 * (rank as f64 + 1.0), 1e16, -(rank as f64)];
            c.all_reduce_f64(&mut v);
            let mut u = vec![rank as u64 + 1];
            c.all_reduce_u64(&mut u);
            (v, u)
        });
        let expected = vec![(0.1 + 0.2) + 0.30000000000000004, 3e16, -3.0];
        for (v, u) in &out {
            assert_eq!(v, &expected);
            assert_eq!(u, &vec![6]);
        }
    }

    #[test]
    fn broadcast_gather_and_failures() {
        let out = Local::run(3, |rank| {
            let c = current();
            let b = c.broadcast(1, format!("from {rank}").as_bytes());
            let g = c.gather(0, &[rank as u8]);
            let outcome = if rank == 2 {
                Err("shard is empty".to_string())
            } else {
                Ok(())
            };
            (b, g, c.failures(outcome))
        });
        for (rank, (b, g, f)) in out.iter().enumerate() {
            assert_eq!(b, b"from 1");
            assert_eq!(g.is_some(), rank == 0);
            assert_eq!(f, &vec![(2, "shard is empty".to_string())]);
        }
        assert_eq!(out[0].1, Some(vec![vec![0], vec![1], vec![2]]));
    }

    #[test]
    fn shares_cover_every_index_once() {
        for n in [0, 1, 5, 10, 11] {
            for size in 1..5 {
                let ranges: Vec<_> = (0..size).map(|r| share(n, size, r)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[size - 1].end, n);
                assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            }
        }
        assert_eq!(share(10, 3, 0), 0..4);
        assert_eq!(share(10, 3, 2), 7..10);
    }

    #[test]
    fn scoped_overrides_and_restores() {
        assert_eq!(current().size(), 1);
        let group = Local::group(2).pop().expect("two ranks");
        let size = scoped(Arc::new(group), || current().size());
        assert_eq!(size, 2);
        assert_eq!(current().size(), 1);
    }
}
