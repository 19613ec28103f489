//! MPI implementation of [`Collective`] (cargo feature `mpi`): the `mlg`
//! binary started by `mpirun`/`srun` with more than one rank ([`detected`])
//! initialises MPI with [`Mpi::init`] and installs the result with
//! [`mlg_runtime::collective::install`]; a plain `mlg run` never touches MPI.
//!
//! Ownership: [`Mpi::init`] returns two things. The [`MpiGuard`] owns rsmpi's
//! `Universe`, whose drop calls `MPI_Finalize`; `main` keeps it in a local
//! until it returns, so MPI is finalised once, after the command's last
//! collective call and on every rank that ends normally. The [`Mpi`] handle
//! is the [`Collective`] that is installed (in a `static` that is never
//! dropped): it holds no MPI object, only the rank and size read at start,
//! and makes every call on `MPI_COMM_WORLD` (a constant handle that needs no
//! freeing). Keeping the `Universe` out of the installed handle is what lets
//! `MPI_Finalize` run at all, since the installed handle lives forever; the
//! price is that the handle must not be used once the guard is dropped, which
//! holds because `main` drops the guard as its last act.
//!
//! Threads: MPI is initialised with [`Threading::Serialized`] (any thread may
//! call MPI, never two at once) and every call holds one process-wide mutex,
//! so the `Send + Sync` bounds of [`Collective`] hold without `unsafe`.

use ::mpi::datatype::{Partition, PartitionMut};
use ::mpi::environment::Universe;
use ::mpi::topology::SimpleCommunicator;
use ::mpi::traits::{Communicator, CommunicatorCollectives, Equivalence, Root};
use ::mpi::{Count, Threading};
use mlg_runtime::collective::Collective;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Serialises this process's MPI calls: MPI is one per process, so its lock
/// is too (shared by every [`Mpi`] handle).
static MPI_CALLS: Mutex<()> = Mutex::new(());

/// Collective calls this process made, and the bytes it sent to other ranks
/// (an all-gather sends this rank's part to each of them; a reduce-scatter
/// sends each rank its block).
static CALLS: AtomicU64 = AtomicU64::new(0);
static SENT: AtomicU64 = AtomicU64::new(0);

/// This process's collective calls so far and the bytes it sent to other
/// ranks, for `MLG_MPI_STATS=1` and `benches/distributed.sh`.
pub fn traffic() -> (u64, u64) {
    (CALLS.load(Ordering::Relaxed), SENT.load(Ordering::Relaxed))
}

/// Counts one collective call sending `bytes` to other ranks.
fn count(bytes: usize) {
    CALLS.fetch_add(1, Ordering::Relaxed);
    SENT.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// Where each of the consecutive parts of `sizes` elements starts.
fn displacements(sizes: &[usize]) -> Vec<Count> {
    sizes
        .iter()
        .scan(0, |at, &c| {
            let d = *at;
            *at += c;
            Some(d as Count)
        })
        .collect()
}

/// The environment variables that launchers set to the number of processes
/// of the job: Open MPI's `mpirun`/`prterun` (`OMPI_COMM_WORLD_SIZE`), MPICH,
/// Intel MPI and Slurm's PMI-2 plugin (`PMI_SIZE`), and `srun`
/// (`SLURM_STEP_NUM_TASKS`, set for a job step only, unlike `SLURM_NTASKS`,
/// which an `sbatch` script sees too before any `srun`).
const SIZE_VARIABLES: [&str; 3] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"];

/// The number of processes the launcher says the job has: the first of
/// [`SIZE_VARIABLES`] that is set and parses as a number.
fn launched_size() -> Option<usize> {
    SIZE_VARIABLES
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
}

/// True when the environment says this process was started by `mpirun`,
/// `mpiexec` or `srun` as one of more than one rank: `OMPI_COMM_WORLD_SIZE`,
/// `PMI_SIZE` or `SLURM_STEP_NUM_TASKS` (the first one set) is above 1. Only
/// then does `mlg` initialise MPI.
pub fn detected() -> bool {
    launched_size().is_some_and(|n| n > 1)
}

/// Keeps MPI initialised: dropping it calls `MPI_Finalize`, after which no
/// [`Mpi`] handle may be used. Hold it until the end of `main`.
pub struct MpiGuard {
    /// rsmpi's handle on the initialised library; its drop finalises MPI.
    _universe: Universe,
}

/// The processes of `MPI_COMM_WORLD` as a [`Collective`].
#[derive(Clone, Debug)]
pub struct Mpi {
    /// This process's rank in the world communicator.
    rank: usize,
    /// The number of processes of the world communicator.
    size: usize,
    /// The most bytes one MPI call gathers (over all ranks together); larger
    /// exchanges are split into rounds. MPI counts are `i32`.
    max_bytes: usize,
}

impl Mpi {
    /// Initialises MPI (threading level `Serialized`) and returns the guard
    /// that finalises it and the handle to install. Errors when MPI was
    /// initialised already, when the library cannot serialise calls from
    /// several threads, or when MPI's world is not the size the launcher
    /// announced (e.g. `srun` without `--mpi=pmix`, where every process would
    /// otherwise run the whole job alone).
    pub fn init() -> Result<(MpiGuard, Mpi), String> {
        let (universe, provided) = ::mpi::initialize_with_threading(Threading::Serialized)
            .ok_or_else(|| "MPI was initialised already".to_string())?;
        if provided < Threading::Serialized {
            return Err(format!(
                "the MPI library provides thread level {provided:?}; mlg needs Serialized"
            ));
        }
        let world = universe.world();
        let rank = usize::try_from(world.rank()).map_err(|_| "negative MPI rank".to_string())?;
        let size = usize::try_from(world.size()).map_err(|_| "negative MPI size".to_string())?;
        if let Some(launched) = launched_size() {
            if launched != size {
                return Err(format!(
                    "the launcher started {launched} processes but MPI sees {size} \
                     (was mlg started by a launcher that this MPI library understands, \
                     e.g. `srun --mpi=pmix`?)"
                ));
            }
        }
        let mpi = Mpi {
            rank,
            size,
            max_bytes: Count::MAX as usize,
        };
        Ok((MpiGuard { _universe: universe }, mpi))
    }

    /// The same group, moving at most `bytes` (at least 1 per rank) per MPI
    /// call; for tests of the split into rounds that exchanges above 2 GiB
    /// need.
    pub fn with_max_bytes(&self, bytes: usize) -> Mpi {
        Mpi {
            max_bytes: bytes.clamp(1, Count::MAX as usize),
            ..self.clone()
        }
    }

    /// Runs `f` on the world communicator, holding the MPI lock.
    fn with_world<T>(&self, f: impl FnOnce(&SimpleCommunicator) -> T) -> T {
        let _serialised = MPI_CALLS.lock().unwrap_or_else(PoisonError::into_inner);
        f(&SimpleCommunicator::world())
    }

    /// Each rank's share of one call's `max_bytes`, in elements of `bytes`
    /// bytes (at least 1).
    fn per_rank(&self, bytes: usize) -> usize {
        (self.max_bytes / bytes.max(1) / self.size.max(1)).max(1)
    }

    /// Replaces every element of `values` by `fold` over the ranks' elements
    /// at that index in rank order, starting from `start(own element)`. Every
    /// rank passes the same length (the contract of the reductions), so every
    /// rank makes the same number of calls.
    fn all_reduce_in_rank_order<T: Equivalence + Copy + Default>(
        &self,
        values: &mut [T],
        start: impl Fn(T) -> T,
        fold: impl Fn(T, T) -> T,
    ) {
        if self.size == 1 {
            return;
        }
        count(std::mem::size_of_val(values) * (self.size - 1));
        let per_rank = self.per_rank(std::mem::size_of::<T>());
        self.with_world(|world| {
            for part in values.chunks_mut(per_rank) {
                let n = part.len();
                let mut all = vec![T::default(); n * self.size];
                world.all_gather_into(&part[..], &mut all[..]);
                // Rank by rank over contiguous slices (vectorisable), each
                // element still folded in rank order.
                for v in part.iter_mut() {
                    *v = start(*v);
                }
                for theirs in all.chunks_exact(n) {
                    for (v, &x) in part.iter_mut().zip(theirs) {
                        *v = fold(*v, x);
                    }
                }
            }
        });
    }
}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    /// The lengths first (one `u64` per rank), then the bytes with
    /// `MPI_Allgatherv`, in rounds of at most `max_bytes` when the total is
    /// larger (each rank sends its next `max_bytes / size` bytes per round).
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        if self.size == 1 {
            return vec![mine.to_vec()];
        }
        count(mine.len() * (self.size - 1));
        self.with_world(|world| {
            let mut lens = vec![0u64; self.size];
            world.all_gather_into(&(mine.len() as u64), &mut lens[..]);
            let lens: Vec<usize> = lens.iter().map(|&n| n as usize).collect();
            let mut out: Vec<Vec<u8>> = lens.iter().map(|&n| Vec::with_capacity(n)).collect();
            let chunk = self.per_rank(1);
            let rounds = lens.iter().map(|n| n.div_ceil(chunk)).max().unwrap_or(0);
            let mut received = Vec::new();
            for round in 0..rounds {
                let from = round * chunk;
                let counts: Vec<usize> = lens.iter().map(|&n| n.saturating_sub(from).min(chunk)).collect();
                let displs = displacements(&counts);
                let counts_c: Vec<Count> = counts.iter().map(|&c| c as Count).collect();
                received.clear();
                received.resize(counts.iter().sum(), 0u8);
                let send = &mine[from.min(mine.len())..(from + chunk).min(mine.len())];
                {
                    let mut partition = PartitionMut::new(&mut received[..], &counts_c[..], &displs[..]);
                    world.all_gather_varcount_into(send, &mut partition);
                }
                for ((o, &c), &d) in out.iter_mut().zip(&counts).zip(&displs) {
                    o.extend_from_slice(&received[d as usize..d as usize + c]);
                }
            }
            out
        })
    }

    /// The lengths with `MPI_Allgather` (so every rank takes the same way),
    /// then the bytes with `MPI_Gatherv` to `root` alone; beyond one call's
    /// `max_bytes`, the default (an all-gather, in rounds).
    fn gather(&self, root: usize, mine: &[u8]) -> Option<Vec<Vec<u8>>> {
        if self.size == 1 {
            return Some(vec![mine.to_vec()]);
        }
        let lens = self.with_world(|world| {
            let mut lens = vec![0u64; self.size];
            world.all_gather_into(&(mine.len() as u64), &mut lens[..]);
            lens
        });
        let lens: Vec<usize> = lens.iter().map(|&n| n as usize).collect();
        if lens.iter().sum::<usize>() > self.max_bytes {
            let all = self.all_gather(mine);
            return (self.rank == root).then_some(all);
        }
        count(if self.rank == root { 0 } else { mine.len() });
        self.with_world(|world| {
            let at = world.process_at_rank(root as Count);
            if self.rank != root {
                at.gather_varcount_into(mine);
                return None;
            }
            let counts: Vec<Count> = lens.iter().map(|&n| n as Count).collect();
            let displs = displacements(&lens);
            let mut received = vec![0u8; lens.iter().sum()];
            {
                let mut partition = PartitionMut::new(&mut received[..], &counts[..], &displs[..]);
                at.gather_varcount_into_root(mine, &mut partition);
            }
            Some(
                lens.iter()
                    .zip(&displs)
                    .map(|(&n, &d)| received[d as usize..d as usize + n].to_vec())
                    .collect(),
            )
        })
    }

    fn barrier(&self) {
        self.with_world(|world| world.barrier());
    }

    /// `MPI_Abort` on the world communicator. It does not take the MPI lock:
    /// the job is ending, and a thread stuck in a collective must not keep
    /// this one from ending it.
    fn abort(&self, code: i32) -> ! {
        SimpleCommunicator::world().abort(code)
    }

    /// Gathers the vectors with `MPI_Allgather` (equal counts) and adds them
    /// in rank order, starting from 0.0: the same bits as the default.
    fn all_reduce_f64(&self, values: &mut [f64]) {
        self.all_reduce_in_rank_order(values, |_| 0.0, |a, b| a + b);
    }

    /// `MPI_Alltoallv`: rank `r` receives block `r` of every rank's
    /// `values` (the blocks of the others stay where they are) and adds them
    /// (wrapping). Beyond one call's `max_bytes`, the default (every block
    /// to every rank).
    fn reduce_scatter_u64(&self, values: &[u64], counts: &[usize]) -> Vec<u64> {
        let at: usize = counts[..self.rank].iter().sum();
        let own = counts[self.rank];
        if self.size == 1 {
            return values[at..at + own].to_vec();
        }
        let total = values.len().max(own * self.size);
        if counts.len() != self.size || total > self.per_rank(8) * self.size {
            let mut all = values.to_vec();
            self.all_reduce_u64(&mut all);
            return all[at..at + own].to_vec();
        }
        count(8 * (values.len() - own));
        let send_counts: Vec<Count> = counts.iter().map(|&c| c as Count).collect();
        let send_displs = displacements(counts);
        let recv_sizes = vec![own; self.size];
        let recv_counts: Vec<Count> = recv_sizes.iter().map(|&c| c as Count).collect();
        let recv_displs = displacements(&recv_sizes);
        let mut received = vec![0u64; own * self.size];
        self.with_world(|world| {
            let send = Partition::new(values, &send_counts[..], &send_displs[..]);
            let mut recv = PartitionMut::new(&mut received[..], &recv_counts[..], &recv_displs[..]);
            world.all_to_all_varcount_into(&send, &mut recv);
        });
        let mut block = vec![0u64; own];
        for theirs in received.chunks_exact(own.max(1)) {
            for (v, &x) in block.iter_mut().zip(theirs) {
                *v = v.wrapping_add(x);
            }
        }
        block
    }

    /// As [`Collective::all_reduce_f64`], with wrapping addition.
    fn all_reduce_u64(&self, values: &mut [u64]) {
        self.all_reduce_in_rank_order(values, |_| 0, u64::wrapping_add);
    }

    /// As the default: this rank's value, then every rank's in rank order.
    fn all_reduce_extreme(&self, values: &mut [f64], max: bool) {
        self.all_reduce_in_rank_order(values, |own| own, |a, b| if max { a.max(b) } else { a.min(b) });
    }
}
